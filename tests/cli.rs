//! Integration tests that run the built `disco` binary as a user would.

use std::io::Write;
use std::process::{Command, Stdio};

fn disco() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_disco"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
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

fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("disco-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The last line of stdout parsed as a number.
fn number_after(out: &str, key: &str) -> f64 {
    let i = out
        .find(key)
        .unwrap_or_else(|| panic!("'{key}' not in output:\n{out}"));
    let rest = &out[i + key.len()..];
    let tok: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || "+-.eE".contains(*c))
        .collect();
    tok.parse()
        .unwrap_or_else(|_| panic!("no number after '{key}' in:\n{out}"))
}

#[test]
fn eval_prints_the_value() {
    let (code, out, _) = run(&["eval", "let a = linspace(0, 1, 5); (a * 2 + 1).sum()"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "10.0");
    let (_, out, _) = run(&["eval", "sqrt(2) * sqrt(2)"]);
    assert!((out.trim().parse::<f64>().unwrap() - 2.0).abs() < 1e-12);
}

#[test]
fn example_arrays_and_statistics_gives_gaussian_numbers() {
    let (code, out, err) = run(&["run", "examples/arrays_and_statistics.rhai"]);
    assert_eq!(code, 0, "{err}");
    let inside = number_after(&out, "P(|x| < 1) =");
    assert!((inside - 0.6827).abs() < 0.005, "{inside}");
    // P(|x| > 4) = 6.3e-5: a handful of the 10^5 samples fall outside [-4, 4].
    let counted = number_after(&out, "histogram counts sum =");
    assert!((99970.0..=100000.0).contains(&counted), "{counted}");
    let std = number_after(&out, "std =");
    assert!((std - 1.0).abs() < 0.01);
}

#[test]
fn example_parameters_reads_command_line_values() {
    let (code, out, _) = run(&[
        "run",
        "examples/parameters.rhai",
        "n=3",
        "beta=2",
        "label=x",
    ]);
    assert_eq!(code, 0);
    let z = number_after(&out, "Z =");
    assert!((z - (1.0 + (-2.0f64).exp()).powi(3)).abs() < 1e-12, "{out}");
    assert!(out.contains("x: n = 3"));
    let (code, _, err) = run(&["run", "examples/parameters.rhai", "n=abc"]);
    assert_ne!(code, 0);
    assert!(err.contains("'n=abc' is not an integer"), "{err}");
    let (code, _, err) = run(&["run", "examples/parameters.rhai", "nn=3"]);
    assert_eq!(code, 0);
    assert!(
        err.contains("parameter 'nn' was given but the script never reads it"),
        "{err}"
    );
}

#[test]
fn example_data_files_round_trip() {
    let d = tmpdir("data");
    let out_arg = format!("out={}", d.display());
    let (code, out, err) = run(&["run", "examples/data_files.rhai", &out_arg]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("npy shape [11, 2], csv shape [11, 2], json n = 11"),
        "{out}"
    );
    let npy = std::fs::read(d.join("table.npy")).unwrap();
    assert_eq!(&npy[..6], b"\x93NUMPY");
    let csv = std::fs::read_to_string(d.join("table.csv")).unwrap();
    assert!(csv.starts_with("t,t2\n0.0,0.0\n0.1,0.01"), "{csv}");
    let js: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("summary.json")).unwrap()).unwrap();
    assert_eq!(js["n"], 11);
    // No temporary files are left behind by the atomic writes.
    let names: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".tmp")), "{names:?}");
}

#[test]
fn syntax_error_shows_file_line_column_and_caret() {
    let d = tmpdir("syntax");
    let f = d.join("bad.rhai");
    std::fs::write(&f, "let x = 1;\nlet y = (x + ;\n").unwrap();
    let (code, _, err) = run(&["check", f.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.rhai:2:"), "{err}");
    assert!(err.contains("let y = (x + ;") && err.contains('^'), "{err}");
    let (code, _, err) = run(&["run", f.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("bad.rhai:2:"), "{err}");
    std::fs::write(&f, "let x = 1;\nprint(x);\n").unwrap();
    let (code, out, _) = run(&["check", f.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(out.contains("ok"));
}

#[test]
fn runtime_errors_name_function_argument_and_position() {
    let (code, _, err) = run(&["eval", "let a = 1;\nlinspace(0, 1, -3)"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("<eval>:2:1: error: linspace: argument 'n'"),
        "{err}"
    );
    let (_, _, err) = run(&["eval", "zeros([100000, 100000, 100000])"]);
    assert!(
        err.contains("zeros:") && err.contains("would need"),
        "{err}"
    );
    let (_, _, err) = run(&["eval", "histogram(ones(3), 4, 0.0, 0.0 / 0.0)"]);
    assert!(err.contains("histogram: argument 'hi' is NaN"), "{err}");
    // A call that matches no signature lists the registered ones.
    let (_, _, err) = run(&["eval", "linspace(\"a\")"]);
    assert!(err.contains("registered signatures of 'linspace'"), "{err}");
    assert!(
        err.contains("linspace(start: float, stop: float, n: int) -> ndarray"),
        "{err}"
    );
}

#[test]
fn same_seed_gives_identical_output() {
    let script =
        "seed(7); let a = uniform([3, 4], -1, 1); let b = normal(5, 0, 2); to_json([a, b])";
    let (_, a, _) = run(&["eval", script]);
    let (_, b, _) = run(&["eval", script]);
    assert_eq!(a, b);
    let (_, c, _) = run(&["eval", &script.replace("seed(7)", "seed(8)")]);
    assert_ne!(a, c);
    let (_, d, _) = run(&["eval", "to_json(uniform(4, 0, 1, 99))"]);
    let (_, e, _) = run(&["eval", "seed(5); to_json(uniform(4, 0, 1, 99))"]);
    assert_eq!(d, e, "an explicit seed does not depend on the global one");
}

#[test]
fn stdlib_imports_from_any_directory() {
    let d = tmpdir("stdlib");
    let f = d.join("s.rhai");
    std::fs::write(&f, "import \"stats\" as stats;\nlet r = stats::mean_err([1, 2, 3, 4]);\nprint(r.mean);\nprint(r.err);\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_disco"))
        .current_dir(&d)
        .args(["run", "s.rhai"])
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<f64> = s.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(lines[0], 2.5);
    // sample std of 1..4 is 1.2909944; / sqrt(4)
    assert!((lines[1] - 0.6454972243679028).abs() < 1e-15);
}

#[test]
fn doc_lists_functions_and_the_committed_reference_is_current() {
    let (code, out, _) = run(&["doc", "linspace"]);
    assert_eq!(code, 0);
    assert!(out.contains("linspace(start: float, stop: float, n: int) -> ndarray"));
    let (code, _, _) = run(&["doc", "no_such_function"]);
    assert_eq!(code, 1);
    let (_, md, _) = run(&["doc", "--markdown"]);
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/functions.md"))
            .unwrap_or_default();
    assert!(
        md == committed,
        "docs/functions.md is out of date: run `cargo run --release -- doc --markdown > docs/functions.md`"
    );
    // every registered function has a one-line doc
    let undocumented: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("- `") && l.trim_end().ends_with('—'))
        .collect();
    assert!(
        undocumented.is_empty(),
        "functions without a doc line: {undocumented:?}"
    );
}

#[test]
fn threads_flag_sets_the_pool_without_changing_results() {
    let (code, out1, _) = run(&["--threads", "1", "eval", "threads()"]);
    assert_eq!(code, 0);
    assert_eq!(out1.trim(), "1");
    let script = "to_json(localization_dataset(6, #{seed: 3, L: 6}).w_avg)";
    let (_, a, _) = run(&["--threads", "1", "eval", script]);
    let (_, b, _) = run(&["--threads", "2", "eval", script]);
    assert_eq!(a, b);
    let (code, _, err) = run(&["--threads", "0", "eval", "1"]);
    assert_eq!(code, 2);
    assert!(err.contains("at least 1"));
}

#[test]
fn doctor_reports_features_and_threads() {
    let (code, out, _) = run(&["doctor"]);
    assert_eq!(code, 0);
    assert!(out.contains("threads:") && out.contains("features:") && out.contains("devices: cpu"));
}

fn repl(input: &str) -> (i32, String, String) {
    let mut child = disco()
        .arg("repl")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn repl_keeps_variables_functions_and_reads_multiline_input() {
    let input = "let a = linspace(0, 1, 3);\nfn twice(x) {\n  x * 2\n}\ntwice(a).sum()\nlet m = [\n 1,\n 2];\nm.len()\nb_undefined + 1\na.len()\n:load examples/parameters.rhai\nz\n";
    let (_, out, err) = repl(input);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.contains(&"3.0"), "{out}");
    assert!(lines.contains(&"2"), "{out}");
    assert!(err.contains("b_undefined"), "{err}");
    // The session survived the error, and :load ran a script into the session.
    assert!(lines.contains(&"3"), "{out}");
    assert!(out.contains("demo: n = 10"), "{out}");
    let z = (1.0 + (-1.0f64).exp()).powi(10);
    assert!(
        lines
            .iter()
            .any(|l| l.parse::<f64>().is_ok_and(|v| (v - z).abs() < 1e-9)),
        "{out}"
    );
}

#[test]
fn repl_help_prints_signatures() {
    let (_, out, _) = repl("help(\"zeros\")\n");
    assert!(out.contains("zeros(shape: int|array) -> ndarray"), "{out}");
}

#[test]
fn example_spring_networks_prunes_to_auxetic() {
    let d = tmpdir("springs");
    let out_arg = format!("out={}", d.display());
    let (code, out, err) = run(&["--quiet", "run", "examples/spring_networks.rhai", &out_arg]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("floppy modes 3"), "{out}");
    let nu: f64 = out
        .split("ν: ")
        .nth(1)
        .and_then(|s| s.split(" → ").nth(1))
        .and_then(|s| s.split(';').next())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!((nu + 0.8).abs() <= 0.02, "{out}");
    assert!(std::fs::metadata(d.join("springs.png")).unwrap().len() > 10_000);
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    // `disco eval '…' | head`: the reader goes away; no panic message, no error exit status
    let mut child = disco()
        .args(["eval", "for i in 0..200000 { print(i) }"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    use std::io::Read;
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        out.status.success() || out.status.code().is_none(),
        "{:?}",
        out.status
    );
}

#[test]
fn the_repl_and_eval_show_summaries_not_rust_types() {
    let (code, out, err) = run(&[
        "eval",
        "let s = eigh(hamiltonian(lattice(\"chain\", [4]), #{hopping: -1})); [s, lattice(\"square\", [2, 2])]",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("disco::"), "{out}");
    assert!(
        out.contains("spectrum(4 levels") && out.contains("lattice(square"),
        "{out}"
    );
    // :vars: script type names, a shadowed variable once with its newest value
    let (_, out, _) = repl("let a = 1;\nlet a = 2.5;\nlet s = figure();\n:vars\n");
    assert!(!out.contains("disco::") && !out.contains("i64"), "{out}");
    assert_eq!(out.matches("a: ").count(), 1, "{out}");
    assert!(out.contains("a: float = 2.5"), "{out}");
    assert!(out.contains("s: figure = figure("), "{out}");
}

#[test]
fn save_takes_the_value_first_keeps_the_old_order_and_warns_about_nan_in_json() {
    let d = tmpdir("save");
    let p = |f: &str| d.join(f).display().to_string();
    let script = format!(
        "let a = ndarray([1.0, 0.0 / 0.0, 3.0]); a.save(\"{}\"); save(\"{}\", a); \
         #{{x: 1.5}}.save(\"{}\"); [load(\"{}\")[0], load(\"{}\").x]",
        p("a.npy"),
        p("b.json"),
        p("m.json"),
        p("a.npy"),
        p("m.json")
    );
    let (code, out, err) = run(&["eval", &script]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1.5"), "{out}");
    assert!(err.contains("1 value(s)") && err.contains("NaN"), "{err}");
    let json = std::fs::read_to_string(d.join("b.json")).unwrap();
    assert!(json.contains("null"), "{json}");
}

/// The error message (stderr) of `disco eval EXPR`, which must fail with exit code 1.
fn eval_fails(expr: &str) -> String {
    let (code, _, err) = run(&["eval", expr]);
    assert_eq!(code, 1, "{expr} should fail: {err}");
    err
}

#[test]
fn bad_input_from_the_robustness_report_is_refused_with_a_message() {
    for (expr, want) in [
        ("ndarray([1, [2]])", "ragged"),
        ("ndarray([[1], 2])", "ragged"),
        ("clusters(ndarray([[0, 2], [3, 1]]))", "only 0 (empty) and 1"),
        (
            "let m = model(#{input: [2], layers: [#{layer: \"dense\", units: 1}]}); \
             cnn_train(m, #{x: zeros([0, 2]), y: zeros([0, 1])}, #{epochs: 1})",
            "no samples",
        ),
        (
            "let m = model(#{input: [2], layers: [#{layer: \"dense\", units: 1}]}); \
             cnn_train(m, #{x: ones([4, 2]), y: ones([4, 1]), val: 1}, #{epochs: 1})",
            "not 'val'",
        ),
        (
            "let m = model(#{input: [2], layers: [#{layer: \"dense\", units: 1}]}); \
             cnn_train(m, #{x: ones([4, 2]), y: ones([4, 1])}, \
             #{epochs: 1, val: #{x: ones([4, 2]), y: ones([4, 1]), z: 1}})",
            "not 'z'",
        ),
        (
            "let m = model(#{input: [2], layers: [#{layer: \"dense\", units: 1}]}); \
             cnn_train(m, #{x: normal([64, 2], 0, 1), y: normal([64, 1], 0, 1)}, #{epochs: 3, lr: 1e300})",
            "diverged",
        ),
        (
            "curve_fit(|x, p| 1.0 / 0.0, linspace(0, 1, 5), linspace(0, 1, 5), [1.0])",
            "not finite",
        ),
        (
            "model(#{input: [1000000], layers: [#{layer: \"dense\", units: 10000000}]})",
            "would need",
        ),
        // found by tests/fuzz.rs: a metric of mismatched shapes indexed out of bounds
        (
            "accuracy(ones([2, 3]), ndarray([[0.0, 1.0], [1.0, 0.0]]))",
            "shape",
        ),
        ("accuracy(ones([2, 3]), ndarray([0.0, 7.0]))", "class index"),
        ("sleep(0.0 / 0.0)", "seconds"),
        ("let a = []; a.pad(1000000000000, 0)", "would need"),
    ] {
        let err = eval_fails(expr);
        assert!(err.contains(want), "{expr}: {err}");
        assert!(!err.contains("panicked"), "{expr}: {err}");
    }
}

#[test]
fn files_and_command_lines_from_the_robustness_report() {
    let d = tmpdir("robust");
    // a .npy whose header claims far more data than the file holds
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    let mut hdr =
        "{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000, 100000), }".to_string();
    while !(10 + hdr.len() + 1).is_multiple_of(64) {
        hdr.push(' ');
    }
    hdr.push('\n');
    npy.extend((hdr.len() as u16).to_le_bytes());
    npy.extend(hdr.as_bytes());
    npy.extend([0u8; 64]);
    std::fs::write(d.join("big.npy"), npy).unwrap();
    let err = eval_fails(&format!("load(\"{}\")", d.join("big.npy").display()));
    assert!(
        err.contains("header claims") && err.contains("truncated"),
        "{err}"
    );
    // a header-only CSV is an empty table with its columns
    std::fs::write(d.join("h.csv"), "a,b,c\n").unwrap();
    let (_, out, _) = run(&[
        "eval",
        &format!("load(\"{}\").shape", d.join("h.csv").display()),
    ]);
    assert_eq!(out.trim(), "[0, 3]");
    // a byte-order mark before the script
    std::fs::write(d.join("bom.rhai"), "\u{feff}print(1 + 2);\n").unwrap();
    let (code, out, err) = run(&["run", &d.join("bom.rhai").display().to_string()]);
    assert_eq!((code, out.trim()), (0, "3"), "{err}");
    // a parameter given twice
    let (code, _, err) = run(&["eval", "param(\"n\", 1)", "n=3", "n=4"]);
    assert_eq!(code, 2);
    assert!(err.contains("given twice"), "{err}");
}

#[test]
fn the_repl_reports_a_broken_string_at_once_and_skips_brackets_in_comments() {
    let input = "let s = \"abc\n1 + 1\n/* ( [ */ 2 + 2\nlet c = '(';\n3 + 3\n/* open\n(\n*/ 5\n";
    let (_, out, err) = repl(input);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines, ["2", "4", "6", "5"], "{out}\n{err}");
    assert!(err.contains("not terminated"), "{err}");
}

#[test]
fn writes_go_through_special_files_and_sweep_stale_temporaries() {
    let d = tmpdir("special");
    // a FIFO is written through, not replaced by a regular file
    let fifo = d.join("pipe.json");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = std::thread::spawn({
        let fifo = fifo.clone();
        move || std::fs::read_to_string(fifo).unwrap()
    });
    let (code, _, err) = run(&["eval", &format!("#{{a: 1}}.save(\"{}\")", fifo.display())]);
    assert_eq!(code, 0, "{err}");
    assert!(reader.join().unwrap().contains("\"a\": 1"));
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    // a temporary file left by a killed run (no such process) is swept by the next write
    let stale = d.join(".r.json.tmp999999999");
    std::fs::write(&stale, "half").unwrap();
    let (code, _, err) = run(&[
        "eval",
        &format!("#{{b: 2}}.save(\"{}\")", d.join("r.json").display()),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!stale.exists(), "the stale temporary file is still there");
    // a directory is refused
    std::fs::create_dir_all(d.join("dir.json")).unwrap();
    let err = eval_fails(&format!(
        "#{{c: 3}}.save(\"{}\")",
        d.join("dir.json").display()
    ));
    assert!(err.contains("directory"), "{err}");
}

#[test]
fn errors_inside_functions_and_modules_keep_their_positions() {
    let d = tmpdir("positions");
    std::fs::write(
        d.join("a.rhai"),
        "fn inner(x) {\n    let y = x + 1;\n    linspace(0, 1, -y)\n}\nfn outer(x) {\n\tinner(x)\n}\nouter(2);\n",
    )
    .unwrap();
    std::fs::write(d.join("m.rhai"), "fn bad(x) {\n    x.no_such_method()\n}\n").unwrap();
    std::fs::write(d.join("b.rhai"), "import \"m\" as m;\n\nm::bad(1);\n").unwrap();
    std::fs::write(d.join("s.rhai"), "fn broken( {\n").unwrap();
    std::fs::write(d.join("c.rhai"), "import \"s\" as s;\n1\n").unwrap();
    std::fs::write(d.join("t.rhai"), "let a = 1;\n\tlet b = a.nope();\n").unwrap();
    let go = |f: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_disco"))
            .current_dir(&d)
            .args(["run", f])
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = go("a.rhai");
    assert_eq!(code, 1);
    assert!(err.starts_with("a.rhai:3:5: error: linspace"), "{err}");
    assert!(err.contains("in 'inner', called at a.rhai:6:2"), "{err}");
    assert!(err.contains("in 'outer', called at a.rhai:8:1"), "{err}");
    let (code, err) = go("b.rhai");
    assert_eq!(code, 1);
    assert!(
        err.starts_with("m:2:7: error: Function not found: no_such_method"),
        "{err}"
    );
    assert!(
        err.contains("x.no_such_method()") && err.contains("called at b.rhai:3:4"),
        "{err}"
    );
    // a syntax error in an imported module exits 2, as one in the script does
    let (code, err) = go("c.rhai");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("fn broken(") && err.contains("imported at c.rhai:1:8"),
        "{err}"
    );
    // the caret follows the tabs of the line
    let (_, err) = go("t.rhai");
    assert!(err.contains("\n      | \t          ^"), "{err:?}");
}

#[test]
fn example_ensembles_gives_goe_to_poisson_level_statistics() {
    let d = tmpdir("ensembles");
    let out_arg = format!("out={}", d.display());
    let (code, out, err) = run(&["run", "examples/ensembles.rhai", &out_arg]);
    assert_eq!(code, 0, "{err}");
    let js: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("results.json")).unwrap()).unwrap();
    let r: Vec<f64> = js["r"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    // GOE 0.5307 at weak disorder; towards Poisson 0.386 at W = 40 (M = 6 is not there yet)
    assert!((r[0] - 0.5307).abs() < 0.012, "{r:?}");
    assert!(r[2] < 0.45 && r[0] - r[2] > 0.08, "{r:?}");
    assert!(d.join("ratio.png").exists() && d.join("r_W5.0.bin").exists());
    // run again: every ensemble is read back from its checkpoint, same numbers
    let (code, out2, err) = run(&["run", "examples/ensembles.rhai", &out_arg]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, out2);
}

#[test]
fn to_json_of_a_map_writes_its_ndarrays_as_lists() {
    let (code, out, err) = run(&["eval", "to_json(#{m: zeros(2), b: [ones(1)]})"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), r#"{"b":[[1.0]],"m":[0.0,0.0]}"#);
}

#[test]
fn sigterm_during_a_save_leaves_no_temporary_file() {
    // a 512 MB .npy: its write takes long enough to be caught half way
    let d = tmpdir("sigterm");
    let target = d.join("big.npy");
    let script = format!(
        "let a = ones([8192, 8192]); a.save(\"{}\");",
        target.display()
    );
    let mut caught = false;
    for _ in 0..3 {
        let mut child = disco()
            .args(["eval", &script])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // wait for the temporary file to appear, then SIGTERM
        let start = std::time::Instant::now();
        let mut temp = None;
        while start.elapsed().as_secs() < 30 && temp.is_none() {
            temp = std::fs::read_dir(&d).unwrap().flatten().find_map(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.starts_with(".big.npy.tmp").then(|| e.path())
            });
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        if let Some(t) = temp {
            // SAFETY: signalling our own child process
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            let status = child.wait().unwrap();
            if status.success() {
                // the write finished first: try again
                let _ = std::fs::remove_file(&target);
                continue;
            }
            assert!(!t.exists(), "{} left behind after SIGTERM", t.display());
            caught = true;
            break;
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(caught, "never caught the write in progress");
    let left: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn example_kpm_gives_the_square_lattice_dos_and_a_falling_typical_dos() {
    let d = tmpdir("kpm");
    let out_arg = format!("out={}", d.display());
    let (code, out, err) = run(&["run", "examples/kpm.rhai", "L=301", &out_arg]);
    assert_eq!(code, 0, "{err}");
    let js: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("results.json")).unwrap()).unwrap();
    // ρ(E = 2) = K(√3/2)/(2π²) = 0.10925 for the clean square lattice
    let rho2 = js["clean_rho_2"].as_f64().unwrap();
    let err2 = js["clean_err_2"].as_f64().unwrap();
    assert!(
        err2 < 0.01 && (rho2 - 0.10925).abs() < 0.002 + 4.0 * err2,
        "{rho2} ± {err2}\n{out}"
    );
    for c in js["ratio"].as_array().unwrap() {
        let r: Vec<f64> = c["ratio"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert!(
            r[0] > 0.7 && r[7] < 0.1 && r[0] > r[4] && r[4] > r[7],
            "{r:?}"
        );
    }
    assert!(d.join("kpm.png").exists());
}

#[test]
fn example_transfer_matrix_gives_the_1d_localization_length() {
    // γ = W²/(96(1 − E²/4)) for the 1D Anderson chain (box disorder W) at E = 1: W²/72
    let (code, out, err) = run(&[
        "run",
        "examples/transfer_matrix.rhai",
        "M=1",
        "W=1.0",
        "E=1.0",
        "slices=200000",
    ]);
    assert_eq!(code, 0, "{err}");
    let g = number_after(&out, "exponent γ =");
    assert!((g - 1.0 / 72.0).abs() < 0.08 / 72.0, "γ = {g}\n{out}");
    // a strip of width 4 localizes less: a longer ξ
    let (code, out4, err) = run(&[
        "run",
        "examples/transfer_matrix.rhai",
        "M=4",
        "slices=20000",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(number_after(&out4, "ξ_M =") > 1.0 / g, "{out4}");
}

/// A map that doubles on every iteration reaches the allocator's abort in a few dozen operations;
/// the engine's per-operation look at the heap it holds ends it with a script error instead.
#[test]
fn doubling_map_is_a_script_error_not_an_abort() {
    let dir = tmpdir("doubling");
    let f = dir.join("double.rhai");
    std::fs::write(&f, "let m = #{x: 1};\nloop { m = #{a: m, b: m}; }\n").unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 2000000 && exec '{}' run '{}'",
            env!("CARGO_BIN_EXE_disco"),
            f.display()
        ))
        .output()
        .expect("run disco under ulimit");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("out of memory: the script holds"), "{err}");
    assert!(err.contains("double.rhai:2:"), "{err}");
    assert!(!err.contains("memory allocation of"), "{err}");
}

#[test]
fn example_hofstadter_draws_the_butterfly_with_exact_band_edges() {
    let dir = tmpdir("hofstadter");
    let out = format!("out={}", dir.display());
    let (code, stdout, err) = run(&["run", "examples/hofstadter.rhai", "qmax=8", &out]);
    assert_eq!(code, 0, "{err}");
    // every p/q with q ≤ 8 and p ≤ q: 1 + Σ φ(q) = 2 + 1 + 2 + 2 + 4 + 2 + 6 + 4 = 23
    assert!(stdout.contains("23 fluxes"), "{stdout}");
    assert!((number_after(&stdout, "band edges ±") - (1.0 + 3f64.sqrt())).abs() < 1e-6);
    let png = std::fs::read(dir.join("butterfly.png")).expect("figure");
    assert_eq!(&png[1..4], b"PNG");
}

#[test]
fn example_anderson_field_goes_from_unitary_to_poisson() {
    let dir = tmpdir("anderson-field");
    let out = format!("out={}", dir.display());
    let (code, _, err) = run(&["run", "examples/anderson_field.rhai", "n=6", &out]);
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap();
    let field: Vec<f64> = r["field"]["r"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let none: Vec<f64> = r["none"]["r"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    // weak disorder in a field: GUE; without: below it (GOE); strong disorder: towards Poisson
    assert!((field[1] - 0.5996).abs() < 0.025, "{field:?}");
    assert!(none[1] < 0.56, "{none:?}");
    assert!(field[7] < 0.45 && none[7] < 0.45, "{field:?} {none:?}");
}
