//! The layering of ARCHITECTURE.md, checked on the sources: the linear algebra imports no
//! domain and no study, domains name no paper, and studies are imported by nothing but the
//! registration in lib.rs.

use std::path::Path;

fn sources(dir: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                // code only: comments may cite papers
                let code: String = text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect::<Vec<_>>()
                    .join("\n");
                out.push((p.display().to_string(), code));
            }
        }
    }
    out
}

const DOMAINS: [&str; 12] = [
    "array",
    "graph",
    "io",
    "ising",
    "lattice",
    "ml",
    "patterns",
    "percolation",
    "plot",
    "springs",
    "stats",
    "tightbinding",
];

#[test]
fn linalg_knows_no_physics() {
    for (file, code) in sources("linalg") {
        for d in DOMAINS.iter().chain(&["studies"]) {
            assert!(
                !code.contains(&format!("crate::{d}::")),
                "{file} imports crate::{d}: linalg must not depend on a domain"
            );
        }
        assert!(!code.contains("rhai::"), "{file}: linalg has no rhai types");
    }
}

#[test]
fn domains_name_no_paper_and_import_no_study() {
    for d in DOMAINS {
        for (file, code) in sources(d) {
            for paper in ["yu_", "zhu_", "bayo_"] {
                let hit = code
                    .match_indices(paper)
                    .any(|(i, _)| i == 0 || !code.as_bytes()[i - 1].is_ascii_alphanumeric());
                assert!(
                    !hit,
                    "{file} names a paper ({paper}…): move it to src/studies/"
                );
            }
            assert!(!code.contains("crate::studies"), "{file} imports a study");
        }
    }
}

#[test]
fn ensemble_records_and_cluster_code_are_plain_rust() {
    // the record files, reductions and Slurm scripts are testable without an interpreter; only
    // ensemble/script.rs runs script closures
    for (file, code) in sources("ensemble") {
        if file.ends_with("script.rs") {
            continue;
        }
        assert!(
            !code.contains("rhai::"),
            "{file}: keep rhai in ensemble/script.rs"
        );
        for d in DOMAINS.iter().chain(&["studies"]) {
            assert!(
                !code.contains(&format!("crate::{d}::")) || *d == "io",
                "{file} imports crate::{d}: ensembles know no physics"
            );
        }
    }
}

#[test]
fn domain_physics_is_plain_rust() {
    // the rhai layer of a domain is its script files; the rest is testable without an engine
    for d in DOMAINS {
        for (file, code) in sources(d) {
            if file.ends_with("script.rs") {
                continue;
            }
            assert!(
                !code.contains("rhai::") && !code.contains("use rhai"),
                "{file} uses rhai: conversions go to a script.rs or to src/convert.rs"
            );
        }
    }
}

#[test]
fn session_state_is_the_engines_not_the_threads() {
    // the script's seed and parameters live in the engine's session (src/session.rs); the
    // generator module holds no state of its own
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for f in ["rng.rs", "engine.rs"] {
        let text = std::fs::read_to_string(root.join(f)).unwrap();
        assert!(
            !text.contains("thread_local!"),
            "{f} keeps per-thread state"
        );
    }
}

#[test]
fn simd_is_one_dispatch_on_pulp() {
    // vector kernels are written on pulp's types and dispatched by linalg/simd.rs: no
    // target_feature functions, raw intrinsics or feature detection anywhere else
    for (file, code) in sources("") {
        if file.ends_with("linalg/simd.rs") {
            continue;
        }
        for banned in [
            "target_feature",
            "is_x86_feature_detected",
            "_mm256_",
            "core::arch::",
            "std::arch::",
        ] {
            assert!(
                !code.contains(banned),
                "{file} uses {banned}: write the kernel on pulp's types and run it through linalg::simd"
            );
        }
    }
}
