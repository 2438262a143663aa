//! Seed 000: Yu, Piao & Park, Nat. Commun. 11, 4842 (2020): mode areas of displaced square
//! lattices with all-pairs exponential hopping, their data sets and the single-atom attack.

pub mod script;
