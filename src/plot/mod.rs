//! Figures: a grid of panels, each holding series (lines, scatter, error bars, histograms,
//! heatmaps, segments for networks, arrows for displacements), drawn with plotters to PNG or SVG
//! using a bundled font (DejaVu Sans), so text renders on machines with no fonts installed.
//! Log axes are drawn in log10 coordinates with decade labels (10⁻³, 10⁰, …).

pub mod colormap;
pub mod mathtext;
pub mod script;
pub mod text;

use colormap::Colormap;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// An RGB colour.
pub type Rgb = (u8, u8, u8);

/// matplotlib's tab10 cycle: the default colours of successive series.
pub const CYCLE: [Rgb; 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// Per-point colour: fixed, or a value mapped through a colour map.
#[derive(Clone, Debug)]
pub enum Paint {
    /// One colour for all.
    Solid(Rgb),
    /// One value per item, mapped through `cmap` on [vmin, vmax].
    Mapped {
        values: Vec<f64>,
        cmap: Colormap,
        vmin: f64,
        vmax: f64,
    },
}

impl Paint {
    fn at(&self, i: usize) -> Rgb {
        match self {
            Paint::Solid(c) => *c,
            Paint::Mapped {
                values,
                cmap,
                vmin,
                vmax,
            } => cmap.color(values.get(i).copied().unwrap_or(f64::NAN), *vmin, *vmax),
        }
    }
}

/// One thing drawn in a panel.
#[derive(Clone, Debug)]
pub enum Series {
    /// Polyline.
    Line {
        x: Vec<f64>,
        y: Vec<f64>,
        color: Rgb,
        width: u32,
        label: Option<String>,
        markers: bool,
        dash: Dash,
        alpha: f64,
    },
    /// The region between two curves (an error band).
    Band {
        x: Vec<f64>,
        lo: Vec<f64>,
        hi: Vec<f64>,
        color: Rgb,
        alpha: f64,
        label: Option<String>,
    },
    /// A text label whose left end sits at (x, y) in data coordinates (annotations).
    Text {
        x: f64,
        y: f64,
        text: String,
        color: Rgb,
        /// Font size before the figure's scaling (tick labels are 14).
        size: f64,
    },
    /// A horizontal (y = value) or vertical (x = value) reference line across the panel.
    RefLine {
        value: f64,
        vertical: bool,
        color: Rgb,
        width: u32,
        dash: Dash,
        label: Option<String>,
    },
    /// Markers with per-point colour and size.
    Scatter {
        x: Vec<f64>,
        y: Vec<f64>,
        paint: Paint,
        sizes: Vec<f64>,
        label: Option<String>,
        marker: Marker,
    },
    /// Points with vertical error bars.
    ErrorBar {
        x: Vec<f64>,
        y: Vec<f64>,
        err: Vec<f64>,
        color: Rgb,
        label: Option<String>,
    },
    /// Histogram bars: edges (n+1) and heights (n).
    Bars {
        edges: Vec<f64>,
        heights: Vec<f64>,
        color: Rgb,
        label: Option<String>,
    },
    /// A matrix drawn as coloured cells over the extent [x0, x1] × [y0, y1]; row 0 at the top.
    Heatmap {
        rows: usize,
        cols: usize,
        values: Vec<f64>,
        extent: [f64; 4],
        /// Row 0 at the extent's low y (y0) rather than its high y (y1).
        row0_at_y0: bool,
        cmap: Colormap,
        vmin: f64,
        vmax: f64,
    },
    /// Line segments (network bonds), each (x0, y0, x1, y1).
    Segments {
        segs: Vec<[f64; 4]>,
        paint: Paint,
        width: u32,
    },
    /// Arrows from (x, y) by (dx, dy).
    Arrows {
        x: Vec<f64>,
        y: Vec<f64>,
        dx: Vec<f64>,
        dy: Vec<f64>,
        color: Rgb,
    },
}

/// How a line is drawn.
/// A scatter marker (matplotlib's names).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Marker {
    Circle,
    Square,
    TriangleUp,
    TriangleDown,
    Diamond,
    Cross,
    Plus,
}

impl Marker {
    /// The marker of a name: "o" (circle), "s" (square), "^" and "v" (triangles), "D"
    /// (diamond), "x" (cross), "+" (plus), or those words.
    pub fn parse(name: &str) -> Option<Marker> {
        Some(match name {
            "o" | "circle" => Marker::Circle,
            "s" | "square" => Marker::Square,
            "^" | "triangle" | "triangle_up" => Marker::TriangleUp,
            "v" | "triangle_down" => Marker::TriangleDown,
            "D" | "d" | "diamond" => Marker::Diamond,
            "x" | "cross" => Marker::Cross,
            "+" | "plus" => Marker::Plus,
            _ => return None,
        })
    }

    /// The outline (filled shapes) and strokes (cross, plus) of a marker of half-size `s`
    /// pixels, relative to its centre (pixel y grows downwards).
    fn shape(self, s: i32) -> (Vec<(i32, i32)>, [(i32, i32); 2], [(i32, i32); 2]) {
        let t = (0.8 * s as f64).round() as i32;
        let none = [(0, 0), (0, 0)];
        match self {
            // a circle is drawn as a circle; this 12-gon is its legend and fallback
            Marker::Circle => (
                (0..12)
                    .map(|k| {
                        let a = k as f64 * std::f64::consts::PI / 6.0;
                        (
                            (s as f64 * a.cos()).round() as i32,
                            (s as f64 * a.sin()).round() as i32,
                        )
                    })
                    .collect(),
                none,
                none,
            ),
            Marker::Square => (vec![(-s, -s), (s, -s), (s, s), (-s, s)], none, none),
            Marker::TriangleUp => (vec![(0, -s), (s, t), (-s, t)], none, none),
            Marker::TriangleDown => (vec![(0, s), (s, -t), (-s, -t)], none, none),
            Marker::Diamond => (vec![(0, -s), (s, 0), (0, s), (-s, 0)], none, none),
            Marker::Cross => (Vec::new(), [(-s, -s), (s, s)], [(-s, s), (s, -s)]),
            Marker::Plus => (Vec::new(), [(-s, 0), (s, 0)], [(0, -s), (0, s)]),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dash {
    Solid,
    Dashed,
    Dotted,
    DashDot,
}

impl Dash {
    /// The style of a name: "solid" ("-"), "dashed" ("--"), "dotted" (":"), "dashdot" ("-.").
    pub fn parse(name: &str) -> Option<Dash> {
        Some(match name {
            "solid" | "-" => Dash::Solid,
            "dashed" | "--" => Dash::Dashed,
            "dotted" | ":" => Dash::Dotted,
            "dashdot" | "-." => Dash::DashDot,
            _ => return None,
        })
    }
}

/// A colour bar drawn to the right of a panel.
#[derive(Clone, Debug)]
pub struct ColorBar {
    /// Map.
    pub cmap: Colormap,
    /// Range.
    pub vmin: f64,
    /// Range.
    pub vmax: f64,
    /// Label.
    pub label: String,
}

/// One set of axes.
#[derive(Clone, Debug, Default)]
pub struct Panel {
    pub title: String,
    pub xlabel: String,
    pub ylabel: String,
    pub logx: bool,
    pub logy: bool,
    pub xlim: Option<(f64, f64)>,
    pub ylim: Option<(f64, f64)>,
    pub equal: bool,
    pub series: Vec<Series>,
    pub colorbar: Option<ColorBar>,
    /// Where the legend goes ("upper right" when None).
    pub legend: Option<LegendAt>,
    /// The legend's columns (entries fill each column top to bottom); 0 or 1: one column.
    pub legend_cols: usize,
    /// Labelled tick positions chosen by the script (data values), instead of the automatic ones.
    pub xticks: Option<Vec<f64>>,
    pub yticks: Option<Vec<f64>>,
    /// An inset: drawn over grid panel `.0`, in the rectangle [x, y, width, height] given as
    /// fractions of that panel's cell from its lower-left corner.
    pub inset: Option<(usize, [f64; 4])>,
    /// A twin y axis of grid panel `.0`: drawn over it with the same x range, its y axis on the
    /// right.
    pub twin_of: Option<usize>,
    /// How the x and y ticks are labelled.
    pub xformat: TickFormat,
    pub yformat: TickFormat,
    /// Axes that run the other way (x leftwards, y downwards): a reversed xlim/ylim, or a
    /// heatmap's rows counted down from the top.
    pub xflip: bool,
    pub yflip: bool,
}

/// How an axis labels its ticks.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum TickFormat {
    /// Compact numbers; on a linear axis whose ticks are all below 10⁻³ or from 10⁵ on, the
    /// common power of ten goes to the axis end as ×10ᵏ (matplotlib's offset notation).
    #[default]
    Auto,
    /// Compact numbers, never an offset.
    Plain,
    /// Fixed decimals ("%.2f").
    Fixed(usize),
    /// Scientific notation with this many decimals ("%.1e": 1.5×10⁻³).
    Sci(usize),
}

impl TickFormat {
    /// "auto", "plain", "%.Nf" or "%.Ne".
    pub fn parse(s: &str) -> Option<TickFormat> {
        match s {
            "auto" => return Some(TickFormat::Auto),
            "plain" => return Some(TickFormat::Plain),
            _ => {}
        }
        let rest = s.strip_prefix("%.")?;
        let (digits, kind) = rest.split_at(rest.len().checked_sub(1)?);
        let n: usize = digits.parse().ok().filter(|&n| n <= 12)?;
        match kind {
            "f" => Some(TickFormat::Fixed(n)),
            "e" => Some(TickFormat::Sci(n)),
            _ => None,
        }
    }
}

/// The power of ten an Auto linear axis over [lo, hi] factors out, if any.
pub fn tick_offset(lo: f64, hi: f64, log: bool, format: TickFormat) -> Option<i32> {
    if log || format != TickFormat::Auto {
        return None;
    }
    let big = lo.abs().max(hi.abs());
    if !(big.is_finite() && big > 0.0) || (1e-3..1e5).contains(&big) {
        return None;
    }
    Some(big.log10().floor() as i32)
}

/// What a linear axis factors out of its tick labels (matplotlib's offset notation): a `shift`
/// subtracted first when the ticks differ only far below their size (100000.1, 100000.2, … are
/// labelled 0.1, 0.2, … with +10⁵ at the axis end), then a `power` of ten divided out.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct AxisOffset {
    pub shift: f64,
    pub power: Option<i32>,
}

impl AxisOffset {
    /// The offset of an axis over [lo, hi]: a shift when the values need 4 or more digits
    /// before the ones that change (|mean| ≥ 10⁴ × span), then the power of `tick_offset`.
    pub fn of(lo: f64, hi: f64, log: bool, format: TickFormat) -> AxisOffset {
        let span = hi - lo;
        let mean = 0.5 * (lo + hi);
        let mut shift = 0.0;
        if !log && format == TickFormat::Auto && span > 0.0 && mean.abs() >= 1e4 * span {
            // the mean rounded at the decade above the span: the part every tick shares
            let q = 10f64.powi(span.log10().floor() as i32 + 1);
            shift = (mean / q).round() * q;
        }
        AxisOffset {
            shift,
            power: tick_offset(lo - shift, hi - shift, log, format),
        }
    }
    /// A tick's label with the offset taken out.
    pub fn label(&self, v: f64, log: bool, format: TickFormat) -> String {
        format_tick(v - self.shift, log, format, self.power)
    }
    /// The text at the axis end: ×10ᵏ, + the shift, or both; None for no offset.
    pub fn text(&self) -> Option<String> {
        let mut s = String::new();
        if let Some(k) = self.power {
            s.push('×');
            s.push_str(&power_of_ten(k as i64));
        }
        if self.shift != 0.0 {
            let sign = if self.shift < 0.0 { '−' } else { '+' };
            let a = self.shift.abs();
            let k = a.log10().floor() as i32;
            let m = a / 10f64.powi(k);
            let m = crate::array::fmt_g((m * 1e9).round() / 1e9);
            if k.abs() < 5 {
                s.push_str(&format!("{sign}{}", crate::array::fmt_g(a)));
            } else if m == "1" {
                s.push_str(&format!("{sign}{}", power_of_ten(k as i64)));
            } else {
                s.push_str(&format!("{sign}{m}×{}", power_of_ten(k as i64)));
            }
        }
        (!s.is_empty()).then_some(s)
    }
}

/// 10ᵏ, typeset with a superscript exponent (`mathtext`).
fn power_of_ten(k: i64) -> String {
    format!("$10^{{{k}}}$")
}

/// A number with its leading hyphen set as a minus sign (−), as typeset numbers are.
fn minus_sign(s: String) -> String {
    match s.strip_prefix('-') {
        Some(rest) => format!("−{rest}"),
        None => s,
    }
}

/// A tick label in `format`, with the axis's offset power `offset` divided out.
pub fn format_tick(v: f64, log: bool, format: TickFormat, offset: Option<i32>) -> String {
    if log {
        return tick_label(v, true);
    }
    let v = match offset {
        Some(k) => v / 10f64.powi(k),
        None => v,
    };
    match format {
        TickFormat::Auto | TickFormat::Plain => tick_label(v, false),
        TickFormat::Fixed(n) => minus_sign(format!("{:.*}", n, v)),
        TickFormat::Sci(n) => {
            if v == 0.0 {
                return format!("{:.*}", n, 0.0);
            }
            let k = v.abs().log10().floor() as i64;
            let m = v / 10f64.powi(k as i32);
            minus_sign(format!("{:.*}×{}", n, m, power_of_ten(k)))
        }
    }
}

/// Which panels of a grid share an axis range (matplotlib's sharex/sharey).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Share {
    #[default]
    None,
    /// Every grid panel.
    All,
    /// The panels of one column.
    Col,
    /// The panels of one row.
    Row,
}

impl Share {
    /// Whether grid cells (r1, c1) and (r2, c2) share the axis.
    fn joins(self, (r1, c1): (usize, usize), (r2, c2): (usize, usize)) -> bool {
        match self {
            Share::None => (r1, c1) == (r2, c2),
            Share::All => true,
            Share::Col => c1 == c2,
            Share::Row => r1 == r2,
        }
    }
}

/// Legend placement, matplotlib's names: "upper right", "lower left", "center", ….
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LegendAt {
    UpperLeft,
    UpperCenter,
    UpperRight,
    CenterLeft,
    Center,
    CenterRight,
    LowerLeft,
    LowerCenter,
    LowerRight,
}

impl LegendAt {
    /// The valid names.
    pub const NAMES: &'static str = "upper right, upper left, upper center, center left, center, \
                                     center right, lower left, lower center, lower right";
    pub fn parse(name: &str) -> Option<LegendAt> {
        Some(match name {
            "upper left" => LegendAt::UpperLeft,
            "upper center" => LegendAt::UpperCenter,
            "upper right" => LegendAt::UpperRight,
            "center left" => LegendAt::CenterLeft,
            "center" => LegendAt::Center,
            "center right" => LegendAt::CenterRight,
            "lower left" => LegendAt::LowerLeft,
            "lower center" => LegendAt::LowerCenter,
            "lower right" => LegendAt::LowerRight,
            _ => return None,
        })
    }
    /// The side of the plotting area the legend keeps to, horizontally and vertically.
    fn anchor(self) -> (HPos, VPos) {
        match self {
            LegendAt::UpperLeft => (HPos::Left, VPos::Top),
            LegendAt::UpperCenter => (HPos::Center, VPos::Top),
            LegendAt::UpperRight => (HPos::Right, VPos::Top),
            LegendAt::CenterLeft => (HPos::Left, VPos::Center),
            LegendAt::Center => (HPos::Center, VPos::Center),
            LegendAt::CenterRight => (HPos::Right, VPos::Center),
            LegendAt::LowerLeft => (HPos::Left, VPos::Bottom),
            LegendAt::LowerCenter => (HPos::Center, VPos::Bottom),
            LegendAt::LowerRight => (HPos::Right, VPos::Bottom),
        }
    }
}

impl Panel {
    /// Colour for the next series in the cycle.
    pub fn next_color(&self) -> Rgb {
        CYCLE[self.series.len() % CYCLE.len()]
    }
}

/// A figure: `rows × cols` panels, a title, a size in pixels.
#[derive(Clone, Debug)]
pub struct Figure {
    pub title: String,
    pub rows: usize,
    pub cols: usize,
    pub width: u32,
    pub height: u32,
    pub panels: Vec<Panel>,
    pub current: usize,
    /// Every font size times this (1: the default sizes).
    pub font_scale: f64,
    /// Font sizes in points for titles, axis labels, tick labels and legends (None: the
    /// default, scaled with the figure and `font_scale`).
    pub font_pt: FontPoints,
    /// Shared x and y ranges across the grid; tick labels then only on the outer panels.
    pub sharex: Share,
    pub sharey: Share,
}

/// Font sizes in points (1/72 in; the figure is 100 pixels per inch at dpi 100) per element.
#[derive(Clone, Copy, Debug, Default)]
pub struct FontPoints {
    pub title: Option<f64>,
    pub label: Option<f64>,
    pub tick: Option<f64>,
    pub legend: Option<f64>,
}

/// The pixel sizes a drawing uses: layout sizes scaled with the figure, and each element's font
/// either scaled the same way or fixed in points.
struct Fonts {
    scale: f64,
    /// Pixels per nominal pixel (the rendering's height over the figure's): line widths and
    /// marker sizes scale with it, so a PNG at dpi 300 has the lines of the dpi-100 drawing.
    px: f64,
    /// Pixels per point at this rendering (100/72 at dpi 100).
    px_per_pt: f64,
    pt: FontPoints,
}

impl Fonts {
    /// The same fonts times k (an inset's, smaller with its area).
    fn shrunk(&self, k: f64) -> Fonts {
        Fonts {
            scale: self.scale * k,
            px: self.px,
            px_per_pt: self.px_per_pt * k,
            pt: self.pt,
        }
    }
    /// A width or radius in nominal pixels, in this rendering's pixels.
    fn lw(&self, w: u32) -> u32 {
        (w as f64 * self.px).round().max(1.0) as u32
    }
    fn fs(&self, base: f64) -> u32 {
        (base * self.scale).round().max(1.0) as u32
    }
    fn pick(&self, pt: Option<f64>, base: f64) -> u32 {
        match pt {
            Some(p) => (p * self.px_per_pt).round().max(1.0) as u32,
            None => self.fs(base),
        }
    }
    fn title(&self, base: f64) -> u32 {
        self.pick(self.pt.title.map(|t| t * base / 18.0), base)
    }
    fn label(&self, base: f64) -> u32 {
        self.pick(self.pt.label, base)
    }
    fn tick(&self, base: f64) -> u32 {
        self.pick(self.pt.tick, base)
    }
    fn legend(&self, base: f64) -> u32 {
        self.pick(self.pt.legend, base)
    }
    /// Free text (`text`, `annotate`) of nominal size `base`: 14 is the tick labels' size, and
    /// it follows them when they are fixed in points.
    fn text(&self, base: f64) -> u32 {
        self.pick(self.pt.tick.map(|t| t * base / 14.0), base)
    }
}

impl Figure {
    /// A figure of `rows × cols` empty panels.
    pub fn new(rows: usize, cols: usize) -> Self {
        Figure {
            title: String::new(),
            rows,
            cols,
            width: 640 * cols.min(3) as u32,
            height: 480 * rows.min(3) as u32,
            panels: vec![Panel::default(); rows * cols],
            current: 0,
            font_scale: 1.0,
            font_pt: FontPoints::default(),
            sharex: Share::None,
            sharey: Share::None,
        }
    }
    /// The selected panel.
    pub fn panel(&mut self) -> &mut Panel {
        let i = self.current.min(self.panels.len() - 1);
        &mut self.panels[i]
    }
}

fn tr(v: f64, log: bool) -> f64 {
    if log {
        v.log10()
    } else {
        v
    }
}

/// Tick label: decades as 10ᵏ on log axes, compact numbers otherwise.
pub fn tick_label(v: f64, log: bool) -> String {
    if log {
        if (v - v.round()).abs() < 1e-9 {
            power_of_ten(v.round() as i64)
        } else {
            crate::array::fmt_g(10f64.powf(v))
        }
    } else {
        let s = crate::array::fmt_g((v * 1e12).round() / 1e12);
        if s == "-0" {
            "0".into()
        } else {
            minus_sign(s)
        }
    }
}

/// Tick positions on [lo, hi] (drawing coordinates: log10 of the value on a log axis), as
/// matplotlib's MaxNLocator picks them: the step of the form {1, 2, 2.5, 5}·10^k that gives
/// the most ticks, at most 9, inside the range (at least 4 when the range allows). On a log axis:
/// every decade when the range spans at least 3 (every other one past 9), otherwise the 1-2-5
/// values of each decade, so a short log axis is not left with two labels.
pub fn nice_ticks(lo: f64, hi: f64, log: bool) -> Vec<f64> {
    nice_ticks_at_most(lo, hi, log, 9)
}

/// `nice_ticks` with at most `max` (3–9) ticks: a short axis (an inset, a small panel) gets
/// fewer, as matplotlib sizes its locator by the axis length.
pub fn nice_ticks_at_most(lo: f64, hi: f64, log: bool, max: usize) -> Vec<f64> {
    let max = max.clamp(3, 9);
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    if log {
        let span = hi - lo;
        if span >= 3.0 {
            let every = (span / (max - 1) as f64).ceil().max(1.0);
            let first = (lo / every).ceil() as i64;
            let last = (hi / every).floor() as i64;
            return (first..=last).map(|k| k as f64 * every).collect();
        }
        let mut t = Vec::new();
        for d in (lo.floor() as i64)..=(hi.ceil() as i64) {
            let mults: &[f64] = if max < 6 {
                &[1.0, 3.0]
            } else if span > 1.5 {
                &[1.0, 2.0, 5.0]
            } else {
                &[1.0, 2.0, 3.0, 5.0]
            };
            for &m in mults {
                let v = d as f64 + m.log10();
                if v >= lo - 1e-12 && v <= hi + 1e-12 {
                    t.push(v);
                }
            }
        }
        if t.len() >= 2 && t.len() <= max {
            return t;
        }
        if t.len() > max {
            // too short an axis for the 1-3 values: whole decades
            let first = lo.ceil() as i64;
            let last = hi.floor() as i64;
            if last > first {
                return (first..=last).map(|k| k as f64).collect();
            }
            return t.into_iter().step_by(2).collect();
        }
    }
    // steps grow along this list, so the first that gives at most `max` ticks gives the most
    let span = hi - lo;
    let e0 = (span / max as f64).log10().floor() as i32;
    for exp in [e0, e0 + 1, e0 + 2] {
        for m in [1.0, 2.0, 2.5, 5.0] {
            let step = m * 10f64.powi(exp);
            let first = (lo / step - 1e-9).ceil();
            let last = (hi / step + 1e-9).floor();
            let n = (last - first) as i64 + 1;
            if (2..=max as i64).contains(&n) {
                return (0..n)
                    .map(|k| {
                        let v = (first + k as f64) * step;
                        // no −0
                        if v.abs() < step * 1e-9 {
                            0.0
                        } else {
                            v
                        }
                    })
                    .collect();
            }
        }
    }
    vec![lo, hi]
}

/// A linear axis (in drawing coordinates) whose labelled ticks are `nice_ticks` and whose light
/// grid lines subdivide them (5 per step on a linear axis, the 1…9 values of each decade on a
/// log one).
#[derive(Clone, Debug)]
struct Ticked {
    lo: f64,
    hi: f64,
    log: bool,
    ticks: Vec<f64>,
    /// Values grow leftwards (x) or downwards (y): a reversed limit, or a matrix's rows.
    flip: bool,
}

impl Ticked {
    /// The minor positions: fifths of the major step (1…9 of each decade on a log axis of up
    /// to six decades); the majors when there are too many.
    fn minor(&self) -> Vec<f64> {
        if self.ticks.len() < 2 {
            return self.ticks.clone();
        }
        let inside = |v: &f64| *v >= self.lo - 1e-12 && *v <= self.hi + 1e-12;
        if self.log && self.hi - self.lo <= 6.0 {
            let mut v = Vec::new();
            for d in (self.lo.floor() as i64)..=(self.hi.ceil() as i64) {
                v.extend(
                    (1..10)
                        .map(|m| d as f64 + (m as f64).log10())
                        .filter(inside),
                );
            }
            return v;
        }
        let step = (self.ticks[1] - self.ticks[0]) / 5.0;
        let first = (self.lo / step).ceil() as i64;
        let last = (self.hi / step).floor() as i64;
        if last - first > 200 {
            return self.ticks.clone();
        }
        (first..=last).map(|k| k as f64 * step).collect()
    }

    /// The automatic ticks (at most `max`), or the given ones (data values) that fall inside
    /// the axis.
    fn with(lo: f64, hi: f64, log: bool, given: Option<&[f64]>, max: usize) -> Self {
        let ticks = match given {
            Some(t) => {
                let mut v: Vec<f64> = t
                    .iter()
                    .map(|&x| tr(x, log))
                    .filter(|x| x.is_finite() && *x >= lo - 1e-12 && *x <= hi + 1e-12)
                    .collect();
                v.sort_by(f64::total_cmp);
                v
            }
            None => nice_ticks_at_most(lo, hi, log, max),
        };
        Ticked {
            lo,
            hi,
            log,
            ticks,
            flip: false,
        }
    }

    /// The same axis running the other way when `flip`.
    fn flipped(mut self, flip: bool) -> Self {
        self.flip = flip;
        self
    }
}

impl plotters::coord::ranged1d::Ranged for Ticked {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;
    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let r: plotters::coord::types::RangedCoordf64 = (self.lo..self.hi).into();
        match self.flip {
            true => r.map(v, (limit.1, limit.0)),
            false => r.map(v, limit),
        }
    }
    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, hint: H) -> Vec<f64> {
        use plotters::coord::ranged1d::KeyPointWeight;
        if hint.max_num_points() == 0 {
            return vec![];
        }
        if matches!(hint.weight(), KeyPointWeight::Bold) || self.ticks.len() < 2 {
            return self.ticks.clone();
        }
        self.minor()
    }
    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// Data bounds of a panel in drawing coordinates.
fn bounds(p: &Panel) -> Option<(f64, f64, f64, f64)> {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    let mut exact = false;
    for s in &p.series {
        match s {
            Series::Band { x, lo, hi, .. } => {
                xs.extend(x.iter().map(|&v| tr(v, p.logx)));
                ys.extend(lo.iter().chain(hi).map(|&v| tr(v, p.logy)));
            }
            Series::Text { x, y, .. } => {
                xs.push(tr(*x, p.logx));
                ys.push(tr(*y, p.logy));
            }
            Series::RefLine {
                value, vertical, ..
            } => {
                if *vertical {
                    xs.push(tr(*value, p.logx));
                } else {
                    ys.push(tr(*value, p.logy));
                }
            }
            Series::Line { x, y, .. } | Series::Scatter { x, y, .. } => {
                xs.extend(x.iter().map(|&v| tr(v, p.logx)));
                ys.extend(y.iter().map(|&v| tr(v, p.logy)));
            }
            Series::ErrorBar { x, y, err, .. } => {
                xs.extend(x.iter().map(|&v| tr(v, p.logx)));
                for (yy, e) in y.iter().zip(err) {
                    ys.push(tr(yy - e, p.logy));
                    ys.push(tr(yy + e, p.logy));
                }
            }
            Series::Bars { edges, heights, .. } => {
                xs.extend(edges.iter().map(|&v| tr(v, p.logx)));
                ys.extend(heights.iter().map(|&v| tr(v, p.logy)));
                if !p.logy {
                    ys.push(0.0);
                }
            }
            Series::Heatmap { extent, .. } => {
                xs.extend([extent[0], extent[1]]);
                ys.extend([extent[2], extent[3]]);
                exact = true;
            }
            Series::Segments { segs, .. } => {
                for s in segs {
                    xs.extend([tr(s[0], p.logx), tr(s[2], p.logx)]);
                    ys.extend([tr(s[1], p.logy), tr(s[3], p.logy)]);
                }
            }
            Series::Arrows { x, y, dx, dy, .. } => {
                for i in 0..x.len() {
                    xs.extend([x[i], x[i] + dx[i]]);
                    ys.extend([y[i], y[i] + dy[i]]);
                }
            }
        }
    }
    let fin = |v: &Vec<f64>| -> Option<(f64, f64)> {
        let it = v.iter().copied().filter(|x| x.is_finite());
        let lo = it.clone().fold(f64::INFINITY, f64::min);
        let hi = it.fold(f64::NEG_INFINITY, f64::max);
        lo.is_finite().then_some((lo, hi))
    };
    let (mut x0, mut x1) = fin(&xs)?;
    let (mut y0, mut y1) = fin(&ys)?;
    let pad = |a: &mut f64, b: &mut f64| {
        let d = *b - *a;
        let m = if d > 0.0 {
            0.04 * d
        } else {
            0.5f64.max(a.abs() * 0.1)
        };
        *a -= m;
        *b += m;
    };
    if !exact {
        pad(&mut x0, &mut x1);
        pad(&mut y0, &mut y1);
    }
    if let Some((a, b)) = p.xlim {
        (x0, x1) = (tr(a, p.logx), tr(b, p.logx));
    }
    if let Some((a, b)) = p.ylim {
        (y0, y1) = (tr(a, p.logy), tr(b, p.logy));
    }
    Some((x0, x1, y0, y1))
}

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

type DrawResult = Result<(), String>;

/// Draw a polyline solid, dashed, dotted or dash-dotted (dashes and dots spaced in pixels, so
/// the pattern is the same on linear and log axes); returns the series for its legend entry.
fn draw_dashed<'a, 'b, DB: DrawingBackend + 'a>(
    chart: &'b mut ChartContext<'a, DB, Cartesian2d<Ticked, Ticked>>,
    pts: Vec<(f64, f64)>,
    dash: Dash,
    style: ShapeStyle,
    width: u32,
) -> Result<&'b mut plotters::chart::SeriesAnno<'a, DB>, String> {
    let w = width.max(1);
    let dot = move |r: u32| move |c: (i32, i32)| Circle::new(c, r, style.filled());
    match dash {
        Dash::Solid => chart.draw_series(LineSeries::new(pts, style)).map_err(e2s),
        Dash::Dashed => chart
            .draw_series(DashedLineSeries::new(pts, 6 * w, 4 * w, style))
            .map_err(e2s),
        Dash::Dotted => chart
            .draw_series(DottedLineSeries::new(pts, 0, 3 * w, dot(w.div_ceil(2))))
            .map_err(e2s),
        Dash::DashDot => {
            chart
                .draw_series(DottedLineSeries::new(
                    pts.clone(),
                    10 * w,
                    14 * w,
                    dot(w.div_ceil(2)),
                ))
                .map_err(e2s)?;
            chart
                .draw_series(DashedLineSeries::new(pts, 7 * w, 7 * w, style))
                .map_err(e2s)
        }
    }
}

fn e2s<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Draw the figure on a backend.
pub fn draw<DB: DrawingBackend>(fig: &Figure, root: DrawingArea<DB, Shift>) -> DrawResult {
    let height = root.dim_in_pixel().1 as f64;
    let scale = (height / (480.0 * fig.rows.min(3) as f64)).max(0.5);
    let fonts = Fonts {
        scale: scale * fig.font_scale,
        px: (height / fig.height.max(1) as f64).max(0.1),
        px_per_pt: 100.0 / 72.0 * height / fig.height.max(1) as f64,
        pt: fig.font_pt,
    };
    root.fill(&WHITE).map_err(e2s)?;
    // the figure title in a band of 1.8 line heights, centred (plotters' own `titled` band
    // clips the ascent of large text)
    let body = if fig.title.is_empty() {
        root
    } else {
        let size = fonts.title(24.0);
        let band = (1.8 * size as f64).round() as u32;
        let (top, rest) = root.split_vertically(band);
        let (w, _) = top.dim_in_pixel();
        let style = ("sans-serif", size)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Center));
        top.draw_text(&fig.title, &style, ((w / 2) as i32, (band / 2) as i32))
            .map_err(e2s)?;
        rest
    };
    let areas = body.split_evenly((fig.rows, fig.cols));
    let grid = (fig.rows * fig.cols).min(fig.panels.len());
    let views = shared_views(fig);
    for (i, (panel, area)) in fig.panels[..grid].iter().zip(&areas).enumerate() {
        let (r, c) = (i / fig.cols, i % fig.cols);
        let labels = (
            !(matches!(fig.sharex, Share::All | Share::Col) && r + 1 < fig.rows),
            !(matches!(fig.sharey, Share::All | Share::Row) && c > 0),
        );
        let twin = fig.panels[grid..]
            .iter()
            .find(|t| t.twin_of == Some(i))
            .map(|t| (t, bounds(t)));
        draw_panel(panel, area, &fonts, views[i], labels, twin)?;
    }
    // insets over their panels, on a white ground
    for panel in &fig.panels[grid..] {
        let Some((parent, [x, y, w, h])) = panel.inset else {
            continue;
        };
        let Some(area) = areas.get(parent) else {
            continue;
        };
        let (pw, ph) = area.dim_in_pixel();
        let (pw, ph) = (pw as f64, ph as f64);
        let sub = area.clone().shrink(
            ((x * pw) as i32, ((1.0 - y - h) * ph) as i32),
            ((w * pw).max(1.0) as u32, (h * ph).max(1.0) as u32),
        );
        sub.fill(&WHITE).map_err(e2s)?;
        // text shrinks with the inset (to 60 % for a quarter of the panel and less), so that its
        // ticks keep room for the data
        let k = (1.2 * (w * h).sqrt()).clamp(0.6, 1.0);
        draw_panel(
            panel,
            &sub,
            &fonts.shrunk(k),
            bounds(panel),
            (true, true),
            None,
        )?;
    }
    Ok(())
}

/// The (x0, x1, y0, y1) range each grid panel is drawn with: its own, widened to the union of
/// its group's where an axis is shared.
pub fn shared_views(fig: &Figure) -> Vec<Option<(f64, f64, f64, f64)>> {
    let grid = (fig.rows * fig.cols).min(fig.panels.len());
    let own: Vec<_> = fig.panels[..grid].iter().map(bounds).collect();
    let cell = |i: usize| (i / fig.cols, i % fig.cols);
    (0..grid)
        .map(|i| {
            own[i].map(|(mut x0, mut x1, mut y0, mut y1)| {
                for (j, b) in own.iter().enumerate() {
                    let Some(b) = b else { continue };
                    if fig.sharex.joins(cell(i), cell(j)) {
                        (x0, x1) = (x0.min(b.0), x1.max(b.1));
                    }
                    if fig.sharey.joins(cell(i), cell(j)) {
                        (y0, y1) = (y0.min(b.2), y1.max(b.3));
                    }
                }
                (x0, x1, y0, y1)
            })
        })
        .collect()
}

/// A twin axis writes its values in full (no offset label on the right side).
fn twin_format(t: &Panel) -> TickFormat {
    match t.yformat {
        TickFormat::Auto => TickFormat::Plain,
        f => f,
    }
}

/// The room a panel's axes take outside its plotting rectangle, in pixels, measured from the
/// text that goes there (matplotlib's constrained layout, panel by panel).
struct Room {
    /// Left of the plotting rectangle: tick marks, labels, a pad, the y label.
    left: u32,
    /// Below it: tick marks, labels, a pad, the x label.
    bottom: u32,
    /// The tick marks and their labels' gap (plotters': twice the mark length).
    marks: u32,
    /// From the axis to the bottom of the x tick labels.
    xticks_height: u32,
}

impl Room {
    fn measure(
        fonts: &Fonts,
        xticks: &[String],
        yticks: &[String],
        xlabel: &str,
        ylabel: &str,
    ) -> Room {
        let (tick, label) = (fonts.tick(14.0) as f64, fonts.label(16.0) as f64);
        // plotters sets tick labels twice the tick-mark length from the axis
        let marks = 2.0 * fonts.lw(5) as f64;
        let pad = 0.35 * label;
        let widest = yticks
            .iter()
            .map(|t| text::text_size(t, tick).0)
            .fold(0.0, f64::max);
        let tallest = xticks
            .iter()
            .map(|t| text::text_size(t, tick).1)
            .fold(0.0, f64::max);
        let label_h = |l: &str| match l.is_empty() {
            true => 0.0,
            false => pad + text::text_size(l, label).1,
        };
        Room {
            left: (marks + widest + label_h(ylabel)).ceil() as u32 + 2,
            bottom: (marks + tallest + label_h(xlabel)).ceil() as u32 + 2,
            marks: marks.ceil() as u32,
            xticks_height: (marks + tallest.max(tick)).ceil() as u32 + 2,
        }
    }
}

/// One panel in `area`: `view` its (x0, x1, y0, y1) range (its own, or its share group's),
/// `labels` whether its x and y tick labels are drawn.
fn draw_panel<DB: DrawingBackend>(
    p: &Panel,
    area: &DrawingArea<DB, Shift>,
    fonts: &Fonts,
    view: Option<(f64, f64, f64, f64)>,
    labels: (bool, bool),
    twin: Option<(&Panel, Option<(f64, f64, f64, f64)>)>,
) -> DrawResult {
    let fs = |base: f64| fonts.fs(base);
    let Some((x0, x1, y0, y1)) = view else {
        return Ok(());
    };
    let (w, _) = area.dim_in_pixel();
    let (main, cb_area) = if let Some(cb) = &p.colorbar {
        let (a, b) = area.split_horizontally(w.saturating_sub(colorbar_width(cb, fonts)));
        (a, Some(b))
    } else {
        (area.clone(), None)
    };
    // the panel title in its own band over the axes, so that the top tick label never meets it
    // (drawn once the plotting rectangle is known, centred over it)
    let (title_band, main) = if p.title.is_empty() {
        (None, main)
    } else {
        let size = fonts.title(18.0);
        let band = (1.5 * size as f64).round() as u32;
        let (top, rest) = main.split_vertically(band);
        (Some((top, size, band)), rest)
    };
    let (xfmt, yfmt) = (p.xformat, p.yformat);
    let xoff = AxisOffset::of(x0, x1, p.logx, xfmt);
    let yoff = AxisOffset::of(y0, y1, p.logy, yfmt);
    // as many ticks as the axis has room for: its length over 3 (x) or 2 (y) label heights
    // (the lengths estimated with typical label room; the room itself is measured below)
    let (mw, mh) = main.dim_in_pixel();
    let tick_px = fonts.tick(14.0).max(1) as f64;
    let plot_w = mw as f64 - (fs(65.0) + 2 * fs(12.0)) as f64;
    let plot_h = mh as f64 - (fs(45.0) + 2 * fs(12.0)) as f64;
    let xmax = (plot_w / (3.0 * tick_px)).max(0.0) as usize;
    let ymax = (plot_h / (2.0 * tick_px)).max(0.0) as usize;
    let xt = Ticked::with(x0, x1, p.logx, p.xticks.as_deref(), xmax).flipped(p.xflip);
    let yt = Ticked::with(y0, y1, p.logy, p.yticks.as_deref(), ymax).flipped(p.yflip);
    let (logx, logy) = (p.logx, p.logy);
    // tick labels (none on the inner side of a shared axis), for plotters and for measuring
    let xf = move |v: &f64| {
        if labels.0 {
            xoff.label(*v, logx, xfmt)
        } else {
            String::new()
        }
    };
    let yf = move |v: &f64| {
        if labels.1 {
            yoff.label(*v, logy, yfmt)
        } else {
            String::new()
        }
    };
    let drawn = |t: &Ticked, f: &dyn Fn(&f64) -> String| -> Vec<String> {
        t.ticks.iter().map(f).filter(|l| !l.is_empty()).collect()
    };
    let (xlabels, ylabels) = (drawn(&xt, &xf), drawn(&yt, &yf));
    let twin_axis = twin.and_then(|(t, view)| {
        let (_, _, ty0, ty1) = view?;
        let ticks = Ticked::with(ty0, ty1, t.logy, t.yticks.as_deref(), ymax).flipped(t.yflip);
        let fmt = twin_format(t);
        let texts: Vec<String> = ticks
            .ticks
            .iter()
            .map(|v| format_tick(*v, t.logy, fmt, None))
            .collect();
        Some((t, ticks, texts, (ty0, ty1)))
    });
    // the room around the plotting rectangle, measured from what goes there (constrained
    // layout): tick marks, tick labels, a pad, the axis label
    let (xlabel, ylabel) = (
        if labels.0 { p.xlabel.as_str() } else { "" },
        if labels.1 { p.ylabel.as_str() } else { "" },
    );
    let mut room = Room::measure(fonts, &xlabels, &ylabels, xlabel, ylabel);
    if xlabel.is_empty() && labels.0 && xoff.text().is_some() {
        // the x offset text takes the axis label's row
        room.bottom += room.xticks_height - room.marks;
    }
    let twin_room = twin_axis
        .as_ref()
        .map(|(t, _, texts, _)| Room::measure(fonts, &[], texts, "", &t.ylabel).left);
    // room above the axes for a ×10ᵏ offset label
    let xoff_text = xoff.text().filter(|_| labels.0);
    let yoff_text = yoff.text().filter(|_| labels.1);
    let top = fs(12.0) + if yoff_text.is_some() { fs(18.0) } else { 0 };
    // on the right: the twin axis, or half of the last x tick label (it is centred on the end)
    let last_half = xlabels
        .last()
        .map(|l| (text::text_size(l, fonts.tick(14.0) as f64).0 / 2.0).ceil() as u32 + 2)
        .unwrap_or(0);
    let right = match twin_room {
        Some(r) => fs(12.0).max(last_half) + r,
        None => fs(12.0).max(last_half),
    };
    let mut chart = ChartBuilder::on(&main)
        .margin(fs(12.0))
        .margin_top(top)
        .margin_right(right)
        .x_label_area_size(room.bottom)
        .y_label_area_size(room.left)
        .build_cartesian_2d(xt.clone(), yt.clone())
        .map_err(e2s)?;
    if let Some((band_area, size, band)) = title_band {
        let style = ("sans-serif", size)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        let (px, _) = chart.plotting_area().get_pixel_range();
        let centre = (px.start + px.end) / 2 - band_area.get_base_pixel().0;
        band_area
            .draw_text(&p.title, &style, (centre, band as i32))
            .map_err(e2s)?;
    }
    chart
        .configure_mesh()
        // inner panels of a shared axis drop its label with its tick labels (matplotlib's
        // label_outer)
        .x_desc(xlabel)
        .y_desc(ylabel)
        .x_label_formatter(&xf)
        .y_label_formatter(&yf)
        .label_style(("sans-serif", fonts.tick(14.0)))
        .axis_desc_style(("sans-serif", fonts.label(16.0)))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(210, 210, 210))
        // axis lines and tick marks scale with the resolution, as the data lines do
        .axis_style(BLACK.stroke_width(fonts.lw(1)))
        .set_tick_mark_size(LabelAreaPosition::Bottom, fonts.lw(5) as i32)
        .set_tick_mark_size(LabelAreaPosition::Left, fonts.lw(5) as i32)
        .draw()
        .map_err(e2s)?;
    // minor tick marks outside the bottom and left axes, between the majors (plotters draws
    // marks for the majors only)
    let (px, py) = chart.plotting_area().get_pixel_range();
    let base = main.get_base_pixel();
    let len = fonts.lw(3) as i32;
    let mark = BLACK.stroke_width(fonts.lw(1));
    let major = |v: f64, t: &Ticked| {
        t.ticks
            .iter()
            .any(|m| (m - v).abs() <= 1e-9 * (1.0 + v.abs()))
    };
    for v in xt.minor().into_iter().filter(|&v| !major(v, &xt)) {
        let x = chart.backend_coord(&(v, y0)).0 - base.0;
        let y = py.end - base.1;
        main.draw(&PathElement::new(vec![(x, y), (x, y + len)], mark))
            .map_err(e2s)?;
    }
    for v in yt.minor().into_iter().filter(|&v| !major(v, &yt)) {
        let y = chart.backend_coord(&(x0, v)).1 - base.1;
        let x = px.start - base.0;
        main.draw(&PathElement::new(vec![(x - len, y), (x, y)], mark))
            .map_err(e2s)?;
    }
    // the factored-out powers of ten: ×10ᵏ above the y axis and at the right end of the x axis
    let offset_style = |h: HPos, v: VPos| {
        ("sans-serif", fonts.tick(14.0))
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(h, v))
    };
    if let Some(t) = &yoff_text {
        main.draw_text(
            t,
            &offset_style(HPos::Left, VPos::Bottom),
            (px.start - base.0, py.start - base.1 - fs(4.0) as i32),
        )
        .map_err(e2s)?;
    }
    if let Some(t) = &xoff_text {
        // below the tick labels at the axis end
        let below = room.xticks_height as i32;
        let at = (px.end - base.0, py.end - base.1 + below);
        main.draw_text(t, &offset_style(HPos::Right, VPos::Top), at)
            .map_err(e2s)?;
    }
    draw_series(&mut chart, p, fonts, (x0, x1, y0, y1), LegendAt::UpperRight)?;
    if let (Some((t, ticks, _, (ty0, ty1))), Some(twin_right)) = (twin_axis, twin_room) {
        let frame = (top, room.left, room.bottom, twin_right, right - twin_right);
        draw_twin(
            &main,
            p,
            t,
            ticks,
            (ty0, ty1),
            fonts,
            (x0, x1),
            frame,
            xt.ticks.len().max(3),
        )?;
    }
    if let (Some(cb), Some(cb_area)) = (&p.colorbar, cb_area) {
        // as tall as the plotting rectangle
        let (_, py) = chart.plotting_area().get_pixel_range();
        let base = cb_area.get_base_pixel().1;
        let (_, h) = cb_area.dim_in_pixel();
        let top = (py.start - base).max(0) as u32;
        let bottom = (h as i32 - (py.end - base)).max(0) as u32;
        draw_colorbar(cb, &cb_area, fonts, (top, bottom))?;
    }
    Ok(())
}

/// The series of `p` into `chart`, then its legend (at `default_legend` unless the panel sets
/// one). `view` is the chart's (x0, x1, y0, y1).
fn draw_series<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<Ticked, Ticked>>,
    p: &'a Panel,
    fonts: &'a Fonts,
    view: (f64, f64, f64, f64),
    default_legend: LegendAt,
) -> DrawResult {
    let (x0, x1, y0, y1) = view;
    let (logx, logy) = (p.logx, p.logy);
    let mut legend: Vec<(String, Key)> = Vec::new();
    for s in &p.series {
        match s {
            Series::Line {
                x,
                y,
                color,
                width,
                label,
                markers,
                dash,
                alpha,
            } => {
                let pts: Vec<(f64, f64)> = x
                    .iter()
                    .zip(y)
                    .map(|(&a, &b)| (tr(a, logx), tr(b, logy)))
                    .filter(|(a, b)| a.is_finite() && b.is_finite())
                    .collect();
                let c = rgb(*color).mix(*alpha);
                let style = c.stroke_width(fonts.lw(*width));
                draw_dashed(chart, pts.clone(), *dash, style, *width)?;
                if let Some(l) = label {
                    let (width, dash, marker) = (*width, *dash, *markers);
                    legend.push((
                        l.clone(),
                        Key::Line {
                            color: c,
                            width,
                            dash,
                            marker,
                        },
                    ));
                }
                if *markers {
                    chart
                        .draw_series(
                            pts.iter()
                                .map(|&pt| Circle::new(pt, fonts.lw(3), c.filled())),
                        )
                        .map_err(e2s)?;
                }
            }
            Series::Scatter {
                x,
                y,
                paint,
                sizes,
                label,
                marker,
            } => {
                let pts: Vec<(usize, (f64, f64))> = x
                    .iter()
                    .zip(y)
                    .map(|(&a, &b)| (tr(a, logx), tr(b, logy)))
                    .enumerate()
                    .filter(|(_, (a, b))| a.is_finite() && b.is_finite())
                    .collect();
                let size_at = |i: usize| -> i32 {
                    let s = if sizes.len() == 1 {
                        sizes[0]
                    } else {
                        sizes.get(i).copied().unwrap_or(3.0)
                    };
                    (s * fonts.px).clamp(0.5, 60.0 * fonts.px).round() as i32
                };
                let marker = *marker;
                if marker == Marker::Circle {
                    chart
                        .draw_series(
                            pts.iter().map(|&(i, pt)| {
                                Circle::new(pt, size_at(i), rgb(paint.at(i)).filled())
                            }),
                        )
                        .map_err(e2s)?;
                } else {
                    // an outline (filled) and two strokes: one element type for every shape
                    chart
                        .draw_series(pts.iter().map(|&(i, pt)| {
                            let c = rgb(paint.at(i));
                            let (outline, a, b) = marker.shape(size_at(i));
                            EmptyElement::at(pt)
                                + Polygon::new(outline, c.filled())
                                + PathElement::new(a.to_vec(), c.stroke_width(fonts.lw(2)))
                                + PathElement::new(b.to_vec(), c.stroke_width(fonts.lw(2)))
                        }))
                        .map_err(e2s)?;
                }
                if let Some(l) = label {
                    let color = rgb(paint.at(0));
                    legend.push((l.clone(), Key::Marker { color, marker }));
                }
            }
            Series::ErrorBar {
                x,
                y,
                err,
                color,
                label,
            } => {
                let c = rgb(*color);
                let items: Vec<_> = (0..x.len())
                    .filter(|&i| x[i].is_finite() && y[i].is_finite() && err[i].is_finite())
                    .map(|i| {
                        let xx = tr(x[i], logx);
                        ErrorBar::new_vertical(
                            xx,
                            tr(y[i] - err[i], logy),
                            tr(y[i], logy),
                            tr(y[i] + err[i], logy),
                            c.filled(),
                            8,
                        )
                    })
                    .collect();
                chart.draw_series(items).map_err(e2s)?;
                if let Some(l) = label {
                    legend.push((l.clone(), Key::ErrorBar { color: c }));
                }
            }
            Series::Bars {
                edges,
                heights,
                color,
                label,
            } => {
                let c = rgb(*color);
                let base = if logy { y0 } else { 0.0 };
                let rects: Vec<_> = heights
                    .iter()
                    .enumerate()
                    .filter(|(_, h)| h.is_finite() && (!logy || **h > 0.0))
                    .map(|(i, &h)| {
                        Rectangle::new(
                            [
                                (tr(edges[i], logx), base),
                                (tr(edges[i + 1], logx), tr(h, logy)),
                            ],
                            c.mix(0.75).filled(),
                        )
                    })
                    .collect();
                chart.draw_series(rects).map_err(e2s)?;
                if let Some(l) = label {
                    legend.push((l.clone(), Key::Patch { color: c.mix(0.75) }));
                }
            }
            Series::Heatmap {
                rows,
                cols,
                values,
                extent,
                row0_at_y0,
                cmap,
                vmin,
                vmax,
            } => {
                let dx = (extent[1] - extent[0]) / *cols as f64;
                let dy = (extent[3] - extent[2]) / *rows as f64;
                let cells = (0..*rows).flat_map(|r| (0..*cols).map(move |c| (r, c)));
                chart
                    .draw_series(cells.map(|(r, c)| {
                        let v = values[r * cols + c];
                        let xa = extent[0] + c as f64 * dx;
                        // row 0 at y1 (the top of an upward axis), or at y0 (the top of a
                        // downward one, the matrix convention, or the bottom: origin "lower")
                        let ya = match row0_at_y0 {
                            true => extent[2] + r as f64 * dy,
                            false => extent[3] - (r + 1) as f64 * dy,
                        };
                        Rectangle::new(
                            [(xa, ya), (xa + dx, ya + dy)],
                            rgb(cmap.color(v, *vmin, *vmax)).filled(),
                        )
                    }))
                    .map_err(e2s)?;
            }
            Series::Segments { segs, paint, width } => {
                chart
                    .draw_series(segs.iter().enumerate().map(|(i, s)| {
                        PathElement::new(
                            vec![
                                (tr(s[0], logx), tr(s[1], logy)),
                                (tr(s[2], logx), tr(s[3], logy)),
                            ],
                            rgb(paint.at(i)).stroke_width(fonts.lw(*width)),
                        )
                    }))
                    .map_err(e2s)?;
            }
            Series::Band {
                x,
                lo,
                hi,
                color,
                alpha,
                label,
            } => {
                let mut poly: Vec<(f64, f64)> = Vec::with_capacity(2 * x.len());
                for (&a, &b) in x.iter().zip(lo) {
                    poly.push((tr(a, logx), tr(b, logy)));
                }
                for (&a, &b) in x.iter().zip(hi).rev() {
                    poly.push((tr(a, logx), tr(b, logy)));
                }
                poly.retain(|(a, b)| a.is_finite() && b.is_finite());
                let c = rgb(*color).mix(*alpha);
                chart
                    .draw_series(std::iter::once(Polygon::new(poly, c.filled())))
                    .map_err(e2s)?;
                if let Some(l) = label {
                    legend.push((l.clone(), Key::Patch { color: c }));
                }
            }
            Series::Text {
                x,
                y,
                text,
                color,
                size,
            } => {
                let style = ("sans-serif", fonts.text(*size))
                    .into_font()
                    .color(&rgb(*color))
                    .pos(Pos::new(HPos::Left, VPos::Center));
                chart
                    .draw_series(std::iter::once(Text::new(
                        text.clone(),
                        (tr(*x, logx), tr(*y, logy)),
                        style,
                    )))
                    .map_err(e2s)?;
            }
            Series::RefLine {
                value,
                vertical,
                color,
                width,
                dash,
                label,
            } => {
                let c = rgb(*color);
                let pts = if *vertical {
                    let v = tr(*value, logx);
                    vec![(v, y0), (v, y1)]
                } else {
                    let v = tr(*value, logy);
                    vec![(x0, v), (x1, v)]
                };
                draw_dashed(chart, pts, *dash, c.stroke_width(fonts.lw(*width)), *width)?;
                if let Some(l) = label {
                    let (width, dash) = (*width, *dash);
                    legend.push((
                        l.clone(),
                        Key::Line {
                            color: c.mix(1.0),
                            width,
                            dash,
                            marker: false,
                        },
                    ));
                }
            }
            Series::Arrows {
                x,
                y,
                dx,
                dy,
                color,
            } => {
                let c = rgb(*color);
                let mut paths = Vec::new();
                let mut heads = Vec::new();
                for i in 0..x.len() {
                    let (ax, ay, bx, by) = (x[i], y[i], x[i] + dx[i], y[i] + dy[i]);
                    if ![ax, ay, bx, by].iter().all(|v| v.is_finite()) {
                        continue;
                    }
                    paths.push(vec![(ax, ay), (bx, by)]);
                    // the head in pixels, so that it keeps its shape when the axes' scales
                    // differ: 30° barbs, 0.3 of the arrow's length up to 12 pixels
                    let (pa, pb) = (
                        chart.backend_coord(&(ax, ay)),
                        chart.backend_coord(&(bx, by)),
                    );
                    let (vx, vy) = ((pb.0 - pa.0) as f64, (pb.1 - pa.1) as f64);
                    let len = (vx * vx + vy * vy).sqrt();
                    if len > 0.0 {
                        let (ux, uy) = (vx / len, vy / len);
                        let h = (0.3 * len).min(12.0);
                        let barb = |s: f64| {
                            let (hx, hy) = (-ux * 0.87 - s * uy * 0.5, -uy * 0.87 + s * ux * 0.5);
                            ((h * hx).round() as i32, (h * hy).round() as i32)
                        };
                        heads.push(((bx, by), barb(1.0), barb(-1.0)));
                    }
                }
                chart
                    .draw_series(heads.into_iter().map(|(tip, l, r)| {
                        EmptyElement::at(tip)
                            + PathElement::new(vec![(0, 0), l], c.stroke_width(fonts.lw(1)))
                            + PathElement::new(vec![(0, 0), r], c.stroke_width(fonts.lw(1)))
                    }))
                    .map_err(e2s)?;
                chart
                    .draw_series(
                        paths
                            .into_iter()
                            .map(|p| PathElement::new(p, c.stroke_width(fonts.lw(1)))),
                    )
                    .map_err(e2s)?;
            }
        }
    }
    if !legend.is_empty() {
        let area = chart.plotting_area().strip_coord_spec();
        let at = p.legend.unwrap_or(default_legend);
        draw_legend(&area, &legend, fonts, at, p.legend_cols)?;
    }
    Ok(())
}

/// What a legend entry shows beside its label.
#[derive(Clone, Copy)]
enum Key {
    Line {
        color: RGBAColor,
        width: u32,
        dash: Dash,
        marker: bool,
    },
    Marker {
        color: RGBColor,
        marker: Marker,
    },
    Patch {
        color: RGBAColor,
    },
    ErrorBar {
        color: RGBColor,
    },
}

/// The pieces of a dash pattern along a legend handle, as fractions of its length.
fn dash_pieces(dash: Dash) -> &'static [(f64, f64)] {
    match dash {
        Dash::Solid => &[(0.0, 1.0)],
        Dash::Dashed => &[(0.0, 0.32), (0.5, 0.82), (1.0, 1.0)],
        Dash::Dotted => &[
            (0.0, 0.08),
            (0.23, 0.31),
            (0.46, 0.54),
            (0.69, 0.77),
            (0.92, 1.0),
        ],
        Dash::DashDot => &[(0.0, 0.4), (0.55, 0.62), (0.77, 1.0)],
    }
}

/// The legend inside the plotting `area` at `at`, in `cols` columns filled top to bottom, then
/// left to right. Its spacing is matplotlib's, in units of the legend font: 0.4 border pad,
/// 0.5 between rows, a 2-em handle and 0.8 after it, 2 between columns, 0.5 from the axes.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, Key)],
    fonts: &Fonts,
    at: LegendAt,
    cols: usize,
) -> DrawResult {
    let em = fonts.legend(14.0) as f64;
    let (pad, gap, handle, after, colgap, inset) =
        (0.4 * em, 0.5 * em, 2.0 * em, 0.8 * em, 2.0 * em, 0.5 * em);
    let n = entries.len();
    let cols = cols.clamp(1, n.max(1));
    let rows = n.div_ceil(cols);
    let sizes: Vec<(f64, f64)> = entries
        .iter()
        .map(|(l, _)| text::text_size(l, em))
        .collect();
    let row_h = sizes.iter().map(|s| s.1).fold(em, f64::max);
    let col_w: Vec<f64> = (0..cols)
        .map(|c| {
            let widest = (c * rows..((c + 1) * rows).min(n))
                .map(|i| sizes[i].0)
                .fold(0.0, f64::max);
            handle + after + widest
        })
        .collect();
    let w = 2.0 * pad + col_w.iter().sum::<f64>() + (cols - 1) as f64 * colgap;
    let h = 2.0 * pad + rows as f64 * row_h + (rows - 1) as f64 * gap;
    let (aw, ah) = area.dim_in_pixel();
    let (aw, ah) = (aw as f64, ah as f64);
    let (hpos, vpos) = at.anchor();
    let x = match hpos {
        HPos::Left => inset,
        HPos::Center => (aw - w) / 2.0,
        HPos::Right => aw - w - inset,
    };
    let y = match vpos {
        VPos::Top => inset,
        VPos::Center => (ah - h) / 2.0,
        VPos::Bottom => ah - h - inset,
    };
    let px = |v: f64| v.round() as i32;
    area.draw(&Rectangle::new(
        [(px(x), px(y)), (px(x + w), px(y + h))],
        WHITE.mix(0.85).filled(),
    ))
    .map_err(e2s)?;
    area.draw(&Rectangle::new(
        [(px(x), px(y)), (px(x + w), px(y + h))],
        RGBColor(180, 180, 180).stroke_width(fonts.lw(1)),
    ))
    .map_err(e2s)?;
    let style = ("sans-serif", em as u32)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (label, key)) in entries.iter().enumerate() {
        let (c, r) = (i / rows, i % rows);
        let hx = x + pad + col_w[..c].iter().sum::<f64>() + c as f64 * colgap;
        let cy = y + pad + r as f64 * (row_h + gap) + row_h / 2.0;
        let mid = (px(hx + handle / 2.0), px(cy));
        match *key {
            Key::Line {
                color,
                width,
                dash,
                marker,
            } => {
                for &(a, b) in dash_pieces(dash) {
                    if b > a {
                        let seg =
                            vec![(px(hx + a * handle), px(cy)), (px(hx + b * handle), px(cy))];
                        area.draw(&PathElement::new(seg, color.stroke_width(fonts.lw(width))))
                            .map_err(e2s)?;
                    }
                }
                if marker {
                    area.draw(&Circle::new(mid, fonts.lw(3), color.filled()))
                        .map_err(e2s)?;
                }
            }
            Key::Marker { color, marker } => {
                let s = (0.3 * em).round().max(2.0) as i32;
                if marker == Marker::Circle {
                    area.draw(&Circle::new(mid, s as u32, color.filled()))
                        .map_err(e2s)?;
                } else {
                    let (outline, a, b) = marker.shape(s);
                    let shift = |v: &[(i32, i32)]| -> Vec<(i32, i32)> {
                        v.iter().map(|&(u, w)| (mid.0 + u, mid.1 + w)).collect()
                    };
                    if !outline.is_empty() {
                        area.draw(&Polygon::new(shift(&outline), color.filled()))
                            .map_err(e2s)?;
                    }
                    for stroke in [a, b] {
                        area.draw(&PathElement::new(
                            shift(&stroke),
                            color.stroke_width(fonts.lw(2)),
                        ))
                        .map_err(e2s)?;
                    }
                }
            }
            Key::Patch { color } => {
                let half = 0.35 * em;
                area.draw(&Rectangle::new(
                    [(px(hx), px(cy - half)), (px(hx + handle), px(cy + half))],
                    color.filled(),
                ))
                .map_err(e2s)?;
            }
            Key::ErrorBar { color } => {
                let half = 0.45 * em;
                let bar = vec![(mid.0, px(cy - half)), (mid.0, px(cy + half))];
                area.draw(&PathElement::new(bar, color.stroke_width(fonts.lw(1))))
                    .map_err(e2s)?;
                area.draw(&Circle::new(mid, fonts.lw(3), color.filled()))
                    .map_err(e2s)?;
            }
        }
        area.draw(&Text::new(
            label.clone(),
            (px(hx + handle + after), px(cy)),
            style.clone(),
        ))
        .map_err(e2s)?;
    }
    Ok(())
}

/// A twin y axis over `area` (the primary panel's drawing area): the same x range and plotting
/// rectangle as the primary (`frame`: its top margin, left and bottom label areas, the right
/// label area measured for the twin, and the margin beyond it), its own y range with ticks and
/// label on the right, no grid.
#[allow(clippy::too_many_arguments)]
fn draw_twin<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    primary: &Panel,
    t: &Panel,
    yt: Ticked,
    (y0, y1): (f64, f64),
    fonts: &Fonts,
    (x0, x1): (f64, f64),
    (top, left, bottom, right_area, right_margin): (u32, u32, u32, u32, u32),
    xmax: usize,
) -> DrawResult {
    let fs = |base: f64| fonts.fs(base);
    let mut chart = ChartBuilder::on(area)
        .margin(fs(12.0))
        .margin_top(top)
        .margin_left(fs(12.0) + left)
        .margin_bottom(fs(12.0) + bottom)
        .margin_right(right_margin)
        .set_label_area_size(LabelAreaPosition::Right, right_area)
        .build_cartesian_2d(
            Ticked::with(x0, x1, primary.logx, primary.xticks.as_deref(), xmax)
                .flipped(primary.xflip),
            yt,
        )
        .map_err(e2s)?;
    let (logy, yfmt) = (t.logy, twin_format(t));
    let yf = move |v: &f64| format_tick(*v, logy, yfmt, None);
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .axis_style(BLACK.stroke_width(fonts.lw(1)))
        .set_tick_mark_size(LabelAreaPosition::Right, fonts.lw(5) as i32)
        .y_label_formatter(&yf)
        .label_style(("sans-serif", fonts.tick(14.0)))
        .axis_desc_style(("sans-serif", fonts.label(16.0)))
        .draw()
        .map_err(e2s)?;
    let (w, _) = area.dim_in_pixel();
    let x = w.saturating_sub(right_margin);
    right_label(area, &t.ylabel, fonts, x, (top, fs(12.0) + bottom))?;
    draw_series(&mut chart, t, fonts, (x0, x1, y0, y1), LegendAt::UpperLeft)
}

/// A colour bar's range (a point widened to a unit interval).
fn colorbar_range(cb: &ColorBar) -> (f64, f64) {
    if cb.vmax > cb.vmin {
        (cb.vmin, cb.vmax)
    } else {
        (cb.vmin - 0.5, cb.vmin + 0.5)
    }
}

/// A colour bar's ticks for a bar `length` pixels long: 2 label heights apart at most.
fn colorbar_ticks(cb: &ColorBar, fonts: &Fonts, length: f64) -> Ticked {
    let (lo, hi) = colorbar_range(cb);
    let most = (length / (2.0 * fonts.tick(14.0).max(1) as f64)).max(0.0) as usize;
    Ticked::with(lo, hi, false, None, most.max(2))
}

/// The colour bar's pieces across: a gap, the bar, then the right label room (tick marks,
/// labels, a pad, the label) and a gap before the next panel.
fn colorbar_room(cb: &ColorBar, fonts: &Fonts, ticks: &Ticked) -> (u32, u32, u32, u32) {
    let labels: Vec<String> = ticks.ticks.iter().map(|v| tick_label(*v, false)).collect();
    let room = Room::measure(fonts, &[], &labels, "", &cb.label);
    (fonts.fs(14.0), fonts.fs(18.0), room.left, fonts.fs(10.0))
}

/// The width a colour bar takes beside its panel.
fn colorbar_width(cb: &ColorBar, fonts: &Fonts) -> u32 {
    // the labels of a typical bar (the length is not known yet; the widest labels are)
    let ticks = colorbar_ticks(cb, fonts, 300.0 * fonts.scale);
    let (gap, bar, right, end) = colorbar_room(cb, fonts, &ticks);
    gap + bar + right + end
}

/// A colour bar in `area`, its bar `top` and `bottom` pixels from the area's edges (level with
/// the plotting rectangle), ticks and label on the right; the label reads upwards.
fn draw_colorbar<DB: DrawingBackend>(
    cb: &ColorBar,
    area: &DrawingArea<DB, Shift>,
    fonts: &Fonts,
    (top, bottom): (u32, u32),
) -> DrawResult {
    let (lo, hi) = colorbar_range(cb);
    let (w, h) = area.dim_in_pixel();
    let ticks = colorbar_ticks(cb, fonts, h.saturating_sub(top + bottom) as f64);
    let (gap, _, right, end) = colorbar_room(cb, fonts, &ticks);
    let mut chart = ChartBuilder::on(area)
        .margin_top(top)
        .margin_bottom(bottom)
        .margin_left(gap)
        .margin_right(end)
        .set_label_area_size(LabelAreaPosition::Right, right)
        .build_cartesian_2d(0.0..1.0, ticks)
        .map_err(e2s)?;
    let yf = |v: &f64| tick_label(*v, false);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .disable_x_axis()
        .y_label_formatter(&yf)
        .label_style(("sans-serif", fonts.tick(14.0)))
        .axis_style(BLACK.stroke_width(fonts.lw(1)))
        .set_tick_mark_size(LabelAreaPosition::Right, fonts.lw(5) as i32)
        .draw()
        .map_err(e2s)?;
    let n = 256;
    let step = (hi - lo) / n as f64;
    chart
        .draw_series((0..n).map(|i| {
            let a = lo + i as f64 * step;
            Rectangle::new(
                [(0.0, a), (1.0, a + step)],
                rgb(cb.cmap.color(a + 0.5 * step, lo, hi)).filled(),
            )
        }))
        .map_err(e2s)?;
    right_label(area, &cb.label, fonts, w.saturating_sub(end), (top, bottom))
}

/// An axis label on the right of a plotting rectangle, reading upwards as matplotlib sets it,
/// its far side at `x` and centred between `top` and `bottom` margins.
fn right_label<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    label: &str,
    fonts: &Fonts,
    x: u32,
    (top, bottom): (u32, u32),
) -> DrawResult {
    if label.is_empty() {
        return Ok(());
    }
    let (_, h) = area.dim_in_pixel();
    let y = (top + h.saturating_sub(bottom)) / 2;
    let style = ("sans-serif", fonts.label(16.0))
        .into_font()
        .color(&BLACK)
        .transform(FontTransform::Rotate270)
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    area.draw_text(label, &style, (x as i32, y as i32))
        .map_err(e2s)
}

/// Render to PNG bytes.
pub fn render_png(fig: &Figure, width: u32, height: u32) -> Result<Vec<u8>, String> {
    let mut buf = vec![0u8; width as usize * height as usize * 3];
    {
        let backend = BitMapBackend::with_buffer(&mut buf, (width, height));
        let root = text::Canvas::raster(backend).into_drawing_area();
        draw(fig, root.clone())?;
        root.present().map_err(e2s)?;
    }
    let img = image::RgbImage::from_raw(width, height, buf).ok_or("bad image buffer")?;
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(e2s)?;
    Ok(out.into_inner())
}

/// Render to SVG text.
pub fn render_svg(fig: &Figure, width: u32, height: u32) -> Result<String, String> {
    let mut s = String::new();
    let elements = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    {
        let backend = SVGBackend::with_string(&mut s, (width, height));
        let root = text::Canvas::svg(backend, elements.clone()).into_drawing_area();
        draw(fig, root.clone())?;
        root.present().map_err(e2s)?;
    }
    let elements = elements.borrow();
    Ok(text::fill_svg(&s, &elements))
}

/// Render to PDF bytes: the SVG drawing converted to vector PDF (svg2pdf), with the bundled font
/// embedded as a subset, so journals get the same text in any viewer. The page is the figure at
/// 100 pixels per inch: 640×480 is 6.4 × 4.8 in, `style: "paper"` 3.4 × 2.6 in.
pub fn render_pdf(fig: &Figure, width: u32, height: u32) -> Result<Vec<u8>, String> {
    use svg2pdf::usvg;
    let svg = render_svg(fig, width, height)?;
    let mut options = usvg::Options {
        font_family: "DejaVu Sans".into(),
        ..usvg::Options::default()
    };
    let db = options.fontdb_mut();
    db.load_font_data(text::REGULAR.to_vec());
    db.load_font_data(text::OBLIQUE.to_vec());
    db.set_sans_serif_family("DejaVu Sans");
    let tree = usvg::Tree::from_str(&svg, &options).map_err(e2s)?;
    let page = svg2pdf::PageOptions { dpi: 100.0 };
    svg2pdf::to_pdf(&tree, svg2pdf::ConversionOptions::default(), page).map_err(e2s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_axis_gets_fewer_ticks() {
        for (lo, hi) in [(0.0, 1.0), (-3.7, 2.2), (12.0, 21.0)] {
            let full = nice_ticks(lo, hi, false);
            let few = nice_ticks_at_most(lo, hi, false, 4);
            assert!(
                few.len() <= 4 && few.len() >= 2 && few.len() <= full.len(),
                "{few:?}"
            );
        }
        assert!(nice_ticks_at_most(0.0, 8.0, true, 3).len() <= 3);
        assert!(nice_ticks_at_most(0.0, 1.5, true, 4).len() <= 4);
        assert!(nice_ticks_at_most(0.0, 2.9, true, 3).len() <= 3);
    }

    #[test]
    fn minor_ticks_subdivide_the_majors() {
        let t = Ticked::with(0.0, 1.0, false, None, 9);
        let m = t.minor();
        // majors every 0.2 (or 0.1…0.25): five minor steps per major step, majors included
        let step = (t.ticks[1] - t.ticks[0]) / 5.0;
        assert!(m.windows(2).all(|w| ((w[1] - w[0]) - step).abs() < 1e-12));
        assert!(t
            .ticks
            .iter()
            .all(|v| m.iter().any(|x| (x - v).abs() < 1e-12)));
        // a log axis of two decades: 1…9 × each decade
        let l = Ticked::with(0.0, 2.0, true, None, 9);
        assert_eq!(l.minor().len(), 9 + 9 + 1);
    }

    #[test]
    fn tick_formats_and_offsets() {
        assert_eq!(TickFormat::parse("%.2f"), Some(TickFormat::Fixed(2)));
        assert_eq!(TickFormat::parse("%.1e"), Some(TickFormat::Sci(1)));
        assert_eq!(TickFormat::parse("auto"), Some(TickFormat::Auto));
        assert_eq!(TickFormat::parse("%2f"), None);
        assert_eq!(TickFormat::parse("%.xf"), None);
        assert_eq!(format_tick(0.5, false, TickFormat::Fixed(2), None), "0.50");
        assert_eq!(
            format_tick(0.0015, false, TickFormat::Sci(1), None),
            "1.5×$10^{-3}$"
        );
        // ticks of 1e-5…4e-5 are labelled 1…4 with ×10⁻⁵ at the axis end; ordinary ranges not
        let k = tick_offset(0.0, 4e-5, false, TickFormat::Auto);
        assert_eq!(k, Some(-5));
        assert_eq!(format_tick(3e-5, false, TickFormat::Auto, k), "3");
        assert_eq!(tick_offset(0.0, 2.5e6, false, TickFormat::Auto), Some(6));
        assert_eq!(tick_offset(-3.0, 250.0, false, TickFormat::Auto), None);
        assert_eq!(tick_offset(0.0, 4e-5, false, TickFormat::Plain), None);
        assert_eq!(tick_offset(-6.0, -4.0, true, TickFormat::Auto), None);
    }

    #[test]
    fn additive_offsets_take_out_what_every_tick_shares() {
        let f = TickFormat::Auto;
        // 100000.1 … 100000.5: +10⁵ shifted out, the rest labelled as it is
        let o = AxisOffset::of(100000.1, 100000.5, false, f);
        assert_eq!((o.shift, o.power), (1e5, None));
        assert_eq!(o.label(100000.3, false, f), "0.3");
        assert_eq!(o.text().as_deref(), Some("+$10^{5}$"));
        // a negative shift in mantissa form
        let o = AxisOffset::of(-2500000.02, -2500000.01, false, f);
        assert_eq!((o.shift, o.power), (-2500000.0, None));
        assert_eq!(o.label(-2500000.015, false, f), "−0.015");
        assert_eq!(o.text().as_deref(), Some("−2.5×$10^{6}$"));
        // a shift and a power (both in the text, the power first)
        let o = AxisOffset {
            shift: 1e5,
            power: Some(-5),
        };
        assert_eq!(o.text().as_deref(), Some("×$10^{-5}$+$10^{5}$"));
        // ordinary ranges and ranges through zero keep their values
        for (lo, hi) in [(0.0, 1.0), (-3.0, 250.0), (99.0, 101.0), (1e5, 2e5)] {
            assert_eq!(AxisOffset::of(lo, hi, false, f).shift, 0.0, "{lo} {hi}");
        }
        // a fixed format or a log axis: no offset at all
        assert_eq!(
            AxisOffset::of(100000.1, 100000.5, false, TickFormat::Plain).text(),
            None
        );
        assert_eq!(AxisOffset::of(5.0, 5.0001, true, f).text(), None);
    }

    #[test]
    fn shared_axes_take_the_union_of_their_group() {
        let line = |x1: f64, y1: f64| Series::Line {
            x: vec![0.0, x1],
            y: vec![0.0, y1],
            color: CYCLE[0],
            width: 1,
            label: None,
            markers: false,
            dash: Dash::Solid,
            alpha: 1.0,
        };
        let mut fig = Figure::new(2, 2);
        for (i, (x1, y1)) in [(1.0, 1.0), (10.0, 2.0), (3.0, 30.0), (4.0, 4.0)]
            .iter()
            .enumerate()
        {
            fig.panels[i].series.push(line(*x1, *y1));
        }
        let own: Vec<_> = shared_views(&fig).iter().map(|v| v.unwrap()).collect();
        fig.sharex = Share::Col;
        fig.sharey = Share::Row;
        let v: Vec<_> = shared_views(&fig).iter().map(|v| v.unwrap()).collect();
        // columns share x: panels 0 and 2 (x up to 1 and 3), 1 and 3 (10 and 4)
        assert_eq!((v[0].1, v[2].1), (own[2].1, own[2].1));
        assert_eq!((v[1].1, v[3].1), (own[1].1, own[1].1));
        // rows share y: 0 and 1 (y up to 1 and 2), 2 and 3 (30 and 4)
        assert_eq!((v[0].3, v[1].3), (own[1].3, own[1].3));
        assert_eq!((v[2].3, v[3].3), (own[2].3, own[2].3));
        fig.sharex = Share::All;
        fig.sharey = Share::None;
        let v: Vec<_> = shared_views(&fig).iter().map(|v| v.unwrap()).collect();
        assert!(v.iter().all(|b| b.1 == own[1].1), "one x range for all");
        assert!(
            v.iter().zip(&own).all(|(b, o)| b.3 == o.3),
            "y ranges their own"
        );
    }

    #[test]
    fn ticks_are_nice_and_four_to_nine() {
        for (lo, hi) in [
            (0.0, 1.0),
            (12.0, 21.0),
            (-3.7, 2.2),
            (0.0, 1e-3),
            (1.0, 1.3),
            (-0.5, 100.0),
        ] {
            let t = nice_ticks(lo, hi, false);
            assert!((4..=9).contains(&t.len()), "{lo}..{hi}: {t:?}");
            assert!(
                t.iter().all(|&v| v >= lo - 1e-12 && v <= hi + 1e-12),
                "{t:?}"
            );
            let step = t[1] - t[0];
            let mant = step / 10f64.powf(step.log10().floor());
            assert!(
                [1.0, 2.0, 2.5, 5.0].iter().any(|m| (mant - m).abs() < 1e-9),
                "{step}"
            );
        }
        // a log axis over one decade and a half gets its 1-2-5 values, a long one its decades
        assert!(nice_ticks(0.0, 1.5, true).len() >= 4);
        assert_eq!(
            nice_ticks(-3.0, 3.0, true),
            vec![-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
        );
    }

    #[test]
    fn decade_ticks_use_superscripts() {
        assert_eq!(tick_label(-3.0, true), "$10^{-3}$");
        assert_eq!(tick_label(2.0, true), "$10^{2}$");
        assert_eq!(tick_label(0.0, true), "$10^{0}$");
        assert_eq!(tick_label(std::f64::consts::LOG10_2, true), "2");
        assert_eq!(tick_label(0.1 + 0.2, false), "0.3");
    }
}
