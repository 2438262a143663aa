//! Progress bars for long native work, the interrupt flag that Ctrl-C sets in the REPL, and the
//! parallel runner of independent realizations that every domain uses.
//! Bars are drawn only when stderr is a terminal and `--quiet` was not given.

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
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

type TextSink = Box<dyn Fn(&str) + Send + Sync>;

/// Where progress goes in a notebook: the kernel's stderr stream (text lines that overwrite
/// each other with a carriage return, no escape codes).
static NOTEBOOK: std::sync::OnceLock<TextSink> = std::sync::OnceLock::new();

/// Send progress bars to `sink` as text (the Jupyter kernel does this once).
pub fn set_notebook_sink(sink: TextSink) {
    let _ = NOTEBOOK.set(sink);
}

/// A terminal stand-in that hands each redrawn line to the notebook sink.
#[derive(Debug, Default)]
struct NotebookLine(std::sync::Mutex<String>);

impl indicatif::TermLike for NotebookLine {
    fn width(&self) -> u16 {
        100
    }
    fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.write_str(s)
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        if let Ok(mut l) = self.0.lock() {
            l.push_str(s);
        }
        Ok(())
    }
    fn clear_line(&self) -> std::io::Result<()> {
        if let Ok(mut l) = self.0.lock() {
            l.clear();
        }
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        let line = self.0.lock().map(|l| l.clone()).unwrap_or_default();
        if let Some(sink) = NOTEBOOK.get() {
            sink(&format!("\r{line}"));
        }
        Ok(())
    }
}

/// A progress bar of `len` steps labelled `msg`, hidden when quiet or not on a terminal (in a
/// notebook: updating text on the cell's stderr stream).
pub fn bar(len: u64, msg: &str) -> ProgressBar {
    if quiet() {
        return ProgressBar::hidden();
    }
    if !std::io::stderr().is_terminal() {
        if NOTEBOOK.get().is_none() {
            return ProgressBar::hidden();
        }
        let target =
            indicatif::ProgressDrawTarget::term_like_with_hz(Box::new(NotebookLine::default()), 2);
        let pb = ProgressBar::with_draw_target(Some(len), target);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg:>12} [{bar:30}] {pos}/{len} {elapsed_precise} eta {eta}",
        ) {
            pb.set_style(style.progress_chars("=> "));
        }
        pb.set_message(msg.to_string());
        return pb;
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

/// Run `f(i)` for i in 0..count in parallel (one realization per task, faer sequential inside),
/// with a progress bar and Ctrl-C checks. Results are in index order whatever the thread count.
pub fn par_realizations<T: Send>(
    count: usize,
    label: &str,
    f: impl Fn(usize) -> Result<T, String> + Sync + Send,
) -> crate::args::Res<Vec<T>> {
    par_realizations_plain(count, label, f).map_err(|e| e.into())
}

/// `par_realizations` for plain Rust (domains): the error is a message.
pub fn par_realizations_plain<T: Send>(
    count: usize,
    label: &str,
    f: impl Fn(usize) -> Result<T, String> + Sync + Send,
) -> Result<Vec<T>, String> {
    let pb = bar(count as u64, label);
    let old = faer::get_global_parallelism();
    faer::set_global_parallelism(faer::Par::Seq);
    let out: Result<Vec<T>, String> = (0..count)
        .into_par_iter()
        .map(|i| {
            if interrupted() {
                return Err(format!("{label}: interrupted"));
            }
            let r = f(i);
            pb.inc(1);
            r
        })
        .collect();
    faer::set_global_parallelism(old);
    pb.finish_and_clear();
    out
}
