//! The one error printer used by `run`, `check`, `eval` and the REPL: `FILE:LINE:COL: message`,
//! the source line and a caret; a call that matches no signature lists the registered ones.

use rhai::EvalAltResult;

/// Format an error from running or compiling `source` (named `file`).
pub fn format_error(err: &EvalAltResult, source: &str, file: &str) -> String {
    let inner = err.unwrap_inner();
    // The outermost position is in this source (a call site); the message carries the rest.
    let pos = err.position();
    let mut msg = match err {
        EvalAltResult::ErrorTerminated(..) => "interrupted".to_string(),
        EvalAltResult::ErrorRuntime(d, _) => d.to_string(),
        _ => strip_position(&err.to_string()),
    };
    if let EvalAltResult::ErrorFunctionNotFound(sig, _) = inner {
        msg.push_str(&signatures_hint(sig));
    }
    let mut out = String::new();
    match (pos.line(), pos.position()) {
        (Some(line), col) => {
            let col = col.unwrap_or(1);
            out.push_str(&format!("{file}:{line}:{col}: error: {msg}\n"));
            if let Some(text) = source.lines().nth(line - 1) {
                out.push_str(&format!("{line:>5} | {text}\n"));
                out.push_str(&format!("      | {}^\n", " ".repeat(col.saturating_sub(1))));
            }
        }
        _ => out.push_str(&format!("{file}: error: {msg}\n")),
    }
    out
}

/// Drop rhai's trailing " (line N, position M)" from a message: the header carries it.
fn strip_position(msg: &str) -> String {
    let mut lines: Vec<String> = msg.lines().map(|l| l.to_string()).collect();
    if let Some(first) = lines.first_mut() {
        if let Some(i) = first.rfind(" (line ") {
            first.truncate(i);
        }
    }
    lines.join("\n")
}

/// "registered signatures of NAME: ..." for a failed call `sig` like `f (ndarray, i64)`.
pub fn signatures_hint(sig: &str) -> String {
    let name = sig.split(['(', ' ']).next().unwrap_or("").trim();
    let name = name.rsplit("::").next().unwrap_or(name);
    let hits = crate::docs::lookup(name);
    if hits.is_empty() {
        return String::new();
    }
    let mut s = format!("\n  registered signatures of '{name}':");
    for d in hits {
        s.push_str(&format!("\n    {}", d.signature));
    }
    s
}

/// Whether a compile error means the input is unfinished (an open `{`, `(` or `[`, or a string),
/// so the REPL should read another line instead of reporting it.
pub fn is_incomplete(engine: &rhai::Engine, input: &str) -> bool {
    match engine.compile(input) {
        Ok(_) => false,
        Err(e) => {
            use rhai::ParseErrorType as P;
            open_brackets(input) > 0
                || matches!(
                    &*e.0,
                    P::UnexpectedEOF | P::BadInput(rhai::LexError::UnterminatedString)
                )
        }
    }
}

/// Net count of unclosed brackets outside strings and comments.
fn open_brackets(input: &str) -> i64 {
    let mut depth = 0i64;
    let mut in_str: Option<char> = None;
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = in_str {
            if c == '\\' {
                chars.next();
            } else if c == q {
                in_str = None;
            }
            continue;
        }
        match c {
            '"' | '`' => in_str = Some(c),
            '/' if chars.peek() == Some(&'/') => {
                for c2 in chars.by_ref() {
                    if c2 == '\n' {
                        break;
                    }
                }
            }
            '{' | '(' | '[' => depth += 1,
            '}' | ')' | ']' => depth -= 1,
            _ => {}
        }
    }
    depth + i64::from(in_str.is_some())
}
