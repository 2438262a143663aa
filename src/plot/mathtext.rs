//! A `$…$` subset of TeX for labels, typeset into runs of text that the figure's text layer
//! (`text.rs`) lays out with the bundled fonts, the same in PNG, SVG and PDF: Greek letters and
//! common symbols (⟨ ⟩ ħ ∞ ± × · ≈ ≤ ≥ ∝ ∂ ∇ → ′) as Unicode, letters in italic (the oblique
//! face) and digits upright as TeX sets them, superscripts and subscripts (`k^2`, `x^{-1}`,
//! `W_c`, `E_{n}`, and `x_i^2` stacked) smaller and off the baseline, fractions (`\frac{a}{b}`,
//! TeX's text style: the parts at script size over and under a rule on the math axis) and roots
//! (`\sqrt{x}`: the sign and a bar over the body), `\mathrm{…}` and `\text{…}` upright, TeX's
//! spacing around relations and binary operators. Text outside `$…$` is one upright run; `\$`
//! is a literal dollar and an unclosed `$` stays as written.

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

/// A typeset label's pieces in order: runs of text, and fractions and roots whose parts are
/// pieces again (the layout places them, knowing their widths).
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Run(Run),
    /// Numerator over denominator, each centred, with a rule between them centred `axis`
    /// label ems above the baseline, `thickness` ems thick, the wider part `pad` ems clear of
    /// the rule's ends. The parts' runs carry their own size and baseline.
    Frac {
        num: Vec<Item>,
        den: Vec<Item>,
        axis: f32,
        thickness: f32,
        pad: f32,
    },
    /// A root: the radical sign, then the body under a rule from the sign's top.
    Sqrt {
        sign: Run,
        body: Vec<Item>,
        thickness: f32,
    },
}

/// The math axis (the middle of a minus sign) above the baseline, the gap between a fraction's
/// rule and its parts, and the rule's thickness, in ems; DejaVu Sans's descent and cap height.
const AXIS: f32 = 0.26;
const FRAC_GAP: f32 = 0.1;
const RULE: f32 = 0.05;
const DESCENT: f32 = 0.236;
const CAP: f32 = 0.729;

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
        "prod" => "∏",
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
    /// `\frac`: two operands follow.
    Frac,
    /// `\sqrt`: one operand follows.
    Sqrt,
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
                if name == "frac" || name == "tfrac" || name == "dfrac" {
                    out.push(Tok::Frac);
                    continue;
                }
                if name == "sqrt" {
                    out.push(Tok::Sqrt);
                    continue;
                }
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
    Frac(Vec<Node>, Vec<Node>),
    Sqrt(Vec<Node>),
    Scripted {
        base: Box<Node>,
        sub: Option<Vec<Node>>,
        sup: Option<Vec<Node>>,
    },
}

/// The operand of a script or command at `i`: a braced group or one character (None at the end
/// or before a close brace).
fn operand(toks: &[Tok], i: &mut usize) -> Option<Vec<Node>> {
    match toks.get(*i) {
        Some(Tok::Open) => {
            *i += 1;
            Some(parse(toks, i))
        }
        Some(Tok::Ch(c, f)) => {
            *i += 1;
            Some(vec![Node::Ch(*c, *f)])
        }
        _ => None,
    }
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
            Tok::Frac => {
                let num = operand(toks, i).unwrap_or_default();
                let den = operand(toks, i).unwrap_or_default();
                nodes.push(Node::Frac(num, den));
            }
            Tok::Sqrt => nodes.push(Node::Sqrt(operand(toks, i).unwrap_or_default())),
            Tok::Sup | Tok::Sub => {
                let Some(operand) = operand(toks, i) else {
                    let c = if t == Tok::Sup { '^' } else { '_' };
                    nodes.push(Node::Ch(c, Face::Upright));
                    continue;
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

/// Where the pieces go, merging text of one face, size and baseline into one run.
#[derive(Default)]
struct Typesetter {
    items: Vec<Item>,
}

impl Typesetter {
    fn push(&mut self, c: char, italic: bool, scale: f32, rise: f32) {
        if let Some(Item::Run(last)) = self.items.last_mut() {
            if last.italic == italic && last.scale == scale && last.rise == rise {
                last.text.push(c);
                return;
            }
        }
        self.start(italic, scale, rise, Start::Next);
        if let Some(Item::Run(last)) = self.items.last_mut() {
            last.text.push(c);
        }
    }
    fn start(&mut self, italic: bool, scale: f32, rise: f32, start: Start) {
        self.items.push(Item::Run(Run {
            text: String::new(),
            italic,
            scale,
            rise,
            start,
        }));
    }
    /// Nodes set apart, as a fraction's or root's part.
    fn part(nodes: &[Node], scale: f32, rise: f32, spacing: bool) -> Vec<Item> {
        let mut t = Typesetter::default();
        t.nodes(nodes, scale, rise, spacing);
        t.items
    }
    /// A sequence of nodes at `scale` and `rise`; `spacing`: TeX's spaces around relations and
    /// binary operators (in the main line, not in scripts).
    fn nodes(&mut self, nodes: &[Node], scale: f32, rise: f32, spacing: bool) {
        const RELATIONS: &str = "=<>≈≤≥≠∼≃∝→←≪≫∈";
        const BINARY: &str = "+-±∓×·";
        const OPERATORS: &str = "∑∏∫";
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
                        if spacing && OPERATORS.contains(c) {
                            // TeX's thin space between a big operator and its operand
                            self.push('\u{2009}', false, scale, rise);
                        }
                    }
                    prev = Some(shown);
                }
                Node::Group(inner) => {
                    self.nodes(inner, scale, rise, spacing);
                    if !inner.is_empty() {
                        prev = Some('x');
                    }
                }
                Node::Frac(num, den) => {
                    // in-line (TeX's text style): the parts at script size, the numerator's
                    // descent and the denominator's capitals clear of the rule
                    let s = scale * SCRIPT;
                    let axis = rise + AXIS * scale;
                    let gap = FRAC_GAP * scale;
                    self.items.push(Item::Frac {
                        num: Typesetter::part(num, s, axis + gap + DESCENT * s, false),
                        den: Typesetter::part(den, s, axis - gap - CAP * s, false),
                        axis,
                        thickness: RULE * scale,
                        pad: 0.1 * scale,
                    });
                    prev = Some('x');
                }
                Node::Sqrt(body) => {
                    self.items.push(Item::Sqrt {
                        sign: Run {
                            text: "√".into(),
                            italic: false,
                            scale,
                            rise,
                            start: Start::Next,
                        },
                        body: Typesetter::part(body, scale, rise, spacing),
                        thickness: RULE * scale,
                    });
                    prev = Some('x');
                }
                Node::Scripted { base, sub, sup } => {
                    // a big operator's thin space goes after its limits
                    let op = matches!(**base, Node::Ch(c, _) if OPERATORS.contains(c));
                    self.nodes(std::slice::from_ref(base), scale, rise, spacing && !op);
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
                    if spacing && op {
                        self.push('\u{2009}', false, scale, rise);
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

/// Whether math nests its braces deeper than 32 levels.
fn too_deep(src: &str) -> bool {
    let mut depth = 0i32;
    for c in src.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if depth > 32 {
            return true;
        }
    }
    false
}

/// A label typeset into pieces: text outside `$…$` upright as written, math as described
/// above.
pub fn typeset(label: &str) -> Vec<Item> {
    let mut t = Typesetter::default();
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
            if in_math && too_deep(&chunk) {
                // nesting past any real label's (and the recursion's comfort): as written
                plain(&mut t, &format!("${chunk}$"));
            } else if in_math {
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
    t.items
}

/// The runs of typeset pieces in reading order (a fraction's numerator, then its denominator;
/// a root's sign, then its body).
pub fn runs(items: &[Item]) -> Vec<&Run> {
    let mut out = Vec::new();
    for it in items {
        match it {
            Item::Run(r) => out.push(r),
            Item::Frac { num, den, .. } => {
                out.extend(runs(num));
                out.extend(runs(den));
            }
            Item::Sqrt { sign, body, .. } => {
                out.push(sign);
                out.extend(runs(body));
            }
        }
    }
    out
}

/// The label's text without its layout (scripts inline): for tests and plain-text output.
pub fn plain(label: &str) -> String {
    runs(&typeset(label))
        .into_iter()
        .map(|r| r.text.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runs as `text` with `^{…}` and `_{…}` around raised and lowered ones, and `/…/` around
    /// italic ones.
    fn shape(label: &str) -> String {
        let mut s = String::new();
        for r in runs(&typeset(label)) {
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
        // a thin space after a big operator and its limits
        assert_eq!(plain(r"$\sum_i k_i$"), "∑i\u{2009}ki");
        assert_eq!(plain(r"$\int f$"), "∫\u{2009}f");
    }

    #[test]
    fn scripts_shrink_and_stack() {
        let items = typeset(r"$x_i^2$");
        let runs = runs(&items);
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
        let items = typeset(r"$e^{x^2}$");
        let two = super::runs(&items)
            .into_iter()
            .find(|r| r.text == "2")
            .map(|r| (r.scale, r.rise));
        let (s, rise) = two.unwrap_or_default();
        assert!((s - SCRIPT * SCRIPT).abs() < 1e-6);
        assert!((rise - SUP_RISE * (1.0 + SCRIPT)).abs() < 1e-6);
    }

    #[test]
    fn any_label_typesets_without_panicking() {
        // pieces of TeX in every order, unbalanced and empty groups, deep nesting
        let pieces = [
            "$",
            "\\",
            "{",
            "}",
            "^",
            "_",
            "\\frac",
            "\\sqrt",
            "\\mathrm",
            "\\text",
            "a",
            "1",
            " ",
            "\\alpha",
            "\\$",
            "'",
            "-",
            "=",
            "\\sum",
            "\\unknown",
            "ψ",
        ];
        let mut state = 12345u64;
        for _ in 0..3000 {
            let mut label = String::new();
            for _ in 0..12 {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                label.push_str(pieces[(state >> 33) as usize % pieces.len()]);
            }
            let _ = typeset(&label);
        }
        let deep = format!("${}x{}$", "{".repeat(100_000), "}".repeat(100_000));
        assert!(plain(&deep).starts_with("${{{"));
        let chain = format!("$x{}$", "^{2".repeat(20));
        assert!(!runs(&typeset(&chain)).is_empty());
    }

    #[test]
    fn fractions_and_roots() {
        let items = typeset(r"$\frac{1}{L}$, $\sqrt{N}$");
        let Some(Item::Frac { num, den, axis, .. }) = items.first() else {
            panic!("{items:?}")
        };
        let (n, d) = (&runs(num)[0], &runs(den)[0]);
        assert_eq!((n.text.as_str(), d.text.as_str()), ("1", "L"));
        // the parts at script size, above and below the rule
        assert!(n.scale == SCRIPT && d.scale == SCRIPT && d.italic);
        assert!(n.rise > *axis && d.rise + CAP * SCRIPT < *axis);
        let root = items.iter().find_map(|i| match i {
            Item::Sqrt { sign, body, .. } => Some((sign.text.clone(), runs(body)[0].text.clone())),
            _ => None,
        });
        assert_eq!(root, Some(("√".into(), "N".into())));
        assert_eq!(plain(r"$\frac{a}{b}$"), "ab");
        // a missing operand is an empty part, not a panic
        assert_eq!(plain(r"$\frac{1}$ $\sqrt$"), "1 √");
    }
}
