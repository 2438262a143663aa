//! The function reference, generated from the engine's own registrations (signatures and the
//! one-line docs given to `args::reg`), so `help(name)`, `disco doc` and `docs/functions.md`
//! cannot drift from the code.

use rhai::Engine;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One registered signature with its documentation.
#[derive(Clone, Debug)]
pub struct FnDoc {
    /// Script name.
    pub name: String,
    /// `name(a: float, b: int) -> ndarray`.
    pub signature: String,
    /// One-line (or short) documentation.
    pub doc: String,
    /// The reference section: the domain it was registered in (`args::in_domain`).
    pub domain: String,
}

static TABLE: OnceLock<Vec<FnDoc>> = OnceLock::new();

/// Collect the docs of every function registered on `engine` outside rhai's standard packages.
pub fn collect(engine: &Engine) -> Vec<FnDoc> {
    // rhai's own packages too (PI(), sin, string and array methods): a script uses them as much
    let json = engine.gen_fn_metadata_to_json(true).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap_or(serde_json::Value::Null);
    let mut out = Vec::new();
    for f in v["functions"].as_array().into_iter().flatten() {
        let name = f["name"].as_str().unwrap_or_default().to_string();
        if name.is_empty() || name.starts_with("anon$") {
            continue;
        }
        let lines: Vec<String> = f["docComments"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c.as_str())
            .flat_map(|c| {
                c.lines()
                    .map(|l| l.trim_start_matches("///").trim().to_string())
            })
            .collect();
        let domain = lines
            .iter()
            .find_map(|l| l.strip_prefix("@domain "))
            .map(str::to_string);
        let builtin = domain.is_none();
        if builtin && !name.chars().next().is_some_and(|c| c.is_alphabetic()) {
            // rhai's operators (+, ==, …) are the language, not functions to look up
            continue;
        }
        let doc: Vec<String> = lines
            .iter()
            .filter(|l| !l.starts_with("@domain "))
            // rhai's own docs: their first paragraph
            .take_while(|l| !(builtin && (l.is_empty() || l.starts_with('#'))))
            .cloned()
            .collect();
        let params: Vec<String> = f["params"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                let n = p["name"].as_str().unwrap_or("_");
                match p["type"].as_str() {
                    Some(t) => format!("{n}: {t}"),
                    None => n.to_string(),
                }
            })
            .collect();
        let ret = f["returnType"].as_str().unwrap_or("");
        let shown = display_name(&name);
        let mut signature = format!("{shown}({})", params.join(", "));
        if !ret.is_empty() && ret != "()" {
            signature.push_str(&format!(" -> {ret}"));
        }
        // rhai's overloads for integer and float widths that scripts here never hold
        const WIDTHS: [&str; 10] = [
            "i8", "i16", "i32", "i128", "u8", "u16", "u32", "u64", "u128", "f32",
        ];
        if builtin
            && signature
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| WIDTHS.contains(&w))
        {
            continue;
        }
        let mut doc = doc.join(" ");
        if doc.is_empty() && builtin {
            doc = format!("rhai's built-in `{shown}` (documented in the rhai book).");
        }
        out.push(FnDoc {
            name: shown,
            signature,
            doc,
            domain: domain.unwrap_or_else(|| BUILTINS.into()),
        });
    }
    out.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then(a.signature.cmp(&b.signature))
            .then(a.doc.cmp(&b.doc))
    });
    out.dedup_by(|a, b| a.signature == b.signature);
    out
}

/// Script-visible name of a registered function (`get$shape` → `.shape`, `index$get$` → `[]`).
fn display_name(name: &str) -> String {
    if let Some(p) = name.strip_prefix("get$") {
        format!(".{p}")
    } else if let Some(p) = name.strip_prefix("set$") {
        format!(".{p}=")
    } else if name == "index$get$" {
        "[]".into()
    } else if name == "index$set$" {
        "[]=".into()
    } else {
        name.to_string()
    }
}

/// Remember the table (done once by `build_engine`).
pub fn install(table: Vec<FnDoc>) {
    let _ = TABLE.set(table);
}

/// The installed table (empty before the first engine is built).
pub fn table() -> &'static [FnDoc] {
    TABLE.get().map(|v| v.as_slice()).unwrap_or(&[])
}

/// The reference's examples, one block per group of names (`//! name other` starts a block).
const EXAMPLES: &str = include_str!("../docs/examples.rhai");

/// The example blocks: (the names each one shows, its code), in file order; parsed once.
pub fn examples() -> &'static [(Vec<String>, String)] {
    static PARSED: OnceLock<Vec<(Vec<String>, String)>> = OnceLock::new();
    PARSED.get_or_init(|| {
        let mut out: Vec<(Vec<String>, String)> = Vec::new();
        for line in EXAMPLES.lines() {
            if let Some(names) = line.strip_prefix("//! ") {
                out.push((
                    names.split_whitespace().map(str::to_string).collect(),
                    String::new(),
                ));
            } else if let Some((_, code)) = out.last_mut() {
                code.push_str(line);
                code.push('\n');
            }
        }
        for (_, code) in &mut out {
            *code = code.trim_end().to_string();
        }
        out
    })
}

/// The index of the example block showing `name`, and its code.
pub fn example_of(name: &str) -> Option<(usize, String)> {
    examples()
        .iter()
        .enumerate()
        .find(|(_, (names, _))| names.iter().any(|n| n == name))
        .map(|(i, (_, code))| (i, code.clone()))
}

/// All signatures registered under `name`.
pub fn lookup(name: &str) -> Vec<&'static FnDoc> {
    table().iter().filter(|d| d.name == name).collect()
}

/// Text for `help(name)`: every signature with its doc.
pub fn help_text(name: &str) -> String {
    let hits = lookup(name);
    if hits.is_empty() {
        let near: Vec<&str> = table()
            .iter()
            .map(|d| d.name.as_str())
            .filter(|n| n.contains(name) || (name.len() > 2 && name.contains(*n) && n.len() > 2))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .take(12)
            .collect();
        if near.is_empty() {
            return format!("no function named '{name}'; help() lists them all");
        }
        return format!(
            "no function named '{name}'; did you mean: {}",
            near.join(", ")
        );
    }
    let mut text = hits
        .iter()
        .map(|d| format!("{}\n    {}", d.signature, d.doc))
        .collect::<Vec<_>>()
        .join("\n");
    if let Some((_, code)) = example_of(name) {
        text.push_str("\nExample:\n");
        for line in code.lines() {
            text.push_str(&format!("    {line}\n"));
        }
        text.truncate(text.trim_end().len());
    }
    text
}

/// The reference's sections: each domain in registration order with its entries, rhai's
/// built-ins last.
fn sections() -> Vec<(&'static str, Vec<&'static FnDoc>)> {
    crate::args::domains()
        .into_iter()
        .chain([BUILTINS])
        .map(|domain| {
            let entries = table().iter().filter(|d| d.domain == domain).collect();
            (domain, entries)
        })
        .filter(|(_, entries): &(_, Vec<_>)| !entries.is_empty())
        .collect()
}

/// The section of rhai's own functions.
const BUILTINS: &str = "rhai built-ins";

/// Text for `help()`: one line per function name with its first sentence, grouped by domain
/// (rhai's built-ins by name only, they are many).
pub fn overview() -> String {
    let mut s =
        String::from("disco functions by domain (help(\"name\") for signatures and examples):\n");
    for (domain, entries) in sections() {
        let mut by_name: BTreeMap<&str, &FnDoc> = BTreeMap::new();
        for d in entries {
            if d.name.chars().next().is_some_and(|c| c.is_alphabetic()) {
                by_name.entry(d.name.as_str()).or_insert(d);
            }
        }
        if by_name.is_empty() {
            continue;
        }
        s.push_str(&format!("\n{domain}\n"));
        if domain == BUILTINS {
            let names: Vec<&str> = by_name.keys().copied().collect();
            for chunk in names.chunks(8) {
                s.push_str(&format!("  {}\n", chunk.join(", ")));
            }
            continue;
        }
        for (n, d) in by_name {
            s.push_str(&format!("  {n:<24} {}\n", first_sentence(&d.doc)));
        }
    }
    s
}

/// Print long text through a pager (`$PAGER`, else `less -FRX`) when stdout is a terminal
/// and the text is taller than it; otherwise print it.
pub fn page(text: &str) {
    use std::io::{IsTerminal, Write};
    let rows: usize = std::env::var("LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    if std::io::stdout().is_terminal() && text.lines().count() > rows {
        let pager = std::env::var("PAGER").unwrap_or_else(|_| "less -FRX".into());
        let mut words = pager.split_whitespace();
        if let Some(cmd) = words.next() {
            if let Ok(mut child) = std::process::Command::new(cmd)
                .args(words)
                .stdin(std::process::Stdio::piped())
                .spawn()
            {
                if let Some(mut stdin) = child.stdin.take() {
                    let _ = stdin.write_all(text.as_bytes());
                }
                let _ = child.wait();
                return;
            }
        }
    }
    print!("{text}");
}

/// The doc's first sentence: up to a ". " that is followed by a capital letter and does not end
/// an abbreviation ("Seed 000 Eq. (1)", "e.g. a lattice", "Rev. Mod. Phys.").
fn first_sentence(doc: &str) -> &str {
    const ABBREVIATIONS: [&str; 16] = [
        "eq", "eqs", "e.g", "i.e", "cf", "ref", "refs", "fig", "figs", "al", "vs", "phys", "rev",
        "mod", "sec", "no",
    ];
    let mut from = 0;
    while let Some(k) = doc[from..].find(". ") {
        let i = from + k;
        let word = doc[..i]
            .rsplit(|c: char| c.is_whitespace() || c == '(')
            .next()
            .unwrap_or("")
            .to_lowercase();
        let next = doc[i + 2..].chars().next();
        if next.is_some_and(|c| c.is_uppercase()) && !ABBREVIATIONS.contains(&word.as_str()) {
            return &doc[..=i];
        }
        from = i + 2;
    }
    doc
}

/// The Markdown reference (`disco doc --markdown`, committed as `docs/functions.md`): a section
/// per domain, functions by name within it.
pub fn markdown() -> String {
    let mut s = String::from(
        "# disco function reference\n\nGenerated by `disco doc --markdown` from the registrations \
         themselves; a test fails when this file is out of date. Sections follow the domains; \
         `help(\"name\")` in a script or the REPL prints one entry.\n\n",
    );
    let sections = sections();
    for (domain, _) in &sections {
        s.push_str(&format!("- [{domain}](#{})\n", anchor(domain)));
    }
    for (domain, entries) in sections {
        s.push_str(&format!("\n## {domain}\n"));
        // an example shared by several names is shown under the first of them in the section
        let mut shown: BTreeMap<usize, &str> = BTreeMap::new();
        let mut i = 0;
        while i < entries.len() {
            let name = entries[i].name.as_str();
            s.push_str(&format!("\n### `{name}`\n\n"));
            while i < entries.len() && entries[i].name == name {
                let d = entries[i];
                s.push_str(&format!("- `{}` — {}\n", d.signature, d.doc));
                i += 1;
            }
            if domain == BUILTINS {
                continue;
            }
            match example_of(name) {
                Some((k, _)) if shown.contains_key(&k) => {
                    s.push_str(&format!("\nExample: see `{}` above.\n", shown[&k]));
                }
                Some((k, code)) => {
                    shown.insert(k, name);
                    s.push_str(&format!("\nExample:\n\n```rust\n{code}\n```\n"));
                }
                None => {}
            }
        }
    }
    s
}

/// GitHub's heading anchor for a section title.
fn anchor(title: &str) -> String {
    title
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' => Some(c),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::first_sentence;

    #[test]
    fn first_sentences_do_not_stop_at_abbreviations() {
        assert_eq!(
            first_sentence("Seed 000 Eq. (1) mode areas, e.g. of H. Sorted by energy."),
            "Seed 000 Eq. (1) mode areas, e.g. of H."
        );
        assert_eq!(first_sentence("One line only"), "One line only");
        assert_eq!(first_sentence("Ratio 2. Then more."), "Ratio 2.");
    }
}
