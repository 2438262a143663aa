//! Studies: code named after a paper, built on the generic domains. Domains know no papers;
//! what one paper needs and no other study would (its data-set layout, its attack protocol)
//! lives here under the paper's name.

pub mod yu2020;
pub mod yu2023;
