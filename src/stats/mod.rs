//! Statistics for physics: power-law fits (Clauset–Shalizi–Newman), least squares and
//! Levenberg–Marquardt, curve crossings and finite-size-scaling collapse, resampling errors.
//! Plain Rust; `script.rs` is the rhai API.

pub mod fit;
pub mod powerlaw;
pub mod script;
pub mod special;
