//! The state of one script session, owned by its engine: the script's random stream (`seed(n)`),
//! the `key=value` parameters (`param`), which of them the script read, and the count of
//! `ensemble` calls (shard files are named by it). `build_engine` makes one `Session` per
//! engine; two engines, on one thread or on two, never share a seed or parameters.
//!
//! How native code finds it: the engine's progress hook, which rhai calls before every
//! operation, marks its session as the one running on this thread (a pointer comparison when
//! it already is). Native functions called by that script then read it through `current()`
//! without a context argument, on the script's thread and on the worker threads that run its
//! closures. A thread where no engine has run yet has a session of its own.
//!
//! Inside an `ensemble` realization the random stream is the realization's own (`with_stream`),
//! set on the worker thread for the closure's duration, so that realizations draw the same
//! numbers whatever thread runs them.

use crate::rng::StdRng;
use rand::{RngCore, SeedableRng};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One engine's session state.
#[derive(Debug)]
pub struct Session {
    rng: Mutex<StdRng>,
    params: Mutex<Arc<BTreeMap<String, String>>>,
    used: Mutex<BTreeSet<String>>,
    calls: AtomicUsize,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            // seed 0 until `seed(n)`: an unseeded script is reproducible too
            rng: Mutex::new(StdRng::seed_from_u64(0)),
            params: Mutex::new(Arc::new(BTreeMap::new())),
            used: Mutex::new(BTreeSet::new()),
            calls: AtomicUsize::new(0),
        }
    }
}

thread_local! {
    /// The session of the engine running on this thread (set by its progress hook).
    static ACTIVE: RefCell<Option<Arc<Session>>> = const { RefCell::new(None) };
    /// The session of a thread where no engine has run.
    static OWN: Arc<Session> = Arc::new(Session::default());
    /// A realization's stream, in force while its closure runs on this thread.
    static STREAM: RefCell<Option<StdRng>> = const { RefCell::new(None) };
}

/// Mark `s` as the session running on this thread (the engine's progress hook calls this
/// before every operation; it costs a pointer comparison when nothing changes).
#[inline]
pub fn activate(s: &Arc<Session>) {
    ACTIVE.with(|a| {
        let same = a.borrow().as_ref().is_some_and(|cur| Arc::ptr_eq(cur, s));
        if !same {
            *a.borrow_mut() = Some(s.clone());
        }
    });
}

/// The session running on this thread.
pub fn current() -> Arc<Session> {
    ACTIVE
        .with(|a| a.borrow().clone())
        .unwrap_or_else(|| OWN.with(|o| o.clone()))
}

impl Session {
    /// Reset the script's stream (`seed(n)`).
    pub fn reseed(&self, seed: u64) {
        if let Ok(mut g) = self.rng.lock() {
            *g = StdRng::seed_from_u64(seed);
        }
    }

    /// The next seed of the script's stream.
    fn next_u64(&self) -> u64 {
        match self.rng.lock() {
            Ok(mut g) => g.next_u64(),
            Err(p) => p.into_inner().next_u64(),
        }
    }

    /// Set the `key=value` parameters (the command line does, before the script runs).
    pub fn set_params(&self, p: BTreeMap<String, String>) {
        if let Ok(mut g) = self.params.lock() {
            *g = Arc::new(p);
        }
        if let Ok(mut u) = self.used.lock() {
            u.clear();
        }
    }

    /// The parameters as given.
    pub fn params(&self) -> Arc<BTreeMap<String, String>> {
        self.params
            .lock()
            .map(|g| g.clone())
            .unwrap_or_else(|_| Arc::new(BTreeMap::new()))
    }

    /// Parameter `name` as given, marked as read.
    pub fn param(&self, name: &str) -> Option<String> {
        if let Ok(mut u) = self.used.lock() {
            u.insert(name.to_string());
        }
        self.params().get(name).cloned()
    }

    /// Parameters given that the script never read (likely misspelt).
    pub fn unused_params(&self) -> Vec<String> {
        let used = self.used.lock().map(|u| u.clone()).unwrap_or_default();
        self.params()
            .keys()
            .filter(|k| !used.contains(*k))
            .cloned()
            .collect()
    }

    /// The index of the next `ensemble` call of this run (0, 1, …).
    pub fn next_ensemble_call(&self) -> usize {
        self.calls.fetch_add(1, Ordering::Relaxed)
    }
}

/// The next seed from the running script's stream (or, inside an ensemble realization, from the
/// realization's): functions called without an explicit seed use it, so a sequence of calls
/// after `seed(n)` is reproducible.
pub fn next_seed() -> u64 {
    let own = STREAM.with(|s| s.borrow_mut().as_mut().map(|g| g.next_u64()));
    own.unwrap_or_else(|| current().next_u64())
}

/// Run `f` with `seed`'s stream as the random stream of this thread (an ensemble realization);
/// the stream in force before is put back after, also when `f` fails.
pub fn with_stream<T>(seed: u64, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<StdRng>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let old = self.0.take();
            STREAM.with(|s| *s.borrow_mut() = old);
        }
    }
    let old = STREAM.with(|s| s.borrow_mut().replace(StdRng::seed_from_u64(seed)));
    let _restore = Restore(old);
    f()
}

/// Reseed the stream that `next_seed` draws from here: the realization's inside one, else the
/// running script's (`seed(n)`).
pub fn reseed(seed: u64) {
    let inside = STREAM.with(|s| {
        let mut s = s.borrow_mut();
        match s.as_mut() {
            Some(g) => {
                *g = StdRng::seed_from_u64(seed);
                true
            }
            None => false,
        }
    });
    if !inside {
        current().reseed(seed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_sessions_on_one_thread_keep_their_own_streams() {
        let a = Arc::new(Session::default());
        let b = Arc::new(Session::default());
        activate(&a);
        reseed(5);
        let a1 = next_seed();
        activate(&b);
        let b1 = next_seed();
        activate(&a);
        let a2 = next_seed();
        // b's stream is seed 0's, untouched by a's seed(5); a's continues where it was
        let mut five = StdRng::seed_from_u64(5);
        let mut zero = StdRng::seed_from_u64(0);
        assert_eq!((a1, a2), (five.next_u64(), five.next_u64()));
        assert_eq!(b1, zero.next_u64());
    }

    #[test]
    fn a_realization_stream_is_in_force_only_inside() {
        let s = Arc::new(Session::default());
        activate(&s);
        reseed(1);
        let inside = with_stream(9, next_seed);
        let after = next_seed();
        assert_eq!(inside, StdRng::seed_from_u64(9).next_u64());
        assert_eq!(after, StdRng::seed_from_u64(1).next_u64());
    }
}
