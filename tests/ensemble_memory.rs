//! A reduction keeps running moments, not the realizations: its memory does not grow with n.
//! (Its own test binary: the peak memory of child processes is read for this process's
//! children, so no other test may run disco beside it.)

use std::process::Command;

fn peak_child_rss_mb() -> f64 {
    // SAFETY: getrusage fills the struct it is given
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
    u.ru_maxrss as f64 / 1024.0
}

#[test]
fn a_mean_over_more_realizations_than_memory_holds_runs_in_little_memory() {
    // 4000 realizations of 10⁵ values: 3.2 GB stacked, a few MB as running moments
    let out = Command::new(env!("CARGO_BIN_EXE_disco"))
        .args([
            "eval",
            "let m = ensemble(4000, |i| uniform(100000, 0.0, 1.0), #{reduce: \"mean\", seed: 1}); \
             [m.mean.mean(), m.std.mean(), m.n]",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Vec<f64> = text
        .trim()
        .trim_matches(|c| c == '[' || c == ']')
        .split(',')
        .map(|x| x.trim().parse().unwrap())
        .collect();
    assert!((v[0] - 0.5).abs() < 1e-3, "{v:?}");
    assert!((v[1] - (1.0f64 / 12.0).sqrt()).abs() < 1e-3, "{v:?}");
    assert_eq!(v[2], 4000.0);
    let peak = peak_child_rss_mb();
    assert!(peak < 400.0, "peak memory {peak} MB");
}
