//! The `disco` command line: run, merge, slurm, repl, eval, doc, check, doctor.

use clap::{Parser, Subcommand};
use disco::diagnostics::format_error;
use disco::engine::{parse_params, set_params, unused_params};
use disco::ensemble::{cluster, script as ensemble, Shard};
use std::process::ExitCode;

// candle allocates a fresh buffer for every tensor op; the system allocator returns and
// re-faults those pages each time (PROBES: mimalloc more than doubled CNN training speed).
// Counted, so that the engine sees on every operation how much heap the script holds.
#[global_allocator]
static GLOBAL: disco::memory::Counting<mimalloc::MiMalloc> =
    disco::memory::Counting(mimalloc::MiMalloc);

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
        /// Run only shard i of n of every `ensemble` (0 <= i < n) and save it for `disco merge`;
        /// inside a Slurm job array the shard is read from SLURM_ARRAY_TASK_ID/_COUNT.
        #[arg(long, value_name = "i/n")]
        shard: Option<String>,
        /// Where shard files go (default: OUT/.shards for out=OUT, else .shards).
        #[arg(long, value_name = "DIR")]
        shard_dir: Option<String>,
        /// Parameters as key=value, read in the script with `param("key", default)`.
        params: Vec<String>,
    },
    /// Assemble the shards of a sharded run: runs the script again with every ensemble read from
    /// the shard files, so its results and figures are those of a one-machine run.
    Merge {
        /// The run's output folder (holding .shards/) or its shard folder.
        dir: String,
    },
    /// Write (and with --submit, submit) a Slurm job array running a script's shards, and a merge
    /// job that runs when all of them succeeded.
    Slurm {
        /// The script.
        file: String,
        /// Array tasks (= shards).
        #[arg(long, default_value_t = 16)]
        tasks: usize,
        /// Wall time per task (sbatch --time).
        #[arg(long)]
        time: Option<String>,
        /// Partition (sbatch --partition).
        #[arg(long)]
        partition: Option<String>,
        /// CPUs per task (sbatch --cpus-per-task; disco uses them all).
        #[arg(long)]
        cpus: Option<usize>,
        /// Memory per task (sbatch --mem).
        #[arg(long)]
        mem: Option<String>,
        /// Only these shards, e.g. 3,7 (re-submitting those a merge reported missing).
        #[arg(long, value_delimiter = ',')]
        only: Option<Vec<usize>>,
        /// Submit with sbatch (else only write the scripts).
        #[arg(long)]
        submit: bool,
        /// Show the state of the run's submitted jobs (sacct/squeue) instead.
        #[arg(long)]
        status: bool,
        /// Where shard files go (default: OUT/.shards for out=OUT, else .shards).
        #[arg(long, value_name = "DIR")]
        shard_dir: Option<String>,
        /// Parameters as key=value, passed to every task.
        params: Vec<String>,
    },
    /// Interactive session.
    Repl,
    /// The Jupyter kernel: `disco kernel install` writes the kernelspec; Jupyter starts
    /// `disco kernel --connection-file F`.
    Kernel {
        /// The connection file Jupyter wrote.
        #[arg(long, value_name = "FILE")]
        connection_file: Option<String>,
        #[command(subcommand)]
        action: Option<KernelAction>,
    },
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
    let params = match parse_params(params) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("disco: {e}");
            return ExitCode::from(2);
        }
    };
    disco::io::remove_temps_on_signals();
    let engine = disco::build_engine();
    set_params(&engine, params);
    let mut ast = match engine.compile(src) {
        Ok(a) => a,
        Err(e) => {
            eprint!("{}", format_error(&e.into(), src, name));
            return ExitCode::from(2);
        }
    };
    ast.set_source(name);
    disco::engine::register_source(name, src);
    let mut scope = rhai::Scope::new();
    let result = engine.eval_ast_with_scope::<rhai::Dynamic>(&mut scope, &ast);
    for p in unused_params(&engine) {
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

/// `disco run`: the whole script here, or one shard of its ensembles.
fn run_file(
    file: &str,
    shard: Option<&str>,
    shard_dir: Option<&str>,
    params: &[String],
) -> ExitCode {
    let src = match std::fs::read_to_string(file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("disco: cannot read '{file}': {e}");
            return ExitCode::from(2);
        }
    };
    let shard = match shard.map(Shard::parse).or_else(cluster::shard_from_env) {
        None => return run_source(&src, file, params, false),
        Some(Ok(s)) => s,
        Some(Err(e)) => {
            eprintln!("disco: {e}");
            return ExitCode::from(2);
        }
    };
    let dir = cluster::shard_dir(params, shard_dir);
    let spec = match cluster::RunSpec::new(file, params, shard.count) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("disco: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = std::fs::create_dir_all(&dir)
        .map_err(|e| e.to_string())
        .and_then(|_| spec.save(&dir))
    {
        eprintln!("disco: shard folder {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    ensemble::set_mode(ensemble::Mode::Shard {
        shard,
        dir: dir.clone(),
    });
    disco::io::discard_script_writes(true);
    eprintln!(
        "shard {}/{}: computing this shard's realizations of every ensemble; what the script prints here uses stand-ins for the other shards' (the merge prints and writes the real results)",
        shard.index, shard.count
    );
    let code = run_source(&src, file, params, false);
    let (done, failed) = ensemble::shard_outcome();
    if code != ExitCode::SUCCESS && done > 0 && !failed {
        // the rest of the script ran on placeholders (NaN for the other shards' realizations);
        // the merge runs it on the full results
        eprintln!(
            "note: shard {}/{}: the script stopped after its ensembles were saved; that is expected in a shard run (the merge runs the rest)",
            shard.index, shard.count
        );
    } else if code != ExitCode::SUCCESS {
        return code;
    }
    eprintln!(
        "shard {}/{}: {done} ensemble(s) saved in {}; run `disco merge {}` when every shard is done",
        shard.index,
        shard.count,
        dir.display(),
        dir.display()
    );
    ExitCode::SUCCESS
}

/// `disco merge DIR`: run the script again with every ensemble read from the shards.
fn merge(dir: &str) -> ExitCode {
    let dir = cluster::find_shard_dir(std::path::Path::new(dir));
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let spec = match cluster::RunSpec::load(&dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("disco merge: {e}");
            return ExitCode::from(2);
        }
    };
    let src = match std::fs::read_to_string(&spec.script) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "disco merge: cannot read the script {}: {e}",
                spec.script.display()
            );
            return ExitCode::from(2);
        }
    };
    if let Err(e) = std::env::set_current_dir(&spec.cwd) {
        eprintln!("disco merge: cannot enter {}: {e}", spec.cwd.display());
        return ExitCode::from(2);
    }
    ensemble::set_mode(ensemble::Mode::Merge { dir });
    run_source(&src, &spec.script.to_string_lossy(), &spec.params, false)
}

/// `disco slurm`: write (and submit) the job array and its merge, or show their state.
fn slurm(
    file: &str,
    opts: &cluster::SlurmOpts,
    submit: bool,
    status: bool,
    shard_dir: Option<&str>,
    params: &[String],
) -> ExitCode {
    let dir = cluster::shard_dir(params, shard_dir);
    if status {
        return slurm_report(cluster::status(&dir));
    }
    if opts.tasks == 0 {
        eprintln!("disco slurm: --tasks must be at least 1");
        return ExitCode::from(2);
    }
    if let Some(bad) = opts.only.iter().flatten().find(|&&i| i >= opts.tasks) {
        eprintln!(
            "disco slurm: --only {bad} is not a shard of --tasks {}",
            opts.tasks
        );
        return ExitCode::from(2);
    }
    if let Err(e) = parse_params(params) {
        eprintln!("disco slurm: {e}");
        return ExitCode::from(2);
    }
    let result = (|| -> Result<String, String> {
        let spec = cluster::RunSpec::new(file, params, opts.tasks)?;
        let exe =
            std::env::current_exe().map_err(|e| format!("cannot find the disco binary: {e}"))?;
        let (a, m) = cluster::write_sbatch(&spec, &dir, opts, &exe)?;
        if !submit {
            return Ok(format!(
                "wrote {} and {}
submit with: disco slurm {file} --tasks {} --submit … (or sbatch them yourself: the merge with --dependency=afterok:ARRAY_ID)
",
                a.display(),
                m.display(),
                opts.tasks
            ));
        }
        let abs = if dir.is_absolute() {
            dir.clone()
        } else {
            spec.cwd.join(&dir)
        };
        let (ja, jm) = cluster::submit(&abs, &a, &m)?;
        Ok(format!(
            "submitted array job {ja} ({} tasks) and merge job {jm} (after all of them succeed)
logs: {}
state: disco slurm {file} --status{}
",
            opts.only.as_ref().map_or(opts.tasks, |o| o.len()),
            abs.join("logs").display(),
            params
                .iter()
                .find(|p| p.starts_with("out="))
                .map(|p| format!(" {p}"))
                .unwrap_or_default()
        ))
    })();
    slurm_report(result)
}

/// `disco slurm`'s outcome: the text on stdout (exit 0), or the error on stderr (exit 1).
fn slurm_report(result: Result<String, String>) -> ExitCode {
    match result {
        Ok(s) => {
            print!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("disco slurm: {e}");
            ExitCode::from(1)
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

/// What `disco kernel` does besides running.
#[derive(clap::Subcommand)]
enum KernelAction {
    /// Write the kernelspec so that Jupyter lists disco (default: for this user).
    Install {
        /// In the user's Jupyter data directory (the default).
        #[arg(long)]
        user: bool,
        /// In the active Python environment ($VIRTUAL_ENV or $CONDA_PREFIX).
        #[arg(long)]
        sys_prefix: bool,
        /// Under PREFIX/share/jupyter.
        #[arg(long, value_name = "PREFIX")]
        prefix: Option<String>,
    },
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
        Command::Run {
            file,
            shard,
            shard_dir,
            params,
        } => run_file(&file, shard.as_deref(), shard_dir.as_deref(), &params),
        Command::Merge { dir } => merge(&dir),
        Command::Slurm {
            file,
            tasks,
            time,
            partition,
            cpus,
            mem,
            only,
            submit,
            status,
            shard_dir,
            params,
        } => {
            let opts = cluster::SlurmOpts {
                tasks,
                time,
                partition,
                cpus,
                mem,
                only,
            };
            slurm(&file, &opts, submit, status, shard_dir.as_deref(), &params)
        }
        Command::Eval { expr, params } => run_source(&expr, "<eval>", &params, true),
        Command::Repl => ExitCode::from(disco::repl::run() as u8),
        Command::Kernel {
            connection_file,
            action,
        } => match (action, connection_file) {
            (
                Some(KernelAction::Install {
                    user: _,
                    sys_prefix,
                    prefix,
                }),
                _,
            ) => {
                use disco::kernel::install::{install, Place};
                let place = match (prefix, sys_prefix) {
                    (Some(p), _) => Place::Prefix(p.into()),
                    (None, true) => Place::SysPrefix,
                    _ => Place::User,
                };
                match install(&place) {
                    Ok(dir) => {
                        println!("installed the disco kernelspec in {}", dir.display());
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("disco kernel install: {e}");
                        ExitCode::from(1)
                    }
                }
            }
            (None, Some(f)) => ExitCode::from(disco::kernel::run(&f) as u8),
            (None, None) => {
                eprintln!("disco kernel: give --connection-file FILE (Jupyter does), or `disco kernel install`");
                ExitCode::from(2)
            }
        },
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
