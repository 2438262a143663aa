//! A `$…$` subset of TeX for labels, typeset into runs of text that the figure's text layer
//! (`text.rs`) lays out with the bundled fonts, the same in PNG, SVG and PDF: Greek letters and
//! common symbols (⟨ ⟩ ħ ∞ ± × · ≈ ≤ ≥ ∝ ∂ ∇ → ′) as Unicode, letters in italic (the oblique
//! face) and digits upright as TeX sets them, superscripts and subscripts (`k^2`, `x^{-1}`,
//! `W_c`, `E_{n}`, and `x_i^2` stacked) smaller and off the baseline, `\mathrm{…}` and
//! `\text{…}` upright, TeX's spacing around relations and binary operators. Text outside `$…$`
//! is one upright run; `\$` is a literal dollar and an unclosed `$` stays as written.

/// One piece of a typeset label: text in one face, size and baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub text: String,
    /// The oblique face (math letters).
    pub italic: bool,
    /// Size relative to the label's font (scripts 0.7, scripts of scripts 0.49).
    pub scale: f32,
    /// Baseline raised by this many of the label's ems (negative: lowered).
    pub rise: f32,
    /// Where the run starts along the line.
    pub start: Start,
}

/// Where a run starts: after the previous one, or for a superscript stacked over a subscript
/// (`x_i^2`), back where the subscript began, and after the pair at the end of the longer one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Start {
    /// After the previous run.
    Next,
    /// After the previous run; remember this position (a script that may get a partner).
    Mark,
    /// At the last `Mark`; remember where the line had reached.
    Back,
    /// At the farther of the current position and the one `Back` remembered.
    Farthest,
}

/// A script's size relative to its base, and its baseline shift in the base's ems (TeX's
/// σ₁₃ ≈ 0.41 em up, σ₁₆ ≈ 0.15 em down, σ₁₇ ≈ 0.25 em down when a superscript is also there).
const SCRIPT: f32 = 0.7;
const SUP_RISE: f32 = 0.41;
const SUB_DROP: f32 = 0.15;
const SUB_DROP_WITH_SUP: f32 = 0.25;

/// The Unicode of a TeX command (without its backslash).
fn symbol(name: &str) -> Option<&'static str> {
    Some(match name {
        "alpha" => "α",
        "beta" => "β",
        "gamma" => "γ",
        "delta" => "δ",
        "epsilon" | "varepsilon" => "ε",
        "zeta" => "ζ",
        "eta" => "η",
        "theta" => "θ",
        "vartheta" => "ϑ",
        "iota" => "ι",
        "kappa" => "κ",
        "lambda" => "λ",
        "mu" => "μ",
        "nu" => "ν",
        "xi" => "ξ",
        "pi" => "π",
        "rho" => "ρ",
        "sigma" => "σ",
        "tau" => "τ",
        "upsilon" => "υ",
        "phi" | "varphi" => "φ",
        "chi" => "χ",
        "psi" => "ψ",
        "omega" => "ω",
        "Gamma" => "Γ",
        "Delta" => "Δ",
        "Theta" => "Θ",
        "Lambda" => "Λ",
        "Xi" => "Ξ",
        "Pi" => "Π",
        "Sigma" => "Σ",
        "Phi" => "Φ",
        "Psi" => "Ψ",
        "Omega" => "Ω",
        "langle" => "⟨",
        "rangle" => "⟩",
        "hbar" => "ħ",
        "ell" => "ℓ",
        "infty" => "∞",
        "pm" => "±",
        "mp" => "∓",
        "times" => "×",
        "cdot" => "·",
        "approx" => "≈",
        "sim" => "∼",
        "simeq" => "≃",
        "propto" => "∝",
        "leq" | "le" => "≤",
        "geq" | "ge" => "≥",
        "neq" | "ne" => "≠",
        "ll" => "≪",
        "gg" => "≫",
        "partial" => "∂",
        "nabla" => "∇",
        "sum" => "∑",
        "int" => "∫",
        "sqrt" => "√",
        "to" | "rightarrow" => "→",
        "leftarrow" => "←",
        "prime" => "′",
        "circ" => "∘",
        "degree" => "°",
        "AA" => "Å",
        "uparrow" => "↑",
        "downarrow" => "↓",
        "perp" => "⊥",
        "parallel" => "∥",
        "in" => "∈",
        "dagger" => "†",
        "quad" => "  ",
        "," | ";" | " " => " ",
        _ => return None,
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Face {
    /// Math: letters italic, the rest upright, written spaces dropped.
    Math,
    /// `\mathrm{…}`: upright, spaces dropped.
    Upright,
    /// `\text{…}`: upright, spaces kept.
    Text,
}

#[derive(Clone, Copy, PartialEq)]
enum Tok {
    Ch(char, Face),
    Sup,
    Sub,
    Open,
    Close,
}

/// The characters and structure of the math between a pair of `$`.
fn tokens(src: &str, face: Face, out: &mut Vec<Tok>) {
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '\\' => {
                let mut name = String::new();
                while i < chars.len() && chars[i].is_ascii_alphabetic() {
                    name.push(chars[i]);
                    i += 1;
                }
                if name.is_empty() && i < chars.len() {
                    name.push(chars[i]);
                    i += 1;
                }
                let group_face = match name.as_str() {
                    "mathrm" | "rm" | "operatorname" => Some(Face::Upright),
                    "text" | "textrm" | "mbox" => Some(Face::Text),
                    _ => None,
                };
                if let Some(f) = group_face {
                    // the braced argument, in its own face
                    while i < chars.len() && chars[i] == ' ' {
                        i += 1;
                    }
                    if i < chars.len() && chars[i] == '{' {
                        let begin = i + 1;
                        let mut depth = 0;
                        while i < chars.len() {
                            match chars[i] {
                                '{' => depth += 1,
                                '}' if depth == 1 => break,
                                '}' => depth -= 1,
                                _ => {}
                            }
                            i += 1;
                        }
                        let inner: String = chars[begin..i.min(chars.len())].iter().collect();
                        i += 1;
                        out.push(Tok::Open);
                        tokens(&inner, f, out);
                        out.push(Tok::Close);
                    }
                    continue;
                }
                match symbol(&name) {
                    Some(u) => {
                        for s in u.chars() {
                            // an explicit space (`\quad`, `\,`) is kept
                            out.push(Tok::Ch(s, if s == ' ' { Face::Text } else { face }));
                        }
                    }
                    // an escaped special character: itself
                    None if matches!(
                        name.as_str(),
                        "{" | "}" | "_" | "^" | "%" | "&" | "#" | "$"
                    ) =>
                    {
                        out.extend(name.chars().map(|s| Tok::Ch(s, face)))
                    }
                    // an unknown command: as written
                    None => {
                        out.push(Tok::Ch('\\', Face::Upright));
                        out.extend(name.chars().map(|s| Tok::Ch(s, Face::Upright)));
                    }
                }
            }
            '\'' => out.push(Tok::Ch('′', face)),
            '^' => out.push(Tok::Sup),
            '_' => out.push(Tok::Sub),
            '{' => out.push(Tok::Open),
            '}' => out.push(Tok::Close),
            c => out.push(Tok::Ch(c, face)),
        }
    }
}

enum Node {
    Ch(char, Face),
    Group(Vec<Node>),
    Scripted {
        base: Box<Node>,
        sub: Option<Vec<Node>>,
        sup: Option<Vec<Node>>,
    },
}

/// Nodes up to the matching close brace (or the end).
fn parse(toks: &[Tok], i: &mut usize) -> Vec<Node> {
    let mut nodes: Vec<Node> = Vec::new();
    while *i < toks.len() {
        let t = toks[*i];
        *i += 1;
        match t {
            Tok::Close => break,
            Tok::Open => nodes.push(Node::Group(parse(toks, i))),
            Tok::Ch(c, f) => nodes.push(Node::Ch(c, f)),
            Tok::Sup | Tok::Sub => {
                // the operand: a braced group or one character
                let operand = match toks.get(*i) {
                    Some(Tok::Open) => {
                        *i += 1;
                        parse(toks, i)
                    }
                    Some(Tok::Ch(c, f)) => {
                        *i += 1;
                        vec![Node::Ch(*c, *f)]
                    }
                    _ => {
                        let c = if t == Tok::Sup { '^' } else { '_' };
                        nodes.push(Node::Ch(c, Face::Upright));
                        continue;
                    }
                };
                // attach to the previous node (a script without a base scripts nothing)
                let prev = match nodes.pop() {
                    Some(Node::Scripted { base, sub, sup }) => (base, sub, sup),
                    Some(n) => (Box::new(n), None, None),
                    None => (Box::new(Node::Group(Vec::new())), None, None),
                };
                let (base, mut sub, mut sup) = prev;
                if t == Tok::Sup {
                    sup = Some(operand);
                } else {
                    sub = Some(operand);
                }
                nodes.push(Node::Scripted { base, sub, sup });
            }
        }
    }
    nodes
}

/// Where runs go, merging text of one face, size and baseline.
struct Typesetter {
    runs: Vec<Run>,
}

impl Typesetter {
    fn push(&mut self, c: char, italic: bool, scale: f32, rise: f32) {
        if let Some(last) = self.runs.last_mut() {
            if last.italic == italic && last.scale == scale && last.rise == rise {
                last.text.push(c);
                return;
            }
        }
        self.start(italic, scale, rise, Start::Next);
        if let Some(last) = self.runs.last_mut() {
            last.text.push(c);
        }
    }
    fn start(&mut self, italic: bool, scale: f32, rise: f32, start: Start) {
        self.runs.push(Run {
            text: String::new(),
            italic,
            scale,
            rise,
            start,
        });
    }
    /// A sequence of nodes at `scale` and `rise`; `spacing`: TeX's spaces around relations and
    /// binary operators (in the main line, not in scripts).
    fn nodes(&mut self, nodes: &[Node], scale: f32, rise: f32, spacing: bool) {
        const RELATIONS: &str = "=<>≈≤≥≠∼≃∝→←≪≫∈";
        const BINARY: &str = "+-±∓×·";
        const OPENERS: &str = "(,[{=<>≈≤≥≠∼≃∝→←≪≫∈+-−±∓×·|";
        // the previous atom: None at the start, Some(c) a character, Some('x') any operand
        let mut prev: Option<char> = None;
        for n in nodes {
            match n {
                Node::Ch(c, face) => {
                    let c = *c;
                    if c == ' ' && *face != Face::Text {
                        continue;
                    }
                    let italic = *face == Face::Math && is_math_letter(c);
                    let shown = if c == '-' { '−' } else { c };
                    let operand_before = prev.is_some_and(|p| !OPENERS.contains(p));
                    // relations always, binary operators after an operand
                    let spaced = RELATIONS.contains(c) || (BINARY.contains(c) && operand_before);
                    if spacing && spaced {
                        self.push(' ', false, scale, rise);
                        self.push(shown, false, scale, rise);
                        self.push(' ', false, scale, rise);
                    } else if spacing && c == ',' {
                        self.push(',', false, scale, rise);
                        self.push(' ', false, scale, rise);
                    } else {
                        self.push(shown, italic, scale, rise);
                    }
                    prev = Some(shown);
                }
                Node::Group(inner) => {
                    self.nodes(inner, scale, rise, spacing);
                    if !inner.is_empty() {
                        prev = Some('x');
                    }
                }
                Node::Scripted { base, sub, sup } => {
                    self.nodes(std::slice::from_ref(base), scale, rise, spacing);
                    let s = scale * SCRIPT;
                    match (sub, sup) {
                        (Some(b), Some(p)) => {
                            self.start(false, s, rise - SUB_DROP_WITH_SUP * scale, Start::Mark);
                            self.nodes(b, s, rise - SUB_DROP_WITH_SUP * scale, false);
                            self.start(false, s, rise + SUP_RISE * scale, Start::Back);
                            self.nodes(p, s, rise + SUP_RISE * scale, false);
                            self.start(false, scale, rise, Start::Farthest);
                        }
                        (Some(b), None) => self.nodes(b, s, rise - SUB_DROP * scale, false),
                        (None, Some(p)) => self.nodes(p, s, rise + SUP_RISE * scale, false),
                        (None, None) => {}
                    }
                    prev = Some('x');
                }
            }
        }
    }
}

/// Letters TeX sets in italic: Latin and lowercase Greek.
fn is_math_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || ('α'..='ω').contains(&c) || matches!(c, 'ϑ' | 'ϕ' | 'ϵ' | 'ℓ')
}

/// A label typeset into runs: text outside `$…$` upright as written, math as described above.
pub fn typeset(label: &str) -> Vec<Run> {
    let mut t = Typesetter { runs: Vec::new() };
    let plain = |t: &mut Typesetter, s: &str| {
        for c in s.chars() {
            t.push(c, false, 1.0, 0.0);
        }
    };
    let mut chunk = String::new();
    let mut in_math = false;
    let mut it = label.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\\' && it.peek() == Some(&'$') && !in_math {
            chunk.push('$');
            it.next();
        } else if c == '$' {
            if in_math {
                let mut toks = Vec::new();
                tokens(&chunk, Face::Math, &mut toks);
                let nodes = parse(&toks, &mut 0);
                t.nodes(&nodes, 1.0, 0.0, true);
            } else {
                plain(&mut t, &chunk);
            }
            chunk.clear();
            in_math = !in_math;
        } else {
            chunk.push(c);
        }
    }
    // an unclosed `$` is a literal dollar
    if in_math {
        plain(&mut t, "$");
    }
    plain(&mut t, &chunk);
    t.runs
}

/// The label's text without its layout (scripts inline): for tests and plain-text output.
pub fn plain(label: &str) -> String {
    typeset(label).into_iter().map(|r| r.text).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runs as `text` with `^{…}` and `_{…}` around raised and lowered ones, and `/…/` around
    /// italic ones.
    fn shape(label: &str) -> String {
        let mut s = String::new();
        for r in typeset(label) {
            if r.text.is_empty() {
                continue;
            }
            let t = if r.italic {
                format!("/{}/", r.text)
            } else {
                r.text.clone()
            };
            if r.rise > 0.0 {
                s.push_str(&format!("^{{{t}}}"));
            } else if r.rise < 0.0 {
                s.push_str(&format!("_{{{t}}}"));
            } else {
                s.push_str(&t);
            }
        }
        s
    }

    #[test]
    fn physicists_labels() {
        assert_eq!(shape(r"$\langle r \rangle$"), "⟨/r/⟩");
        assert_eq!(shape(r"$E - E_F$, $-1$"), "/E/ − /E/_{/F/}, −1");
        assert_eq!(shape(r"$a,b$"), "/a/, /b/");
        assert_eq!(shape(r"$k^2$ (nm$^{-1}$)"), "/k/^{2} (nm^{−1})");
        assert_eq!(shape(r"$\psi_0$, $E_n$"), "/ψ/_{0}, /E/_{/n/}");
        assert_eq!(shape(r"$W_c$"), "/W/_{/c/}");
        assert_eq!(shape(r"$\nu'$"), "/ν/′");
        assert_eq!(shape(r"$|\Delta r|$"), "|Δ/r/|");
        assert_eq!(
            shape(r"$S(k)$ at $T/J = 2.27$"),
            "/S/(/k/) at /T///J/ = 2.27"
        );
        assert_eq!(
            shape(r"$\sigma_{xx}$ ($e^2/\hbar$)"),
            "/σ/_{/xx/} (/e/^{2}/ħ)"
        );
        assert_eq!(shape(r"$x_{\mathrm{min}}$"), "/x/_{min}");
        assert_eq!(shape(r"$\rho_{\text{typ avg}}$"), "/ρ/_{typ avg}");
        assert_eq!(shape("no math, 5 $"), "no math, 5 $");
        assert_eq!(shape(r"cost \$5"), "cost $5");
        assert_eq!(shape(r"$10^{-3}$"), "10^{−3}");
        assert_eq!(plain(r"$\alpha \beta$"), "αβ");
    }

    #[test]
    fn scripts_shrink_and_stack() {
        let runs = typeset(r"$x_i^2$");
        let sub = runs
            .iter()
            .find(|r| r.text == "i")
            .map(|r| (r.scale, r.rise));
        let sup = runs
            .iter()
            .find(|r| r.text == "2")
            .map(|r| (r.scale, r.rise, r.start));
        assert_eq!(sub, Some((SCRIPT, -SUB_DROP_WITH_SUP)));
        assert_eq!(sup, Some((SCRIPT, SUP_RISE, Start::Back)));
        assert!(runs.iter().any(|r| r.start == Start::Farthest));
        // a script of a script: smaller again, raised from the raised baseline
        let runs = typeset(r"$e^{x^2}$");
        let two = runs
            .iter()
            .find(|r| r.text == "2")
            .map(|r| (r.scale, r.rise));
        let (s, rise) = two.unwrap_or_default();
        assert!((s - SCRIPT * SCRIPT).abs() < 1e-6);
        assert!((rise - SUP_RISE * (1.0 + SCRIPT)).abs() < 1e-6);
    }
}
