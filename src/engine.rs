//! `build_engine()`: the one place that assembles disco's rhai engine — limits, the stdlib
//! module resolver, the core script functions (`seed`, `param`, `help`, `progress`) and every
//! domain's `register`. The CLI, the REPL and the tests all use it.

use crate::args::{err, reg, seed_arg, Res};
use rhai::module_resolvers::FileModuleResolver;
use rhai::{Dynamic, Engine, Map, Module, ModuleResolver, Position, Shared, INT};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// The rhai helpers shipped in `stdlib/`, compiled into the binary so `import "stats" as stats;`
/// works from any script wherever it lives.
pub const STDLIB: &[(&str, &str)] = &[("stats", include_str!("../stdlib/stats.rhai"))];

/// Resolves `import "name"` to an embedded stdlib module first, then to a file relative to the
/// importing script.
struct DiscoResolver {
    files: FileModuleResolver,
    cache: Mutex<HashMap<String, Shared<Module>>>,
}

impl ModuleResolver for DiscoResolver {
    fn resolve(
        &self,
        engine: &Engine,
        source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<rhai::EvalAltResult>> {
        let key = path.trim_end_matches(".rhai");
        if let Some((_, src)) = STDLIB.iter().find(|(n, _)| *n == key) {
            if let Ok(cache) = self.cache.lock() {
                if let Some(m) = cache.get(key) {
                    return Ok(m.clone());
                }
            }
            let mut ast = engine.compile(src).map_err(|e| {
                Box::new(rhai::EvalAltResult::ErrorInModule(
                    key.to_string(),
                    e.into(),
                    pos,
                ))
            })?;
            ast.set_source(format!("stdlib/{key}.rhai"));
            let m: Shared<Module> =
                Shared::new(Module::eval_ast_as_new(rhai::Scope::new(), &ast, engine)?);
            if let Ok(mut cache) = self.cache.lock() {
                cache.insert(key.to_string(), m.clone());
            }
            return Ok(m);
        }
        self.files.resolve(engine, source, path, pos)
    }
}

/// The session (seed, parameters, ensemble calls) of an engine made by `build_engine`.
pub fn session_of(engine: &Engine) -> std::sync::Arc<crate::session::Session> {
    engine
        .default_tag()
        .clone()
        .try_cast::<std::sync::Arc<crate::session::Session>>()
        .unwrap_or_else(crate::session::current)
}

/// Set the `key=value` parameters a script run by `engine` reads with `param(...)`.
pub fn set_params(engine: &Engine, p: BTreeMap<String, String>) {
    session_of(engine).set_params(p);
}

static SOURCES: Mutex<BTreeMap<String, std::sync::Arc<str>>> = Mutex::new(BTreeMap::new());

/// Remember the text of a script run under `name` (its source name in positions), so that code
/// which needs a closure's own text (`ensemble`'s record files) can find it.
pub fn register_source(name: &str, text: &str) {
    if let Ok(mut m) = SOURCES.lock() {
        m.insert(name.to_string(), text.into());
    }
}

/// The text registered for `name`.
pub fn script_source(name: &str) -> Option<std::sync::Arc<str>> {
    SOURCES.lock().ok()?.get(name).cloned()
}

/// Parameters given on the command line that the script run by `engine` never asked for
/// (likely misspelt).
pub fn unused_params(engine: &Engine) -> Vec<String> {
    session_of(engine).unused_params()
}

/// Parse `key=value` command-line words.
pub fn parse_params(words: &[String]) -> Result<BTreeMap<String, String>, String> {
    let mut m = BTreeMap::new();
    for w in words {
        let (k, v) = w
            .split_once('=')
            .ok_or_else(|| format!("parameter '{w}' is not of the form key=value"))?;
        if k.is_empty() || !rhai::is_valid_identifier(k) {
            return Err(format!("parameter name '{k}' is not a valid identifier"));
        }
        if let Some(old) = m.insert(k.to_string(), v.to_string()) {
            return Err(format!(
                "parameter '{k}' is given twice ({k}={old} and {k}={v}); give it once"
            ));
        }
    }
    Ok(m)
}

/// A command-line value as a script value, typed after the default where there is one.
fn parse_value(name: &str, raw: &str, default: Option<&Dynamic>) -> Res<Dynamic> {
    let bad = |what: &str| -> Res<Dynamic> {
        err(format!(
            "param: '{name}={raw}' is not {what} (the script's default is a {what})"
        ))
    };
    match default {
        Some(d) if d.is_int() => match raw.parse::<INT>() {
            Ok(i) => Ok(Dynamic::from_int(i)),
            Err(_) => match raw.parse::<f64>() {
                Ok(x) if x.fract() == 0.0 && x.abs() < 9e15 => Ok(Dynamic::from_int(x as INT)),
                _ => bad("an integer"),
            },
        },
        Some(d) if d.is_float() => raw
            .parse::<f64>()
            .map(Dynamic::from_float)
            .or_else(|_| bad("number")),
        Some(d) if d.is_bool() => match raw {
            "true" | "1" | "yes" => Ok(Dynamic::TRUE),
            "false" | "0" | "no" => Ok(Dynamic::FALSE),
            _ => bad("boolean"),
        },
        Some(d) if d.is_string() => Ok(Dynamic::from(raw.to_string())),
        _ => Ok(if let Ok(i) = raw.parse::<INT>() {
            Dynamic::from_int(i)
        } else if let Ok(x) = raw.parse::<f64>() {
            Dynamic::from_float(x)
        } else if raw == "true" || raw == "false" {
            Dynamic::from_bool(raw == "true")
        } else {
            Dynamic::from(raw.to_string())
        }),
    }
}

fn param_lookup(name: &str, default: Option<Dynamic>) -> Res<Dynamic> {
    match crate::session::current().param(name) {
        Some(raw) => parse_value(name, &raw, default.as_ref()),
        None => default.ok_or_else(|| {
            format!("param: required parameter '{name}' was not given; pass {name}=VALUE after the script name").into()
        }),
    }
}

/// A script-level progress bar (`let p = progress(n, "label"); p.tick(); p.done();`).
#[derive(Clone)]
pub struct Progress(indicatif::ProgressBar);

fn register_core(engine: &mut Engine) {
    reg(engine, "seed", &["n: int", "()"], "Seed the script's random stream: every later random call without an explicit seed is reproducible.", |n: Dynamic| -> Res<()> {
        crate::session::reseed(seed_arg(&n, "seed")?);
        Ok(())
    });
    reg(engine, "param", &["name: string", "default: any", "any"], "A script parameter given as name=value on the command line, else the default; the value is parsed to the default's type.", |n: &str, d: Dynamic| param_lookup(n, Some(d)));
    reg(
        engine,
        "param",
        &["name: string", "any"],
        "A required script parameter (error if not given on the command line).",
        |n: &str| param_lookup(n, None),
    );
    reg(
        engine,
        "params",
        &["map"],
        "All name=value parameters given on the command line, as strings.",
        || -> Map {
            crate::session::current()
                .params()
                .iter()
                .map(|(k, v)| (k.as_str().into(), Dynamic::from(v.clone())))
                .collect()
        },
    );
    reg(
        engine,
        "help",
        &["()"],
        "List every function by domain with a one-line description (paged in a terminal).",
        || crate::docs::page(&crate::docs::overview()),
    );
    reg(
        engine,
        "help",
        &["name: string", "()"],
        "Signatures and documentation of one function: `help(\"eigh\")`.",
        |n: &str| println!("{}", crate::docs::help_text(n)),
    );
    reg(
        engine,
        "assert",
        &["cond: bool", "message: string", "()"],
        "Stop the script with an error if cond is false.",
        |c: bool, m: &str| -> Res<()> {
            if c {
                Ok(())
            } else {
                err(format!("assertion failed: {m}"))
            }
        },
    );
    reg(
        engine,
        "threads",
        &["int"],
        "Number of worker threads used by parallel native functions.",
        || rayon::current_num_threads() as INT,
    );
    reg(
        engine,
        "fmt",
        &["x: float", "decimals: int", "string"],
        "x with a fixed number of decimals, for titles and tables: fmt(0.33333, 3) → \"0.333\" (INT x accepted).",
        |x: Dynamic, d: Dynamic| -> Res<String> {
            let x = crate::args::num(&x, "fmt", "x")?;
            let d = crate::args::count(&d, "fmt", "decimals", 0, 17)?;
            Ok(format!("{x:.d$}"))
        },
    );
    reg(
        engine,
        "is_nan",
        &["x: float", "bool"],
        "Whether x is NaN.",
        |x: f64| x.is_nan(),
    );

    // rhai's functions that allocate from a length argument, with the engine's size limits
    // off (see `build_engine`): the same, after a memory check, so that `a.pad(10^12, 0)` is an
    // error rather than a process that grows until it is killed
    reg(engine, "pad", &["a: array", "len: int", "item: any", "()"], "Pad the array to at least len elements with copies of item (rhai's pad, with a memory check).", |a: &mut rhai::Array, len: INT, item: Dynamic| -> Res<()> {
        if len > 0 && len as usize > a.len() {
            crate::args::check_alloc("pad", "the array", len as u128, 32)?;
            a.resize(len as usize, item);
        }
        Ok(())
    });
    reg(engine, "pad", &["s: string", "len: int", "fill: string", "()"], "Pad the string to at least len characters with copies of fill (rhai's pad, with a memory check).", |s: &mut rhai::ImmutableString, len: INT, fill: &str| -> Res<()> {
        let have = s.chars().count();
        if len > 0 && len as usize > have && !fill.is_empty() {
            crate::args::check_alloc("pad", "the string", len as u128, 4)?;
            // copies of fill, the last one cut at len characters
            let mut out = s.to_string();
            out.extend(fill.chars().cycle().take(len as usize - have));
            *s = out.into();
        }
        Ok(())
    });
    reg(engine, "pad", &["s: string", "len: int", "fill: char", "()"], "Pad the string to at least len characters with copies of fill (rhai's pad, with a memory check).", |s: &mut rhai::ImmutableString, len: INT, fill: char| -> Res<()> {
        let have = s.chars().count();
        if len > 0 && len as usize > have {
            crate::args::check_alloc("pad", "the string", len as u128, 4)?;
            let mut out = s.to_string();
            out.extend(std::iter::repeat_n(fill, len as usize - have));
            *s = out.into();
        }
        Ok(())
    });
    // `a += a` doubles an array in one operation, between two of the engine's resident-size
    // checks: the joined length is checked first (each element is at least a 16-byte value)
    reg(
        engine,
        "+=",
        &["a: array", "b: array", "()"],
        "Append the elements of b to a (rhai's +=, with a memory check).",
        |a: &mut rhai::Array, b: rhai::Array| -> Res<()> {
            crate::args::check_alloc("+=", "the joined array", (a.len() + b.len()) as u128, 16)?;
            a.extend(b);
            Ok(())
        },
    );
    reg(
        engine,
        "append",
        &["a: array", "b: array", "()"],
        "Append the elements of b to a (rhai's append, with a memory check).",
        |a: &mut rhai::Array, b: rhai::Array| -> Res<()> {
            crate::args::check_alloc(
                "append",
                "the joined array",
                (a.len() + b.len()) as u128,
                16,
            )?;
            a.extend(b);
            Ok(())
        },
    );
    reg(
        engine,
        "+",
        &["a: array", "b: array", "array"],
        "A new array of a's elements then b's (rhai's +, with a memory check).",
        |a: rhai::Array, b: rhai::Array| -> Res<rhai::Array> {
            crate::args::check_alloc("+", "the joined array", (a.len() + b.len()) as u128, 16)?;
            let mut a = a;
            a.extend(b);
            Ok(a)
        },
    );
    reg(
        engine,
        "blob",
        &["len: int", "blob"],
        "A BLOB of len zero bytes (rhai's blob, with a memory check).",
        |len: INT| -> Res<rhai::Blob> {
            let n = crate::args::count(&Dynamic::from_int(len), "blob", "len", 0, i64::MAX)?;
            crate::args::check_alloc("blob", "the BLOB", n as u128, 1)?;
            Ok(vec![0u8; n])
        },
    );
    reg(
        engine,
        "blob",
        &["len: int", "value: int", "blob"],
        "A BLOB of len bytes of value (rhai's blob, with a memory check).",
        |len: INT, v: INT| -> Res<rhai::Blob> {
            let n = crate::args::count(&Dynamic::from_int(len), "blob", "len", 0, i64::MAX)?;
            crate::args::check_alloc("blob", "the BLOB", n as u128, 1)?;
            Ok(vec![(v & 0xff) as u8; n])
        },
    );

    // rhai's sleep panics on NaN or a huge value, and cannot be interrupted
    let sleep = |secs: f64| -> Res<()> {
        if !(secs.is_finite() && (0.0..=1e9).contains(&secs)) {
            return err(format!(
                "sleep: argument 'seconds' must be a number of seconds in [0, 1e9], got {secs}"
            ));
        }
        let end = std::time::Instant::now() + std::time::Duration::from_secs_f64(secs);
        while std::time::Instant::now() < end {
            crate::progress::check_interrupt("sleep")?;
            let left = end.saturating_duration_since(std::time::Instant::now());
            std::thread::sleep(left.min(std::time::Duration::from_millis(50)));
        }
        Ok(())
    };
    reg(
        engine,
        "sleep",
        &["seconds: float", "()"],
        "Wait this many seconds (Ctrl-C stops the wait).",
        sleep,
    );
    reg(
        engine,
        "sleep",
        &["seconds: int", "()"],
        "Wait this many seconds (Ctrl-C stops the wait).",
        move |s: INT| sleep(s as f64),
    );

    engine.register_type_with_name::<Progress>("progress");
    reg(engine, "progress", &["n: int", "label: string", "progress"], "A progress bar for a script loop of n steps (hidden when not on a terminal or with --quiet).", |n: Dynamic, label: &str| -> Res<Progress> {
        let n = crate::args::count(&n, "progress", "n", 0, i64::MAX)?;
        Ok(Progress(crate::progress::bar(n as u64, label)))
    });
    reg(
        engine,
        "tick",
        &["p: progress", "()"],
        "Advance a progress bar by one step.",
        |p: &mut Progress| p.0.inc(1),
    );
    reg(
        engine,
        "eprint",
        &["x: any", "()"],
        "Print to standard error (a notebook shows it as the cell's stderr stream): warnings, \
         diagnostics.",
        |x: Dynamic| {
            eprintln!(
                "{}",
                if x.is_string() {
                    x.to_string()
                } else {
                    crate::convert::show(&x)
                }
            )
        },
    );
    reg(
        engine,
        "clear_output",
        &["wait: bool", "()"],
        "Clear the notebook cell's output (wait: only when the next output arrives, for \
         animations); an error outside a notebook.",
        |wait: bool| -> crate::args::Res<()> {
            crate::display::clear(wait).map_err(|e| format!("clear_output: {e}").into())
        },
    );
    reg(
        engine,
        "done",
        &["p: progress", "()"],
        "Finish (and clear) a progress bar.",
        |p: &mut Progress| p.0.finish_and_clear(),
    );
}

/// Build disco's engine: limits, stdlib resolver, core functions and every domain.
pub fn build_engine() -> Engine {
    let mut engine = Engine::new();
    // this engine's seed, parameters and ensemble count; its progress hook marks it as the
    // session running on the thread (see `session`)
    let session = std::sync::Arc::new(crate::session::Session::default());
    engine.set_default_tag(Dynamic::from(session.clone()));
    // Limits so that a runaway script errors out instead of exhausting memory or the stack.
    engine.set_max_call_levels(128);
    engine.set_max_expr_depths(256, 128);
    // No string, array or map size limit: with any of them set, rhai walks the whole value after
    // every call that may change it, which made `a.push(x)` in a loop quadratic (10⁵ pushes: 2.5 s). The
    // protection it gave, a runaway loop stopped with an error before memory runs out, is the
    // progress hook's memory check below.
    engine.set_max_variables(100_000);
    engine.set_strict_variables(true);
    // Ctrl-C, and every 4096 operations the memory the script has grown by against the budget
    // of when the engine was built (a loop that grows an array or map until memory runs out
    // ends with an error naming the sizes, not with the allocator's abort)
    let start = crate::args::process_bytes().map_or(0, |(_, rss)| rss);
    let budget = crate::args::memory_budget();
    let held_at_start = crate::memory::live_bytes() as u64;
    engine.on_progress(move |ops| {
        crate::session::activate(&session);
        if crate::progress::interrupted() {
            return Some(Dynamic::from("interrupted"));
        }
        // every operation: the heap the script holds (a counter load), so that a value doubling
        // in a few operations is stopped before the allocator aborts
        let held = crate::memory::live_bytes() as u64;
        if held.saturating_sub(held_at_start) > budget {
            return Some(Dynamic::from(format!(
                "out of memory: the script holds {} of heap, over the {} that were available \
                 when it started",
                crate::args::human_bytes(held as u128),
                crate::args::human_bytes(budget as u128)
            )));
        }
        if ops % 4096 == 0 {
            if let Some((_, rss)) = crate::args::process_bytes() {
                if rss.saturating_sub(start) > budget {
                    return Some(Dynamic::from(format!(
                        "out of memory: the script has grown to {} resident, over the {} that \
                         were available when it started",
                        crate::args::human_bytes(rss as u128),
                        crate::args::human_bytes(budget as u128)
                    )));
                }
            }
        }
        None
    });
    engine.set_module_resolver(DiscoResolver {
        files: FileModuleResolver::new(),
        cache: Mutex::new(HashMap::new()),
    });

    use crate::args::in_domain;
    in_domain(&mut engine, "scripts and sessions", register_core);
    in_domain(&mut engine, "arrays", |e| {
        crate::array::script::register(e);
        crate::array::numpy_script::register(e);
        crate::array::fft_script::register(e);
    });
    in_domain(
        &mut engine,
        "complex numbers",
        crate::array::complex_script::register,
    );
    in_domain(
        &mut engine,
        "linear algebra",
        crate::array::linalg_script::register,
    );
    in_domain(&mut engine, "files", crate::io::script::register);
    crate::register_domains(&mut engine);
    crate::args::register_default_options(&mut engine);

    // the reference is the same for every engine: collected once per process
    if crate::docs::table().is_empty() {
        crate::docs::install(crate::docs::collect(&engine));
    }
    engine
}

/// Text of a script value as the REPL and `disco eval` echo it: `show`, with native values
/// (spectra, lattices, operators, models, figures, networks) by their registered `to_string`
/// summary instead of their Rust type name.
pub fn display(engine: &rhai::Engine, v: &rhai::Dynamic) -> String {
    crate::convert::show_with(v, &|x| {
        // `call_fn` reaches script functions only: evaluate the call instead
        let mut scope = rhai::Scope::new();
        scope.push_dynamic("value", x.clone());
        engine
            .eval_expression_with_scope::<String>(&mut scope, "to_string(value)")
            .ok()
            .filter(|s| !s.contains("::"))
    })
}

/// The script-level name of a value's type: `ndarray`, `spectrum`, `int`, `float`, `map`, …
pub fn type_label(engine: &rhai::Engine, v: &rhai::Dynamic) -> String {
    match engine.map_type_name(v.type_name()) {
        "i64" => "int",
        "f64" => "float",
        "rhai::Array" | "array" => "array",
        "rhai::Map" | "map" => "map",
        "rhai::ImmutableString" | "string" => "string",
        other => other,
    }
    .to_string()
}
