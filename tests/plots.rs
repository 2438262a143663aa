//! Every plot kind renders to PNG and SVG: the PNG decodes, has the requested size and is not
//! blank; the SVG parses as SVG and contains the title text. Bad input gives script errors.

use rhai::{Dynamic, Scope};

fn dir(name: &str) -> String {
    let d = std::env::temp_dir().join(format!("disco-plots-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.to_string_lossy().into_owned()
}

fn eval(src: &str) -> Result<(), String> {
    let engine = disco::build_engine();
    engine
        .eval_with_scope::<Dynamic>(&mut Scope::new(), src)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn check_png(path: &str, w: u32, h: u32) {
    let img = image::open(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .to_rgb8();
    assert_eq!((img.width(), img.height()), (w, h), "{path}");
    let mut colours = std::collections::HashSet::new();
    for p in img.pixels() {
        colours.insert(p.0);
    }
    assert!(
        colours.len() > 20,
        "{path} looks blank ({} colours)",
        colours.len()
    );
    let non_white = img.pixels().filter(|p| p.0 != [255, 255, 255]).count();
    assert!(
        non_white > (w * h / 100) as usize,
        "{path}: only {non_white} drawn pixels"
    );
}

fn check_svg(path: &str, title: &str) {
    let s = std::fs::read_to_string(path).unwrap();
    assert!(
        s.trim_start().starts_with("<svg") || s.contains("<svg "),
        "{path} is not SVG"
    );
    assert!(s.trim_end().ends_with("</svg>"), "{path} is not closed");
    assert!(s.contains(title), "{path} lacks the title '{title}'");
}

/// The text of each `<text>` element of an SVG document (its tspans joined), with the element.
fn svg_texts(svg: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(at) = rest.find("<text") {
        let Some(end) = rest[at..].find("</text>") else {
            break;
        };
        let element = &rest[at..at + end + "</text>".len()];
        let mut text = String::new();
        let mut in_tag = false;
        for c in element.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        let text = text
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        out.push((text.trim().to_string(), element.to_string()));
        rest = &rest[at + end..];
    }
    out
}

/// Whether an SVG document has a text element reading `want`.
fn has_text(svg: &str, want: &str) -> bool {
    svg_texts(svg).iter().any(|(t, _)| t == want)
}

#[test]
fn every_kind_renders_to_png_and_svg() {
    let d = dir("kinds");
    let kinds = [
        ("line", "f.line(x, sin(x), #{label: \"sin\"});"),
        ("scatter", "f.scatter(x, cos(x), #{color: x, colorbar: \"x\", size: x * 0.5 + 1});"),
        ("errorbar", "f.errorbar(x, sin(x), ones(50) * 0.1);"),
        ("hist", "f.hist(normal(1000, 0, 1, 3), 30, #{density: true});"),
        ("heatmap", "f.heatmap(ndarray([[1, 2, 3], [4, 5, 6]]), #{cmap: \"greys\"});"),
        ("ccdf", "f.ccdf(pow(uniform(500, 0, 1, 4), -0.5));"),
        ("network", "f.network(ndarray([[0, 0], [1, 0], [0, 1]]), ndarray([[0, 1], [1, 2], [2, 0]]), #{edge_color: [1, -1, 0.5], cmap: \"diverging\"});"),
        ("arrows", "f.arrows(x, sin(x), ones(50) * 0.1, ones(50) * 0.1);"),
        ("field", "f.field(stack([x, sin(x)]).T, x * x, #{size: 4});"),
        ("logaxes", "f.set(#{logx: true, logy: true}); f.line(x + 1, exp(x));"),
    ];
    for (kind, draw) in kinds {
        let title = format!("Title {kind}");
        let src = format!(
            "let x = linspace(0.1, 6, 50); let f = figure(#{{title: \"{title}\", xlabel: \"x\", ylabel: \"y\", width: 420, height: 300}}); {draw} \
             f.save(\"{d}/{kind}.png\"); f.save(\"{d}/{kind}.svg\"); f.save(\"{d}/{kind}_2x.png\", #{{dpi: 200}});"
        );
        eval(&src).unwrap_or_else(|e| panic!("{kind}: {e}"));
        check_png(&format!("{d}/{kind}.png"), 420, 300);
        check_png(&format!("{d}/{kind}_2x.png"), 840, 600);
        check_svg(&format!("{d}/{kind}.svg"), &title);
    }
}

#[test]
fn grid_one_liner_and_example_script() {
    let d = dir("grid");
    eval(&format!(
        "let g = figure(#{{rows: 2, cols: 2, title: \"Grid\", width: 600, height: 500}}); \
         for i in 0..4 {{ g.panel(i); g.line(linspace(0, 1, 5), linspace(0, i, 5)); }} \
         g.save(\"{d}/grid.png\"); g.save(\"{d}/grid.svg\"); plot([1, 2, 3], [1, 4, 9], \"{d}/one.png\")"
    ))
    .unwrap();
    check_png(&format!("{d}/grid.png"), 600, 500);
    check_svg(&format!("{d}/grid.svg"), "Grid");
    check_png(&format!("{d}/one.png"), 640, 480);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_disco"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "examples/plots.rhai", &format!("out={d}/ex")])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_png(&format!("{d}/ex/grid.png"), 1200, 900);
    check_svg(&format!("{d}/ex/domain.svg"), "network");
    check_png(&format!("{d}/ex/paper.png"), 1020, 780);
    assert!(std::fs::read(format!("{d}/ex/paper.pdf"))
        .unwrap()
        .starts_with(b"%PDF-"));
}

#[test]
fn nan_points_are_skipped_and_bad_input_is_an_error() {
    let d = dir("bad");
    // NaN points are skipped (with a warning on stderr), the rest is drawn.
    eval(&format!(
        "let f = figure(); f.line([1, 2, 3, 4], [1, 0.0 / 0.0, 3, 4]); f.save(\"{d}/nan.png\")"
    ))
    .unwrap();
    check_png(&format!("{d}/nan.png"), 640, 480);
    let e = eval("let f = figure(); f.line([], [])").unwrap_err();
    assert!(e.contains("line: no data to draw"), "{e}");
    let e = eval("let f = figure(); f.line([1, 2], [1])").unwrap_err();
    assert!(e.contains("x has 2 values but y has 1"), "{e}");
    let e = eval("let f = figure(); f.save(\"x.png\")").unwrap_err();
    assert!(e.contains("figure is empty"), "{e}");
    let e = eval("let f = figure(); f.line([1, 2], [1, 2], #{colour: \"red\"})").unwrap_err();
    assert!(
        e.contains("unknown option 'colour'") && e.contains("color"),
        "{e}"
    );
    let e = eval("let f = figure(); f.line([1, 2], [1, 2]); f.save(\"x.eps\")").unwrap_err();
    assert!(e.contains("use .png, .svg or .pdf"), "{e}");
    let e = eval("let f = figure(); f.heatmap([1, 2, 3])").unwrap_err();
    assert!(e.contains("expected a non-empty 2D array"), "{e}");
}

/// Line styles, transparency, error bands and reference lines render; a dashed line leaves gaps
/// along its path that a solid one does not; unknown styles and alphas are refused by name.
#[test]
fn line_styles_bands_and_reference_lines() {
    let d = dir("styles");
    let src = format!(
        r#"
        let x = linspace(0, 10, 100);
        for style in ["solid", "dashed"] {{
            let f = figure(#{{width: 400, height: 300}});
            f.line([0.0, 10.0], [0.0, 0.0], #{{style: style, width: 3, color: "magenta"}});
            f.axhline(1.0);
            f.set(#{{ylabel: "y"}});
            f.save("{d}/" + style + ".png");
        }}
        let g = figure();
        g.fill_between(x, sin(x) - 0.2, sin(x) + 0.2, #{{label: "band", alpha: 0.4}});
        g.line(x, sin(x), #{{style: "dashdot", alpha: 0.5, label: "sin"}});
        g.line(x, cos(x), #{{style: ":"}});
        g.axvline(5.0, #{{style: "--", label: "x = 5"}});
        g.set(#{{title: "styles"}});
        g.save("{d}/g.png");
        g.save("{d}/g.svg");
        "#
    );
    eval(&src).unwrap();
    check_png(&format!("{d}/g.png"), 640, 480);
    check_svg(&format!("{d}/g.svg"), "styles");
    // the same line dashed covers part of the pixels of the solid one: its gaps
    let ink = |name: &str| {
        let img = image::open(format!("{d}/{name}.png")).unwrap().to_rgb8();
        img.pixels().filter(|p| p.0 == [200, 0, 200]).count()
    };
    let (solid, dashed) = (ink("solid"), ink("dashed"));
    assert!(solid > 600, "solid line {solid} px");
    assert!(
        dashed < solid * 3 / 4 && dashed > solid / 3,
        "dashed {dashed} vs solid {solid}"
    );
    let e = eval("let f = figure(); f.line([0, 1], [0, 1], #{style: \"wavy\"});").unwrap_err();
    assert!(e.contains("dashed") && e.contains("wavy"), "{e}");
    let e = eval("let f = figure(); f.line([0, 1], [0, 1], #{alpha: 2});").unwrap_err();
    assert!(e.contains("alpha"), "{e}");
}

/// Legend placement and a global font scale: both change the drawing, bad values are refused
/// with the valid names.
#[test]
fn legend_placement_and_font_scale() {
    let d = dir("legend");
    let src = format!(
        r#"
        for at in [["upper right", "upper_right"], ["lower left", "lower_left"]] {{
            let f = figure(#{{width: 400, height: 300}});
            f.line([0, 1], [0, 1], #{{label: "a line with a long label"}});
            f.set(#{{legend: at[0]}});
            f.save("{d}/" + at[1] + ".png");
        }}
        let g = figure(#{{width: 400, height: 300, font_scale: 2.0}});
        g.line([0, 1], [0, 1]);
        g.set(#{{title: "big"}});
        g.save("{d}/big.png");
        let h = figure(#{{width: 400, height: 300}});
        h.line([0, 1], [0, 1]);
        h.set(#{{title: "big"}});
        h.save("{d}/small.png");
        "#
    );
    eval(&src).unwrap();
    let dark = |name: &str, left: bool, top: bool| {
        let img = image::open(format!("{d}/{name}.png")).unwrap().to_rgb8();
        let (w, h) = (img.width(), img.height());
        let xs = if left { 0..w / 2 } else { w / 2..w };
        let ys = if top { 0..h / 2 } else { h / 2..h };
        let mut n = 0;
        for x in xs {
            for y in ys.clone() {
                let p = img.get_pixel(x, y).0;
                n += usize::from(p[0] < 100 && p[1] < 100 && p[2] < 100);
            }
        }
        n
    };
    // the legend's text moves from the upper right quadrant to the lower left one
    assert!(dark("upper_right", false, true) > dark("lower_left", false, true));
    assert!(dark("lower_left", true, false) > dark("upper_right", true, false));
    // twice the font size: more dark (text) pixels
    assert!(
        dark("big", true, true) + dark("big", false, true)
            > dark("small", true, true) + dark("small", false, true)
    );
    let e = eval("let f = figure(); f.set(#{legend: \"top\"});").unwrap_err();
    assert!(e.contains("upper right"), "{e}");
    let e = eval("figure(#{font_scale: 10})").unwrap_err();
    assert!(e.contains("font_scale"), "{e}");
}

#[test]
fn pdf_is_vector_with_the_font_embedded_and_paper_sizes_are_in_inches() {
    let d = dir("pdf");
    let src = format!(
        r#"let f = figure(#{{style: "paper", xlabel: "W", ylabel: "⟨r⟩", title: "Anderson model"}});
           let x = linspace(0, 20, 50);
           f.line(x, 0.386 + 0.144 / (1.0 + exp(x - 10.0)), #{{label: "M = 8", style: "dashed"}});
           f.save("{d}/paper.pdf");
           f.save("{d}/paper.png", #{{dpi: 300}});
           let g = figure(#{{size_in: [7.0, 3.0], rows: 1, cols: 2}});
           g.line([0, 1], [0, 1]);
           g.save("{d}/wide.pdf");
           let h = figure(#{{size_mm: [86, 65]}});
           h.line([0, 1], [0, 1]);
           h.save("{d}/mm.png", #{{dpi: 200}});"#
    );
    eval(&src).unwrap();
    let pdf = std::fs::read(format!("{d}/paper.pdf")).unwrap();
    let text = String::from_utf8_lossy(&pdf);
    assert!(pdf.starts_with(b"%PDF-") && text.trim_end().ends_with("%%EOF"));
    // a single-column figure: 3.4 × 2.6 in = 244.8 × 187.2 pt
    assert!(text.contains("/MediaBox [0 0 244.8 187.2"), "page size");
    // the font is embedded (TrueType subset) with a ToUnicode map, so text stays searchable
    assert!(
        text.contains("/FontFile2") && text.contains("/ToUnicode"),
        "font"
    );
    assert!(text.contains("/Type /Page"));
    // vector: no image XObject for the drawing
    assert!(!text.contains("/Subtype /Image"));
    // the same figure as PNG at 300 dpi is 3.4 × 2.6 in of pixels
    check_png(&format!("{d}/paper.png"), 1020, 780);
    let wide =
        String::from_utf8_lossy(&std::fs::read(format!("{d}/wide.pdf")).unwrap()).into_owned();
    assert!(
        wide.contains("/MediaBox [0 0 504.0000") && wide.contains(" 216.0000"),
        "7 × 3 in"
    );
    let e = eval("let f = figure(#{size_in: [0.1, 3]}); f").unwrap_err();
    assert!(e.contains("size_in") && e.contains("inches"), "{e}");
    // 86 × 65 mm (a journal column) is 3.386 × 2.559 in: 339 × 256 pixels at 100 per inch,
    // twice that at dpi 200
    check_png(&format!("{d}/mm.png"), 678, 512);
    let e = eval("let f = figure(#{size_mm: [86]}); f").unwrap_err();
    assert!(e.contains("size_mm") && e.contains("millimetres"), "{e}");
    let e = eval("let f = figure(#{style: \"nature\"}); f").unwrap_err();
    assert!(e.contains("style") && e.contains("paper"), "{e}");
}

#[test]
fn step_text_and_annotations_render_and_refuse_bad_input() {
    let d = dir("annotate");
    eval(&format!(
        r#"let f = figure(#{{title: "Annotated"}});
           let x = arange(10);
           f.step(x, x * x, #{{label: "pre"}});
           f.step(x, x * x + 20, #{{where: "post", style: "dashed"}});
           f.step(x, x * x + 40, #{{where: "mid"}});
           f.text(1.0, 80.0, "label", #{{color: "red", size: 20}});
           f.annotate("the last point", [9.0, 81.0], [4.0, 110.0]);
           f.save("{d}/a.png"); f.save("{d}/a.svg");"#
    ))
    .unwrap();
    check_png(&format!("{d}/a.png"), 640, 480);
    check_svg(&format!("{d}/a.svg"), "Annotated");
    let svg = std::fs::read_to_string(format!("{d}/a.svg")).unwrap();
    assert!(
        has_text(&svg, "the last point") && has_text(&svg, "label"),
        "text kept as text"
    );
    // every marker shape draws (each changes the picture), an unknown one lists the names
    for m in ["o", "s", "^", "v", "D", "x", "+"] {
        eval(&format!(
            r#"let f = figure(); f.scatter([1, 2, 3], [3, 1, 2], #{{marker: "{m}", size: 8}}); f.save("{d}/m.png");"#
        ))
        .unwrap();
        check_png(&format!("{d}/m.png"), 640, 480);
    }
    let e = eval("let f = figure(); f.scatter([1], [1], #{marker: \"*\"})").unwrap_err();
    assert!(
        e.contains("unknown marker '*'") && e.contains("diamond"),
        "{e}"
    );
    let e = eval("let f = figure(); f.step([1, 2], [1, 2], #{where: \"after\"})").unwrap_err();
    assert!(e.contains("step: option 'where'"), "{e}");
    let e = eval("let f = figure(); f.annotate(\"x\", [1, 2, 3], [0, 0])").unwrap_err();
    assert!(e.contains("annotate: xy and xytext"), "{e}");
    let e = eval("let f = figure(); f.text(0.0, 1.0 / 0.0, \"x\")").unwrap_err();
    assert!(e.contains("text") && e.contains("'y'"), "{e}");
}

#[test]
fn math_in_labels_is_typeset_the_same_in_every_format() {
    let d = dir("math");
    eval(&format!(
        r#"let f = figure(#{{title: "Math", xlabel: "$W/t$", ylabel: "$\\langle r \\rangle$"}});
           f.line([1, 2], [1, 2], #{{label: "$\\sigma_{{xx}}$ in $e^2/\\hbar$"}});
           f.text(1.5, 1.5, "$k^{{-1}}$, $\\psi_0$");
           f.save("{d}/m.svg"); f.save("{d}/m.png"); f.save("{d}/m.pdf");"#
    ))
    .unwrap();
    let svg = std::fs::read_to_string(format!("{d}/m.svg")).unwrap();
    for want in ["⟨r⟩", "σxx in e2/ħ", "k−1, ψ0", "W/t"] {
        assert!(has_text(&svg, want), "{want} missing from the SVG");
    }
    assert!(!svg.contains('$') && !svg.contains("\\langle"));
    // letters in the oblique face, scripts smaller and off the baseline, as tspans of one text
    let (_, sigma) = svg_texts(&svg)
        .into_iter()
        .find(|(t, _)| t == "σxx in e2/ħ")
        .unwrap();
    assert!(sigma.contains("font-style=\"italic\">σ</tspan>"), "{sigma}");
    let tspan = sigma[..sigma.find(">xx<").unwrap()]
        .rsplit("<tspan")
        .next()
        .unwrap();
    let y_of = |t: &str| -> f64 {
        let v = t.split(" y=\"").nth(1).unwrap();
        v[..v.find('"').unwrap()].parse().unwrap()
    };
    let sigma_tspan = sigma.split("<tspan").nth(1).unwrap();
    assert!(
        tspan.contains("font-size") && y_of(tspan) > y_of(sigma_tspan),
        "{tspan}"
    );
    check_png(&format!("{d}/m.png"), 640, 480);
    // the PDF embeds the upright and the oblique face
    let pdf = std::fs::read(format!("{d}/m.pdf")).unwrap();
    let has = |name: &[u8]| pdf.windows(name.len()).any(|w| w == name);
    assert!(
        has(b"DejaVuSans-Oblique") && has(b"DejaVuSans"),
        "fonts not embedded"
    );
}

#[test]
fn font_sizes_in_points_hold_at_any_figure_size() {
    let d = dir("fonts");
    // the same 9-point labels on a small and a large figure: the same pixel size in the SVG
    for (name, size) in [("small", "[3.4, 2.6]"), ("large", "[10.0, 8.0]")] {
        eval(&format!(
            r#"let f = figure(#{{size_in: {size}, xlabel: "Wxyz", font_sizes: #{{label: 9, tick: 7}}}});
               f.line([0, 1], [0, 1]); f.save("{d}/{name}.svg");"#
        ))
        .unwrap();
    }
    let label_size = |name: &str| -> String {
        let svg = std::fs::read_to_string(format!("{d}/{name}.svg")).unwrap();
        let (_, tag) = svg_texts(&svg)
            .into_iter()
            .find(|(t, _)| t == "Wxyz")
            .expect("the label");
        let fs = tag.split("font-size=\"").nth(1).unwrap();
        fs[..fs.find('"').unwrap()].to_string()
    };
    assert_eq!(label_size("small"), label_size("large"));
    let e = eval("let f = figure(#{font_sizes: #{ticks: 8}}); f").unwrap_err();
    assert!(
        e.contains("unknown option 'ticks'") && e.contains("tick"),
        "{e}"
    );
    let e = eval("let f = figure(#{font_sizes: #{tick: 500}}); f").unwrap_err();
    assert!(e.contains("font_sizes.tick"), "{e}");
}

#[test]
fn explicit_ticks_replace_the_automatic_ones() {
    let d = dir("ticks");
    eval(&format!(
        r#"let f = figure(#{{title: "Ticks"}});
           f.line([0, 30], [0.38, 0.53]);
           f.set(#{{xticks: [0, 16.5, 30], yticks: [0.386, 0.53]}});
           f.save("{d}/t.svg");
           let g = figure(#{{logx: true, xticks: [1, 10, 1000]}});
           g.line([1, 1000], [0, 1]); g.save("{d}/g.svg");"#
    ))
    .unwrap();
    let svg = std::fs::read_to_string(format!("{d}/t.svg")).unwrap();
    for want in ["16.5", "0.386", "30"] {
        assert!(has_text(&svg, want), "{want:?} missing");
    }
    assert!(
        !has_text(&svg, "20") && !has_text(&svg, "0.45"),
        "automatic ticks remain"
    );
    let e = eval("let f = figure(#{logx: true}); f.line([1, 2], [1, 2]); f.set(#{xticks: [0, 1]})")
        .unwrap_err();
    assert!(e.contains("xticks") && e.contains("log axis"), "{e}");
}

#[test]
fn shared_axes_and_insets() {
    let d = dir("share");
    let src = format!(
        r#"
        let f = figure(#{{rows: 2, cols: 2, sharex: true, sharey: "row", width: 600, height: 500}});
        for i in 0..4 {{ f.panel(i); f.line([0, 1 + i], [0, 1 + 10 * i]); }}
        f.save("{d}/shared.png");
        // an inset filled by a red heatmap in the upper right of a panel with a line at the bottom
        let g = figure(#{{width: 500, height: 400}});
        g.line([0, 1], [0, 0.1]);
        g.set(#{{ylim: [0, 1]}});
        let k = g.inset([0.55, 0.55, 0.4, 0.4], #{{title: "zoom"}});
        g.heatmap(ones([4, 4]), #{{cmap: "diverging", vmin: -1, vmax: 1, colorbar: false}});
        g.panel(0);
        g.set(#{{title: "main"}});
        g.save("{d}/inset.png");
        if k != 1 {{ throw "the inset is panel 1"; }}
        "#
    );
    eval(&src).unwrap();
    check_png(&format!("{d}/shared.png"), 600, 500);
    let img = image::open(format!("{d}/inset.png")).unwrap().to_rgb8();
    // the inset's data area (about the centre of the rectangle) is red; the same spot without
    // the inset would be white plot background
    let (w, h) = (img.width() as f64, img.height() as f64);
    let p = img.get_pixel((0.82 * w) as u32, (0.3 * h) as u32).0;
    assert!(p[0] > 150 && p[1] < 100 && p[2] < 100, "inset pixel {p:?}");
    // bad rectangles and share values are refused by name
    let e = eval("let f = figure(); f.inset([0.5, 0.5, 0.6, 0.2], #{})").unwrap_err();
    assert!(e.contains("inset") && e.contains("rect"), "{e}");
    let e = eval("figure(#{rows: 2, sharex: \"diagonal\"})").unwrap_err();
    assert!(e.contains("sharex"), "{e}");
}

#[test]
fn twin_y_axis_draws_on_the_right() {
    let d = dir("twin");
    let src = format!(
        r#"
        for twin in [false, true] {{
            let f = figure(#{{width: 500, height: 400}});
            f.line([0, 1], [0, 1]);
            if twin {{
                let k = f.twinx(#{{ylabel: "C"}});
                if k != 1 {{ throw "the twin is panel 1"; }}
                f.line([0, 1], [100, 0], #{{style: "dashed"}});
            }}
            f.save("{d}/twin_" + twin + ".png");
        }}
        "#
    );
    eval(&src).unwrap();
    // tick labels and the label of the right axis: dark pixels in the right margin
    let right_ink = |name: &str| {
        let img = image::open(format!("{d}/{name}.png")).unwrap().to_rgb8();
        let (w, h) = (img.width(), img.height());
        (w - 60..w)
            .flat_map(|x| (0..h).map(move |y| (x, y)))
            .filter(|&(x, y)| img.get_pixel(x, y).0.iter().all(|&c| c < 120))
            .count()
    };
    assert!(right_ink("twin_true") > right_ink("twin_false") + 50);
    let e = eval("let f = figure(); f.inset([0.5, 0.5, 0.4, 0.4]); f.twinx(#{})").unwrap_err();
    assert!(e.contains("twinx"), "{e}");
    let e = eval("let f = figure(); f.set(#{ytick_format: \"%d\"})").unwrap_err();
    assert!(e.contains("ytick_format") && e.contains("%.Nf"), "{e}");
}

/// The x and y attributes of a text element (its first tspan's: the line's start).
fn xy(el: &str) -> (f64, f64) {
    let attr = |name: &str| -> f64 {
        let v = el.split(&format!(" {name}=\"")).nth(1).unwrap();
        v[..v.find('"').unwrap()].parse().unwrap()
    };
    (attr("x"), attr("y"))
}

/// The x and y of the `<text>` element reading `want`.
fn text_at(svg: &str, want: &str) -> (f64, f64) {
    let (_, el) = svg_texts(svg)
        .into_iter()
        .find(|(t, _)| t == want)
        .unwrap_or_else(|| panic!("no text {want:?}"));
    xy(&el)
}

#[test]
fn legend_columns_fill_top_to_bottom_then_left_to_right() {
    let d = dir("legend_cols");
    eval(&format!(
        r#"let f = figure(#{{legend_cols: 2}});
           for k in 0..5 {{ f.line([0, 1], [k, k + 1], #{{label: "entry " + k}}); }}
           f.save("{d}/two.svg");
           let g = figure();
           for k in 0..5 {{ g.line([0, 1], [k, k + 1], #{{label: "entry " + k}}); }}
           g.save("{d}/one.svg");"#
    ))
    .unwrap();
    let two = std::fs::read_to_string(format!("{d}/two.svg")).unwrap();
    let one = std::fs::read_to_string(format!("{d}/one.svg")).unwrap();
    // 5 entries in 2 columns: 0, 1, 2 in the first, 3, 4 in the second, rows aligned
    let (e0, e1, e3) = (
        text_at(&two, "entry 0"),
        text_at(&two, "entry 1"),
        text_at(&two, "entry 3"),
    );
    assert!(
        e3.0 > e0.0 + 20.0 && (e3.1 - e0.1).abs() < 0.5,
        "{e0:?} {e3:?}"
    );
    assert!((e1.0 - e0.0).abs() < 0.5 && e1.1 > e0.1);
    // one column: all five stacked, the last below the two-column legend's last row
    let (o0, o4) = (text_at(&one, "entry 0"), text_at(&one, "entry 4"));
    assert!((o4.0 - o0.0).abs() < 0.5 && o4.1 > text_at(&two, "entry 2").1 + 10.0);
    let e = eval("let f = figure(); f.set(#{legend_cols: 0})").unwrap_err();
    assert!(e.contains("legend_cols"), "{e}");
}

#[test]
fn markers_are_antialiased_by_coverage() {
    let d = dir("aa");
    eval(&format!(
        r#"let f = figure(#{{width: 200, height: 200}});
           f.scatter([0.5], [0.5], #{{size: 30, color: "black"}});
           f.set(#{{xlim: [0, 1], ylim: [0, 1]}});
           f.save("{d}/dot.png");"#
    ))
    .unwrap();
    let img = image::open(format!("{d}/dot.png")).unwrap().to_rgb8();
    // each pixel near the disc is as dark as the disc covers it: its darkness follows the
    // distance d of its centre from the disc's centre as clamp(r + ½ − d) (a hard edge is off
    // by up to 1 there; the disc's centre and radius come from the darkness itself)
    let dark = |x: u32, y: u32| 1.0 - img.get_pixel(x, y).0[0] as f64 / 255.0;
    // the disc: pure black pixels away from the axes and their labels
    let inside: Vec<(f64, f64)> = img
        .enumerate_pixels()
        .filter(|(x, y, p)| *x > 40 && *y < 160 && p.0 == [0, 0, 0])
        .map(|(x, y, _)| (x as f64 + 0.5, y as f64 + 0.5))
        .collect();
    let k = inside.len() as f64;
    let (ax, ay) = inside
        .iter()
        .fold((0.0, 0.0), |(a, b), p| (a + p.0 / k, b + p.1 / k));
    let near = |x: u32, y: u32| (x as f64 + 0.5 - ax).hypot(y as f64 + 0.5 - ay) < 36.0;
    // (the light grid lines under the disc's surroundings are not the disc)
    let (mut m, mut mx, mut my) = (0.0, 0.0, 0.0);
    for (x, y, _) in img.enumerate_pixels() {
        let v = dark(x, y);
        if near(x, y) && v > 0.2 {
            (m, mx, my) = (m + v, mx + v * (x as f64 + 0.5), my + v * (y as f64 + 0.5));
        }
    }
    let (cx, cy, r) = (mx / m, my / m, (m / std::f64::consts::PI).sqrt());
    assert!(r > 20.0, "disc radius {r}");
    let mut worst: f64 = 0.0;
    let mut rim = 0;
    for (x, y, _) in img.enumerate_pixels() {
        let d = (x as f64 + 0.5 - cx).hypot(y as f64 + 0.5 - cy);
        if near(x, y) && (d - r).abs() < 1.5 && img.get_pixel(x, y).0 != [210, 210, 210] {
            worst = worst.max((dark(x, y) - (r + 0.5 - d).clamp(0.0, 1.0)).abs());
            rim += 1;
        }
    }
    assert!(
        rim > 100 && worst < 0.35,
        "rim pixels off their coverage by {worst:.2}"
    );
}

#[test]
fn offsets_factor_out_a_shared_part_and_a_power() {
    let d = dir("offsets");
    eval(&format!(
        r#"let f = figure();
           f.line(linspace(100000.1, 100000.5, 5), [1, 2, 3, 4, 5]);
           f.save("{d}/shift.svg");"#
    ))
    .unwrap();
    let svg = std::fs::read_to_string(format!("{d}/shift.svg")).unwrap();
    // ticks 0.1 … 0.5 and +10⁵ at the axis end, not 100000.1 …
    assert!(
        has_text(&svg, "0.2") && has_text(&svg, "+105"),
        "{:?}",
        svg_texts(&svg)
    );
    assert!(!svg_texts(&svg).iter().any(|(t, _)| t.starts_with("100000")));
}

#[test]
fn layout_gives_inner_shared_panels_the_room_their_labels_left() {
    let d = dir("layout");
    // with shared y, the right panel has no tick labels: its plotting area is wider than the
    // left one's, which keeps room for its labels
    eval(&format!(
        r#"let f = figure(#{{rows: 1, cols: 2, sharey: true, width: 800, height: 300}});
           f.panel(0); f.line([0, 1], [0, 1000]); f.set(#{{ylabel: "a long y label"}});
           f.panel(1); f.line([0, 1], [0, 2000]);
           f.save("{d}/shared.svg");"#
    ))
    .unwrap();
    let svg = std::fs::read_to_string(format!("{d}/shared.svg")).unwrap();
    // x tick labels "0" and "1" of each panel (the lowest row of text; their left ends, the
    // digits being equally wide): the right panel's span is wider
    let mut ticks: Vec<(f64, f64)> = svg_texts(&svg)
        .iter()
        .filter(|(t, _)| t == "0" || t == "1")
        .map(|(_, el)| xy(el))
        .collect();
    let bottom = ticks.iter().map(|t| t.1).fold(f64::MIN, f64::max);
    ticks.retain(|t| (t.1 - bottom).abs() < 0.5);
    ticks.sort_by(|a, b| a.0.total_cmp(&b.0));
    let zeros = ticks;
    let spans: Vec<f64> = zeros
        .chunks(2)
        .filter(|c| c.len() == 2)
        .map(|c| c[1].0 - c[0].0)
        .collect();
    assert!(
        spans.len() >= 2 && spans[spans.len() - 1] > spans[0] + 20.0,
        "{zeros:?}"
    );
}

#[test]
fn heatmaps_count_rows_down_and_reversed_limits_flip_an_axis() {
    let d = dir("origin");
    eval(&format!(
        r#"let m = ndarray([[1, 2], [3, 4], [5, 6], [7, 8]]);
           let f = figure(); f.heatmap(m); f.save("{d}/upper.svg");
           let g = figure(); g.heatmap(m, #{{origin: "lower"}}); g.save("{d}/lower.svg");
           let h = figure(); h.line([0, 1], [0, 10]); h.set(#{{ylim: [10, 0]}}); h.save("{d}/flip.svg");"#
    ))
    .unwrap();
    let read = |n: &str| std::fs::read_to_string(format!("{d}/{n}.svg")).unwrap();
    // y tick labels 0 … 3 (rows, centred on their cells; the leftmost text reading so, an x
    // tick label may read "0" too): downwards by default, upwards with origin "lower"
    let y_label = |svg: &str, want: &str| -> f64 {
        let at = svg_texts(svg)
            .into_iter()
            .filter(|(t, _)| t == want)
            .map(|(_, el)| xy(&el))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        at.unwrap_or_else(|| panic!("no {want}")).1
    };
    let upper = read("upper");
    let (u0, u3) = (y_label(&upper, "0"), y_label(&upper, "3"));
    assert!(u0 < u3 - 50.0, "{u0} {u3}");
    let lower = read("lower");
    let (l0, l3) = (y_label(&lower, "0"), y_label(&lower, "3"));
    assert!(l0 > l3 + 50.0, "{l0} {l3}");
    // ylim [10, 0]: 10 at the bottom
    let flip = read("flip");
    assert!(text_at(&flip, "10").1 > text_at(&flip, "2").1 + 50.0);
    let e = eval("let f = figure(); f.heatmap(ones([2, 2]), #{origin: \"left\"})").unwrap_err();
    assert!(e.contains("origin") && e.contains("upper"), "{e}");
    let e = eval("let f = figure(); f.set(#{ylim: [1, 1]})").unwrap_err();
    assert!(e.contains("ylim"), "{e}");
}
