//! Every function of the reference has an example (docs/examples.rhai), and every example runs:
//! `help("name")` and docs/functions.md show them, so they must stay true.

use std::collections::BTreeSet;

#[test]
fn every_function_has_an_example_and_every_example_names_a_function() {
    let _engine = disco::build_engine();
    let documented: BTreeSet<String> = disco::docs::table()
        .iter()
        .filter(|d| d.domain != "rhai built-ins")
        .map(|d| d.name.clone())
        .collect();
    let examples = disco::docs::examples();
    let shown: BTreeSet<String> = examples.iter().flat_map(|(n, _)| n.clone()).collect();
    let missing: Vec<&String> = documented.difference(&shown).collect();
    assert!(
        missing.is_empty(),
        "functions without an example in docs/examples.rhai: {missing:?}"
    );
    let unknown: Vec<&String> = shown.difference(&documented).collect();
    assert!(
        unknown.is_empty(),
        "examples of names the reference does not have: {unknown:?}"
    );
    assert!(disco::docs::help_text("eigh").contains("Example:"));
}

#[test]
fn every_example_runs() {
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
    let mut failed = Vec::new();
    for (names, code) in disco::docs::examples() {
        let engine = disco::build_engine();
        if let Err(e) = engine.run(code) {
            failed.push(format!("{}: {e}", names.join(" ")));
        }
    }
    assert!(
        failed.is_empty(),
        "examples that fail:\n{}",
        failed.join("\n")
    );
}
