//! A `$…$` subset of TeX for labels, rendered as Unicode so that PNG, SVG and PDF show the same
//! text with the bundled font: Greek letters, common symbols (⟨ ⟩ ħ ∞ ± × · ≈ ≤ ≥ ∝ ∂ ∇ → ′),
//! superscripts (`k^2`, `x^{-1}`) and subscripts (`W_c`, `E_{n}`) where Unicode has the
//! character. A script character Unicode lacks (a superscript `q`, a subscript `c`, …) stays as
//! written (`W_c`), and text outside `$…$` is untouched; `\$` is a literal dollar.

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

fn superscript(c: char) -> Option<char> {
    Some(match c {
        '0' => '⁰',
        '1' => '¹',
        '2' => '²',
        '3' => '³',
        '4' => '⁴',
        '5' => '⁵',
        '6' => '⁶',
        '7' => '⁷',
        '8' => '⁸',
        '9' => '⁹',
        '+' => '⁺',
        '-' | '−' => '⁻',
        '=' => '⁼',
        '(' => '⁽',
        ')' => '⁾',
        'n' => 'ⁿ',
        'i' => 'ⁱ',
        'a' => 'ᵃ',
        'b' => 'ᵇ',
        'c' => 'ᶜ',
        'd' => 'ᵈ',
        'e' => 'ᵉ',
        'k' => 'ᵏ',
        'm' => 'ᵐ',
        'o' => 'ᵒ',
        'p' => 'ᵖ',
        't' => 'ᵗ',
        'x' => 'ˣ',
        'T' => 'ᵀ',
        '*' => '*',
        '′' | '\'' => '′',
        _ => return None,
    })
}

fn subscript(c: char) -> Option<char> {
    Some(match c {
        '0' => '₀',
        '1' => '₁',
        '2' => '₂',
        '3' => '₃',
        '4' => '₄',
        '5' => '₅',
        '6' => '₆',
        '7' => '₇',
        '8' => '₈',
        '9' => '₉',
        '+' => '₊',
        '-' | '−' => '₋',
        '=' => '₌',
        '(' => '₍',
        ')' => '₎',
        'a' => 'ₐ',
        'e' => 'ₑ',
        'h' => 'ₕ',
        'i' => 'ᵢ',
        'j' => 'ⱼ',
        'k' => 'ₖ',
        'l' => 'ₗ',
        'm' => 'ₘ',
        'n' => 'ₙ',
        'o' => 'ₒ',
        'p' => 'ₚ',
        'r' => 'ᵣ',
        's' => 'ₛ',
        't' => 'ₜ',
        'u' => 'ᵤ',
        'v' => 'ᵥ',
        'x' => 'ₓ',
        _ => return None,
    })
}

/// The math between a pair of `$`: commands, then scripts.
fn math(src: &str) -> String {
    // commands first, so that `k^{\alpha}` scripts the α
    let mut plain = String::new();
    let mut it = src.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\\' {
            let mut name = String::new();
            while let Some(&n) = it.peek() {
                if n.is_ascii_alphabetic() {
                    name.push(n);
                    it.next();
                } else {
                    break;
                }
            }
            if name.is_empty() {
                if let Some(n) = it.next() {
                    name.push(n);
                }
            }
            match symbol(&name) {
                Some(u) => plain.push_str(u),
                // an escaped brace or unknown command: the character or the name itself
                None if matches!(name.as_str(), "{" | "}" | "_" | "^" | "%" | "&" | "#") => {
                    plain.push_str(&name)
                }
                None => {
                    plain.push('\\');
                    plain.push_str(&name);
                }
            }
        } else if c == '\'' {
            plain.push('′');
        } else {
            plain.push(c);
        }
    }
    let mut out = String::new();
    let mut it = plain.chars().peekable();
    while let Some(c) = it.next() {
        if c != '^' && c != '_' {
            out.push(c);
            continue;
        }
        // the script: one character, or a braced group
        let mut body = String::new();
        match it.next() {
            Some('{') => {
                for n in it.by_ref() {
                    if n == '}' {
                        break;
                    }
                    body.push(n);
                }
            }
            Some(n) => body.push(n),
            None => {
                out.push(c);
                break;
            }
        }
        let map = if c == '^' { superscript } else { subscript };
        let converted: Option<String> = body.chars().map(map).collect();
        match converted {
            Some(s) => out.push_str(&s),
            None if body.chars().count() == 1 => {
                out.push(c);
                out.push_str(&body);
            }
            None => {
                out.push(c);
                out.push('{');
                out.push_str(&body);
                out.push('}');
            }
        }
    }
    spaced(&out)
}

/// TeX's spacing in math: written spaces are dropped; relations get a space on each side, binary
/// operators too (a minus becomes −, unary or binary), and a comma a space after it.
fn spaced(s: &str) -> String {
    const RELATIONS: &str = "=<>≈≤≥≠∼≃∝→←≪≫∈";
    const BINARY: &str = "+-±∓×·";
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in s.chars() {
        if c == ' ' {
            continue;
        }
        let operand_before = prev.is_some_and(|p| !"(,[{=<>≈≤≥≠∼≃∝→←≪≫∈+-−±∓×·|".contains(p));
        if RELATIONS.contains(c) {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else if BINARY.contains(c) {
            let c = if c == '-' { '−' } else { c };
            if operand_before {
                out.push(' ');
                out.push(c);
                out.push(' ');
            } else {
                out.push(c);
            }
        } else if c == ',' {
            out.push_str(", ");
        } else {
            out.push(c);
        }
        prev = Some(if c == '-' { '−' } else { c });
    }
    out.trim().replace("  ", " ")
}

/// A label with its `$…$` parts rendered (text without `$` is returned unchanged).
pub fn render(label: &str) -> String {
    if !label.contains('$') {
        return label.to_string();
    }
    let mut out = String::new();
    let mut chunk = String::new();
    let mut in_math = false;
    let mut it = label.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\\' && it.peek() == Some(&'$') {
            chunk.push('$');
            it.next();
        } else if c == '$' {
            if in_math {
                out.push_str(&math(&chunk));
            } else {
                out.push_str(&chunk);
            }
            chunk.clear();
            in_math = !in_math;
        } else {
            chunk.push(c);
        }
    }
    // an unclosed `$` is a literal dollar
    if in_math {
        out.push('$');
    }
    out.push_str(&chunk);
    out
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn physicists_labels() {
        assert_eq!(render(r"$\langle r \rangle$"), "⟨r⟩");
        assert_eq!(render(r"$E - E_F$, $-1$"), "E − E_F, −1");
        assert_eq!(render(r"$a,b$"), "a, b");
        assert_eq!(render(r"$k^2$ (nm$^{-1}$)"), "k² (nm⁻¹)");
        assert_eq!(render(r"$\psi_0$, $E_n$"), "ψ₀, Eₙ");
        assert_eq!(render(r"$W_c$"), "W_c");
        assert_eq!(render(r"$\nu'$"), "ν′");
        assert_eq!(render(r"$|\Delta r|$"), "|Δr|");
        assert_eq!(render(r"$S(k)$ at $T/J = 2.27$"), "S(k) at T/J = 2.27");
        assert_eq!(render(r"$\sigma_{xx}$ ($e^2/\hbar$)"), "σₓₓ (e²/ħ)");
        assert_eq!(render(r"$x_{min}$"), "xₘᵢₙ");
        assert_eq!(render("no math, 5 $"), "no math, 5 $");
        assert_eq!(render(r"cost \$5"), "cost $5");
        assert_eq!(render(r"$\rho_{typ}/\rho_{avg}$"), "ρ_{typ}/ρ_{avg}");
        assert_eq!(render(r"$10^{-3}$"), "10⁻³");
    }
}
