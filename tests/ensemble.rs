//! `ensemble` as a user runs it: the same bits for any thread count, shard count or restart
//! (after kill -9), errors that name the realization and the line, reductions that agree with
//! the stacked statistics, and the Slurm batch scripts run by hand.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn disco() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_disco"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("SLURM_ARRAY_TASK_ID");
    c.env_remove("SLURM_ARRAY_TASK_COUNT");
    c
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = disco().args(args).output().expect("run disco");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("disco-ens-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

/// Two ensembles (stacked and reduced), with random numbers from the realization streams, an
/// explicit-seed function fed the realization seed, a captured variable and a map result.
const STUDY: &str = r#"
let out = param("out", "out");
let n = param("n", 150);
seed(7);
let W = 2.0;
let r = ensemble(n, |i, s| {
    let a = normal([6, 6], 0.0, W);
    #{top: eigvalsh(a + a.T).max(), draws: uniform(3, 0.0, 1.0, s), i: i}
});
let m = ensemble(n * 2 + 5, |i| normal(4, 1.0, 2.0), #{reduce: "mean"});
save(out + "/results.json", #{top: r.top.mean(), first: r.top.slice(0, 4), draws: r.draws.sum(),
    idx: r.i.sum(), mean: m.mean, err: m.err, std: m.std, count: m.n});
save(out + "/top.npy", r.top);
print(to_json(#{top: r.top.mean(), m: m.mean}));
"#;

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let d = tmpdir("threads");
    let s = write(&d, "study.rhai", STUDY);
    let mut outs = Vec::new();
    for t in ["1", "2", "3"] {
        let o = d.join(format!("t{t}"));
        let (code, out, err) = run(&["--threads", t, "run", &s, &format!("out={}", o.display())]);
        assert_eq!(code, 0, "{err}");
        outs.push((out, std::fs::read(o.join("results.json")).unwrap()));
    }
    assert_eq!(outs[0], outs[1]);
    assert_eq!(outs[0], outs[2]);
    // realization indices all there, in order
    let v: serde_json::Value = serde_json::from_slice(&outs[0].1).unwrap();
    assert_eq!(v["idx"].as_f64().unwrap(), (0..150).sum::<i32>() as f64);
    assert_eq!(v["count"].as_i64().unwrap(), 305);
    // mean of N(1, 2²): within 5 standard errors, and the error is σ/√n
    for k in 0..4 {
        let mean = v["mean"][k].as_f64().unwrap();
        let err = v["err"][k].as_f64().unwrap();
        assert!((err - 2.0 / 305f64.sqrt()).abs() < 0.03, "err {err}");
        assert!((mean - 1.0).abs() < 5.0 * err, "mean {mean} ± {err}");
        let std = v["std"][k].as_f64().unwrap();
        assert!((std - 2.0).abs() < 0.3, "std {std}");
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn shards_merged_give_the_bytes_of_one_run() {
    let d = tmpdir("shards");
    let s = write(&d, "study.rhai", STUDY);
    let one = d.join("one");
    let (code, _, err) = run(&["run", &s, &format!("out={}", one.display())]);
    assert_eq!(code, 0, "{err}");
    for shards in [2usize, 3, 7] {
        let o = d.join(format!("s{shards}"));
        let out_arg = format!("out={}", o.display());
        for i in 0..shards {
            let (code, _, err) = run(&["run", &s, "--shard", &format!("{i}/{shards}"), &out_arg]);
            assert_eq!(code, 0, "shard {i}/{shards}: {err}");
            assert!(err.contains("saved in"), "{err}");
        }
        // a shard writes none of the script's files: only the merge does
        assert!(!o.join("results.json").exists());
        let (code, _, err) = run(&["merge", &o.to_string_lossy()]);
        assert_eq!(code, 0, "merge of {shards}: {err}");
        for f in ["results.json", "top.npy"] {
            assert_eq!(
                std::fs::read(one.join(f)).unwrap(),
                std::fs::read(o.join(f)).unwrap(),
                "{f} differs with {shards} shards"
            );
        }
    }
    // a missing shard is named, with its log when there is one
    let o = d.join("missing");
    let out_arg = format!("out={}", o.display());
    for i in [0, 2] {
        let (code, _, err) = run(&["run", &s, "--shard", &format!("{i}/3"), &out_arg]);
        assert_eq!(code, 0, "{err}");
    }
    std::fs::create_dir_all(o.join(".shards/logs")).unwrap();
    std::fs::write(o.join(".shards/logs/task-1.log"), "killed\n").unwrap();
    let (code, _, err) = run(&["merge", &o.to_string_lossy()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("incomplete") && err.contains("shard 1 (log "),
        "{err}"
    );
    assert!(err.contains("--only 1"), "{err}");
    // re-running only that shard completes the run
    let (code, _, err) = run(&["run", &s, "--shard", "1/3", &out_arg]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&["merge", &o.to_string_lossy()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read(one.join("results.json")).unwrap(),
        std::fs::read(o.join("results.json")).unwrap()
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn the_slurm_array_scripts_run_the_shards_and_the_merge() {
    // the batch scripts as Slurm would run them: each array task with its SLURM_ARRAY_TASK_ID,
    // then the merge (a real Slurm runs them in .ci/slurm-test)
    let d = tmpdir("slurm");
    let s = write(&d, "study.rhai", STUDY);
    let one = d.join("one");
    let (code, _, err) = run(&["run", &s, &format!("out={}", one.display())]);
    assert_eq!(code, 0, "{err}");
    let o = d.join("cluster");
    let out_arg = format!("out={}", o.display());
    let (code, out, err) = run(&[
        "slurm", &s, "--tasks", "4", "--time", "00:10:00", &out_arg, "n=150",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("array.sbatch"), "{out}");
    let array = o.join(".shards/slurm/array.sbatch");
    let text = std::fs::read_to_string(&array).unwrap();
    for want in [
        "#SBATCH --array=0-3",
        "#SBATCH --time=00:10:00",
        "--shard \"$SLURM_ARRAY_TASK_ID/4\"",
        "n=150",
        "task-%a.log",
    ] {
        assert!(text.contains(want), "{want} not in\n{text}");
    }
    for i in 0..4 {
        let st = Command::new("sh")
            .arg(&array)
            .env("SLURM_ARRAY_TASK_ID", i.to_string())
            .env("SLURM_ARRAY_TASK_COUNT", "4")
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success());
    }
    let merge = o.join(".shards/slurm/merge.sbatch");
    let st = Command::new("sh").arg(&merge).status().unwrap();
    assert!(st.success());
    assert_eq!(
        std::fs::read(one.join("results.json")).unwrap(),
        std::fs::read(o.join("results.json")).unwrap()
    );
    // --only re-submits just the named shards
    let (code, _, err) = run(&["slurm", &s, "--tasks", "4", "--only", "1,3", &out_arg]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&array).unwrap();
    assert!(text.contains("#SBATCH --array=1,3"), "{text}");
    let (code, _, err) = run(&["slurm", &s, "--tasks", "4", "--only", "4", &out_arg]);
    assert_eq!(code, 2, "{err}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_checkpointed_run_killed_and_run_again_gives_the_same_bytes() {
    let d = tmpdir("resume");
    let src = r#"
let out = param("out", "out");
let r = ensemble(240, |i| { sleep(0.01); normal(3, 0.0, 1.0) }, #{checkpoint: out + "/ck.bin"});
let m = ensemble(240, |i| { sleep(0.01); normal(3, 0.0, 1.0) }, #{checkpoint: out + "/ck2.bin", reduce: "mean"});
save(out + "/r.npy", r);
save(out + "/m.json", m);
"#;
    let s = write(&d, "slow.rhai", src);
    let full = d.join("full");
    let (code, _, err) = run(&["run", &s, &format!("out={}", full.display())]);
    assert_eq!(code, 0, "{err}");
    let part = d.join("part");
    let out_arg = format!("out={}", part.display());
    // kill -9 twice: once in the first ensemble, once in the second
    for wait_ms in [700u64, 1900] {
        let mut child = disco()
            .args(["run", &s, &out_arg])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(wait_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
    }
    assert!(part.join("ck.bin").exists());
    let (code, _, err) = run(&["run", &s, &out_arg]);
    assert_eq!(code, 0, "{err}");
    for f in ["r.npy", "m.json"] {
        assert_eq!(
            std::fs::read(full.join(f)).unwrap(),
            std::fs::read(part.join(f)).unwrap(),
            "{f}"
        );
    }
    // a checkpoint of another ensemble is refused, not mixed in
    let other = src.replace("240", "241");
    let s2 = write(&d, "other.rhai", &other);
    let (code, _, err) = run(&["run", &s2, &out_arg]);
    assert_eq!(code, 1);
    assert!(err.contains("holds another ensemble"), "{err}");
    // so is one whose closure changed (same n and seed)
    let edited = src.replacen("normal(3, 0.0, 1.0)", "normal(3, 0.0, 2.0)", 1);
    let s3 = write(&d, "slow.rhai", &edited);
    let (code, _, err) = run(&["run", &s3, &out_arg]);
    assert_eq!(code, 1);
    assert!(err.contains("holds another ensemble"), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn errors_name_the_realization_and_the_line() {
    let d = tmpdir("errors");
    let s = write(
        &d,
        "bad.rhai",
        "fn inner(i) {\n  if i == 37 { throw \"bad value\"; }\n  i\n}\nlet r = ensemble(100, |i| {\n  inner(i) * 2\n});\n",
    );
    let (code, _, err) = run(&["run", &s]);
    assert_eq!(code, 1);
    assert!(err.contains("bad.rhai:2:"), "{err}");
    assert!(err.contains("realization 37 of 'ensemble'"), "{err}");
    let cases = [
        (
            "ensemble(10, |i| \"text\")",
            "realization 0 returned string",
        ),
        (
            "ensemble(10, |i| if i == 3 { [1, 2] } else { [1, 2, 3] })",
            "realization 3 returned shape [2]",
        ),
        (
            "ensemble(10, |i| if i == 5 { #{a: 1} } else { #{a: 1, b: 2} })",
            "realization 5 returned keys",
        ),
        ("ensemble(10, |a, b, c| 1)", "expected |i| or |i, seed|"),
        ("ensemble(0, |i| 1)", "argument 'n'"),
        (
            "ensemble(3, |i| 1, #{reduc: \"mean\"})",
            "unknown option 'reduc'",
        ),
        (
            "ensemble(3, |i| 1, #{reduce: \"median\"})",
            "must be one of stack, mean",
        ),
    ];
    for (expr, want) in cases {
        let (code, _, err) = run(&["eval", expr]);
        assert_eq!(code, 1, "{expr}");
        assert!(err.contains(want), "{expr}: {err}");
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn the_reduction_agrees_with_the_stacked_statistics() {
    let (code, out, err) = run(&[
        "eval",
        "let a = ensemble(500, |i| uniform(7, 0.0, 1.0), #{seed: 3}); \
         let m = ensemble(500, |i| uniform(7, 0.0, 1.0), #{seed: 3, reduce: \"mean\"}); \
         let d1 = (a.mean(0) - m.mean).abs().max(); \
         let d2 = (a.std_axis(0) * sqrt(500.0 / 499.0) - m.std).abs().max(); \
         let d3 = (m.std / sqrt(500.0) - m.err).abs().max(); \
         [d1, d2, d3, a.shape[0], a.shape[1]]",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Vec<f64> = out
        .trim()
        .trim_matches(|c| c == '[' || c == ']')
        .split(',')
        .map(|x| x.trim().parse().unwrap())
        .collect();
    assert!(v[0] < 1e-13 && v[1] < 1e-13 && v[2] < 1e-15, "{v:?}");
    assert_eq!((v[3], v[4]), (500.0, 7.0));
}

/// Seed, parameters and the ensemble count belong to the engine: two engines on one thread,
/// interleaved, each draw their own script stream, read their own parameters, and number their
/// ensembles from 0, and an ensemble's realizations leave the caller's stream where it was.
#[test]
fn two_engines_on_one_thread_keep_their_own_state() {
    let a = disco::build_engine();
    let b = disco::build_engine();
    let mut pa = std::collections::BTreeMap::new();
    pa.insert("L".to_string(), "12".to_string());
    disco::engine::set_params(&a, pa);
    a.run("seed(5);").unwrap();
    let a1: f64 = a.eval("uniform(1, 0.0, 1.0)[0]").unwrap();
    let b1: f64 = b.eval("uniform(1, 0.0, 1.0)[0]").unwrap();
    let a2: f64 = a.eval("uniform(1, 0.0, 1.0)[0]").unwrap();
    let fresh = disco::build_engine();
    let z: f64 = fresh.eval("uniform(1, 0.0, 1.0)[0]").unwrap();
    let five = disco::build_engine();
    five.run("seed(5);").unwrap();
    let f: Vec<f64> = five
        .eval::<rhai::Array>("[uniform(1, 0.0, 1.0)[0], uniform(1, 0.0, 1.0)[0]]")
        .unwrap()
        .into_iter()
        .map(|x| x.as_float().unwrap())
        .collect();
    assert_eq!(
        (a1, a2),
        (f[0], f[1]),
        "engine a continues its own seed-5 stream"
    );
    assert_eq!(
        b1, z,
        "engine b draws seed 0's first number, untouched by a's seed(5)"
    );
    assert_eq!(a.eval::<i64>("param(\"L\", 4)").unwrap(), 12);
    assert_eq!(b.eval::<i64>("param(\"L\", 4)").unwrap(), 4);
    assert_eq!(disco::engine::unused_params(&a), Vec::<String>::new());
    // an ensemble inside leaves the script stream where it was
    let c = disco::build_engine();
    let d = disco::build_engine();
    let with: f64 = c
        .eval("let e = ensemble(40, |i| uniform(1, 0.0, 1.0)[0], #{seed: 1}); uniform(1, 0.0, 1.0)[0]")
        .unwrap();
    let without: f64 = d.eval("uniform(1, 0.0, 1.0)[0]").unwrap();
    assert_eq!(with, without);
}
