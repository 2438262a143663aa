//! What a front end shows besides text: the notebook kernel installs hooks here, so that
//! `f.show()` puts a figure inline and `clear_output()` clears the cell's output. In the terminal
//! (no hook) both say what to do instead.

use crate::plot::Figure;
use std::sync::OnceLock;

type FigureHook = Box<dyn Fn(&Figure) -> Result<(), String> + Send + Sync>;
type ClearHook = Box<dyn Fn(bool) + Send + Sync>;

static FIGURE: OnceLock<FigureHook> = OnceLock::new();
static CLEAR: OnceLock<ClearHook> = OnceLock::new();

/// Install the front end's hooks (once per process).
pub fn install(figure: FigureHook, clear: ClearHook) {
    let _ = FIGURE.set(figure);
    let _ = CLEAR.set(clear);
}

/// Show a figure in the front end.
pub fn figure(f: &Figure) -> Result<(), String> {
    match FIGURE.get() {
        Some(h) => h(f),
        None => Err(
            "no notebook is attached (`disco kernel` shows figures inline); write \
                     the figure with f.save(\"figure.png\")"
                .into(),
        ),
    }
}

/// Clear the cell's output (`wait`: when the next output arrives).
pub fn clear(wait: bool) -> Result<(), String> {
    match CLEAR.get() {
        Some(h) => {
            h(wait);
            Ok(())
        }
        None => Err("no notebook is attached: there is no cell output to clear".into()),
    }
}
