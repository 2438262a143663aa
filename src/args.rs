//! Argument handling shared by every domain's `script.rs`: registration with documentation,
//! numeric coercion (every function that takes a FLOAT also takes an INT), size checks before
//! allocating, and options maps that reject unknown keys.

use rhai::{Dynamic, Engine, FuncRegistration, Map, RhaiNativeFunc, Variant, INT};

/// Result type of native functions.
pub type Res<T> = Result<T, Box<rhai::EvalAltResult>>;

/// A script error with no position: the engine stamps the caller's line and column.
pub fn err<T>(msg: impl Into<String>) -> Res<T> {
    Err(msg.into().into())
}

thread_local! {
    /// The domain whose functions are being registered (`in_domain`), for the reference.
    static DOMAIN: std::cell::Cell<&'static str> = const { std::cell::Cell::new("") };
    /// (name, signature, domain) of everything `reg` registered on the engine being built, for
    /// `register_default_options`.
    static REGISTERED: std::cell::RefCell<Vec<(String, Vec<String>, &'static str)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The domains in the order they were first registered: the reference's sections.
static DOMAIN_ORDER: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());

/// The reference's sections, in registration order.
pub fn domains() -> Vec<&'static str> {
    DOMAIN_ORDER.lock().map(|d| d.clone()).unwrap_or_default()
}

/// Register a domain's functions under its name: the reference groups them by it.
pub fn in_domain(engine: &mut Engine, domain: &'static str, register: impl FnOnce(&mut Engine)) {
    if let Ok(mut order) = DOMAIN_ORDER.lock() {
        if !order.contains(&domain) {
            order.push(domain);
        }
    }
    let before = DOMAIN.with(|d| d.replace(domain));
    register(engine);
    DOMAIN.with(|d| d.set(before));
}

/// Register `f` under the script name `name`, with its signature (`["x: float", "ndarray"]`,
/// return type last) and a one-line doc. The doc becomes `help(name)` and `docs/functions.md`.
pub fn reg<A: 'static, const N: usize, const X: bool, R, const F: bool, FUNC>(
    engine: &mut Engine,
    name: &str,
    sig: &[&str],
    doc: &str,
    f: FUNC,
) where
    R: Variant + Clone,
    FUNC: RhaiNativeFunc<A, N, X, R, F> + Send + Sync + 'static,
{
    let mut comments: Vec<String> = doc.lines().map(|l| format!("/// {l}")).collect();
    let domain = DOMAIN.with(|d| d.get());
    if !domain.is_empty() {
        comments.push(format!("/// @domain {domain}"));
    }
    REGISTERED.with(|r| {
        r.borrow_mut().push((
            name.to_string(),
            sig.iter().map(|s| s.to_string()).collect(),
            domain,
        ))
    });
    FuncRegistration::new(name)
        .with_params_info(sig)
        .with_comments([comments.join("\n")])
        .register_into_engine(engine, f);
}

/// Every function whose last parameter is an options map can be called without it: for each
/// such `f(a, b, opts)` with no `f(a, b)` of its own, register `f(a, b)` = `f(a, b, #{})`, with
/// its own line in the reference. Called once per engine, after every domain is registered.
pub fn register_default_options(engine: &mut Engine) {
    use std::any::TypeId;
    let all = REGISTERED.with(|r| std::mem::take(&mut *r.borrow_mut()));
    let arities: std::collections::HashSet<(String, usize)> = all
        .iter()
        .map(|(n, sig, _)| (n.clone(), sig.len().saturating_sub(1)))
        .collect();
    let mut done = std::collections::HashSet::new();
    let mut module = rhai::Module::new();
    for (name, sig, domain) in &all {
        let n = sig.len().saturating_sub(1);
        let takes_opts = n >= 1 && sig[n - 1].starts_with("opts:");
        if !takes_opts || arities.contains(&(name.clone(), n - 1)) || !done.insert(name.clone()) {
            continue;
        }
        let mut params: Vec<String> = sig[..n - 1].to_vec();
        params.push(sig[n].clone());
        let shown: Vec<&str> = sig[..n - 1]
            .iter()
            .map(|p| p.split(':').next().unwrap_or(p).trim())
            .collect();
        let mut comments = vec![format!(
            "/// `{name}({})`: every option at its default.",
            shown
                .iter()
                .copied()
                .chain(std::iter::once("#{}"))
                .collect::<Vec<_>>()
                .join(", ")
        )];
        if !domain.is_empty() {
            comments.push(format!("/// @domain {domain}"));
        }
        let target = name.clone();
        let func = move |ctx: Option<rhai::NativeCallContext>, args: &mut [&mut Dynamic]| {
            let ctx = ctx.ok_or("no call context")?;
            let mut opts = Dynamic::from_map(Map::new());
            let mut full: Vec<&mut Dynamic> = args.iter_mut().map(|a| &mut **a).collect();
            full.push(&mut opts);
            // by reference: a function that changes its first argument (a model, a spin
            // configuration) changes the caller's value, as the full call does
            ctx.call_native_fn_raw(&target, true, &mut full)
        };
        FuncRegistration::new(name.as_str())
            .in_global_namespace()
            .with_params_info(params)
            .with_comments([comments.join("\n")])
            .set_into_module_raw(
                &mut module,
                vec![TypeId::of::<Dynamic>(); n - 1],
                rhai::RhaiFunc::Method {
                    func: rhai::Shared::new(func),
                    has_context: true,
                    is_pure: false,
                    is_volatile: true,
                },
            );
    }
    engine.register_global_module(module.into());
}

/// How many parameters a script closure takes (its captured variables not counted), when the
/// closure is a script function visible from `ctx`.
pub fn closure_arity(ctx: &rhai::NativeCallContext, f: &rhai::FnPtr) -> Option<usize> {
    let extra = f.curry().len();
    ctx.iter_namespaces()
        .flat_map(|m| m.iter_script_fn_info())
        .filter(|(_, _, name, _, _)| *name == f.fn_name())
        .map(|(_, _, _, params, _)| params.saturating_sub(extra))
        .max()
}

/// A number from a script value: FLOAT or INT. NaN is rejected; use [`num_any`] to allow it.
pub fn num(v: &Dynamic, func: &str, arg: &str) -> Res<f64> {
    let x = num_any(v, func, arg)?;
    if x.is_nan() {
        return err(format!(
            "{func}: argument '{arg}' is NaN; expected a number"
        ));
    }
    Ok(x)
}

/// A number (FLOAT or INT), NaN allowed.
pub fn num_any(v: &Dynamic, func: &str, arg: &str) -> Res<f64> {
    if let Some(x) = v.clone().try_cast::<f64>() {
        Ok(x)
    } else if let Some(i) = v.clone().try_cast::<INT>() {
        Ok(i as f64)
    } else {
        err(format!(
            "{func}: argument '{arg}' must be a number (float or int), got {}",
            v.type_name()
        ))
    }
}

/// A finite number.
pub fn finite(v: &Dynamic, func: &str, arg: &str) -> Res<f64> {
    let x = num(v, func, arg)?;
    if !x.is_finite() {
        return err(format!("{func}: argument '{arg}' must be finite, got {x}"));
    }
    Ok(x)
}

/// A positive finite number (> 0).
pub fn positive(v: &Dynamic, func: &str, arg: &str) -> Res<f64> {
    let x = finite(v, func, arg)?;
    if x <= 0.0 {
        return err(format!("{func}: argument '{arg}' must be > 0, got {x}"));
    }
    Ok(x)
}

/// A probability in [0, 1].
pub fn prob(v: &Dynamic, func: &str, arg: &str) -> Res<f64> {
    let x = finite(v, func, arg)?;
    if !(0.0..=1.0).contains(&x) {
        return err(format!(
            "{func}: argument '{arg}' must be in [0, 1], got {x}"
        ));
    }
    Ok(x)
}

/// An integer argument (an integral FLOAT such as `3.0` is accepted too).
pub fn int(v: &Dynamic, func: &str, arg: &str) -> Res<i64> {
    if let Some(i) = v.clone().try_cast::<INT>() {
        return Ok(i);
    }
    if let Some(x) = v.clone().try_cast::<f64>() {
        if x.fract() == 0.0 && x.abs() < 9.0e15 {
            return Ok(x as i64);
        }
    }
    err(format!(
        "{func}: argument '{arg}' must be an integer, got {} {}",
        v.type_name(),
        v
    ))
}

/// A count in `[lo, hi]`.
pub fn count(v: &Dynamic, func: &str, arg: &str, lo: i64, hi: i64) -> Res<usize> {
    let i = int(v, func, arg)?;
    if i < lo || i > hi {
        return err(format!(
            "{func}: argument '{arg}' must be an integer in [{lo}, {hi}], got {i}"
        ));
    }
    Ok(i as usize)
}

/// A seed: a non-negative integer.
pub fn seed_arg(v: &Dynamic, func: &str) -> Res<u64> {
    let s = int(v, func, "seed")?;
    if s < 0 {
        return err(format!("{func}: argument 'seed' must be >= 0, got {s}"));
    }
    Ok(s as u64)
}

/// A string argument.
pub fn string(v: &Dynamic, func: &str, arg: &str) -> Res<String> {
    if v.is_string() {
        Ok(v.to_string())
    } else {
        err(format!(
            "{func}: argument '{arg}' must be a string, got {}",
            v.type_name()
        ))
    }
}

/// A boolean argument.
pub fn boolean(v: &Dynamic, func: &str, arg: &str) -> Res<bool> {
    v.as_bool().or_else(|_| {
        err(format!(
            "{func}: argument '{arg}' must be true or false, got {}",
            v.type_name()
        ))
    })
}

/// Largest allocation a native function may make, in bytes: 80 % of the memory available now,
/// the least of the machine's (MemAvailable), the cgroup's (memory.max − memory.current: a
/// container or a Slurm job) and the process limits (RLIMIT_AS, RLIMIT_DATA, less what is
/// mapped); 16 GiB where none can be read.
pub fn memory_budget() -> u64 {
    let read = |p: &str| std::fs::read_to_string(p).ok();
    let machine = read("/proc/meminfo").and_then(|s| {
        s.lines()
            .find(|l| l.starts_with("MemAvailable:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    let cgroup = cgroup_dir().and_then(|d| {
        let max = read(&format!("{d}/memory.max"))?
            .trim()
            .parse::<u64>()
            .ok()?;
        let cur = read(&format!("{d}/memory.current"))?
            .trim()
            .parse::<u64>()
            .ok()?;
        Some(max.saturating_sub(cur))
    });
    let mapped = process_bytes().map(|(size, _)| size).unwrap_or(0);
    let rlimit = rlimit_bytes().map(|l| l.saturating_sub(mapped));
    [machine, cgroup, rlimit]
        .into_iter()
        .flatten()
        .min()
        .map(|b| b / 10 * 8)
        .unwrap_or(16 << 30)
}

/// This process's cgroup (v2) directory, when it has one.
fn cgroup_dir() -> Option<String> {
    let s = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let rel = s.lines().find_map(|l| l.strip_prefix("0::"))?;
    Some(format!("/sys/fs/cgroup{}", rel.trim_end_matches('/')))
}

/// The smaller of RLIMIT_AS and RLIMIT_DATA, where either is set.
fn rlimit_bytes() -> Option<u64> {
    #[cfg(unix)]
    {
        let get = |res| {
            let mut r = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            // SAFETY: getrlimit writes the struct it is given
            let ok = unsafe { libc::getrlimit(res, &mut r) } == 0;
            (ok && r.rlim_cur != libc::RLIM_INFINITY).then_some(r.rlim_cur)
        };
        [get(libc::RLIMIT_AS), get(libc::RLIMIT_DATA)]
            .into_iter()
            .flatten()
            .min()
    }
    #[cfg(not(unix))]
    None
}

/// (mapped, resident) bytes of this process, from /proc/self/statm.
pub fn process_bytes() -> Option<(u64, u64)> {
    let s = std::fs::read_to_string("/proc/self/statm").ok()?;
    let mut it = s.split_whitespace().map(|x| x.parse::<u64>().ok());
    let (size, rss) = (it.next()??, it.next()??);
    Some((size * 4096, rss * 4096))
}

/// Check that `n` elements of `bytes_each` bytes fit in memory before allocating them.
pub fn check_alloc(func: &str, what: &str, n: u128, bytes_each: u128) -> Res<()> {
    fits_in_memory(what, n, bytes_each).map_err(|e| format!("{func}: {e}").into())
}

/// `check_alloc` for plain Rust (domains): "WHAT would need … but only … is available".
pub fn fits_in_memory(what: &str, n: u128, bytes_each: u128) -> Result<(), String> {
    let need = n.saturating_mul(bytes_each);
    // below 64 MiB no machine this runs on lacks the memory, and reading the budget costs a few
    // /proc reads: tens of µs in every call of a per-realization function
    if need < 64 << 20 {
        return Ok(());
    }
    let budget = memory_budget() as u128;
    if need > budget {
        return Err(format!(
            "{what} would need {} but only {} of memory is available",
            human_bytes(need),
            human_bytes(budget)
        ));
    }
    Ok(())
}

/// `1.5 GiB`-style sizes for messages.
pub fn human_bytes(b: u128) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut x = b as f64;
    let mut u = 0;
    while x >= 1024.0 && u + 1 < units.len() {
        x /= 1024.0;
        u += 1;
    }
    format!("{x:.1} {}", units[u])
}

/// An options map with a fixed set of valid keys. Unknown keys are an error that names the
/// valid ones (the `powerlaw` package silently ignored a misspelt `xmn=`; disco does not).
pub struct Opts<'a> {
    map: Map,
    func: &'a str,
}

impl<'a> Opts<'a> {
    /// Validate the keys of `map` against `valid`.
    pub fn new(map: Map, func: &'a str, valid: &[&str]) -> Res<Self> {
        for k in map.keys() {
            if !valid.contains(&k.as_str()) {
                let mut v: Vec<&str> = valid.to_vec();
                v.sort_unstable();
                return err(format!(
                    "{func}: unknown option '{k}'; valid options are: {}",
                    v.join(", ")
                ));
            }
        }
        Ok(Opts { map, func })
    }
    /// An empty options map.
    pub fn empty(func: &'a str) -> Self {
        Opts {
            map: Map::new(),
            func,
        }
    }
    /// The raw value of `key`, if given.
    pub fn get(&self, key: &str) -> Option<&Dynamic> {
        self.map.get(key)
    }
    /// Whether `key` was given.
    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }
    fn arg(&self, key: &str) -> String {
        format!("opts.{key}")
    }
    /// A float option (INT accepted).
    pub fn f64_or(&self, key: &str, default: f64) -> Res<f64> {
        match self.get(key) {
            Some(v) => num(v, self.func, &self.arg(key)),
            None => Ok(default),
        }
    }
    /// An optional float option.
    pub fn f64_opt(&self, key: &str) -> Res<Option<f64>> {
        self.get(key)
            .map(|v| num(v, self.func, &self.arg(key)))
            .transpose()
    }
    /// An integer option.
    pub fn i64_or(&self, key: &str, default: i64) -> Res<i64> {
        match self.get(key) {
            Some(v) => int(v, self.func, &self.arg(key)),
            None => Ok(default),
        }
    }
    /// A count option in `[lo, hi]`.
    pub fn count_or(&self, key: &str, default: usize, lo: i64, hi: i64) -> Res<usize> {
        match self.get(key) {
            Some(v) => count(v, self.func, &self.arg(key), lo, hi),
            None => Ok(default),
        }
    }
    /// A boolean option.
    pub fn bool_or(&self, key: &str, default: bool) -> Res<bool> {
        match self.get(key) {
            Some(v) => boolean(v, self.func, &self.arg(key)),
            None => Ok(default),
        }
    }
    /// A string option.
    pub fn str_or(&self, key: &str, default: &str) -> Res<String> {
        match self.get(key) {
            Some(v) => string(v, self.func, &self.arg(key)),
            None => Ok(default.to_string()),
        }
    }
    /// A string option restricted to `choices`.
    pub fn choice_or(&self, key: &str, default: &str, choices: &[&str]) -> Res<String> {
        let s = self.str_or(key, default)?;
        if !choices.contains(&s.as_str()) {
            return err(format!(
                "{}: option '{key}' must be one of {}, got \"{s}\"",
                self.func,
                choices.join(", ")
            ));
        }
        Ok(s)
    }
    /// A seed option: explicit `seed` key, else the next seed of the script's global stream.
    pub fn seed(&self) -> Res<u64> {
        match self.get("seed") {
            Some(v) => seed_arg(v, self.func),
            None => Ok(crate::session::next_seed()),
        }
    }
}
