//! Each seed script's quick mode, run as a user would (`disco run scripts/X.rhai quick=true
//! out=DIR`), with its headline numbers checked against the paper's claims.

use std::path::PathBuf;

fn run_script(name: &str) -> serde_json::Value {
    let out: PathBuf =
        std::env::temp_dir().join(format!("disco-seed-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_disco"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "--quiet",
            "run",
            &format!("scripts/{name}.rhai"),
            "quick=true",
            &format!("out={}", out.display()),
        ])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(out.join("results.json")).unwrap();
    for entry in std::fs::read_dir(&out).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "png") {
            assert!(
                std::fs::metadata(&p).unwrap().len() > 10_000,
                "{} is suspiciously small",
                p.display()
            );
        }
    }
    serde_json::from_str(&text).unwrap()
}

#[test]
fn yu2023_evolving_networks_quick() {
    let r = run_script("yu2023_evolving_networks");
    let g = |k: &str| r[k].as_f64().unwrap_or_else(|| panic!("{k}"));
    assert!((g("d_c") - 0.0894).abs() < 1e-4 && (g("k_c") - 70.248).abs() < 1e-3);
    assert_eq!(r["crystal_points"], 149);
    assert_eq!(r["n_B1"], 125);
    assert!(g("shu_S_L") < 0.2, "SHU ⟨S_500⟩_KL {}", g("shu_S_L"));
    assert!(g("eq8_error") < 1e-10);
    assert!((g("shu_degree_peak_L") + 0.926).abs() < 0.25);
    assert_eq!(r["preference_order_ok"], true);
    let s = &r["screening"];
    let (a, b) = (
        s["SHU→Poisson"]["S_L"].as_f64().unwrap(),
        s["Poisson→SHU"]["S_L"].as_f64().unwrap(),
    );
    assert!(b < 0.5 * a, "screening: Poisson→SHU {b} vs SHU→Poisson {a}");
    // Poisson ≈ 1 in K_S, crystal suppressed in K_L
    assert!((r["materials"]["poisson"]["S_S"].as_f64().unwrap() - 1.0).abs() < 0.15);
    assert!(r["materials"]["crystal"]["S_L"].as_f64().unwrap() < 0.2);
}
