//! The one error printer used by `run`, `check`, `eval` and the REPL: `FILE:LINE:COL: message`,
//! the source line and a caret; a call that matches no signature lists the registered ones.

use rhai::EvalAltResult;

/// Format an error from running or compiling `source` (named `file`): the innermost position
/// (inside a user function or an imported module, where the error happened) with its line and a
/// caret, then the chain of calls that led there, innermost first.
pub fn format_error(err: &EvalAltResult, source: &str, file: &str) -> String {
    // walk into function calls and modules: each level's position lies in the source of the
    // level around it
    let mut calls: Vec<(String, String, rhai::Position)> = Vec::new();
    let mut here = file.to_string();
    let mut e = err;
    loop {
        match e {
            EvalAltResult::ErrorInFunctionCall(name, src, inner, pos) => {
                let what = if name.starts_with("anon$") {
                    "a closure".to_string()
                } else if let Some(i) = name.strip_prefix("ensemble realization ") {
                    format!("realization {i} of 'ensemble'")
                } else {
                    format!("'{name}'")
                };
                calls.push((format!("in {what}, called"), here.clone(), *pos));
                if !src.is_empty() {
                    here = src.clone();
                }
                e = inner;
            }
            EvalAltResult::ErrorInModule(module, inner, pos) => {
                calls.push((
                    format!("in module '{module}', imported"),
                    here.clone(),
                    *pos,
                ));
                here = module.clone();
                e = inner;
            }
            _ => break,
        }
    }
    let mut msg = match e {
        // the engine's progress hook stops a script with a reason (Ctrl-C, the memory budget)
        EvalAltResult::ErrorTerminated(token, _) if token.is_string() => token.to_string(),
        EvalAltResult::ErrorTerminated(..) => "interrupted".to_string(),
        EvalAltResult::ErrorRuntime(d, _) => d.to_string(),
        _ => strip_position(&e.to_string()),
    };
    if let EvalAltResult::ErrorFunctionNotFound(sig, _) = e {
        msg.push_str(&signatures_hint(sig));
    }
    let text_of = |name: &str| -> Option<String> {
        if name == file {
            return Some(source.to_string());
        }
        // an imported module: beside the script, or from the working directory
        let dir = std::path::Path::new(file).parent().map(|d| d.to_path_buf());
        [
            Some(std::path::PathBuf::from(name)),
            Some(std::path::PathBuf::from(format!("{name}.rhai"))),
        ]
        .into_iter()
        .flatten()
        .flat_map(|p| [dir.as_ref().map(|d| d.join(&p)), Some(p)])
        .flatten()
        .find_map(|p| std::fs::read_to_string(p).ok())
    };
    let mut out = String::new();
    let pos = e.position();
    let at = |name: &str, pos: rhai::Position| match (pos.line(), pos.position()) {
        (Some(l), Some(c)) => format!("{name}:{l}:{c}"),
        (Some(l), None) => format!("{name}:{l}"),
        _ => name.to_string(),
    };
    match pos.line() {
        Some(line) => {
            let col = pos.position().unwrap_or(1);
            out.push_str(&format!("{}: error: {msg}\n", at(&here, pos)));
            if let Some(text) =
                text_of(&here).and_then(|t| t.lines().nth(line - 1).map(String::from))
            {
                out.push_str(&format!("{line:>5} | {text}\n"));
                out.push_str(&format!("      | {}^\n", caret_indent(&text, col)));
            }
        }
        None => out.push_str(&format!("{here}: error: {msg}\n")),
    }
    for (what, src, pos) in calls.iter().rev() {
        out.push_str(&format!("  {what} at {}\n", at(src, *pos)));
    }
    out
}

/// Whether an error (or the error inside a function call or module) is a syntax error: `disco
/// run` exits 2 for those, as for a syntax error in the script itself.
pub fn is_syntax_error(err: &EvalAltResult) -> bool {
    match err {
        EvalAltResult::ErrorParsing(..) => true,
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _)
        | EvalAltResult::ErrorInModule(_, inner, _) => is_syntax_error(inner),
        _ => false,
    }
}

/// The white space that puts a caret under column `col` (1-based) of `line`: tabs where the
/// line has tabs, so that the caret lines up in a terminal.
fn caret_indent(line: &str, col: usize) -> String {
    line.chars()
        .take(col.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect()
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
    match scan(input) {
        // rhai compiles an unclosed block comment as the end of the script: wait for its end
        Scan::InComment => true,
        // a "…" string cannot span lines: the error is final, say it now
        Scan::BrokenString => false,
        Scan::Open(depth) => match engine.compile(input) {
            Ok(_) => false,
            Err(e) => {
                use rhai::ParseErrorType as P;
                depth > 0
                    || matches!(
                        &*e.0,
                        P::UnexpectedEOF | P::BadInput(rhai::LexError::UnterminatedString)
                    )
            }
        },
    }
}

/// What `scan` found at the end of the input.
enum Scan {
    /// Unclosed brackets, a backtick string or a block comment still open (count > 0), or none.
    Open(i64),
    /// A "…" string ran into the end of a line (rhai's "…" strings cannot span lines, unless
    /// the line ends in a backslash).
    BrokenString,
    /// A block comment is still open.
    InComment,
}

/// Net count of unclosed brackets outside strings, characters and comments (`//`, nested
/// `/* */`); an open backtick string or block comment counts as one.
fn scan(input: &str) -> Scan {
    let mut depth = 0i64;
    let mut in_str: Option<char> = None;
    let mut comment = 0i64;
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        if comment > 0 {
            if c == '*' && chars.peek() == Some(&'/') {
                chars.next();
                comment -= 1;
            } else if c == '/' && chars.peek() == Some(&'*') {
                chars.next();
                comment += 1;
            }
            continue;
        }
        if let Some(q) = in_str {
            if c == '\\' {
                chars.next();
            } else if c == q {
                in_str = None;
            } else if c == '\n' && q == '"' {
                return Scan::BrokenString;
            }
            continue;
        }
        match c {
            '"' | '`' => in_str = Some(c),
            // a character literal: '(' or '\''
            '\'' => {
                if chars.next() == Some('\\') {
                    chars.next();
                }
                if chars.peek() == Some(&'\'') {
                    chars.next();
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for c2 in chars.by_ref() {
                    if c2 == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                comment = 1;
            }
            '{' | '(' | '[' => depth += 1,
            '}' | ')' | ']' => depth -= 1,
            _ => {}
        }
    }
    if in_str == Some('"') {
        // the last line's "…" string: a line end would break it, but more input may close it
        // only with a backslash continuation; rhai reports it as unterminated either way
        return Scan::BrokenString;
    }
    if comment > 0 {
        return Scan::InComment;
    }
    Scan::Open(depth + i64::from(in_str.is_some()))
}
