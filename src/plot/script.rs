//! rhai API of figures: `figure(opts)`, `f.line/scatter/errorbar/hist/heatmap/ccdf/network/
//! arrows/field(...)`, `f.panel(r, c)`, `f.set(opts)`, `f.save(path)`, and `plot(x, y, path)`.

use super::colormap::Colormap;
use super::{render_png, render_svg, ColorBar, Dash, Figure, Paint, Rgb, Series, CYCLE};
use crate::args::{count, err, finite, reg, Opts, Res};
use crate::array::NdArray;
use crate::convert::{arr_like, vec_arg};
use rhai::{Dynamic, Engine, Map, INT};
use std::path::Path;

/// The options only `figure` takes; it takes the panel options (`PANEL_KEYS`) too.
const FIGURE_ONLY_KEYS: &[&str] = &[
    "rows",
    "cols",
    "width",
    "height",
    "font_scale",
    "size_in",
    "size_mm",
    "style",
    "font_sizes",
    "sharex",
    "sharey",
];
const PANEL_KEYS: &[&str] = &[
    "title",
    "xlabel",
    "ylabel",
    "logx",
    "logy",
    "xlim",
    "ylim",
    "equal",
    "legend",
    "legend_cols",
    "xticks",
    "yticks",
    "xtick_format",
    "ytick_format",
];

/// Parse a colour: a name, `#rrggbb`, or `C0`…`C9` (the default cycle).
pub fn parse_color(s: &str, func: &str) -> Res<Rgb> {
    let named = match s.to_lowercase().as_str() {
        "black" | "k" => Some((0, 0, 0)),
        "white" | "w" => Some((255, 255, 255)),
        "red" | "r" => Some((214, 39, 40)),
        "blue" | "b" => Some((31, 119, 180)),
        "green" | "g" => Some((44, 160, 44)),
        "orange" => Some((255, 127, 14)),
        "purple" => Some((148, 103, 189)),
        "brown" => Some((140, 86, 75)),
        "pink" => Some((227, 119, 194)),
        "gray" | "grey" => Some((127, 127, 127)),
        "lightgray" | "lightgrey" | "silver" => Some((200, 200, 200)),
        "darkgray" | "darkgrey" => Some((90, 90, 90)),
        "navy" => Some((0, 0, 128)),
        "olive" => Some((188, 189, 34)),
        "cyan" | "c" => Some((23, 190, 207)),
        "magenta" | "m" => Some((200, 0, 200)),
        "yellow" | "y" => Some((230, 200, 0)),
        _ => None,
    };
    if let Some(c) = named {
        return Ok(c);
    }
    if let Some(d) = s.strip_prefix('C').and_then(|d| d.parse::<usize>().ok()) {
        return Ok(CYCLE[d % CYCLE.len()]);
    }
    if let Some(h) = s.strip_prefix('#') {
        if h.len() == 6 {
            if let Ok(v) = u32::from_str_radix(h, 16) {
                return Ok(((v >> 16) as u8, (v >> 8) as u8, v as u8));
            }
        }
    }
    err(format!(
        "{func}: unknown colour '{s}'; use a name (red, blue, black, …), '#rrggbb' or C0–C9"
    ))
}

fn finite_pairs(func: &str, x: &[f64], y: &[f64]) -> Res<()> {
    if x.len() != y.len() {
        return err(format!(
            "{func}: x has {} values but y has {}",
            x.len(),
            y.len()
        ));
    }
    if x.is_empty() {
        return err(format!("{func}: no data to draw"));
    }
    let bad = x
        .iter()
        .zip(y)
        .filter(|(a, b)| !a.is_finite() || !b.is_finite())
        .count();
    if bad == x.len() {
        return err(format!("{func}: all {bad} points are NaN or infinite"));
    }
    if bad > 0 {
        eprintln!("warning: {func}: skipped {bad} NaN/inf point(s)");
    }
    Ok(())
}

fn range2(v: &Dynamic, func: &str, key: &str) -> Res<(f64, f64)> {
    let r = vec_arg(v, func, key)?;
    if r.len() != 2 || !r[0].is_finite() || !r[1].is_finite() || r[0] >= r[1] {
        return err(format!(
            "{func}: option '{key}' must be [lo, hi] with lo < hi, got {r:?}"
        ));
    }
    Ok((r[0], r[1]))
}

/// An axis's limits [a, b]: in order, and whether given reversed (b < a: the axis runs the
/// other way, as matplotlib's set_ylim(hi, lo)).
fn limits(v: &Dynamic, func: &str, key: &str) -> Res<(f64, f64, bool)> {
    let r = vec_arg(v, func, key)?;
    if r.len() != 2 || !r[0].is_finite() || !r[1].is_finite() || r[0] == r[1] {
        return err(format!(
            "{func}: option '{key}' must be [lo, hi] (or [hi, lo] for an axis running the other way), two different finite numbers, got {r:?}"
        ));
    }
    Ok((r[0].min(r[1]), r[0].max(r[1]), r[0] > r[1]))
}

fn apply_panel(f: &mut Figure, o: &Opts, func: &str) -> Res<()> {
    let p = f.panel();
    if let Some(v) = o.get("title") {
        p.title = v.to_string();
    }
    if let Some(v) = o.get("xlabel") {
        p.xlabel = v.to_string();
    }
    if let Some(v) = o.get("ylabel") {
        p.ylabel = v.to_string();
    }
    p.logx = o.bool_or("logx", p.logx)?;
    p.logy = o.bool_or("logy", p.logy)?;
    for (key, log) in [("xticks", p.logx), ("yticks", p.logy)] {
        if let Some(v) = o.get(key) {
            let t = vec_arg(v, func, key)?;
            if t.iter().any(|x| !x.is_finite() || (log && *x <= 0.0)) {
                return err(format!(
                    "{func}: option '{key}' must hold finite values{}, got {t:?}",
                    if log { " > 0 on a log axis" } else { "" }
                ));
            }
            if key == "xticks" {
                p.xticks = Some(t);
            } else {
                p.yticks = Some(t);
            }
        }
    }
    for key in ["xtick_format", "ytick_format"] {
        if let Some(v) = o.get(key) {
            let name = v.to_string();
            let t = super::TickFormat::parse(&name).ok_or_else(|| {
                format!("{func}: option '{key}' must be \"auto\", \"plain\", \"%.Nf\" or \"%.Ne\" (N ≤ 12), got '{name}'")
            })?;
            if key == "xtick_format" {
                p.xformat = t;
            } else {
                p.yformat = t;
            }
        }
    }
    p.equal = o.bool_or("equal", p.equal)?;
    if let Some(v) = o.get("xlim") {
        let (lo, hi, flip) = limits(v, func, "xlim")?;
        (p.xlim, p.xflip) = (Some((lo, hi)), flip);
    }
    if let Some(v) = o.get("ylim") {
        let (lo, hi, flip) = limits(v, func, "ylim")?;
        (p.ylim, p.yflip) = (Some((lo, hi)), flip);
    }
    if let Some(v) = o.get("legend") {
        let name = v.to_string();
        p.legend = Some(super::LegendAt::parse(&name).ok_or_else(|| {
            format!(
                "{func}: option 'legend' must be one of {}, got '{name}'",
                super::LegendAt::NAMES
            )
        })?);
    }
    if o.has("legend_cols") {
        p.legend_cols = o.count_or("legend_cols", 1, 1, 20)?;
    }
    Ok(())
}

fn cmap_opt(o: &Opts, func: &str, default: &str) -> Res<Colormap> {
    let name = o.str_or("cmap", default)?;
    Colormap::from_name(&name)
        .ok_or_else(|| format!("{func}: unknown cmap '{name}'; valid: {}", Colormap::NAMES).into())
}

/// Value range for colour mapping: options vmin/vmax, else the data (symmetric for diverging).
fn value_range(o: &Opts, vals: &[f64], cmap: Colormap) -> Res<(f64, f64)> {
    let fin = vals.iter().copied().filter(|v| v.is_finite());
    let (mut lo, mut hi) = (
        fin.clone().fold(f64::INFINITY, f64::min),
        fin.fold(f64::NEG_INFINITY, f64::max),
    );
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if cmap == Colormap::Diverging {
        let m = lo.abs().max(hi.abs());
        (lo, hi) = (-m, m);
    }
    Ok((o.f64_or("vmin", lo)?, o.f64_or("vmax", hi)?))
}

/// A colour map with its value range.
type Mapping = (Colormap, f64, f64);

/// A paint from a `color` option that is a colour name or an array of values.
fn paint_opt(
    o: &Opts,
    key: &str,
    func: &str,
    n: usize,
    default: Rgb,
) -> Res<(Paint, Option<Mapping>)> {
    match o.get(key) {
        Some(v) if v.is_string() => Ok((Paint::Solid(parse_color(&v.to_string(), func)?), None)),
        Some(v) => {
            let vals = vec_arg(v, func, &format!("opts.{key}"))?;
            if vals.len() != n {
                return err(format!(
                    "{func}: option '{key}' has {} values for {n} items",
                    vals.len()
                ));
            }
            let cmap = cmap_opt(o, func, "viridis")?;
            let (vmin, vmax) = value_range(o, &vals, cmap)?;
            Ok((
                Paint::Mapped {
                    values: vals,
                    cmap,
                    vmin,
                    vmax,
                },
                Some((cmap, vmin, vmax)),
            ))
        }
        None => Ok((Paint::Solid(default), None)),
    }
}

fn colorbar_opt(f: &mut Figure, o: &Opts, mapped: Option<Mapping>, default_on: bool) -> Res<()> {
    let Some((cmap, vmin, vmax)) = mapped else {
        return Ok(());
    };
    let label = match o.get("colorbar") {
        Some(v) if v.is_string() => Some(v.to_string()),
        Some(v) => v.as_bool().ok().filter(|b| *b).map(|_| String::new()),
        None => default_on.then(String::new),
    };
    if let Some(label) = label {
        f.panel().colorbar = Some(ColorBar {
            cmap,
            vmin,
            vmax,
            label,
        });
    }
    Ok(())
}

fn label_opt(o: &Opts) -> Option<String> {
    o.get("label").map(|v| v.to_string())
}

fn color_opt(f: &mut Figure, o: &Opts, func: &str) -> Res<Rgb> {
    match o.get("color") {
        Some(v) => parse_color(&v.to_string(), func),
        None => Ok(f.panel().next_color()),
    }
}

fn opts<'a>(m: Map, func: &'a str, keys: &[&str]) -> Res<Opts<'a>> {
    Opts::new(m, func, keys)
}

/// opts.style: solid, dashed, dotted, dashdot (or matplotlib's "-", "--", ":", "-.").
fn dash_opt(o: &Opts, func: &str) -> Res<Dash> {
    let name = o.str_or("style", "solid")?;
    Dash::parse(&name).ok_or_else(|| {
        format!("{func}: option 'style' must be solid, dashed, dotted or dashdot (or -, --, :, -.), got '{name}'").into()
    })
}

/// opts.alpha in [0, 1] (opacity).
fn alpha_opt(o: &Opts, func: &str, default: f64) -> Res<f64> {
    let a = o.f64_or("alpha", default)?;
    if !(0.0..=1.0).contains(&a) {
        return err(format!("{func}: option 'alpha' must be in [0, 1], got {a}"));
    }
    Ok(a)
}

fn text(f: &mut Figure, x: Dynamic, y: Dynamic, t: &str, m: Map) -> Res<()> {
    let func = "text";
    let o = opts(m, func, &["color", "size"])?;
    let (x, y) = (finite(&x, func, "x")?, finite(&y, func, "y")?);
    let color = match o.get("color") {
        Some(v) => parse_color(&v.to_string(), func)?,
        None => (0, 0, 0),
    };
    let size = o.f64_or("size", 14.0)?;
    if !(2.0..=200.0).contains(&size) {
        return err(format!(
            "text: option 'size' must be in [2, 200], got {size}"
        ));
    }
    f.panel().series.push(Series::Text {
        x,
        y,
        text: t.to_string(),
        color,
        size,
    });
    Ok(())
}

/// `annotate`: the text at `at` and an arrow from it to the point `xy`.
fn annotate(f: &mut Figure, t: &str, xy: Dynamic, at: Dynamic, m: Map) -> Res<()> {
    let func = "annotate";
    let o = opts(m, func, &["color", "size"])?;
    let p = vec_arg(&xy, func, "xy")?;
    let q = vec_arg(&at, func, "xytext")?;
    if p.len() != 2 || q.len() != 2 || p.iter().chain(&q).any(|v| !v.is_finite()) {
        return err("annotate: xy and xytext must be finite points [x, y]");
    }
    let color = match o.get("color") {
        Some(v) => parse_color(&v.to_string(), func)?,
        None => (0, 0, 0),
    };
    let size = o.f64_or("size", 14.0)?;
    f.panel().series.push(Series::Arrows {
        x: vec![q[0]],
        y: vec![q[1]],
        dx: vec![p[0] - q[0]],
        dy: vec![p[1] - q[1]],
        color,
    });
    f.panel().series.push(Series::Text {
        x: q[0],
        y: q[1],
        text: t.to_string(),
        color,
        size,
    });
    Ok(())
}

/// `step`: a line through the points held constant between them (matplotlib's step, `where`
/// "pre" by default: y_i holds on (x_{i−1}, x_i]; "post": on [x_i, x_{i+1}); "mid": changes
/// halfway).
fn step(f: &mut Figure, x: Dynamic, y: Dynamic, mut m: Map) -> Res<()> {
    let func = "step";
    let kind = match m.remove("where") {
        Some(v) => v.to_string(),
        None => "pre".to_string(),
    };
    let (x, y) = (vec_arg(&x, func, "x")?, vec_arg(&y, func, "y")?);
    finite_pairs(func, &x, &y)?;
    let n = x.len();
    let (mut sx, mut sy) = (Vec::with_capacity(2 * n), Vec::with_capacity(2 * n));
    for i in 0..n {
        match kind.as_str() {
            "pre" => {
                if i > 0 {
                    sx.push(x[i - 1]);
                    sy.push(y[i]);
                }
                sx.push(x[i]);
                sy.push(y[i]);
            }
            "post" => {
                if i > 0 {
                    sx.push(x[i]);
                    sy.push(y[i - 1]);
                }
                sx.push(x[i]);
                sy.push(y[i]);
            }
            "mid" => {
                if i > 0 {
                    let h = 0.5 * (x[i - 1] + x[i]);
                    sx.extend([h, h]);
                    sy.extend([y[i - 1], y[i]]);
                }
                if i == 0 || i == n - 1 {
                    sx.push(x[i]);
                    sy.push(y[i]);
                }
            }
            other => {
                return err(format!(
                    "step: option 'where' must be \"pre\", \"post\" or \"mid\", got \"{other}\""
                ))
            }
        }
    }
    line(
        f,
        Dynamic::from(NdArray::from_vec(sx)),
        Dynamic::from(NdArray::from_vec(sy)),
        m,
    )
    .map_err(|e| e.to_string().replacen("line:", "step:", 1).into())
}

fn line(f: &mut Figure, x: Dynamic, y: Dynamic, m: Map) -> Res<()> {
    let func = "line";
    let o = opts(
        m,
        func,
        &["color", "label", "width", "markers", "style", "alpha"],
    )?;
    let (x, y) = (vec_arg(&x, func, "x")?, vec_arg(&y, func, "y")?);
    finite_pairs(func, &x, &y)?;
    let color = color_opt(f, &o, func)?;
    let width = o.count_or("width", 2, 1, 50)? as u32;
    let markers = o.bool_or("markers", false)?;
    f.panel().series.push(Series::Line {
        x,
        y,
        color,
        width,
        label: label_opt(&o),
        markers,
        dash: dash_opt(&o, func)?,
        alpha: alpha_opt(&o, func, 1.0)?,
    });
    Ok(())
}

fn fill_between(f: &mut Figure, x: Dynamic, lo: Dynamic, hi: Dynamic, m: Map) -> Res<()> {
    let func = "fill_between";
    let o = opts(m, func, &["color", "label", "alpha"])?;
    let x = vec_arg(&x, func, "x")?;
    let (lo, hi) = (vec_arg(&lo, func, "y1")?, vec_arg(&hi, func, "y2")?);
    finite_pairs(func, &x, &lo)?;
    finite_pairs(func, &x, &hi)?;
    let color = color_opt(f, &o, func)?;
    f.panel().series.push(Series::Band {
        x,
        lo,
        hi,
        color,
        alpha: alpha_opt(&o, func, 0.3)?,
        label: label_opt(&o),
    });
    Ok(())
}

fn ref_line(f: &mut Figure, value: Dynamic, m: Map, vertical: bool) -> Res<()> {
    let func = if vertical { "axvline" } else { "axhline" };
    let o = opts(m, func, &["color", "label", "width", "style"])?;
    let value = crate::args::finite(&value, func, if vertical { "x" } else { "y" })?;
    let color = match o.get("color") {
        Some(_) => color_opt(f, &o, func)?,
        None => (90, 90, 90),
    };
    f.panel().series.push(Series::RefLine {
        value,
        vertical,
        color,
        width: o.count_or("width", 1, 1, 50)? as u32,
        dash: dash_opt(&o, func)?,
        label: label_opt(&o),
    });
    Ok(())
}

fn scatter(f: &mut Figure, x: Dynamic, y: Dynamic, m: Map, func: &str) -> Res<()> {
    let o = opts(
        m,
        func,
        &[
            "color", "label", "size", "cmap", "vmin", "vmax", "colorbar", "marker",
        ],
    )?;
    let marker = match o.get("marker") {
        Some(v) => {
            let name = v.to_string();
            super::Marker::parse(&name).ok_or_else(|| {
                format!("{func}: unknown marker '{name}'; use o, s, ^, v, D, x or + (or circle, square, triangle, triangle_down, diamond, cross, plus)")
            })?
        }
        None => super::Marker::Circle,
    };
    let (x, y) = (vec_arg(&x, func, "x")?, vec_arg(&y, func, "y")?);
    finite_pairs(func, &x, &y)?;
    let default = f.panel().next_color();
    let (paint, mapped) = paint_opt(&o, "color", func, x.len(), default)?;
    let sizes = match o.get("size") {
        Some(v) => {
            let s = vec_arg(v, func, "opts.size")?;
            if s.len() != 1 && s.len() != x.len() {
                return err(format!(
                    "{func}: option 'size' must be a number or {} values",
                    x.len()
                ));
            }
            s
        }
        None => vec![3.0],
    };
    colorbar_opt(f, &o, mapped, true)?;
    f.panel().series.push(Series::Scatter {
        x,
        y,
        paint,
        sizes,
        label: label_opt(&o),
        marker,
    });
    Ok(())
}

fn errorbar(f: &mut Figure, x: Dynamic, y: Dynamic, e: Dynamic, m: Map) -> Res<()> {
    let func = "errorbar";
    let o = opts(m, func, &["color", "label"])?;
    let (x, y, e) = (
        vec_arg(&x, func, "x")?,
        vec_arg(&y, func, "y")?,
        vec_arg(&e, func, "err")?,
    );
    finite_pairs(func, &x, &y)?;
    if e.len() != x.len() {
        return err(format!(
            "errorbar: err has {} values for {} points",
            e.len(),
            x.len()
        ));
    }
    let color = color_opt(f, &o, func)?;
    f.panel().series.push(Series::ErrorBar {
        x,
        y,
        err: e,
        color,
        label: label_opt(&o),
    });
    Ok(())
}

fn hist(f: &mut Figure, data: Dynamic, bins: Dynamic, m: Map) -> Res<()> {
    let func = "hist";
    let o = opts(m, func, &["color", "label", "density", "range", "logbins"])?;
    let data = vec_arg(&data, func, "data")?;
    let bins = count(&bins, func, "bins", 1, 100_000)?;
    let logbins = o.bool_or("logbins", false)?;
    let finite: Vec<f64> = data
        .iter()
        .copied()
        .filter(|v| v.is_finite() && (!logbins || *v > 0.0))
        .collect();
    if finite.is_empty() {
        return err("hist: no finite data to draw");
    }
    if finite.len() < data.len() {
        eprintln!(
            "warning: hist: skipped {} NaN/inf{} value(s)",
            data.len() - finite.len(),
            if logbins { "/non-positive" } else { "" }
        );
    }
    let (lo, hi) = match o.get("range") {
        Some(v) => range2(v, func, "range")?,
        None => {
            let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if hi > lo {
                (lo, hi)
            } else {
                (lo - 0.5, lo + 0.5)
            }
        }
    };
    if logbins && lo <= 0.0 {
        return err("hist: logbins needs a positive range");
    }
    let edges = crate::array::bin_edges(lo, hi, bins, logbins);
    let mut counts = crate::array::bin_counts(&finite, &edges, !logbins);
    if o.bool_or("density", false)? {
        counts = crate::array::bin_density(&counts, &edges);
    }
    let color = color_opt(f, &o, func)?;
    if logbins {
        f.panel().logx = true;
    }
    f.panel().series.push(Series::Bars {
        edges,
        heights: counts,
        color,
        label: label_opt(&o),
    });
    Ok(())
}

fn heatmap(f: &mut Figure, mat: Dynamic, m: Map) -> Res<()> {
    let func = "heatmap";
    let o = opts(
        m,
        func,
        &["cmap", "vmin", "vmax", "extent", "colorbar", "origin"],
    )?;
    let a = arr_like(&mat, func, "matrix")?;
    if a.ndim() != 2 || a.is_empty() {
        return err(format!(
            "heatmap: expected a non-empty 2D array, got shape {:?}",
            a.shape()
        ));
    }
    let (rows, cols) = (a.shape()[0], a.shape()[1]);
    let values = a.to_vec();
    let cmap = cmap_opt(&o, func, "viridis")?;
    let (vmin, vmax) = value_range(&o, &values, cmap)?;
    let extent = match o.get("extent") {
        Some(v) => {
            let e = vec_arg(v, func, "opts.extent")?;
            if e.len() != 4 || e[0] >= e[1] || e[2] >= e[3] {
                return err(format!(
                    "heatmap: option 'extent' must be [x0, x1, y0, y1] increasing, got {e:?}"
                ));
            }
            [e[0], e[1], e[2], e[3]]
        }
        // cells centred on their indices, as matplotlib's imshow
        None => [-0.5, cols as f64 - 0.5, -0.5, rows as f64 - 0.5],
    };
    // origin "upper": row 0 at the top (a matrix as printed; without an extent the y axis
    // counts rows downwards); "lower": row 0 at the bottom
    let upper = o.choice_or("origin", "upper", &["upper", "lower"])? == "upper";
    let count_down = upper && !o.has("extent");
    colorbar_opt(f, &o, Some((cmap, vmin, vmax)), true)?;
    if count_down {
        f.panel().yflip = true;
    }
    f.panel().series.push(Series::Heatmap {
        rows,
        cols,
        values,
        extent,
        row0_at_y0: count_down || !upper,
        cmap,
        vmin,
        vmax,
    });
    Ok(())
}

fn ccdf(f: &mut Figure, data: Dynamic, m: Map) -> Res<()> {
    let func = "ccdf";
    let o = opts(m, func, &["color", "label", "markers", "linear"])?;
    let data = vec_arg(&data, func, "data")?;
    let linear = o.bool_or("linear", false)?;
    let kept: Vec<f64> = data
        .iter()
        .copied()
        .filter(|v| v.is_finite() && (linear || *v > 0.0))
        .collect();
    if kept.is_empty() {
        return err("ccdf: no positive finite data to draw");
    }
    if kept.len() < data.len() {
        eprintln!(
            "warning: ccdf: skipped {} NaN/inf/non-positive value(s) on log axes",
            data.len() - kept.len()
        );
    }
    let (x, y) = crate::stats::powerlaw::ccdf(&kept);
    let color = color_opt(f, &o, func)?;
    let markers = o.bool_or("markers", true)?;
    let p = f.panel();
    if !linear {
        p.logx = true;
        p.logy = true;
    }
    if p.ylabel.is_empty() {
        p.ylabel = "P(X ≥ x)".into();
    }
    p.series.push(Series::Line {
        x,
        y,
        color,
        width: 1,
        label: label_opt(&o),
        markers,
        dash: Dash::Solid,
        alpha: 1.0,
    });
    Ok(())
}

fn network(f: &mut Figure, pos: Dynamic, edges: Dynamic, m: Map) -> Res<()> {
    let func = "network";
    let o = opts(
        m,
        func,
        &[
            "node_color",
            "node_size",
            "edge_color",
            "edge_width",
            "cmap",
            "vmin",
            "vmax",
            "colorbar",
        ],
    )?;
    let p = arr_like(&pos, func, "positions")?;
    if p.ndim() != 2 || p.shape()[1] != 2 {
        return err(format!(
            "network: positions must be an N×2 array, got shape {:?}",
            p.shape()
        ));
    }
    let n = p.shape()[0];
    let pv = p.to_vec();
    let e = arr_like(&edges, func, "edges")?;
    if e.size() > 0 && (e.ndim() != 2 || e.shape()[1] != 2) {
        return err(format!(
            "network: edges must be an E×2 array of node indices, got shape {:?}",
            e.shape()
        ));
    }
    let ev = e.to_vec();
    let mut segs = Vec::with_capacity(ev.len() / 2);
    for k in 0..ev.len() / 2 {
        let (a, b) = (ev[2 * k], ev[2 * k + 1]);
        if a < 0.0
            || b < 0.0
            || a.fract() != 0.0
            || b.fract() != 0.0
            || a as usize >= n
            || b as usize >= n
        {
            return err(format!(
                "network: edge {k} = ({a}, {b}) is not a pair of node indices below {n}"
            ));
        }
        let (a, b) = (a as usize, b as usize);
        segs.push([pv[2 * a], pv[2 * a + 1], pv[2 * b], pv[2 * b + 1]]);
    }
    let (edge_paint, edge_mapped) = paint_opt(&o, "edge_color", func, segs.len(), (120, 120, 120))?;
    let (node_paint, node_mapped) = paint_opt(&o, "node_color", func, n, (40, 40, 40))?;
    let sizes = match o.get("node_size") {
        Some(v) => vec_arg(v, func, "opts.node_size")?,
        None => vec![3.0],
    };
    if sizes.len() != 1 && sizes.len() != n {
        return err(format!("network: node_size must be a number or {n} values"));
    }
    let width = o.count_or("edge_width", 1, 1, 50)? as u32;
    colorbar_opt(f, &o, node_mapped.or(edge_mapped), true)?;
    let x: Vec<f64> = (0..n).map(|i| pv[2 * i]).collect();
    let y: Vec<f64> = (0..n).map(|i| pv[2 * i + 1]).collect();
    let panel = f.panel();
    panel.series.push(Series::Segments {
        segs,
        paint: edge_paint,
        width,
    });
    if sizes.iter().any(|&s| s > 0.0) {
        panel.series.push(Series::Scatter {
            x,
            y,
            paint: node_paint,
            sizes,
            label: None,
            marker: super::Marker::Circle,
        });
    }
    Ok(())
}

fn arrows(f: &mut Figure, x: Dynamic, y: Dynamic, dx: Dynamic, dy: Dynamic, m: Map) -> Res<()> {
    let func = "arrows";
    let o = opts(m, func, &["color", "scale"])?;
    let (x, y) = (vec_arg(&x, func, "x")?, vec_arg(&y, func, "y")?);
    let scale = o.f64_or("scale", 1.0)?;
    let dx: Vec<f64> = vec_arg(&dx, func, "dx")?
        .iter()
        .map(|v| v * scale)
        .collect();
    let dy: Vec<f64> = vec_arg(&dy, func, "dy")?
        .iter()
        .map(|v| v * scale)
        .collect();
    finite_pairs(func, &x, &y)?;
    if dx.len() != x.len() || dy.len() != x.len() {
        return err(format!(
            "arrows: x, y, dx, dy must have equal lengths ({}, {}, {}, {})",
            x.len(),
            y.len(),
            dx.len(),
            dy.len()
        ));
    }
    let color = match o.get("color") {
        Some(v) => parse_color(&v.to_string(), func)?,
        None => (214, 39, 40),
    };
    f.panel().series.push(Series::Arrows {
        x,
        y,
        dx,
        dy,
        color,
    });
    Ok(())
}

fn save(f: &mut Figure, path: &str, m: Map) -> Res<String> {
    let func = "save";
    let o = opts(m, func, &["width", "height", "dpi"])?;
    let dpi = o.f64_or("dpi", 100.0)?;
    if !(10.0..=1200.0).contains(&dpi) {
        return err(format!(
            "save: option 'dpi' must be in [10, 1200], got {dpi}"
        ));
    }
    let w = o.count_or("width", f.width as usize, 50, 20000)? as f64 * dpi / 100.0;
    let h = o.count_or("height", f.height as usize, 50, 20000)? as f64 * dpi / 100.0;
    let (w, h) = (w.round() as u32, h.round() as u32);
    crate::args::check_alloc(func, "the image", w as u128 * h as u128, 6)?;
    if f.panels.iter().all(|p| p.series.is_empty()) {
        return err("save: the figure is empty; draw something first");
    }
    let ext = Path::new(path)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let bytes = match ext.as_str() {
        "png" => render_png(f, w, h).map_err(|e| format!("save: {e}"))?,
        // vector: the drawing at the figure's own size, scaled to inches by dpi
        "pdf" => super::render_pdf(f, f.width, f.height).map_err(|e| format!("save: {e}"))?,
        "svg" => render_svg(f, w, h)
            .map_err(|e| format!("save: {e}"))?
            .into_bytes(),
        e => {
            return err(format!(
                "save: unknown image type '.{e}' for '{path}'; use .png, .svg or .pdf"
            ))
        }
    };
    crate::io::write_atomic(Path::new(path), &bytes)
        .map_err(|e| format!("save: cannot write '{path}': {e}"))?;
    Ok(path.to_string())
}

/// opts.sharex / sharey: true or "all", "col", "row", false or "none".
fn share(o: &Opts, key: &str) -> Res<super::Share> {
    use super::Share;
    let Some(v) = o.get(key) else {
        return Ok(Share::None);
    };
    if let Some(b) = v.clone().try_cast::<bool>() {
        return Ok(if b { Share::All } else { Share::None });
    }
    match v.clone().into_string().as_deref() {
        Ok("all") => Ok(Share::All),
        Ok("col") => Ok(Share::Col),
        Ok("row") => Ok(Share::Row),
        Ok("none") => Ok(Share::None),
        _ => err(format!(
            "figure: option '{key}' must be true, false, \"all\", \"col\", \"row\" or \"none\", got {v}"
        )),
    }
}

/// A new inset panel over the selected grid panel, selected for the next drawing calls.
fn add_inset(f: &mut Figure, rect: Dynamic, m: Map) -> Res<INT> {
    let r = crate::convert::vec_arg(&rect, "inset", "rect")?;
    let ok = r.len() == 4
        && r.iter().all(|v| v.is_finite())
        && r[0] >= 0.0
        && r[1] >= 0.0
        && r[2] > 0.0
        && r[3] > 0.0
        && r[0] + r[2] <= 1.0 + 1e-9
        && r[1] + r[3] <= 1.0 + 1e-9;
    if !ok {
        return err(format!(
            "inset: rect must be [x, y, width, height], fractions of the panel (x, y ≥ 0, sizes > 0, inside [0, 1]), got {r:?}"
        ));
    }
    let grid = f.rows * f.cols;
    let parent = match f.panels.get(f.current).and_then(|p| p.inset) {
        Some((parent, _)) => parent,
        None => f.current.min(grid - 1),
    };
    let panel = super::Panel {
        inset: Some((parent, [r[0], r[1], r[2], r[3]])),
        ..Default::default()
    };
    f.panels.push(panel);
    f.current = f.panels.len() - 1;
    apply_panel(f, &Opts::new(m, "inset", PANEL_KEYS)?, "inset")?;
    Ok(f.current as INT)
}

/// The twin y axis of the selected grid panel (made on first use), selected for the next calls.
fn twinx(f: &mut Figure, m: Map) -> Res<INT> {
    let grid = f.rows * f.cols;
    let selected = f
        .panels
        .get(f.current)
        .map(|p| (p.twin_of, p.inset.is_some()));
    let host = match selected {
        Some((Some(host), _)) => host,
        Some((None, true)) => {
            return err("twinx: select a grid panel first (insets have no twin axis)");
        }
        _ => f.current.min(grid - 1),
    };
    let index = match f.panels.iter().position(|p| p.twin_of == Some(host)) {
        Some(i) => i,
        None => {
            f.panels.push(super::Panel {
                twin_of: Some(host),
                ..Default::default()
            });
            f.panels.len() - 1
        }
    };
    f.current = index;
    apply_panel(
        f,
        &Opts::new(
            m,
            "twinx",
            &["ylabel", "logy", "ylim", "yticks", "legend", "legend_cols"],
        )?,
        "twinx",
    )?;
    Ok(index as INT)
}

fn new_figure(m: Map) -> Res<Figure> {
    let keys: Vec<&str> = PANEL_KEYS.iter().chain(FIGURE_ONLY_KEYS).copied().collect();
    let o = Opts::new(m, "figure", &keys)?;
    let rows = o.count_or("rows", 1, 1, 10)?;
    let cols = o.count_or("cols", 1, 1, 10)?;
    let mut f = Figure::new(rows, cols);
    // sizes in inches are 100 pixels per inch (a PDF page, a PNG at save's default dpi)
    let paper = o.choice_or("style", "default", &["default", "paper"])? == "paper";
    let mut font_scale = 1.0;
    if paper {
        // a journal column: 3.4 in wide (7 in across two columns), 2.6 in per row of panels;
        // fonts of 8–10 pt
        let w_in = if cols > 1 { 7.0 } else { 3.4 };
        f.width = (w_in * 100.0) as u32;
        f.height = (260 * rows) as u32;
        font_scale = 1.5;
    }
    // a size in inches or millimetres (journals give both: a column is 3.4 in or 86 mm)
    for (key, unit, per_inch, range) in [
        ("size_in", "inches", 1.0, (0.5, 200.0)),
        ("size_mm", "millimetres", 25.4, (12.7, 5080.0)),
    ] {
        let Some(v) = o.get(key) else { continue };
        let s = crate::convert::vec_arg(v, "figure", &format!("opts.{key}"))?;
        if s.len() != 2
            || s.iter()
                .any(|x| !(x.is_finite() && (range.0..=range.1).contains(x)))
        {
            return err(format!(
                "figure: option '{key}' must be [width, height] in {unit}, each in [{}, {}], got {s:?}",
                range.0, range.1
            ));
        }
        f.width = (s[0] / per_inch * 100.0).round() as u32;
        f.height = (s[1] / per_inch * 100.0).round() as u32;
    }
    f.width = o.count_or("width", f.width as usize, 50, 20000)? as u32;
    f.height = o.count_or("height", f.height as usize, 50, 20000)? as u32;
    f.font_scale = o.f64_or("font_scale", font_scale)?;
    f.sharex = share(&o, "sharex")?;
    f.sharey = share(&o, "sharey")?;
    if let Some(v) = o.get("font_sizes") {
        let m = v.clone().try_cast::<Map>().ok_or_else(|| {
            format!("figure: option 'font_sizes' must be a map #{{title, label, tick, legend}} of points, got {}", v.type_name())
        })?;
        let fo = Opts::new(m, "figure", &["title", "label", "tick", "legend"])?;
        let pt = |k: &str| -> Res<Option<f64>> {
            match fo.get(k) {
                None => Ok(None),
                Some(_) => {
                    let p = fo.f64_or(k, 0.0)?;
                    if !(2.0..=96.0).contains(&p) {
                        return err(format!(
                            "figure: font_sizes.{k} must be in [2, 96] points, got {p}"
                        ));
                    }
                    Ok(Some(p))
                }
            }
        };
        f.font_pt = super::FontPoints {
            title: pt("title")?,
            label: pt("label")?,
            tick: pt("tick")?,
            legend: pt("legend")?,
        };
    }
    if !(0.25..=4.0).contains(&f.font_scale) {
        return err(format!(
            "figure: option 'font_scale' must be in [0.25, 4], got {}",
            f.font_scale
        ));
    }
    if rows * cols > 1 {
        f.title = o.str_or("title", "")?;
        for i in 0..rows * cols {
            f.current = i;
            let mut m2 = Map::new();
            for k in [
                "xlabel",
                "ylabel",
                "logx",
                "logy",
                "legend",
                "legend_cols",
                "xtick_format",
                "ytick_format",
            ] {
                if let Some(v) = o.get(k) {
                    m2.insert(k.into(), v.clone());
                }
            }
            apply_panel(&mut f, &Opts::new(m2, "figure", PANEL_KEYS)?, "figure")?;
        }
        f.current = 0;
    } else {
        let mut m2 = Map::new();
        for k in PANEL_KEYS {
            if let Some(v) = o.get(k) {
                m2.insert((*k).into(), v.clone());
            }
        }
        apply_panel(&mut f, &Opts::new(m2, "figure", PANEL_KEYS)?, "figure")?;
    }
    Ok(f)
}

/// Register the plotting functions.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<Figure>("figure");
    reg(
        engine,
        "to_string",
        &["f: figure", "string"],
        "Short description of a figure.",
        |f: &mut Figure| {
            format!(
                "figure({}×{} panels, {} series)",
                f.rows,
                f.cols,
                f.panels.iter().map(|p| p.series.len()).sum::<usize>()
            )
        },
    );
    reg(
        engine,
        "figure",
        &["figure"],
        "A new empty figure (one panel).",
        || new_figure(Map::new()),
    );
    reg(engine, "figure", &["opts: map", "figure"], "A new figure: #{title, xlabel, ylabel, rows, cols, width, height (pixels), logx, logy, xlim, ylim, legend (placement, as in set), legend_cols (the legend's columns), font_scale (every font size times this, 0.25–4), size_in ([w, h] in inches at 100 pixels per inch), size_mm ([w, h] in millimetres), style (\"paper\": a 3.4-inch journal column with 8–10 pt text), font_sizes (#{title, label, tick, legend} in points, each fixed whatever the figure's size), sharex, sharey (true or \"all\": one range for every panel, \"col\" per column, \"row\" per row; tick labels then only on the outer panels)}. Every label takes a $…$ subset of TeX: \"$\\langle r \\rangle$\", \"$k^{-1}$\", \"$\\sigma_{xx}$\".", new_figure);
    reg(engine, "twinx", &["f: figure", "opts: map", "int"], "A second y axis on the right of the selected panel, sharing its x range (matplotlib's twinx): it becomes the selected panel, so the next line/scatter/… calls draw against it; panel(i) returns to the grid. Returns its index. opts ylabel, logy, ylim, yticks, legend (its legend defaults to the upper left).", twinx);
    reg(engine, "inset", &["f: figure", "rect: array", "opts: map", "int"], "A new inset panel over the selected panel, in rect [x, y, width, height] (fractions of the panel's cell from its lower-left corner), drawn on a white ground after the grid; it becomes the selected panel (panel(i) returns to the others) and its index is returned. opts as set: title, xlabel, ylabel, logx, logy, xlim, ylim, legend, xticks, yticks.", add_inset);
    reg(
        engine,
        "panel",
        &["f: figure", "i: int", "()"],
        "Select panel i (row-major, from 0) for the next drawing calls.",
        |f: &mut Figure, i: INT| -> Res<()> {
            if i < 0 || i as usize >= f.panels.len() {
                return err(format!(
                    "panel: index {i} out of range for {} panels",
                    f.panels.len()
                ));
            }
            f.current = i as usize;
            Ok(())
        },
    );
    reg(
        engine,
        "panel",
        &["f: figure", "row: int", "col: int", "()"],
        "Select the panel at (row, col) of the grid.",
        |f: &mut Figure, r: INT, c: INT| -> Res<()> {
            if r < 0 || c < 0 || r as usize >= f.rows || c as usize >= f.cols {
                return err(format!(
                    "panel: ({r}, {c}) outside the {}×{} grid",
                    f.rows, f.cols
                ));
            }
            f.current = r as usize * f.cols + c as usize;
            Ok(())
        },
    );
    reg(
        engine,
        "set",
        &["f: figure", "opts: map", "()"],
        "Set the current panel's title, xlabel, ylabel (with $…$ math, as in figure), logx, logy, xlim, ylim ([lo, hi]; [hi, lo] runs the axis the other way), xticks and yticks (the labelled tick positions, instead of 4–9 automatic ones), xtick_format and ytick_format (\"auto\": compact, with a ×10ᵏ offset at the axis end when every tick is below 10⁻³ or from 10⁵ on; \"plain\": never an offset; \"%.2f\" fixed decimals; \"%.1e\" scientific, 1.5×10⁻³), equal, legend (where the legend goes: upper right (default), upper left, upper center, center left, center, center right, lower left, lower center, lower right), legend_cols (the legend's columns, 1–20, filled top to bottom).",
        |f: &mut Figure, m: Map| -> Res<()> {
            let o = Opts::new(m, "set", PANEL_KEYS)?;
            apply_panel(f, &o, "set")
        },
    );
    reg(
        engine,
        "line",
        &["f: figure", "x: ndarray", "y: ndarray", "()"],
        "Draw a line through (x, y).",
        |f: &mut Figure, x: Dynamic, y: Dynamic| line(f, x, y, Map::new()),
    );
    reg(
        engine,
        "line",
        &["f: figure", "x: ndarray", "y: ndarray", "opts: map", "()"],
        "Draw a line: opts color, label, width (pixels at 100 dpi), markers, style (solid, dashed, dotted, dashdot, or matplotlib's -, --, :, -.), alpha (opacity, 0–1).",
        line,
    );
    reg(
        engine,
        "scatter",
        &["f: figure", "x: ndarray", "y: ndarray", "()"],
        "Draw markers at (x, y).",
        |f: &mut Figure, x: Dynamic, y: Dynamic| scatter(f, x, y, Map::new(), "scatter"),
    );
    reg(engine, "scatter", &["f: figure", "x: ndarray", "y: ndarray", "opts: map", "()"], "Draw markers: opts color (name, or values mapped through cmap with a colour bar), size (number or per point), cmap, vmin, vmax, colorbar (label or false), label, marker (\"o\" circle, \"s\" square, \"^\" \"v\" triangles, \"D\" diamond, \"x\" cross, \"+\" plus).", |f: &mut Figure, x: Dynamic, y: Dynamic, m: Map| scatter(f, x, y, m, "scatter"));
    reg(
        engine,
        "errorbar",
        &[
            "f: figure",
            "x: ndarray",
            "y: ndarray",
            "err: ndarray",
            "()",
        ],
        "Points with vertical error bars ±err.",
        |f: &mut Figure, x: Dynamic, y: Dynamic, e: Dynamic| errorbar(f, x, y, e, Map::new()),
    );
    reg(
        engine,
        "errorbar",
        &[
            "f: figure",
            "x: ndarray",
            "y: ndarray",
            "err: ndarray",
            "opts: map",
            "()",
        ],
        "Points with error bars: opts color, label.",
        errorbar,
    );
    reg(
        engine,
        "hist",
        &["f: figure", "data: ndarray", "bins: int", "()"],
        "Histogram of the data in equal bins.",
        |f: &mut Figure, d: Dynamic, b: Dynamic| hist(f, d, b, Map::new()),
    );
    reg(engine, "hist", &["f: figure", "data: ndarray", "bins: int", "opts: map", "()"], "Histogram: opts color, label, density, range [lo, hi], logbins (log-spaced, both end points included).", hist);
    reg(
        engine,
        "heatmap",
        &["f: figure", "matrix: ndarray", "()"],
        "Matrix as coloured cells (row 0 at the top) with a colour bar.",
        |f: &mut Figure, m: Dynamic| heatmap(f, m, Map::new()),
    );
    reg(engine, "heatmap", &["f: figure", "matrix: ndarray", "opts: map", "()"], "Heatmap: opts cmap (viridis, diverging, greys), vmin, vmax, extent [x0, x1, y0, y1] (default: cells centred on their column and row indices), origin (\"upper\", default: row 0 at the top, as a matrix is printed, the y axis then counting rows downwards unless an extent is given; \"lower\": row 0 at the bottom), colorbar (label or false).", heatmap);
    reg(
        engine,
        "ccdf",
        &["f: figure", "data: ndarray", "()"],
        "Complementary CDF P(X ≥ x) on log–log axes (power-law tails).",
        |f: &mut Figure, d: Dynamic| ccdf(f, d, Map::new()),
    );
    reg(
        engine,
        "ccdf",
        &["f: figure", "data: ndarray", "opts: map", "()"],
        "CCDF: opts color, label, markers, linear (no log axes).",
        ccdf,
    );
    reg(
        engine,
        "network",
        &["f: figure", "positions: ndarray", "edges: ndarray", "()"],
        "Network: nodes at N×2 positions, edges as E×2 node indices.",
        |f: &mut Figure, p: Dynamic, e: Dynamic| network(f, p, e, Map::new()),
    );
    reg(engine, "network", &["f: figure", "positions: ndarray", "edges: ndarray", "opts: map", "()"], "Network: opts node_color, node_size, edge_color (name or per-edge values), edge_width, cmap, vmin, vmax, colorbar.", network);
    reg(
        engine,
        "arrows",
        &[
            "f: figure",
            "x: ndarray",
            "y: ndarray",
            "dx: ndarray",
            "dy: ndarray",
            "()",
        ],
        "Arrows from (x, y) by (dx, dy): displacement fields.",
        |f: &mut Figure, x: Dynamic, y: Dynamic, dx: Dynamic, dy: Dynamic| {
            arrows(f, x, y, dx, dy, Map::new())
        },
    );
    reg(
        engine,
        "arrows",
        &[
            "f: figure",
            "x: ndarray",
            "y: ndarray",
            "dx: ndarray",
            "dy: ndarray",
            "opts: map",
            "()",
        ],
        "Arrows: opts color, scale (multiplies dx, dy).",
        arrows,
    );
    reg(engine, "field", &["f: figure", "positions: ndarray", "values: ndarray", "opts: map", "()"], "A field on sites (e.g. a mode's |ψ|²): N×2 positions coloured by value; opts size, cmap, vmin, vmax, colorbar.", |f: &mut Figure, p: Dynamic, v: Dynamic, m: Map| -> Res<()> {
        let pa = arr_like(&p, "field", "positions")?;
        if pa.ndim() != 2 || pa.shape()[1] != 2 {
            return err(format!("field: positions must be an N×2 array, got shape {:?}", pa.shape()));
        }
        let x = pa.view().index_axis(ndarray::Axis(1), 0).iter().copied().collect::<Vec<f64>>();
        let y = pa.view().index_axis(ndarray::Axis(1), 1).iter().copied().collect::<Vec<f64>>();
        let mut m = m;
        m.insert("color".into(), v);
        if !m.contains_key("size") {
            m.insert("size".into(), Dynamic::from_float(6.0));
        }
        scatter(f, Dynamic::from(crate::array::NdArray::from_vec(x)), Dynamic::from(crate::array::NdArray::from_vec(y)), m, "field")
    });
    reg(engine, "fill_between", &["f: figure", "x: ndarray", "y1: ndarray", "y2: ndarray", "opts: map", "()"], "Fill the region between y1(x) and y2(x) (an error band, matplotlib's fill_between): opts color, alpha (default 0.3), label.", fill_between);
    reg(engine, "text", &["f: figure", "x: float", "y: float", "text: string", "opts: map", "()"], "Text in the current panel, its left end at (x, y) in data coordinates: opts color (black), size (14, the tick labels' size before scaling).", |f: &mut Figure, x: Dynamic, y: Dynamic, t: &str, m: Map| text(f, x, y, t, m));
    reg(engine, "annotate", &["f: figure", "text: string", "xy: array", "xytext: array", "opts: map", "()"], "An annotation (matplotlib's annotate): the text at xytext and an arrow from it to the point xy, both [x, y] in data coordinates. opts color, size.", |f: &mut Figure, t: &str, xy: Dynamic, at: Dynamic, m: Map| annotate(f, t, xy, at, m));
    reg(engine, "step", &["f: figure", "x: ndarray", "y: ndarray", "opts: map", "()"], "A step plot (matplotlib's step): opts where (\"pre\": y_i holds on (x_{i−1}, x_i]; \"post\"; \"mid\") and every option of line.", |f: &mut Figure, x: Dynamic, y: Dynamic, m: Map| step(f, x, y, m));
    reg(engine, "axhline", &["f: figure", "y: float", "opts: map", "()"], "A horizontal reference line y = const across the panel: opts color (grey), width, style (solid, dashed, dotted, dashdot), label.", |f: &mut Figure, v: Dynamic, m: Map| ref_line(f, v, m, false));
    reg(
        engine,
        "axvline",
        &["f: figure", "x: float", "opts: map", "()"],
        "A vertical reference line x = const across the panel: opts as axhline.",
        |f: &mut Figure, v: Dynamic, m: Map| ref_line(f, v, m, true),
    );
    reg(
        engine,
        "show",
        &["f: figure", "()"],
        "Show the figure inline in a notebook (`disco kernel`), at any point of a cell; a cell that ends in a figure shows it without. In the terminal: an error saying to save it instead.",
        |f: &mut Figure| -> Res<()> { crate::display::figure(f).map_err(|e| format!("show: {e}").into()) },
    );
    reg(
        engine,
        "save",
        &["f: figure", "path: string", "string"],
        "Write the figure to .png, .svg or .pdf (by extension), atomically; returns the path. A PDF is vector with the font embedded; its page is the figure's size at 100 pixels per inch (640×480: 6.4 × 4.8 in), set in inches with figure(#{size_in: [3.4, 2.6]}) or figure(#{style: \"paper\"}).",
        |f: &mut Figure, p: &str| save(f, p, Map::new()),
    );
    reg(
        engine,
        "save",
        &["f: figure", "path: string", "opts: map", "string"],
        "Write the figure: opts width, height (pixels at 100 dpi), dpi.",
        save,
    );
    reg(
        engine,
        "plot",
        &["x: ndarray", "y: ndarray", "path: string", "string"],
        "One-liner: a line plot of y against x saved to path (.png or .svg).",
        |x: Dynamic, y: Dynamic, p: &str| -> Res<String> {
            let mut f = Figure::new(1, 1);
            line(&mut f, x, y, Map::new())?;
            save(&mut f, p, Map::new())
        },
    );
}
