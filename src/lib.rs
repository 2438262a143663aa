//! disco: a scripting workbench for the physics of disordered systems.
//!
//! Layout: `engine` builds the one rhai engine; `args` holds the argument helpers every
//! `script.rs` uses; each domain is a folder with plain-Rust physics in `mod.rs` and its rhai
//! API in `script.rs`.

// Numerical kernels index arrays the way the equations they implement do (H[i][j], ψ[s]).
#![allow(clippy::needless_range_loop, clippy::type_complexity)]

pub mod args;
pub mod array;
pub mod convert;
pub mod diagnostics;
pub mod display;
pub mod docs;
pub mod engine;
pub mod ensemble;
pub mod graph;
pub mod io;
pub mod ising;
pub mod kernel;
pub mod lattice;
pub mod linalg;
pub mod memory;
pub mod ml;
pub mod patterns;
pub mod percolation;
pub mod plot;
pub mod progress;
pub mod repl;
pub mod rng;
pub mod session;
pub mod springs;
pub mod stats;
pub mod studies;
pub mod tightbinding;

pub use engine::build_engine;

/// Register every physics domain (called by `build_engine`).
pub(crate) fn register_domains(engine: &mut rhai::Engine) {
    use args::in_domain;
    in_domain(engine, "ensembles", ensemble::script::register);
    in_domain(engine, "figures", plot::script::register);
    in_domain(engine, "lattices", lattice::script::register);
    in_domain(engine, "tight binding", |e| {
        tightbinding::script::register(e);
        tightbinding::hermitian_script::register(e);
    });
    in_domain(engine, "statistics and fits", stats::script::register);
    in_domain(engine, "percolation", percolation::script::register);
    in_domain(engine, "graphs", graph::script::register);
    in_domain(engine, "Ising model", ising::script::register);
    in_domain(
        engine,
        "point patterns and evolving networks",
        patterns::script::register,
    );
    in_domain(engine, "neural networks", ml::script::register);
    in_domain(engine, "spring networks", springs::script::register);
    in_domain(
        engine,
        "studies: seed 000",
        studies::yu2020::script::register,
    );
    in_domain(
        engine,
        "studies: seed 002",
        studies::yu2023::script::register,
    );
}

fn cuda_devices() -> String {
    #[cfg(feature = "cuda")]
    {
        match candle_core::Device::new_cuda(0) {
            Ok(_) => ", cuda:0".to_string(),
            Err(e) => format!(" (cuda compiled in, no device found: {e})"),
        }
    }
    #[cfg(not(feature = "cuda"))]
    {
        " (cuda not compiled in: build with --features cuda)".to_string()
    }
}

/// Version and build facts for `disco doctor`.
pub fn doctor() -> String {
    let features: Vec<&str> = [("cuda", cfg!(feature = "cuda"))]
        .iter()
        .filter(|(_, on)| *on)
        .map(|(n, _)| *n)
        .collect();
    format!(
        "disco {}\nfeatures: {}\nthreads: {} (rayon; RAYON_NUM_THREADS overrides)\ndevices: cpu{}\n",
        env!("CARGO_PKG_VERSION"),
        if features.is_empty() { "none".to_string() } else { features.join(", ") },
        rayon::current_num_threads(),
        cuda_devices(),
    )
}
