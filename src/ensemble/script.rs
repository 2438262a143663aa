//! rhai API of ensembles: `ensemble(n, |i, seed| ..., opts)` runs a script closure for
//! realizations 0..n on every core, with a seeded stream per realization, stacking or reducing
//! what they return, saving finished blocks (checkpoints, shards) and reading them back (resume,
//! merge).
//!
//! Run modes are set once per process by the command line (`disco run --shard i/n`,
//! `disco merge`); a script never names them.

use super::{
    blocks, mean_std_err, BlockData, Fingerprint, Layout, Moments, RecordFile, Sample, Shard, BLOCK,
};
use crate::args::{count, err, reg, Opts, Res};
use crate::array::NdArray;
use rayon::prelude::*;
use rhai::{Dynamic, Engine, EvalAltResult, FnPtr, Map, NativeCallContext, Position};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::RwLock;

/// How this process runs the ensembles of a script.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    /// Every realization here.
    Local,
    /// Only `shard`'s blocks, saved under `dir`; the others' results are stood in for by this
    /// shard's own (the script's files are written by the merge only).
    Shard { shard: Shard, dir: PathBuf },
    /// Every block read from the shard files under `dir`; nothing computed.
    Merge { dir: PathBuf },
}

static MODE: RwLock<Option<Mode>> = RwLock::new(None);
/// Ensembles completed in shard mode, and whether one failed (the front end's exit code).
static SHARD_DONE: AtomicUsize = AtomicUsize::new(0);
static SHARD_FAILED: AtomicBool = AtomicBool::new(false);

/// Set the process's run mode (the command line does, before the script starts).
pub fn set_mode(m: Mode) {
    if let Ok(mut g) = MODE.write() {
        *g = Some(m);
    }
}

fn mode() -> Mode {
    MODE.read()
        .ok()
        .and_then(|g| g.clone())
        .unwrap_or(Mode::Local)
}

/// (ensembles whose shard finished, whether one failed) in this process.
pub fn shard_outcome() -> (usize, bool) {
    (
        SHARD_DONE.load(Ordering::Relaxed),
        SHARD_FAILED.load(Ordering::Relaxed),
    )
}

/// The shard files of ensemble call k: `e{k}.s{i}of{n}.bin`.
pub fn shard_file(dir: &Path, call: usize, shard: Shard) -> PathBuf {
    dir.join(format!("e{call}.s{}of{}.bin", shard.index, shard.count))
}

/// A realization's return value as a sample.
fn to_sample(v: &Dynamic, i: usize, top: bool) -> Result<Sample, String> {
    if v.is_float() || v.is_int() || v.is_bool() {
        let x = if let Ok(b) = v.as_bool() {
            b as u8 as f64
        } else {
            crate::args::num_any(v, "ensemble", "result").map_err(|e| e.to_string())?
        };
        return Ok(Sample::Num(x));
    }
    if let Some(a) = v.clone().try_cast::<NdArray>() {
        return Ok(Sample::Arr(
            a.shape().to_vec(),
            a.view().iter().copied().collect(),
        ));
    }
    if v.is_array() {
        let a = crate::convert::arr_like(v, "ensemble", "result").map_err(|e| {
            format!("realization {i} returned an array that is not an array of numbers: {e}")
        })?;
        return Ok(Sample::Arr(
            a.shape().to_vec(),
            a.view().iter().copied().collect(),
        ));
    }
    if top {
        if let Some(m) = v.read_lock::<Map>() {
            let mut out = BTreeMap::new();
            for (k, x) in m.iter() {
                out.insert(
                    k.to_string(),
                    to_sample(x, i, false).map_err(|e| format!("key '{k}': {e}"))?,
                );
            }
            if out.is_empty() {
                return Err(format!("realization {i} returned an empty map"));
            }
            return Ok(Sample::Map(out));
        }
    }
    Err(format!(
        "realization {i} returned {}; expected a number, an array, an ndarray{}",
        v.type_name(),
        if top { " or a map of them" } else { "" }
    ))
}

fn leaf_value(shape: &[usize], data: Vec<f64>) -> Res<Dynamic> {
    if shape.is_empty() {
        return Ok(Dynamic::from_float(
            data.first().copied().unwrap_or(f64::NAN),
        ));
    }
    NdArray::from_shape(shape, data)
        .map(Dynamic::from)
        .map_err(|e| format!("ensemble: {e}").into())
}

/// Stack n samples (None: not computed here, NaN) into ndarrays of shape
/// [n, ...], one per key.
fn stack(layout: &Layout, samples: &[Option<&Sample>]) -> Res<Dynamic> {
    let n = samples.len();
    let mut out = Map::new();
    for (li, (key, shape)) in layout.0.iter().enumerate() {
        let size: usize = shape.iter().product();
        crate::args::check_alloc("ensemble", "the stacked results", (n * size) as u128, 8)?;
        let mut data = Vec::with_capacity(n * size);
        for s in samples {
            match s {
                Some(s) => data.extend_from_slice(s.leaves()[li]),
                None => data.extend(std::iter::repeat_n(f64::NAN, size)),
            }
        }
        let mut full = vec![n];
        full.extend_from_slice(shape);
        let v = NdArray::from_shape(&full, data).map_err(|e| format!("ensemble: {e}"))?;
        if key.is_empty() {
            return Ok(Dynamic::from(v));
        }
        out.insert(key.as_str().into(), Dynamic::from(v));
    }
    Ok(Dynamic::from_map(out))
}

/// The reduced result: #{mean, std, err, n} (per key for map samples).
fn moments_result(m: &Moments) -> Res<Dynamic> {
    let (mean, std, se) = mean_std_err(m);
    let layout = m.template.layout();
    let mut at = 0;
    let mut per_key = Map::new();
    for (key, shape) in &layout.0 {
        let size: usize = shape.iter().product();
        let part = |v: &[f64]| v[at..at + size].to_vec();
        let mut r = Map::new();
        r.insert("mean".into(), leaf_value(shape, part(&mean))?);
        r.insert("std".into(), leaf_value(shape, part(&std))?);
        r.insert("err".into(), leaf_value(shape, part(&se))?);
        r.insert("n".into(), Dynamic::from_int(m.count as i64));
        at += size;
        if key.is_empty() {
            return Ok(Dynamic::from_map(r));
        }
        per_key.insert(key.as_str().into(), Dynamic::from_map(r));
    }
    Ok(Dynamic::from_map(per_key))
}

/// The realization seed handed to the closure (and seeding its stream): non-negative, as the
/// script's seeds are.
fn realization_seed(ensemble_seed: u64, i: usize) -> u64 {
    crate::rng::mix(ensemble_seed ^ crate::rng::mix((i as u64).wrapping_add(0xE45E_3B1E))) >> 1
}

struct Run<'a> {
    n: usize,
    arity: usize,
    seed: u64,
    mean: bool,
    layout: Option<Layout>,
    /// Finished blocks (stacking keeps them all; a reduction folds them in order and keeps only
    /// those that arrived ahead of the next one to fold).
    kept: BTreeMap<usize, BlockData>,
    acc: Option<Moments>,
    next_fold: usize,
    owned: &'a dyn Fn(usize) -> bool,
}

impl Run<'_> {
    fn check_layout(&mut self, s: &Sample, i: usize) -> Result<(), String> {
        let l = s.layout();
        match &self.layout {
            None => {
                if !self.mean {
                    // the samples and their stacked copy, checked before they pile up
                    crate::args::fits_in_memory(
                        "the stacked results (reduce: \"mean\" keeps only running moments)",
                        (self.n as u128) * (l.size() as u128) * 2,
                        8,
                    )?;
                }
                self.layout = Some(l);
                Ok(())
            }
            Some(first) => match first.mismatch(&l) {
                None => Ok(()),
                Some(why) => Err(format!("realization {i} returned {why}")),
            },
        }
    }

    /// Take in a finished block (computed or read back).
    fn accept(&mut self, b: usize, data: BlockData) -> Result<(), String> {
        match &data {
            BlockData::Samples(v) => {
                for (j, s) in v.iter().enumerate() {
                    self.check_layout(s, b * BLOCK + j)?;
                }
            }
            BlockData::Moments(m) => self.check_layout(&m.template, b * BLOCK)?,
        }
        self.kept.insert(b, data);
        if self.mean {
            // fold every block that is now next in line, in block order
            loop {
                while self.next_fold < blocks(self.n) && !(self.owned)(self.next_fold) {
                    self.next_fold += 1;
                }
                let Some(BlockData::Moments(m)) = self.kept.remove(&self.next_fold) else {
                    break;
                };
                match &mut self.acc {
                    None => self.acc = Some(m),
                    Some(a) => a.merge(&m),
                }
                self.next_fold += 1;
            }
        }
        Ok(())
    }
}

fn block_range(n: usize, b: usize) -> std::ops::Range<usize> {
    b * BLOCK..((b + 1) * BLOCK).min(n)
}

fn ensemble(ctx: NativeCallContext, n: Dynamic, f: FnPtr, opts: Map) -> Res<Dynamic> {
    const F: &str = "ensemble";
    let n = count(&n, F, "n", 1, 1 << 40)?;
    let o = Opts::new(opts, F, &["seed", "reduce", "checkpoint", "label"])?;
    let seed = o.seed()?;
    let reduce = o.choice_or("reduce", "stack", &["stack", "mean"])?;
    let label = o.str_or("label", F)?;
    let checkpoint = o
        .get("checkpoint")
        .map(|v| crate::args::string(v, F, "opts.checkpoint"))
        .transpose()?;
    // call k of this script run: its shard files are `e{k}.*`
    let call = crate::session::current().next_ensemble_call();
    let (arity, closure) = closure_info(&ctx, &f)?;
    let fp = Fingerprint {
        n: n as u64,
        seed,
        closure,
        reduce: reduce.clone(),
    };
    let mode = mode();
    let owned_fn = |b: usize| match &mode {
        Mode::Shard { shard, .. } => shard.owns(b),
        _ => true,
    };
    let mut run = Run {
        n,
        arity,
        seed,
        mean: reduce == "mean",
        layout: None,
        kept: BTreeMap::new(),
        acc: None,
        next_fold: 0,
        owned: &owned_fn,
    };
    let fail = |msg: String| -> Box<EvalAltResult> { format!("{F}: {msg}").into() };

    // what is already done: a checkpoint, this shard's file, or (merging) every shard's file
    let mut file: Option<RecordFile> = None;
    match &mode {
        Mode::Merge { dir } => {
            let mut have: std::collections::BTreeSet<usize> = std::collections::BTreeSet::new();
            let mut shards_seen: Option<usize> = None;
            for entry in std::fs::read_dir(dir)
                .map_err(|e| {
                    fail(format!(
                        "cannot read the shard folder {}: {e}",
                        dir.display()
                    ))
                })?
                .flatten()
            {
                let name = entry.file_name().to_string_lossy().into_owned();
                let Some(rest) = name
                    .strip_prefix(&format!("e{call}.s"))
                    .and_then(|r| r.strip_suffix(".bin"))
                else {
                    continue;
                };
                let Some((_, of)) = rest.split_once("of") else {
                    continue;
                };
                shards_seen = of.parse().ok().or(shards_seen);
                if let Some(found) = super::read_records(&entry.path(), &fp).map_err(fail)? {
                    for (b, d) in found {
                        if b < blocks(n) && have.insert(b) {
                            run.accept(b, d).map_err(fail)?;
                        }
                    }
                }
            }
            // the missing blocks, counted without listing a block per realization range
            let missing_count = blocks(n) - have.len();
            let missing: Vec<usize> = (0..blocks(n))
                .filter(|b| !have.contains(b))
                .take(100_000)
                .collect();
            if !missing.is_empty() {
                let total = shards_seen.unwrap_or(0);
                let mut shards: Vec<usize> = missing
                    .iter()
                    .map(|b| if total > 0 { b % total } else { 0 })
                    .collect();
                shards.sort_unstable();
                shards.dedup();
                let logs: Vec<String> = shards
                    .iter()
                    .map(|s| {
                        let log = dir.join("logs").join(format!("task-{s}.log"));
                        if log.exists() {
                            format!("shard {s} (log {})", log.display())
                        } else {
                            format!("shard {s}")
                        }
                    })
                    .collect();
                return Err(fail(format!(
                    "ensemble {call} is incomplete: {} of {} blocks missing, from {}. Re-run those shards (disco run SCRIPT --shard i/{total} …, or `disco slurm … --only {}`) and merge again",
                    missing_count,
                    blocks(n),
                    logs.join(", "),
                    shards.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(",")
                )));
            }
        }
        Mode::Shard { shard, dir } => {
            let (f, found) = RecordFile::open(&shard_file(dir, call, *shard), &fp).map_err(fail)?;
            for (b, d) in found {
                run.accept(b, d).map_err(fail)?;
            }
            file = Some(f);
        }
        Mode::Local => {
            if let Some(path) = &checkpoint {
                let (f, found) = RecordFile::open(Path::new(path), &fp).map_err(fail)?;
                for (b, d) in found {
                    run.accept(b, d).map_err(fail)?;
                }
                file = Some(f);
            }
        }
    }

    // the blocks still to compute, listed lazily (n may be far more than memory could list)
    let merging = matches!(mode, Mode::Merge { .. });
    let done: std::collections::BTreeSet<usize> = run.kept.keys().copied().collect();
    let first_open = run.next_fold;
    let mean = run.mean;
    let todo = (0..blocks(n)).filter(move |&b| {
        !merging && owned_fn(b) && !done.contains(&b) && (!mean || b >= first_open)
    });
    let result = compute(&ctx, &f, &mut run, todo, &mut file, &label);
    if let Err(e) = result {
        if matches!(mode, Mode::Shard { .. }) {
            SHARD_FAILED.store(true, Ordering::Relaxed);
        }
        return Err(e);
    }
    if matches!(mode, Mode::Shard { .. }) {
        SHARD_DONE.fetch_add(1, Ordering::Relaxed);
    }

    let shard = matches!(mode, Mode::Shard { .. });
    let mut stand_in: Option<Sample> = None;
    if shard && run.layout.is_none() {
        // a shard that owns no block of this ensemble still hands the script a value of the
        // right shape: realization 0, computed here and not saved
        let sample = realize(&ctx, &f, run.seed, 0, run.arity, ctx.call_position())?;
        run.layout = Some(sample.layout());
        stand_in = Some(sample);
    }
    let Some(layout) = run.layout.clone() else {
        return err("ensemble: no realization was computed");
    };
    if run.mean {
        return match (&run.acc, &stand_in) {
            (Some(m), _) => moments_result(m),
            (None, Some(s)) => moments_result(&Moments::of(s)),
            (None, None) => err("ensemble: no realization was computed"),
        };
    }
    let mut samples: Vec<Option<&Sample>> = vec![None; n];
    for (b, d) in &run.kept {
        if let BlockData::Samples(v) = d {
            for (j, s) in v.iter().enumerate() {
                samples[b * BLOCK + j] = Some(s);
            }
        }
    }
    if shard {
        // the other shards' realizations are stood in for by this shard's own, cycled: the rest
        // of the script runs on plausible values (a fit or a training on NaN would stop it
        // before its later ensembles) and writes nothing; the merge runs it on the real ones
        let own: Vec<&Sample> = samples
            .iter()
            .flatten()
            .copied()
            .chain(stand_in.as_ref())
            .collect();
        if !own.is_empty() {
            for (k, slot) in samples.iter_mut().filter(|s| s.is_none()).enumerate() {
                *slot = Some(own[k % own.len()]);
            }
        }
    }
    stack(&layout, &samples)
}

/// Compute blocks `todo` in batches (realizations in parallel inside a batch), saving each batch.
#[allow(deprecated)] // rhai's NativeCallContextStore: volatile, not deprecated
fn compute(
    ctx: &NativeCallContext,
    f: &FnPtr,
    run: &mut Run,
    todo: impl Iterator<Item = usize>,
    file: &mut Option<RecordFile>,
    label: &str,
) -> Res<()> {
    let mut todo = todo.peekable();
    if todo.peek().is_none() {
        return Ok(());
    }
    let pb = crate::progress::bar(run.n as u64, label);
    pb.set_position((run.kept.len() * BLOCK).min(run.n) as u64);
    let store = ctx.store_data();
    let engine = ctx.engine();
    let pos = ctx.call_position();
    let old_par = faer::get_global_parallelism();
    faer::set_global_parallelism(faer::Par::Seq);
    let batch = (2 * rayon::current_num_threads()).max(2);
    let arity = run.arity;
    let mut outcome: Res<()> = Ok(());
    loop {
        let chunk: Vec<usize> = todo.by_ref().take(batch).collect();
        if chunk.is_empty() {
            break;
        }
        let chunk = &chunk[..];
        let idx: Vec<usize> = chunk.iter().flat_map(|&b| block_range(run.n, b)).collect();
        let results: Vec<Result<Sample, Box<EvalAltResult>>> = idx
            .par_iter()
            .map_init(
                || {
                    // per worker: the closure's captured values as private copies (no lock
                    // shared between workers)
                    let mut g = f.clone();
                    g.iter_curry_mut().for_each(|v| *v = v.flatten_clone());
                    (store.create_context(engine), g)
                },
                |(c, g), &i| {
                    if crate::progress::interrupted() {
                        return Err("interrupted".into());
                    }
                    let r = realize(c, g, run.seed, i, arity, pos);
                    pb.inc(1);
                    r
                },
            )
            .collect();
        // blocks whose realizations all succeeded are kept (and saved); the first failure, by
        // realization index, is the error
        let mut results = results.into_iter();
        let mut finished: Vec<(usize, BlockData)> = Vec::new();
        for &b in chunk {
            let len = block_range(run.n, b).len();
            // the whole block is taken before looking at it: the next block starts after it
            let part: Vec<_> = results.by_ref().take(len).collect();
            let samples = match part.into_iter().collect::<Result<Vec<Sample>, _>>() {
                Ok(v) => v,
                Err(e) => {
                    if outcome.is_ok() {
                        outcome = Err(e);
                    }
                    continue;
                }
            };
            let data = if run.mean {
                let mut m = Moments::of(&samples[0]);
                if let Some(why) = run
                    .layout
                    .as_ref()
                    .and_then(|l| l.mismatch(&samples[0].layout()))
                {
                    outcome = outcome.and(err(format!(
                        "ensemble: realization {} returned {why}",
                        b * BLOCK
                    )));
                    continue;
                }
                let first = m.template.layout();
                for (j, s) in samples.iter().enumerate().skip(1) {
                    if let Some(why) = first.mismatch(&s.layout()) {
                        outcome = outcome.and(err(format!(
                            "ensemble: realization {} returned {why}",
                            b * BLOCK + j
                        )));
                    } else {
                        m.push(s);
                    }
                }
                BlockData::Moments(m)
            } else {
                BlockData::Samples(samples)
            };
            finished.push((b, data));
        }
        if let Some(f) = file.as_mut() {
            let refs: Vec<(usize, &BlockData)> = finished.iter().map(|(b, d)| (*b, d)).collect();
            if let Err(e) = f.append(&refs) {
                outcome = outcome.and(err(format!("ensemble: {e}")));
            }
        }
        for (b, d) in finished {
            if let Err(m) = run.accept(b, d) {
                outcome = outcome.and(err(format!("ensemble: {m}")));
            }
        }
        if outcome.is_err() {
            break;
        }
    }
    faer::set_global_parallelism(old_par);
    pb.finish_and_clear();
    outcome
}

/// Realization i: the closure called with (i[, seed]) under the realization's own stream on
/// this thread (the caller's is back after), the value checked into a sample. Errors name the
/// realization.
fn realize(
    c: &NativeCallContext,
    f: &FnPtr,
    ensemble_seed: u64,
    i: usize,
    arity: usize,
    pos: Position,
) -> Res<Sample> {
    let s = realization_seed(ensemble_seed, i);
    let mut args = [Dynamic::from_int(i as i64), Dynamic::from_int(s as i64)];
    let v = crate::session::with_stream(s, || f.call_raw(c, None, &mut args[..arity]))
        .map_err(|e| in_realization(i, e, pos))?;
    to_sample(&v, i, true).map_err(|m| format!("ensemble: {m}").into())
}

/// How many parameters the closure takes beyond its captured values — 1 (`|i|`) or 2
/// (`|i, seed|`) — and an identity of its code for the record files: a hash of its source text
/// (rhai's own name for a closure hashes with a per-process key, so it differs between runs).
fn closure_info(c: &NativeCallContext, f: &FnPtr) -> Res<(usize, String)> {
    let extra = f.curry().len();
    let mut found: Vec<(usize, String)> = c
        .iter_namespaces()
        .flat_map(|m| m.iter_script_fn_info())
        .filter(|(_, _, name, _, _)| *name == f.fn_name())
        .map(|(_, _, _, params, def)| {
            // the script the ensemble is called from (the closure's own, unless it was passed
            // in from an imported module)
            // the body's text; for a closure without braces (no span), the rest of the
            // ensemble call's line, which holds it
            let text = c
                .call_source()
                .or(c.fn_source())
                .and_then(crate::engine::script_source)
                .and_then(|src| {
                    source_between(&src, def.body.start_position(), def.body.end_position())
                        .or_else(|| {
                            let p = c.call_position();
                            let line = src.lines().nth(p.line()?.checked_sub(1)?)?;
                            Some(line.chars().skip(p.position()?.saturating_sub(1)).collect())
                        })
                });
            // without the text (the REPL, eval), rhai's own name: stable within this process
            // only, so a checkpoint is resumed in the same session and refused in another
            let id = match text {
                Some(t) => format!("{}:{:016x}", def.params.join(","), super::fnv(t.as_bytes())),
                None => format!("{}:{}", def.params.join(","), f.fn_name()),
            };
            (params.saturating_sub(extra), id)
        })
        .collect();
    found.sort();
    match found.iter().rev().find(|(k, _)| *k == 1 || *k == 2) {
        Some(x) => Ok(x.clone()),
        None if found.is_empty() => Ok((2, f.fn_name().to_string())),
        None => err(format!(
            "ensemble: the closure takes {} parameters; expected |i| or |i, seed|",
            found[0].0
        )),
    }
}

/// The text of `src` from `start` to `end` (inclusive), by rhai's 1-based lines and columns.
fn source_between(src: &str, start: Position, end: Position) -> Option<String> {
    let (l1, c1, l2, c2) = (
        start.line()?,
        start.position()?,
        end.line()?,
        end.position()?,
    );
    let lines: Vec<&str> = src.lines().collect();
    let mut out = String::new();
    for l in l1..=l2 {
        let line: Vec<char> = lines.get(l - 1)?.chars().collect();
        let from = if l == l1 { c1 - 1 } else { 0 };
        let to = if l == l2 {
            c2.min(line.len())
        } else {
            line.len()
        };
        out.extend(line.get(from.min(to)..to)?);
        out.push('\n');
    }
    Some(out)
}

fn in_realization(i: usize, e: Box<EvalAltResult>, pos: Position) -> Box<EvalAltResult> {
    if let EvalAltResult::ErrorTerminated(..) = *e {
        return e;
    }
    Box::new(EvalAltResult::ErrorInFunctionCall(
        format!("ensemble realization {i}"),
        String::new(),
        e,
        pos,
    ))
}

pub fn register(engine: &mut Engine) {
    reg(
        engine,
        "ensemble_mode",
        &["string"],
        "How this run computes its ensembles: \"local\" (all realizations here), \"shard\" (`disco run --shard i/n`: only this shard's, the others stood in for, the script's files not written) or \"merge\" (`disco merge`: all read from the shards). Lets a script skip heavy work that only the final results need: `if ensemble_mode() != \"shard\" { ... }`.",
        || match mode() {
            Mode::Local => "local".to_string(),
            Mode::Shard { .. } => "shard".to_string(),
            Mode::Merge { .. } => "merge".to_string(),
        },
    );
    const DOC: &str = "Run the closure for realizations i = 0..n on every core and collect what each returns (a number, an array, an ndarray, or a map of them).\n\
The closure is |i| or |i, seed|: seed is realization i's own seed, and every random function called inside without an explicit seed draws from that realization's stream, so results are the same bits for any thread count, shard count or restart.\n\
Returns the results stacked along a new first axis (an ndarray [n, ...], or a map of them per key), or with reduce: \"mean\" the streaming #{mean, std, err, n} (per key for maps) without keeping the realizations.\n\
opts: seed (default: the next seed of the script's stream), reduce (\"stack\" or \"mean\"), checkpoint (a file: finished realizations are saved there as they complete and a re-run continues from them), label (progress bar).\n\
`disco run SCRIPT --shard i/n` computes only shard i's realizations; `disco merge OUT` assembles the shards; `disco slurm` submits both as a Slurm job array.";
    reg(
        engine,
        "ensemble",
        &["n: int", "f: fn(i, seed)", "opts: map", "ndarray|map"],
        DOC,
        ensemble,
    );
    reg(
        engine,
        "ensemble",
        &["n: int", "f: fn(i, seed)", "ndarray|map"],
        "Run the closure for realizations 0..n on every core and stack the results (ensemble(n, f, #{}) with the defaults).",
        |ctx: NativeCallContext, n: Dynamic, f: FnPtr| ensemble(ctx, n, f, Map::new()),
    );
}
