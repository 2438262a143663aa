//! Scheduling for the solvers: faer's parallel kernels want to run on rayon's pool.

/// Run `f` on rayon's pool, as one job, when called from outside it (the script's thread).
/// faer's parallel kernels split their work with `rayon::join`: from outside the pool every
/// join is injected into it and the caller woken afterwards, and a worker that has gone to sleep
/// meanwhile can take over a millisecond to take up its half. On the pool, joins stay local.
/// (Measured: `eigh` at n = 1000, median 80 → 75 ms; `eigs_near` on the M = 12 Anderson
/// model, 44–59 → 30 ms.)
pub fn on_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    if rayon::current_thread_index().is_some() {
        f()
    } else {
        rayon::scope(|_| f())
    }
}
