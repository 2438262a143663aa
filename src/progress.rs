//! Progress bars for long native work and the interrupt flag that Ctrl-C sets in the REPL.
//! Bars are drawn only when stderr is a terminal and `--quiet` was not given.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Silence progress output (`--quiet`).
pub fn set_quiet(q: bool) {
    QUIET.store(q, Ordering::Relaxed);
}

/// Whether progress output is silenced.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Ask the running computation to stop (the REPL's Ctrl-C handler calls this).
pub fn request_interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Clear a pending interrupt (the REPL does this before each input).
pub fn clear_interrupt() {
    INTERRUPTED.store(false, Ordering::SeqCst);
}

/// Whether an interrupt is pending.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

/// Return an error if Ctrl-C was pressed; native loops call this between units of work.
pub fn check_interrupt(func: &str) -> crate::args::Res<()> {
    if interrupted() {
        return crate::args::err(format!("{func}: interrupted"));
    }
    Ok(())
}

/// A progress bar of `len` steps labelled `msg`, hidden when quiet or not on a terminal.
pub fn bar(len: u64, msg: &str) -> ProgressBar {
    if quiet() || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    let style = ProgressStyle::with_template(
        "{msg:>12} [{bar:30.cyan/blue}] {pos}/{len} {elapsed_precise} eta {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    pb.set_style(style);
    pb.set_message(msg.to_string());
    pb
}
