//! The Jupyter kernel as Jupyter's own clients drive it: the conformance suite
//! (`jupyter_kernel_test`) and the session tests in tests/jupyter/test_kernel.py, and the tour
//! notebook executed headless by `jupyter nbconvert`. They need a Python with
//! jupyter_kernel_test, jupyter_client and nbconvert: `$DISCO_JUPYTER_PYTHON`, else the
//! virtual environment `.ci/run` creates (~/.cache/disco-jupyter-venv). Without one the test
//! says so and passes (CI always has it).

use std::path::PathBuf;
use std::process::Command;

fn python() -> Option<PathBuf> {
    let p = std::env::var_os("DISCO_JUPYTER_PYTHON")
        .map(PathBuf::from)
        .or_else(|| dirs_home().map(|h| h.join(".cache/disco-jupyter-venv/bin/python")))?;
    let ok = Command::new(&p)
        .args([
            "-c",
            "import jupyter_kernel_test, jupyter_client, nbconvert",
        ])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    ok.then_some(p)
}

fn dirs_home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

#[test]
fn jupyter_clients_drive_the_kernel() {
    let Some(py) = python() else {
        eprintln!(
            "SKIPPED: no Python with jupyter_kernel_test, jupyter_client and nbconvert \
             (set DISCO_JUPYTER_PYTHON, or run .ci/run, which creates ~/.cache/disco-jupyter-venv)"
        );
        return;
    };
    let root = env!("CARGO_MANIFEST_DIR");
    let tmp = std::env::temp_dir().join(format!("disco-jupyter-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_disco"))
        .args(["kernel", "install", "--prefix"])
        .arg(&tmp)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let spec = tmp.join("share/jupyter/kernels/disco/kernel.json");
    let spec: serde_json::Value = serde_json::from_slice(&std::fs::read(&spec).unwrap()).unwrap();
    assert_eq!(spec["language"], "rhai");
    assert_eq!(spec["interrupt_mode"], "message");
    assert!(tmp
        .join("share/jupyter/kernels/disco/logo-64x64.png")
        .exists());
    let jupyter_path = tmp.join("share/jupyter");

    // the conformance suite and the session tests
    let out = Command::new(&py)
        .args(["-m", "unittest", "-v", "tests/jupyter/test_kernel.py"])
        .current_dir(root)
        .env("JUPYTER_PATH", &jupyter_path)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    // every test of the suite ran: none skipped
    assert!(!log.contains("skipped"), "{log}");
    assert!(log.contains("Ran 16 tests"), "{log}");

    // the tour notebook, executed headless
    let executed = tmp.join("tour.ipynb");
    let out = Command::new(&py)
        .args([
            "-m",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "examples/tour.ipynb",
            "--output",
        ])
        .arg(&executed)
        .current_dir(root)
        .env("JUPYTER_PATH", &jupyter_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let nb: serde_json::Value = serde_json::from_slice(&std::fs::read(&executed).unwrap()).unwrap();
    let outputs: Vec<&serde_json::Value> = nb["cells"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["outputs"].as_array().into_iter().flatten())
        .collect();
    let pngs: Vec<Vec<u8>> = outputs
        .iter()
        .filter(|o| o["output_type"] == "display_data")
        .filter_map(|o| o["data"]["image/png"].as_str())
        .map(|b| {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(b)
                .expect("base64")
        })
        .collect();
    assert_eq!(pngs.len(), 2, "two figures inline");
    for p in &pngs {
        assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n");
    }
    assert!(!outputs.iter().any(|o| o["output_type"] == "error"));
    let _ = std::fs::remove_dir_all(&tmp);
}
