//! Seed 002: S. Yu, "Evolving scattering networks for engineering disorder", Nat. Comput. Sci.
//! (2023): the paper's length scales of a disk of particles. The point patterns, structure
//! factors and evolving networks it uses are generic (`patterns`).

pub mod script;
