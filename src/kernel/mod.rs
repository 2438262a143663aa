//! `disco kernel`: a Jupyter kernel. One persistent session (the REPL's: variables, functions,
//! `import`, `seed`, `param`) behind Jupyter's five sockets: shell and control (ROUTER), IOPub
//! (PUB), stdin (ROUTER, unused: scripts read no input) and the heartbeat (REP).
//!
//! Code runs on one thread that owns the session; the sockets are served by a small tokio
//! runtime, so an `interrupt_request` on the control channel (or SIGINT) reaches a running
//! computation, which stops as Ctrl-C stops it in the REPL and leaves the session and its
//! variables as they were. `print` goes to the stdout stream, `eprint`, warnings and errors of
//! native code to the stderr stream (the process's stderr is a pipe the kernel reads), a cell's
//! last value to `execute_result` (an ndarray as an HTML table too) and figures to
//! `display_data` as PNG and SVG.

pub mod install;
pub mod wire;

use crate::repl::Session;
use base64::Engine as _;
use bytes::Bytes;
use rhai::Dynamic;
use serde_json::{json, Value};
use std::sync::{mpsc, Arc, Mutex};
use tokio::sync::mpsc::UnboundedSender;
use wire::{Message, Signer};
use zeromq::{Socket, SocketRecv, SocketSend, ZmqMessage};

/// The connection file Jupyter writes for the kernel it starts.
struct Connection {
    ip: String,
    transport: String,
    key: String,
    shell: u16,
    iopub: u16,
    stdin: u16,
    control: u16,
    hb: u16,
}

fn read_connection(path: &str) -> Result<Connection, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read '{path}': {e}"))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("'{path}': {e}"))?;
    let port = |k: &str| -> Result<u16, String> {
        v[k].as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .ok_or_else(|| format!("'{path}' lacks the port '{k}'"))
    };
    if let Some(s) = v["signature_scheme"].as_str() {
        if s != "hmac-sha256" {
            return Err(format!(
                "signature scheme '{s}' is not supported (hmac-sha256 is)"
            ));
        }
    }
    Ok(Connection {
        ip: v["ip"].as_str().unwrap_or("127.0.0.1").to_string(),
        transport: v["transport"].as_str().unwrap_or("tcp").to_string(),
        key: v["key"].as_str().unwrap_or("").to_string(),
        shell: port("shell_port")?,
        iopub: port("iopub_port")?,
        stdin: port("stdin_port")?,
        control: port("control_port")?,
        hb: port("hb_port")?,
    })
}

/// What the shell handler asks of the thread that owns the session.
enum Job {
    Execute {
        request: Message,
        count: u64,
        reply: tokio::sync::oneshot::Sender<Executed>,
    },
    Complete {
        code: String,
        cursor: usize,
        reply: tokio::sync::oneshot::Sender<Value>,
    },
    Inspect {
        code: String,
        cursor: usize,
        reply: tokio::sync::oneshot::Sender<Value>,
    },
    IsComplete {
        code: String,
        reply: tokio::sync::oneshot::Sender<Value>,
    },
}

/// The outcome of one cell: the reply's content and the value's text (for the history).
struct Executed {
    content: Value,
    output: Option<String>,
}

/// Everything that publishes on IOPub: the channel to the socket's task, the signer and the
/// request whose outputs are being published.
#[derive(Clone)]
struct Publisher {
    tx: UnboundedSender<Message>,
    signer: Signer,
    parent: Arc<Mutex<Option<Message>>>,
}

impl Publisher {
    fn send(&self, msg_type: &str, parent: Option<&Message>, content: Value) {
        let mut m = self.signer.message(msg_type, parent, content);
        // IOPub's first frame is the topic
        m.identities = vec![msg_type.as_bytes().to_vec()];
        let _ = self.tx.send(m);
    }
    fn to_current(&self, msg_type: &str, content: Value) {
        let parent = self.parent.lock().ok().and_then(|p| p.clone());
        self.send(msg_type, parent.as_ref(), content);
    }
    fn status(&self, parent: &Message, state: &str) {
        self.send("status", Some(parent), json!({"execution_state": state}));
    }
}

/// Run the kernel on a connection file until a shutdown request; the process's exit code.
pub fn run(connection_file: &str) -> i32 {
    let conn = match read_connection(connection_file) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("disco kernel: {e}");
            return 2;
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("disco kernel: cannot start the runtime: {e}");
            return 1;
        }
    };
    match rt.block_on(serve(conn)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("disco kernel: {e}");
            1
        }
    }
}

fn endpoint(c: &Connection, port: u16) -> String {
    format!("{}://{}:{}", c.transport, c.ip, port)
}

fn zmq_frames(frames: Vec<Vec<u8>>) -> Result<ZmqMessage, String> {
    ZmqMessage::try_from(frames.into_iter().map(Bytes::from).collect::<Vec<_>>())
        .map_err(|e| format!("{e:?}"))
}

fn frames_of(m: ZmqMessage) -> Vec<Vec<u8>> {
    m.into_vec().into_iter().map(|b| b.to_vec()).collect()
}

async fn serve(conn: Connection) -> Result<(), String> {
    let signer = Signer::new(&conn.key);
    let e = |x: zeromq::ZmqError| x.to_string();
    let mut shell = zeromq::RouterSocket::new();
    shell.bind(&endpoint(&conn, conn.shell)).await.map_err(e)?;
    let mut control = zeromq::RouterSocket::new();
    control
        .bind(&endpoint(&conn, conn.control))
        .await
        .map_err(e)?;
    let mut iopub = zeromq::PubSocket::new();
    iopub.bind(&endpoint(&conn, conn.iopub)).await.map_err(e)?;
    let mut stdin = zeromq::RouterSocket::new();
    stdin.bind(&endpoint(&conn, conn.stdin)).await.map_err(e)?;
    let mut hb = zeromq::RepSocket::new();
    hb.bind(&endpoint(&conn, conn.hb)).await.map_err(e)?;

    // IOPub: one task owns the socket, everything else sends through a channel (in order)
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Message>();
    let io_signer = signer.clone();
    tokio::spawn(async move {
        while let Some(m) = rx.recv().await {
            if let Ok(z) = zmq_frames(io_signer.encode(&m)) {
                let _ = iopub.send(z).await;
            }
        }
    });
    let publisher = Publisher {
        tx,
        signer: signer.clone(),
        parent: Arc::new(Mutex::new(None)),
    };
    // the heartbeat echoes whatever it gets
    tokio::spawn(async move {
        while let Ok(m) = hb.recv().await {
            if hb.send(m).await.is_err() {
                break;
            }
        }
    });
    // nothing reads stdin, but the socket must exist for clients that connect to it
    tokio::spawn(async move { while stdin.recv().await.is_ok() {} });
    let _ = ctrlc::set_handler(crate::progress::request_interrupt);

    let jobs = start_session(publisher.clone())?;
    let control_signer = signer.clone();
    let control_pub = publisher.clone();
    tokio::spawn(async move {
        while let Ok(z) = control.recv().await {
            let Ok(req) = control_signer.decode(frames_of(z)) else {
                continue;
            };
            let (kind, content) = match req.msg_type() {
                "interrupt_request" => {
                    crate::progress::request_interrupt();
                    ("interrupt_reply", json!({"status": "ok"}))
                }
                "shutdown_request" => {
                    let restart = req.content["restart"].as_bool().unwrap_or(false);
                    (
                        "shutdown_reply",
                        json!({"status": "ok", "restart": restart}),
                    )
                }
                "kernel_info_request" => ("kernel_info_reply", kernel_info()),
                _ => continue,
            };
            let reply = control_signer.message(kind, Some(&req), content);
            if let Ok(z) = zmq_frames(control_signer.encode(&reply)) {
                let _ = control.send(z).await;
            }
            if kind == "shutdown_reply" {
                control_pub.status(&req, "idle");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                std::process::exit(0);
            }
        }
    });

    let mut count: u64 = 0;
    let mut history: Vec<(u64, String, Option<String>)> = Vec::new();
    loop {
        let z = shell.recv().await.map_err(e)?;
        let req = match signer.decode(frames_of(z)) {
            Ok(m) => m,
            Err(err) => {
                eprintln!("disco kernel: dropped a message: {err}");
                continue;
            }
        };
        publisher.status(&req, "busy");
        let (kind, content) = match req.msg_type() {
            "kernel_info_request" => ("kernel_info_reply", kernel_info()),
            "execute_request" => {
                let silent = req.content["silent"].as_bool().unwrap_or(false);
                let store = req.content["store_history"].as_bool().unwrap_or(true) && !silent;
                if store {
                    count += 1;
                }
                let code = req.content["code"].as_str().unwrap_or("").to_string();
                if !silent {
                    publisher.send(
                        "execute_input",
                        Some(&req),
                        json!({"code": code, "execution_count": count}),
                    );
                }
                let (reply, done) = tokio::sync::oneshot::channel();
                let job = Job::Execute {
                    request: req.clone(),
                    count,
                    reply,
                };
                let executed = match jobs.send(job) {
                    Ok(()) => done.await.ok(),
                    Err(_) => None,
                };
                let executed = executed.unwrap_or_else(|| Executed {
                    content: json!({"status": "error", "ename": "KernelError", "evalue": "the session thread ended", "traceback": [], "execution_count": count}),
                    output: None,
                });
                if store {
                    history.push((count, code, executed.output));
                }
                ("execute_reply", executed.content)
            }
            "complete_request" | "inspect_request" | "is_complete_request" => {
                let code = req.content["code"].as_str().unwrap_or("").to_string();
                let cursor = req.content["cursor_pos"]
                    .as_u64()
                    .map(|c| c as usize)
                    .unwrap_or(code.chars().count());
                let (reply, done) = tokio::sync::oneshot::channel();
                let kind = req.msg_type().replace("_request", "_reply");
                let job = match req.msg_type() {
                    "complete_request" => Job::Complete {
                        code,
                        cursor,
                        reply,
                    },
                    "inspect_request" => Job::Inspect {
                        code,
                        cursor,
                        reply,
                    },
                    _ => Job::IsComplete { code, reply },
                };
                let content = match jobs.send(job) {
                    Ok(()) => done.await.unwrap_or(json!({"status": "ok"})),
                    Err(_) => json!({"status": "ok"}),
                };
                let reply = signer.message(&kind, Some(&req), content);
                if let Ok(z) = zmq_frames(signer.encode(&reply)) {
                    shell.send(z).await.map_err(e)?;
                }
                publisher.status(&req, "idle");
                continue;
            }
            "history_request" => (
                "history_reply",
                json!({"status": "ok", "history": history_reply(&req.content, &history)}),
            ),
            "comm_info_request" => ("comm_info_reply", json!({"status": "ok", "comms": {}})),
            "shutdown_request" => {
                let restart = req.content["restart"].as_bool().unwrap_or(false);
                let reply = signer.message(
                    "shutdown_reply",
                    Some(&req),
                    json!({"status": "ok", "restart": restart}),
                );
                if let Ok(z) = zmq_frames(signer.encode(&reply)) {
                    let _ = shell.send(z).await;
                }
                publisher.status(&req, "idle");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                return Ok(());
            }
            other => {
                eprintln!("disco kernel: no handler for '{other}'");
                publisher.status(&req, "idle");
                continue;
            }
        };
        let reply = signer.message(kind, Some(&req), content);
        if let Ok(z) = zmq_frames(signer.encode(&reply)) {
            shell.send(z).await.map_err(e)?;
        }
        publisher.status(&req, "idle");
    }
}

fn kernel_info() -> Value {
    json!({
        "status": "ok",
        "protocol_version": "5.3",
        "implementation": "disco",
        "implementation_version": env!("CARGO_PKG_VERSION"),
        "language_info": {
            "name": "rhai",
            "version": "1",
            "mimetype": "text/x-rhai",
            "file_extension": ".rhai",
            "pygments_lexer": "rust",
            "codemirror_mode": "rust",
        },
        "banner": "disco — a workbench for disordered systems. help() lists functions; \
                   ?name shows one; Interrupt stops a computation and keeps the session.",
        "help_links": [],
        "debugger": false,
    })
}

/// The entries of a history request: [session, line, input] or [session, line, [input, output]].
fn history_reply(req: &Value, history: &[(u64, String, Option<String>)]) -> Vec<Value> {
    let output = req["output"].as_bool().unwrap_or(false);
    let entry = |(n, code, out): &(u64, String, Option<String>)| {
        if output {
            json!([1, n, [code, out]])
        } else {
            json!([1, n, code])
        }
    };
    let n = req["n"].as_u64().map(|n| n as usize);
    match req["hist_access_type"].as_str().unwrap_or("tail") {
        "range" => {
            let start = req["start"].as_u64().unwrap_or(0);
            let stop = req["stop"].as_u64().unwrap_or(u64::MAX);
            history
                .iter()
                .filter(|h| h.0 >= start && h.0 < stop)
                .map(entry)
                .collect()
        }
        "search" => {
            let pattern = req["pattern"].as_str().unwrap_or("*");
            let unique = req["unique"].as_bool().unwrap_or(false);
            let mut seen = std::collections::HashSet::new();
            let mut found: Vec<Value> = history
                .iter()
                .rev()
                .filter(|h| glob_match(pattern, &h.1))
                .filter(|h| !unique || seen.insert(h.1.clone()))
                .map(entry)
                .collect();
            if let Some(n) = n {
                found.truncate(n);
            }
            found.reverse();
            found
        }
        _ => {
            let n = n.unwrap_or(10).min(history.len());
            history[history.len() - n..].iter().map(entry).collect()
        }
    }
}

/// Shell-style glob matching (`*` any run, `?` one character), as the history search uses.
fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Start the thread that owns the session; returns the channel that feeds it jobs.
fn start_session(publisher: Publisher) -> Result<mpsc::Sender<Job>, String> {
    let stderr = capture_stderr(publisher.clone())?;
    let (tx, rx) = mpsc::channel::<Job>();
    let progress_pub = publisher.clone();
    crate::progress::set_notebook_sink(Box::new(move |line| {
        progress_pub.to_current("stream", json!({"name": "stderr", "text": line}))
    }));
    let figure_pub = publisher.clone();
    let clear_pub = publisher.clone();
    crate::display::install(
        Box::new(move |f| {
            let data = figure_data(f)?;
            figure_pub.to_current(
                "display_data",
                json!({"data": data, "metadata": {}, "transient": {}}),
            );
            Ok(())
        }),
        Box::new(move |wait| clear_pub.to_current("clear_output", json!({"wait": wait}))),
    );
    std::thread::Builder::new()
        .name("disco-session".into())
        .stack_size(64 << 20)
        .spawn(move || {
            let mut engine = crate::build_engine();
            let out = publisher.clone();
            engine.on_print(move |s| {
                out.to_current(
                    "stream",
                    json!({"name": "stdout", "text": format!("{s}\n")}),
                )
            });
            let dbg = publisher.clone();
            engine.on_debug(move |s, src, pos| {
                let at = match (src, pos.line()) {
                    (Some(src), Some(l)) => format!("{src}:{l}: "),
                    _ => String::new(),
                };
                dbg.to_current(
                    "stream",
                    json!({"name": "stderr", "text": format!("{at}{s}\n")}),
                )
            });
            let mut session = Session::with_engine(engine);
            for job in rx {
                match job {
                    Job::Execute {
                        request,
                        count,
                        reply,
                    } => {
                        if let Ok(mut p) = publisher.parent.lock() {
                            *p = Some(request.clone());
                        }
                        let executed = execute(&mut session, &publisher, &request, count);
                        stderr.sync();
                        let _ = reply.send(executed);
                    }
                    Job::Complete {
                        code,
                        cursor,
                        reply,
                    } => {
                        let _ = reply.send(complete(&session, &code, cursor));
                    }
                    Job::Inspect {
                        code,
                        cursor,
                        reply,
                    } => {
                        let _ = reply.send(inspect(&code, cursor));
                    }
                    Job::IsComplete { code, reply } => {
                        let status = if code.trim().is_empty() {
                            "complete"
                        } else if crate::diagnostics::is_incomplete(session.engine(), &code) {
                            "incomplete"
                        } else if session.engine().compile(&code).is_err() {
                            "invalid"
                        } else {
                            "complete"
                        };
                        let _ = reply.send(json!({"status": status, "indent": ""}));
                    }
                }
            }
        })
        .map_err(|e| format!("cannot start the session thread: {e}"))?;
    Ok(tx)
}

/// Run one cell: its outputs go to IOPub, the reply's content is returned.
fn execute(
    session: &mut Session,
    publisher: &Publisher,
    request: &Message,
    count: u64,
) -> Executed {
    let code = request.content["code"].as_str().unwrap_or("");
    let silent = request.content["silent"].as_bool().unwrap_or(false);
    // `?name`: the reference entry, as a page (IPython's convention)
    if let Some(name) = code.trim().strip_prefix('?') {
        let text = crate::docs::help_text(name.trim());
        return Executed {
            content: json!({"status": "ok", "execution_count": count, "user_expressions": {},
                "payload": [{"source": "page", "data": {"text/plain": text}, "start": 0}]}),
            output: None,
        };
    }
    let cell = format!("cell[{count}]");
    crate::engine::register_source(&cell, code);
    match session.eval_value(code, &cell) {
        Ok(v) => {
            let mut output = None;
            if !silent && !v.is_unit() {
                if let Some(f) = v.read_lock::<crate::plot::Figure>() {
                    match figure_data(&f) {
                        Ok(data) => publisher.send(
                            "display_data",
                            Some(request),
                            json!({"data": data, "metadata": {}, "transient": {}}),
                        ),
                        Err(e) => publisher.send(
                            "stream",
                            Some(request),
                            json!({"name": "stderr", "text": format!("cannot draw the figure: {e}\n")}),
                        ),
                    }
                } else {
                    let text = if v.is_string() {
                        format!("{:?}", v.to_string())
                    } else {
                        crate::engine::display(session.engine(), &v)
                    };
                    let mut data = json!({"text/plain": text});
                    if let Some(html) = html_table(&v) {
                        data["text/html"] = Value::String(html);
                    }
                    publisher.send(
                        "execute_result",
                        Some(request),
                        json!({"execution_count": count, "data": data, "metadata": {}}),
                    );
                    output = Some(text);
                }
            }
            Executed {
                content: json!({"status": "ok", "execution_count": count, "user_expressions": {}, "payload": []}),
                output,
            }
        }
        Err(text) => {
            let first = text.lines().next().unwrap_or("").to_string();
            let evalue = first
                .split_once(": error: ")
                .map(|(_, m)| m.to_string())
                .unwrap_or(first.clone());
            let traceback: Vec<String> = text.lines().map(str::to_string).collect();
            let content = json!({"ename": "ScriptError", "evalue": evalue, "traceback": traceback});
            if !silent {
                publisher.send("error", Some(request), content.clone());
            }
            let mut reply = content;
            reply["status"] = json!("error");
            reply["execution_count"] = json!(count);
            Executed {
                content: reply,
                output: None,
            }
        }
    }
}

/// A figure as a notebook shows it: PNG (base64) and SVG.
fn figure_data(f: &crate::plot::Figure) -> Result<Value, String> {
    let png = crate::plot::render_png(f, f.width, f.height)?;
    let svg = crate::plot::render_svg(f, f.width, f.height)?;
    Ok(json!({
        "image/png": base64::engine::general_purpose::STANDARD.encode(png),
        "image/svg+xml": svg,
        "text/plain": format!("<figure {}×{}>", f.width, f.height),
    }))
}

/// A compact HTML table of a 1D or 2D ndarray (at most 12 rows and 12 columns shown).
fn html_table(v: &Dynamic) -> Option<String> {
    let a = v.read_lock::<crate::array::NdArray>()?;
    let shape = a.shape().to_vec();
    let (rows, cols) = match shape.as_slice() {
        [n] => (1, *n),
        [r, c] => (*r, *c),
        _ => return None,
    };
    let data = a.as_slice_or_vec();
    let cell = |x: f64| format!("<td>{}</td>", crate::array::fmt_g(x));
    let mut html =
        format!("<div><small>ndarray {shape:?}</small><table style=\"font-family: monospace\">");
    let show = |n: usize| -> Vec<Option<usize>> {
        if n <= 12 {
            (0..n).map(Some).collect()
        } else {
            (0..6)
                .map(Some)
                .chain([None])
                .chain((n - 6..n).map(Some))
                .collect()
        }
    };
    for r in show(rows) {
        html.push_str("<tr>");
        for c in show(cols) {
            match (r, c) {
                (Some(r), Some(c)) => html.push_str(&cell(data[r * cols + c])),
                _ => html.push_str("<td>…</td>"),
            }
        }
        html.push_str("</tr>");
    }
    html.push_str("</table></div>");
    Some(html)
}

/// The identifier that ends at `cursor` (a character index): (start, text).
fn word_before(code: &str, cursor: usize) -> (usize, String) {
    let chars: Vec<char> = code.chars().collect();
    let end = cursor.min(chars.len());
    let mut start = end;
    while start > 0 && (chars[start - 1].is_alphanumeric() || chars[start - 1] == '_') {
        start -= 1;
    }
    (start, chars[start..end].iter().collect())
}

/// The function whose options map the cursor is in, when it is at a key: `kpm_dos(H, #{mom|`.
fn options_context(code: &str, start: usize) -> Option<String> {
    let chars: Vec<char> = code.chars().take(start).collect();
    // the character before the word: a map's first key or one after a comma
    let before = chars.iter().rev().find(|c| !c.is_whitespace())?;
    if !matches!(before, '{' | ',') {
        return None;
    }
    // the innermost unclosed `#{`, then the unclosed `(` around it
    let mut depth = 0i32;
    let mut i = chars.len();
    let mut map_at = None;
    while i > 0 {
        i -= 1;
        match chars[i] {
            '}' | ')' | ']' => depth += 1,
            '{' if depth == 0 => {
                if i > 0 && chars[i - 1] == '#' {
                    map_at = Some(i - 1);
                }
                break;
            }
            '(' | '[' if depth == 0 => return None,
            '{' | '(' | '[' => depth -= 1,
            _ => {}
        }
    }
    let mut i = map_at?;
    depth = 0;
    while i > 0 {
        i -= 1;
        match chars[i] {
            '}' | ')' | ']' => depth += 1,
            '(' if depth == 0 => {
                let (_, name) = word_before(&chars[..i].iter().collect::<String>(), i);
                return (!name.is_empty()).then_some(name);
            }
            '{' | '(' | '[' => {
                if depth == 0 {
                    return None;
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    None
}

/// The option keys a function's reference entry lists: the first word of each item after
/// "opts" (items separated by commas outside parentheses, up to the sentence's end).
fn option_keys(name: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for d in crate::docs::lookup(name) {
        let Some(at) = d.doc.find("opts ") else {
            continue;
        };
        let text: Vec<char> = d.doc[at + 5..].chars().collect();
        let mut depth = 0i32;
        let mut item = String::new();
        let mut items = Vec::new();
        for (k, &c) in text.iter().enumerate() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                ',' if depth == 0 => items.push(std::mem::take(&mut item)),
                '.' if depth == 0 && text.get(k + 1).is_none_or(|n| n.is_whitespace()) => break,
                ':' if depth == 0 => break,
                _ => {}
            }
            if depth > 0 || !matches!(c, ',' | '(' | ')') {
                item.push(c);
            }
        }
        items.push(item);
        for it in items {
            let w: String = it
                .trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !w.is_empty() && w.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
                keys.push(w);
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

fn complete(session: &Session, code: &str, cursor: usize) -> Value {
    let (start, word) = word_before(code, cursor);
    let after_dot = start > 0 && code.chars().nth(start - 1) == Some('.');
    let mut matches: Vec<String> = Vec::new();
    if let Some(func) = options_context(code, start) {
        matches = option_keys(&func)
            .into_iter()
            .filter(|k| k.starts_with(&word))
            .collect();
    } else if after_dot {
        // properties (`.shape`) and every function as a method
        for d in crate::docs::table() {
            let name = d.name.trim_start_matches('.');
            if name.starts_with(&word) && name.chars().next().is_some_and(char::is_alphabetic) {
                matches.push(name.to_string());
            }
        }
    } else {
        matches = session
            .names()
            .into_iter()
            .filter(|n| n.starts_with(&word))
            .collect();
    }
    matches.sort();
    matches.dedup();
    json!({"status": "ok", "matches": matches, "cursor_start": start,
           "cursor_end": cursor.min(code.chars().count()), "metadata": {}})
}

fn inspect(code: &str, cursor: usize) -> Value {
    // the whole identifier under the cursor
    let chars: Vec<char> = code.chars().collect();
    let mut end = cursor.min(chars.len());
    while end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_') {
        end += 1;
    }
    let (_, word) = word_before(code, end);
    // a function, else a property (`.shape`)
    let name = [word.clone(), format!(".{word}")]
        .into_iter()
        .find(|n| !word.is_empty() && !crate::docs::lookup(n).is_empty());
    match name {
        Some(n) => json!({"status": "ok", "found": true,
            "data": {"text/plain": crate::docs::help_text(&n)}, "metadata": {}}),
        None => json!({"status": "ok", "found": false, "data": {}, "metadata": {}}),
    }
}

/// The process's stderr, redirected into a pipe whose text goes to the current cell's stderr
/// stream (warnings of native functions, `eprint`).
struct StderrCapture {
    /// Ask the reader to report when it has forwarded everything written so far.
    sync_tx: mpsc::Sender<mpsc::Sender<()>>,
}

const SYNC: &[u8] = b"\x01disco-sync\x01";

impl StderrCapture {
    /// Wait until what the cell wrote to stderr has been published (before its reply).
    fn sync(&self) {
        let (tx, rx) = mpsc::channel();
        if self.sync_tx.send(tx).is_ok() {
            write_fd2(SYNC);
            let _ = rx.recv_timeout(std::time::Duration::from_secs(2));
        }
    }
}

fn write_fd2(bytes: &[u8]) {
    #[cfg(unix)]
    // SAFETY: writes a byte slice to file descriptor 2
    unsafe {
        libc::write(2, bytes.as_ptr().cast(), bytes.len());
    }
}

#[cfg(unix)]
fn capture_stderr(publisher: Publisher) -> Result<StderrCapture, String> {
    use std::io::Read;
    use std::os::fd::FromRawFd;
    let mut fds = [0i32; 2];
    // SAFETY: pipe fills the two descriptors; dup2 points fd 2 at the pipe's write end
    unsafe {
        if libc::pipe(fds.as_mut_ptr()) != 0 || libc::dup2(fds[1], 2) < 0 {
            return Err("cannot redirect stderr".into());
        }
        libc::close(fds[1]);
    }
    // SAFETY: fds[0] is the pipe's read end, owned by this File from now on
    let mut reader = unsafe { std::fs::File::from_raw_fd(fds[0]) };
    let (sync_tx, sync_rx) = mpsc::channel::<mpsc::Sender<()>>();
    std::thread::Builder::new()
        .name("disco-stderr".into())
        .spawn(move || {
            let mut buf = [0u8; 8192];
            let mut pending: Vec<u8> = Vec::new();
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                pending.extend_from_slice(&buf[..n]);
                while let Some(at) = pending.windows(SYNC.len()).position(|w| w == SYNC) {
                    let text: Vec<u8> = pending.drain(..at + SYNC.len()).take(at).collect();
                    forward(&publisher, &text);
                    if let Ok(done) = sync_rx.try_recv() {
                        let _ = done.send(());
                    }
                }
                // keep a partial marker (or a partial UTF-8 character) for the next read
                let keep = (1..SYNC.len().min(pending.len() + 1))
                    .rev()
                    .find(|&k| pending.ends_with(&SYNC[..k]))
                    .unwrap_or(0);
                let cut = pending.len() - keep;
                let text: Vec<u8> = pending.drain(..cut).collect();
                forward(&publisher, &text);
            }
        })
        .map_err(|e| format!("cannot start the stderr reader: {e}"))?;
    Ok(StderrCapture { sync_tx })
}

#[cfg(not(unix))]
fn capture_stderr(_publisher: Publisher) -> Result<StderrCapture, String> {
    let (sync_tx, _) = mpsc::channel();
    Ok(StderrCapture { sync_tx })
}

fn forward(publisher: &Publisher, text: &[u8]) {
    if text.is_empty() {
        return;
    }
    let s = String::from_utf8_lossy(text).to_string();
    publisher.to_current("stream", json!({"name": "stderr", "text": s}));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_glob_and_searches() {
        assert!(glob_match("6*7", "6*7"));
        assert!(glob_match("a?c*", "abcdef"));
        assert!(!glob_match("a?c", "abcd"));
        let h: Vec<(u64, String, Option<String>)> = (1..=6)
            .map(|i| (i, if i % 2 == 0 { "6*7".into() } else { "x".into() }, None))
            .collect();
        let q = |v: Value| history_reply(&v, &h);
        assert_eq!(q(json!({"hist_access_type": "tail", "n": 2})).len(), 2);
        assert_eq!(
            q(json!({"hist_access_type": "range", "start": 2, "stop": 3}))[0][1],
            2
        );
        assert_eq!(
            q(json!({"hist_access_type": "search", "pattern": "6*", "unique": true})).len(),
            1
        );
        assert_eq!(
            q(json!({"hist_access_type": "search", "pattern": "6*", "n": 3})).len(),
            3
        );
    }

    #[test]
    fn option_keys_complete_inside_an_options_map() {
        crate::build_engine();
        let code = "let d = kpm_dos(H, #{moments: 64, vec";
        let (start, _) = word_before(code, code.chars().count());
        assert_eq!(options_context(code, start).as_deref(), Some("kpm_dos"));
        let keys = option_keys("kpm_dos");
        for k in ["moments", "vectors", "kernel", "bounds", "energies", "seed"] {
            assert!(keys.contains(&k.to_string()), "{k} in {keys:?}");
        }
        // not at a key: inside a value, or outside any map
        assert_eq!(options_context("kpm_dos(H, #{moments: ", 22), None);
        assert_eq!(options_context("kpm_dos(H, ", 11), None);
        assert!(option_keys("hamiltonian").contains(&"flux".to_string()));
    }

    #[test]
    fn words_before_the_cursor() {
        assert_eq!(word_before("let x = lins", 12), (8, "lins".to_string()));
        assert_eq!(word_before("a.sha", 5), (2, "sha".to_string()));
    }
}
