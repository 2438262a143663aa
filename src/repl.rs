//! `disco repl`: one persistent scope, function definitions kept across inputs, parser-aware
//! multi-line input, history in the user's data directory, completion of registered names and
//! variables, `help(name)`, `:load FILE`, and Ctrl-C that stops the running computation without
//! ending the session. With piped (non-terminal) stdin it reads the same input line by line.

use crate::diagnostics::{format_error, is_incomplete};
use rhai::{Dynamic, Engine, Scope, AST};
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};
use std::cell::RefCell;
use std::io::{BufRead, IsTerminal, Write};
use std::rc::Rc;

const BANNER: &str = "disco repl — help() lists functions, help(\"name\") explains one, \
:load FILE runs a script here, :vars shows variables, Ctrl-C stops a computation, Ctrl-D exits.";

/// The REPL state: engine, persistent scope and the functions defined so far.
pub struct Session {
    engine: Engine,
    scope: Scope<'static>,
    functions: AST,
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl Session {
    /// A fresh session on a new engine.
    pub fn new() -> Self {
        Session {
            engine: crate::build_engine(),
            scope: Scope::new(),
            functions: AST::empty(),
        }
    }

    /// A session on the given engine (the notebook kernel sets its print hooks first).
    pub fn with_engine(engine: Engine) -> Self {
        Session {
            engine,
            scope: Scope::new(),
            functions: AST::empty(),
        }
    }

    /// The session's engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Evaluate one complete input; returns its value, or the formatted error.
    pub fn eval_value(&mut self, input: &str, name: &str) -> Result<Dynamic, String> {
        crate::progress::clear_interrupt();
        let mut ast = self
            .engine
            .compile_with_scope(&self.scope, input)
            .map_err(|e| format_error(&e.into(), input, name))?;
        ast.set_source(name);
        let run = self.functions.merge(&ast);
        let r = self
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut self.scope, &run);
        self.functions = self.functions.merge(&ast.clone_functions_only());
        r.map_err(|e| format_error(&e, input, name))
    }

    /// Evaluate one complete input; returns the text to print (value or error).
    pub fn eval(&mut self, input: &str, name: &str) -> Result<Option<String>, String> {
        match self.eval_value(input, name)? {
            v if v.is_unit() => Ok(None),
            v if v.is_string() => Ok(Some(format!("{:?}", v.to_string()))),
            v => Ok(Some(crate::engine::display(&self.engine, &v))),
        }
    }

    /// Handle a `:command`; returns false to quit.
    fn meta(&mut self, line: &str) -> bool {
        let mut parts = line.splitn(2, char::is_whitespace);
        let cmd = parts.next().unwrap_or("");
        let arg = parts.next().unwrap_or("").trim();
        match cmd {
            ":quit" | ":q" | ":exit" => return false,
            ":load" => match std::fs::read_to_string(arg) {
                Ok(src) => match self.eval(src.strip_prefix('\u{feff}').unwrap_or(&src), arg) {
                    Ok(Some(v)) => println!("{v}"),
                    Ok(None) => println!("loaded {arg}"),
                    Err(e) => eprint!("{e}"),
                },
                Err(e) => eprintln!(":load: cannot read '{arg}': {e}"),
            },
            ":vars" => {
                // a shadowed variable once, with its newest value
                let mut seen = std::collections::HashSet::new();
                let mut rows: Vec<String> = Vec::new();
                for (name, _, value) in self.scope.iter().collect::<Vec<_>>().into_iter().rev() {
                    if seen.insert(name.to_string()) {
                        rows.push(format!(
                            "{name}: {} = {}",
                            crate::engine::type_label(&self.engine, &value),
                            short(&crate::engine::display(&self.engine, &value))
                        ));
                    }
                }
                for r in rows.iter().rev() {
                    println!("{r}");
                }
            }
            ":help" => println!("{BANNER}"),
            _ => eprintln!("unknown command {cmd}; try :help"),
        }
        true
    }

    /// Every name a completion may offer: functions of the reference and the session's variables.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = crate::docs::table()
            .iter()
            .map(|d| d.name.clone())
            .filter(|n| n.chars().next().is_some_and(|c| c.is_alphabetic()))
            .collect();
        v.extend(self.scope.iter().map(|(n, _, _)| n.to_string()));
        v.sort();
        v.dedup();
        v
    }
}

fn short(s: &str) -> String {
    let one: String = s.replace('\n', " ");
    if one.chars().count() > 70 {
        format!("{}…", one.chars().take(70).collect::<String>())
    } else {
        one
    }
}

/// rustyline helper: completion of names, parser-aware multi-line validation.
struct DiscoHelper {
    parser: Engine,
    names: Rc<RefCell<Vec<String>>>,
}

impl Completer for DiscoHelper {
    type Candidate = Pair;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let start = line[..pos]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map(|i| i + 1)
            .unwrap_or(0);
        let word = &line[start..pos];
        if word.is_empty() {
            return Ok((pos, vec![]));
        }
        let hits = self
            .names
            .borrow()
            .iter()
            .filter(|n| n.starts_with(word))
            .map(|n| Pair {
                display: n.clone(),
                replacement: n.clone(),
            })
            .collect();
        Ok((start, hits))
    }
}

impl Validator for DiscoHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        let input = ctx.input();
        if input.trim_start().starts_with(':') || !is_incomplete(&self.parser, input) {
            Ok(ValidationResult::Valid(None))
        } else {
            Ok(ValidationResult::Incomplete)
        }
    }
}

impl Hinter for DiscoHelper {
    type Hint = String;
}
impl Highlighter for DiscoHelper {}
impl Helper for DiscoHelper {}

fn history_path() -> Option<std::path::PathBuf> {
    let dir = dirs::data_dir()?.join("disco");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join("history.txt"))
}

/// Run the REPL until Ctrl-D, `:quit` or end of input. Returns the process exit code.
pub fn run() -> i32 {
    // Ctrl-C during a computation sets the interrupt flag: the engine's progress hook and native
    // loops stop, and the session continues. At the prompt rustyline reads Ctrl-C as a key.
    let _ = ctrlc::set_handler(crate::progress::request_interrupt);
    let mut session = Session::new();
    if !std::io::stdin().is_terminal() {
        return run_piped(&mut session);
    }
    println!("{BANNER}");
    let names = Rc::new(RefCell::new(session.names()));
    let helper = DiscoHelper {
        parser: Engine::new(),
        names: names.clone(),
    };
    // Tab lists every candidate at once (as bash and IPython do) instead of cycling through them
    let config = rustyline::Config::builder()
        .auto_add_history(true)
        .completion_type(rustyline::CompletionType::List)
        .build();
    let mut rl = match rustyline::Editor::with_config(config) {
        Ok(rl) => rl,
        Err(e) => {
            eprintln!("repl: cannot start the line editor: {e}");
            return 1;
        }
    };
    rl.set_helper(Some(helper));
    let hist = history_path();
    if let Some(h) = &hist {
        let _ = rl.load_history(h);
    }
    loop {
        match rl.readline("disco> ") {
            Ok(line) => {
                let t = line.trim();
                if t.is_empty() {
                    continue;
                }
                if t.starts_with(':') {
                    if !session.meta(t) {
                        break;
                    }
                } else {
                    match session.eval(&line, "<repl>") {
                        Ok(Some(v)) => println!("{v}"),
                        Ok(None) => {}
                        Err(e) => eprint!("{e}"),
                    }
                }
                *names.borrow_mut() = session.names();
                if let Some(h) = &hist {
                    let _ = rl.save_history(h);
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("repl: {e}");
                break;
            }
        }
    }
    0
}

/// Piped input: the same session, lines accumulated until the input is complete.
fn run_piped(session: &mut Session) -> i32 {
    let stdin = std::io::stdin();
    let mut buf = String::new();
    let mut status = 0;
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if buf.is_empty() && line.trim().starts_with(':') {
            if !session.meta(line.trim()) {
                return status;
            }
            continue;
        }
        buf.push_str(&line);
        buf.push('\n');
        if buf.trim().is_empty() || is_incomplete(&session.engine, &buf) {
            continue;
        }
        match session.eval(&buf, "<repl>") {
            Ok(Some(v)) => println!("{v}"),
            Ok(None) => {}
            Err(e) => {
                eprint!("{e}");
                status = 1;
            }
        }
        let _ = std::io::stdout().flush();
        buf.clear();
    }
    if !buf.trim().is_empty() {
        eprintln!("<repl>: error: input ended inside an unfinished expression");
        status = 1;
    }
    status
}
