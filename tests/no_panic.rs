//! Feed every registered function bad arguments of each kind and assert that none panics:
//! each either returns a value or a script error.

use rhai::{Dynamic, Scope};

const BAD: &[&str] = &[
    "()",
    "-1",
    "0",
    "(0.0/0.0)",
    "(1.0/0.0)",
    "1e300",
    "9223372036854775807",
    "\"bad\"",
    "[]",
    "[1, \"a\"]",
    "[[1, 2], [3]]",
    "#{}",
    "#{bogus: 1}",
    "zeros(0)",
    "ndarray([[1.0, 2.0], [3.0, 4.0]])",
];
const PLAUSIBLE: &str = "ndarray([1.0, 2.0, 3.0])";

#[test]
fn no_registered_function_panics_on_bad_arguments() {
    let dir = std::env::temp_dir().join(format!("disco-nopanic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::env::set_current_dir(&dir).unwrap();
    let engine = disco::build_engine();
    disco::progress::set_quiet(true);
    let mut calls = 0;
    let mut seen = std::collections::BTreeSet::new();
    for d in disco::docs::table() {
        let name = d.name.as_str();
        // Operators, indexers and property getters are reached through their syntax elsewhere.
        if !name.chars().next().is_some_and(|c| c.is_alphabetic()) || name == "help" {
            continue;
        }
        let arity = d.signature.matches(':').count();
        if !seen.insert((name.to_string(), arity)) {
            continue;
        }
        for pos in 0..arity.max(1) {
            for bad in BAD {
                let args: Vec<&str> = (0..arity)
                    .map(|i| if i == pos { *bad } else { PLAUSIBLE })
                    .collect();
                let call = format!("{name}({})", args.join(", "));
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let _ = engine.eval_with_scope::<Dynamic>(&mut Scope::new(), &call);
                }));
                assert!(r.is_ok(), "panic in `{call}`");
                calls += 1;
            }
        }
    }
    assert!(calls > 500, "only {calls} calls made");
    let _ = std::fs::remove_dir_all(&dir);
}
