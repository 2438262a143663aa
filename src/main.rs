//! The `disco` command line: run, repl, eval, doc, check, doctor.

use clap::{Parser, Subcommand};
use disco::diagnostics::format_error;
use disco::engine::{parse_params, set_params, unused_params};
use std::process::ExitCode;

// candle allocates a fresh buffer for every tensor op; the system allocator returns and
// re-faults those pages each time (PROBES: mimalloc more than doubled CNN training speed).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Keep freed pages mapped (no purge) and commit arenas eagerly: candle's per-op buffers are then
/// reused without the kernel zeroing fresh pages each time (≈ 30 % of a training step otherwise).
fn tune_allocator() {
    // option numbers of the bundled mimalloc (v3 by default; v2 numbers these two the same),
    // mimalloc.h, enum mi_option_e
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: plain option setters of the allocator, called once at start-up.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 1);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, -1);
    }
    // No transparent huge pages for this process (mimalloc asks for them on its arenas). On these
    // virtual machines the first touch of a 2 MB page took ≈ 5 ms, ten times as long as touching
    // the same memory in 4 KB pages: the first n = 1000 `eigh` took 116–158 ms instead of 80,
    // and one epoch of D2L training ran 10 % slower; with the pages reused, both run the same.
    #[cfg(target_os = "linux")]
    // SAFETY: a process attribute, set once at start-up; no memory is involved.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// candle runs its element-wise kernels on its own spinning thread pool beside rayon's. On a
/// machine with few cores the two pools contend for them: with candle's pool off (element-wise
/// ops on the calling thread; our convolution, pooling, ReLU and optimizer ops still use rayon),
/// the small-CNN benchmark trains ≈ 20 % faster on 2 cores. A CANDLE_NUM_THREADS set by the user
/// wins.
fn tune_candle_threads() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores <= 4 && std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        // before any thread exists (start of main), so no other thread reads the environment
        std::env::set_var("CANDLE_NUM_THREADS", "1");
    }
}

#[derive(Parser)]
#[command(
    name = "disco",
    version,
    about = "A scripting workbench for the physics of disordered systems"
)]
struct Cli {
    /// Hide progress bars.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Worker threads for parallel native functions (default: one per core; results do not
    /// depend on it).
    #[arg(long, global = true)]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a script: `disco run FILE.rhai key=value ...`.
    Run {
        /// The script.
        file: String,
        /// Parameters as key=value, read in the script with `param("key", default)`.
        params: Vec<String>,
    },
    /// Interactive session.
    Repl,
    /// Evaluate one expression and print the result.
    Eval {
        /// The expression (or statements).
        expr: String,
        /// Parameters as key=value.
        params: Vec<String>,
    },
    /// Print the function reference (all functions, or one by name).
    Doc {
        /// A function name.
        name: Option<String>,
        /// Markdown (the generated docs/functions.md).
        #[arg(long)]
        markdown: bool,
    },
    /// Compile a script without running it and report syntax errors.
    Check {
        /// The script.
        file: String,
    },
    /// Version, compiled features, threads and devices.
    Doctor,
}

fn run_source(src: &str, name: &str, params: &[String], print_result: bool) -> ExitCode {
    // a UTF-8 byte-order mark (editors on Windows write one) is no part of the script
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    match parse_params(params) {
        Ok(p) => set_params(p),
        Err(e) => {
            eprintln!("disco: {e}");
            return ExitCode::from(2);
        }
    }
    disco::io::remove_temps_on_signals();
    let engine = disco::build_engine();
    let mut ast = match engine.compile(src) {
        Ok(a) => a,
        Err(e) => {
            eprint!("{}", format_error(&e.into(), src, name));
            return ExitCode::from(2);
        }
    };
    ast.set_source(name);
    let mut scope = rhai::Scope::new();
    let result = engine.eval_ast_with_scope::<rhai::Dynamic>(&mut scope, &ast);
    for p in unused_params() {
        eprintln!("warning: parameter '{p}' was given but the script never reads it (misspelt?)");
    }
    match result {
        Ok(v) => {
            if print_result && !v.is_unit() {
                println!("{}", disco::engine::display(&engine, &v));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprint!("{}", format_error(&e, src, name));
            // a syntax error in an imported module is a syntax error, as in the script
            ExitCode::from(if disco::diagnostics::is_syntax_error(&e) {
                2
            } else {
                1
            })
        }
    }
}

/// Rust ignores SIGPIPE, so a print to a closed pipe (`disco doc | head`) fails and `println!`
/// panics. Restore the default action: the process ends quietly when its reader goes away.
fn quiet_broken_pipe() {
    #[cfg(unix)]
    // SAFETY: sets the disposition of one signal at start-up, before any thread exists
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    quiet_broken_pipe();
    tune_allocator();
    tune_candle_threads();
    let cli = Cli::parse();
    disco::progress::set_quiet(cli.quiet);
    if let Some(n) = cli.threads {
        if n == 0 {
            eprintln!("disco: --threads must be at least 1");
            return ExitCode::from(2);
        }
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
        {
            eprintln!("disco: cannot set {n} threads: {e}");
            return ExitCode::from(2);
        }
    }
    match cli.command {
        Command::Run { file, params } => match std::fs::read_to_string(&file) {
            Ok(src) => run_source(&src, &file, &params, false),
            Err(e) => {
                eprintln!("disco: cannot read '{file}': {e}");
                ExitCode::from(2)
            }
        },
        Command::Eval { expr, params } => run_source(&expr, "<eval>", &params, true),
        Command::Repl => ExitCode::from(disco::repl::run() as u8),
        Command::Check { file } => {
            let src = match std::fs::read_to_string(&file) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("disco: cannot read '{file}': {e}");
                    return ExitCode::from(2);
                }
            };
            let engine = disco::build_engine();
            let src = src.strip_prefix('\u{feff}').unwrap_or(&src).to_string();
            match engine.compile(&src) {
                Ok(_) => {
                    println!("{file}: ok");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprint!("{}", format_error(&e.into(), &src, &file));
                    ExitCode::from(2)
                }
            }
        }
        Command::Doc { name, markdown } => {
            let _engine = disco::build_engine();
            if markdown {
                print!("{}", disco::docs::markdown());
            } else if let Some(n) = name {
                let hits = disco::docs::lookup(&n);
                println!("{}", disco::docs::help_text(&n));
                if hits.is_empty() {
                    return ExitCode::from(1);
                }
            } else {
                for d in disco::docs::table() {
                    println!("{}\n    {}", d.signature, d.doc);
                }
            }
            ExitCode::SUCCESS
        }
        Command::Doctor => {
            print!("{}", disco::doctor());
            ExitCode::SUCCESS
        }
    }
}
