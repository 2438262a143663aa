//! Text and marks for figures, on any plotters backend. `Canvas` wraps a backend and takes over
//! its text: labels are typeset (`mathtext`), laid out with the font's kerning at fractional
//! pixel positions, and either rasterised from the glyph outlines with coverage (bitmaps: no
//! whole-pixel snapping, so glyph spacing is even at every dpi) or written as SVG text, one
//! `<tspan>` per run (SVG and, through it, PDF keep the text as text). A font size is the em
//! size in pixels, as in CSS and TeX, so that 9 pt is 9 pt in every output. On bitmaps the canvas
//! also draws circles (markers) with antialiased edges.

use super::mathtext::{self, Item, Run, Start};
use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontTransform,
};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::OnceLock;

pub const REGULAR: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
pub const OBLIQUE: &[u8] = include_bytes!("../../assets/DejaVuSans-Oblique.ttf");

struct Faces {
    regular: FontRef<'static>,
    oblique: FontRef<'static>,
}

fn faces() -> Option<&'static Faces> {
    static FACES: OnceLock<Option<Faces>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            Some(Faces {
                regular: FontRef::try_from_slice(REGULAR).ok()?,
                oblique: FontRef::try_from_slice(OBLIQUE).ok()?,
            })
        })
        .as_ref()
}

impl Faces {
    fn face(&self, italic: bool) -> &FontRef<'static> {
        if italic {
            &self.oblique
        } else {
            &self.regular
        }
    }
}

/// ab_glyph scales a font by its ascent − descent; the scale that gives an em of `em` pixels.
fn px_scale(font: &FontRef<'static>, em: f32) -> PxScale {
    let upem = font.units_per_em().unwrap_or(2048.0);
    PxScale::from(em * font.height_unscaled() / upem)
}

/// One placed glyph: its face, id, em size and the pen position of its origin (x right, y down,
/// from the line's start on the baseline).
#[derive(Clone, Copy)]
struct Placed {
    italic: bool,
    id: GlyphId,
    em: f32,
    x: f32,
    y: f32,
}

/// A run placed: its text and face, its em size, where its baseline starts (x from the line's
/// start, `rise` up from the line's baseline, pixels).
struct Span {
    text: String,
    italic: bool,
    em: f32,
    x: f32,
    rise: f32,
}

/// A rule (a fraction's bar, a root's bar): from x0 to x1, centred `rise` pixels above the
/// baseline.
struct Rule {
    x0: f32,
    x1: f32,
    rise: f32,
    thickness: f32,
}

/// A typeset label laid out at one size.
pub struct Layout {
    glyphs: Vec<Placed>,
    spans: Vec<Span>,
    rules: Vec<Rule>,
    pub width: f32,
    /// Above the baseline (the font's ascent, or a raised script's or a fraction's).
    pub ascent: f32,
    /// Below the baseline, positive.
    pub descent: f32,
    em: f32,
}

/// Places typeset pieces along a line.
struct Builder<'a> {
    faces: &'a Faces,
    out: Layout,
}

impl Builder<'_> {
    /// A sequence from x; returns where it ends. Stacked scripts go back to their mark.
    fn seq(&mut self, items: &[Item], mut x: f32) -> f32 {
        let (mut mark, mut reached) = (x, x);
        for item in items {
            match item {
                Item::Run(run) => {
                    match run.start {
                        Start::Next => {}
                        Start::Mark => mark = x,
                        Start::Back => {
                            reached = x;
                            x = mark;
                        }
                        Start::Farthest => x = x.max(reached),
                    }
                    x = self.run(run, x);
                }
                Item::Frac {
                    num,
                    den,
                    axis,
                    thickness,
                    pad,
                } => {
                    let em = self.out.em;
                    let (wn, wd) = (self.width(num), self.width(den));
                    let w = wn.max(wd) + 2.0 * pad * em;
                    self.seq(num, x + (w - wn) / 2.0);
                    self.seq(den, x + (w - wd) / 2.0);
                    self.rule(
                        x + 0.5 * pad * em,
                        x + w - 0.5 * pad * em,
                        axis * em,
                        thickness * em,
                    );
                    x += w;
                }
                Item::Sqrt {
                    sign,
                    body,
                    thickness,
                } => {
                    let em = self.out.em;
                    let end = self.run(sign, x);
                    // the bar starts at the sign's top right corner, at its top
                    let font = self.faces.face(false);
                    let id = font.glyph_id('√');
                    let upem = font.units_per_em().unwrap_or(2048.0);
                    let k = em * sign.scale / upem;
                    let (top, right) = match font.outline(id) {
                        Some(o) => (o.bounds.min.y * k, x + o.bounds.max.x * k),
                        None => (0.8 * em * sign.scale, end),
                    };
                    let th = thickness * em;
                    let first = self.out.glyphs.len();
                    let body_end = self.seq(body, end);
                    // the bar clears the body's ink (a raised script can reach past the sign's
                    // top); the sign's stem then goes up to meet it
                    let sign_top = sign.rise * em + top;
                    let clear = self.ink_top(first) + 0.12 * em * sign.scale;
                    let bar = sign_top.max(clear + th / 2.0);
                    if bar > sign_top {
                        self.vertical(right - th, sign_top - th, bar, th);
                    }
                    self.rule(right - th, body_end, bar - th / 2.0, th);
                    x = body_end + 0.05 * em;
                }
            }
        }
        x
    }

    /// The width of a sequence (laid out apart).
    fn width(&self, items: &[Item]) -> f32 {
        let mut b = Builder {
            faces: self.faces,
            out: Layout::empty(self.out.em),
        };
        b.seq(items, 0.0)
    }

    /// One run's glyphs with the font's kerning; returns the pen position after it.
    fn run(&mut self, run: &Run, mut x: f32) -> f32 {
        let em = self.out.em;
        let font = self.faces.face(run.italic);
        let size = em * run.scale;
        let scaled = font.as_scaled(px_scale(font, size));
        let rise = run.rise * em;
        if !run.text.is_empty() {
            self.out.ascent = self.out.ascent.max(scaled.ascent() + rise);
            self.out.descent = self.out.descent.max(-scaled.descent() - rise);
            self.out.spans.push(Span {
                text: run.text.clone(),
                italic: run.italic,
                em: size,
                x,
                rise,
            });
        }
        let mut prev: Option<GlyphId> = None;
        for c in run.text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                x += scaled.kern(p, id);
            }
            self.out.glyphs.push(Placed {
                italic: run.italic,
                id,
                em: size,
                x,
                y: -rise,
            });
            x += scaled.h_advance(id);
            prev = Some(id);
        }
        self.out.width = self.out.width.max(x);
        x
    }

    /// The highest ink of the glyphs placed from index `first` on, above the baseline.
    fn ink_top(&self, first: usize) -> f32 {
        let mut top = 0f32;
        for g in &self.out.glyphs[first..] {
            let font = self.faces.face(g.italic);
            if let Some(o) = font.outline(g.id) {
                let upem = font.units_per_em().unwrap_or(2048.0);
                top = top.max(o.bounds.min.y * g.em / upem - g.y);
            }
        }
        top
    }

    /// A vertical rule at x (its right edge), from `lo` to `hi` above the baseline.
    fn vertical(&mut self, x: f32, lo: f32, hi: f32, thickness: f32) {
        let thickness = thickness.max(0.7);
        self.out.ascent = self.out.ascent.max(hi);
        self.out.rules.push(Rule {
            x0: x - thickness,
            x1: x,
            rise: (lo + hi) / 2.0,
            thickness: hi - lo,
        });
    }

    fn rule(&mut self, x0: f32, x1: f32, rise: f32, thickness: f32) {
        // at least 0.7 px, so that a small fraction's bar does not fade away
        let thickness = thickness.max(0.7);
        self.out.ascent = self.out.ascent.max(rise + thickness / 2.0);
        self.out.descent = self.out.descent.max(thickness / 2.0 - rise);
        self.out.width = self.out.width.max(x1);
        self.out.rules.push(Rule {
            x0,
            x1,
            rise,
            thickness,
        });
    }
}

/// `label` typeset and laid out with an em of `em` pixels.
pub fn layout(label: &str, em: f32) -> Layout {
    let items = mathtext::typeset(label);
    let Some(faces) = faces() else {
        return Layout::empty(em);
    };
    let mut b = Builder {
        faces,
        out: Layout::empty(em),
    };
    b.seq(&items, 0.0);
    b.out
}

impl Layout {
    fn empty(em: f32) -> Layout {
        Layout {
            glyphs: Vec::new(),
            spans: Vec::new(),
            rules: Vec::new(),
            width: 0.0,
            ascent: 0.0,
            descent: 0.0,
            em,
        }
    }

    /// The offset from the anchor point to the line's start on the baseline, for an anchor at
    /// `h` and `v` of the text's box (width × ascent + descent).
    fn origin(&self, h: HPos, v: VPos) -> (f32, f32) {
        let dx = match h {
            HPos::Left => 0.0,
            HPos::Center => -self.width / 2.0,
            HPos::Right => -self.width,
        };
        let dy = match v {
            VPos::Top => self.ascent,
            VPos::Center => (self.ascent - self.descent) / 2.0,
            VPos::Bottom => -self.descent,
        };
        (dx, dy)
    }

    /// Pixel coverage of the laid-out glyphs and rules with the line's start at (ox, oy): calls
    /// `put(x, y, coverage)` with pixel coordinates relative to the anchor.
    fn rasterise(&self, ox: f32, oy: f32, mut put: impl FnMut(i32, i32, f32)) {
        let Some(f) = faces() else { return };
        for g in &self.glyphs {
            let font = f.face(g.italic);
            let glyph = g
                .id
                .with_scale_and_position(px_scale(font, g.em), ab_glyph::point(ox + g.x, oy + g.y));
            if let Some(outline) = font.outline_glyph(glyph) {
                let b = outline.px_bounds();
                let (bx, by) = (b.min.x as i32, b.min.y as i32);
                outline.draw(|x, y, c| put(bx + x as i32, by + y as i32, c));
            }
        }
        // a rule covers each pixel by the area of their overlap
        for r in &self.rules {
            let (x0, x1) = (ox + r.x0, ox + r.x1);
            let (y0, y1) = (
                oy - r.rise - r.thickness / 2.0,
                oy - r.rise + r.thickness / 2.0,
            );
            for py in y0.floor() as i32..y1.ceil() as i32 {
                let cy = (y1.min(py as f32 + 1.0) - y0.max(py as f32)).max(0.0);
                for px in x0.floor() as i32..x1.ceil() as i32 {
                    let cx = (x1.min(px as f32 + 1.0) - x0.max(px as f32)).max(0.0);
                    put(px, py, cx * cy);
                }
            }
        }
    }

    /// An SVG group for the label at `pos`, anchored at `h`, `v`, rotated by `rot`: one
    /// `<text>` with a `<tspan>` per run at its laid-out position, and a `<rect>` per rule.
    fn svg(
        &self,
        pos: BackendCoord,
        h: HPos,
        v: VPos,
        rot: FontTransform,
        color: BackendColor,
    ) -> String {
        let (dx, dy) = self.origin(h, v);
        let (left, base) = (pos.0 as f32 + dx, pos.1 as f32 + dy);
        let (r, g, b) = color.rgb;
        let fill = format!("#{r:02X}{g:02X}{b:02X}");
        let opacity = if color.alpha < 1.0 {
            format!(" fill-opacity=\"{:.3}\"", color.alpha)
        } else {
            String::new()
        };
        let angle = match rot {
            FontTransform::None => 0,
            FontTransform::Rotate90 => 90,
            FontTransform::Rotate180 => 180,
            FontTransform::Rotate270 => 270,
        };
        let mut s = String::from("<g");
        if angle != 0 {
            s.push_str(&format!(
                " transform=\"rotate({angle}, {}, {})\"",
                pos.0, pos.1
            ));
        }
        s.push_str(&format!(
            "><text font-family=\"DejaVu Sans, sans-serif\" font-size=\"{:.2}\" fill=\"{fill}\"{opacity} xml:space=\"preserve\">",
            self.em
        ));
        for span in &self.spans {
            s.push_str(&format!(
                "<tspan x=\"{:.2}\" y=\"{:.2}\"",
                left + span.x,
                base - span.rise
            ));
            if (span.em - self.em).abs() > 1e-3 {
                s.push_str(&format!(" font-size=\"{:.2}\"", span.em));
            }
            if span.italic {
                s.push_str(" font-style=\"italic\"");
            }
            s.push('>');
            for c in span.text.chars() {
                match c {
                    '<' => s.push_str("&lt;"),
                    '>' => s.push_str("&gt;"),
                    '&' => s.push_str("&amp;"),
                    c => s.push(c),
                }
            }
            s.push_str("</tspan>");
        }
        s.push_str("</text>");
        for r in &self.rules {
            s.push_str(&format!(
                "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"{fill}\"{opacity}/>",
                left + r.x0,
                base - r.rise - r.thickness / 2.0,
                r.x1 - r.x0,
                r.thickness
            ));
        }
        s.push_str("</g>");
        s
    }
}

/// How the canvas draws text: rasterised into the wrapped bitmap, or as SVG text elements
/// that replace placeholders after the drawing is done.
pub enum Mode {
    Raster,
    /// The typeset elements, shared with the caller, who swaps them in (`fill_svg`).
    Svg(Rc<RefCell<Vec<String>>>),
}

/// A plotters backend wrapper that draws text (and, on bitmaps, circles) itself.
pub struct Canvas<DB> {
    inner: DB,
    mode: Mode,
}

impl<DB: DrawingBackend> Canvas<DB> {
    pub fn raster(inner: DB) -> Self {
        Canvas {
            inner,
            mode: Mode::Raster,
        }
    }
    pub fn svg(inner: DB, elements: Rc<RefCell<Vec<String>>>) -> Self {
        Canvas {
            inner,
            mode: Mode::Svg(elements),
        }
    }
}

/// A placeholder's text: private-use characters around the element's index.
fn placeholder(i: usize) -> String {
    format!("\u{E000}{i}\u{E001}")
}

/// The SVG document with each placeholder `<text>` element replaced by its typeset element.
pub fn fill_svg(svg: &str, elements: &[String]) -> String {
    // one pass: the placeholders come in drawing order
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    for (i, el) in elements.iter().enumerate() {
        let key = placeholder(i);
        let Some(at) = rest.find(&key) else { continue };
        let (Some(open), Some(close)) = (rest[..at].rfind("<text"), rest[at..].find("</text>"))
        else {
            continue;
        };
        out.push_str(&rest[..open]);
        out.push_str(el);
        rest = &rest[at + close + "</text>".len()..];
    }
    out.push_str(rest);
    out
}

impl<DB: DrawingBackend> DrawingBackend for Canvas<DB> {
    type ErrorType = DB::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }
    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    /// Circles with edges antialiased by the distance of each pixel's centre from the rim.
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if !matches!(self.mode, Mode::Raster) {
            return self.inner.draw_circle(center, radius, style, fill);
        }
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let r = radius as f64;
        let half = style.stroke_width().max(1) as f64 / 2.0;
        // a pixel is fully in or out beyond half a pixel from the edge: no square root there
        let (outer, inner) = if fill {
            (r + 0.5, (r - 0.5).max(0.0))
        } else {
            (r + half + 0.5, (r - half - 0.5).max(0.0))
        };
        let reach = outer.ceil() as i32;
        let (outer2, inner2) = (outer * outer, inner * inner);
        // a stroke thick for its radius fills the disc
        let ring = !fill && inner > 0.0;
        for dy in -reach..=reach {
            for dx in -reach..=reach {
                let d2 = (dx * dx + dy * dy) as f64;
                if d2 >= outer2 || (ring && d2 <= inner2) {
                    continue;
                }
                let cover = if !ring && d2 <= inner2 {
                    1.0
                } else {
                    let d = d2.sqrt();
                    if ring {
                        // coverage falls off half a pixel either side of the stroke
                        (half + 0.5 - (d - r).abs()).clamp(0.0, 1.0)
                    } else {
                        (outer - d).clamp(0.0, 1.0)
                    }
                };
                if cover > 0.0 {
                    let c = BackendColor {
                        alpha: color.alpha * cover,
                        rgb: color.rgb,
                    };
                    self.inner.draw_pixel((center.0 + dx, center.1 + dy), c)?;
                }
            }
        }
        Ok(())
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let laid = layout(text, style.size() as f32);
        let anchor = style.anchor();
        let rot = style.transform();
        match &mut self.mode {
            Mode::Svg(elements) => {
                let key = {
                    let mut elements = elements.borrow_mut();
                    elements.push(laid.svg(pos, anchor.h_pos, anchor.v_pos, rot, color));
                    placeholder(elements.len() - 1)
                };
                self.inner.draw_text(&key, style, pos)
            }
            Mode::Raster => {
                let (ox, oy) = laid.origin(anchor.h_pos, anchor.v_pos);
                let (w, h) = self.inner.get_size();
                let mut pixels = Vec::new();
                laid.rasterise(ox, oy, |x, y, c| pixels.push((x, y, c)));
                for (x, y, c) in pixels {
                    // the pixel square [x, x+1) × [y, y+1) turned about the anchor
                    let (x, y) = match rot {
                        FontTransform::None => (x, y),
                        FontTransform::Rotate90 => (-y - 1, x),
                        FontTransform::Rotate180 => (-x - 1, -y - 1),
                        FontTransform::Rotate270 => (y, -x - 1),
                    };
                    let (x, y) = (pos.0 + x, pos.1 + y);
                    if x < 0 || y < 0 || x >= w as i32 || y >= h as i32 || c <= 0.0 {
                        continue;
                    }
                    let c = BackendColor {
                        alpha: color.alpha * c.min(1.0) as f64,
                        rgb: color.rgb,
                    };
                    self.inner.draw_pixel((x, y), c)?;
                }
                Ok(())
            }
        }
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let laid = layout(text, style.size() as f32);
        Ok((
            laid.width.ceil() as u32,
            (laid.ascent + laid.descent).ceil() as u32,
        ))
    }
}

/// The width and height in pixels of `label` typeset at an em of `em` pixels.
pub fn text_size(label: &str, em: f64) -> (f64, f64) {
    let l = layout(label, em as f32);
    (l.width as f64, (l.ascent + l.descent) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kerning_and_fractional_advances() {
        // "AV" kerns tighter than the sum of its letters' advances
        let (av, a, v) = (layout("AV", 100.0), layout("A", 100.0), layout("V", 100.0));
        assert!(
            av.width < a.width + v.width - 1.0,
            "{} vs {}",
            av.width,
            a.width + v.width
        );
        // advances are not rounded: "ii" at 10 px is twice "i" at 10 px, not a whole number
        let (i1, i2) = (layout("i", 10.0).width, layout("ii", 10.0).width);
        assert!((i2 - 2.0 * i1).abs() < 1e-4 && i1.fract() != 0.0);
        // an em of 100 px: DejaVu Sans's ascent is 0.928 em, its descent 0.236 em
        let m = layout("M", 100.0);
        assert!((m.ascent - 92.8).abs() < 0.5 && (m.descent - 23.6).abs() < 0.5);
    }

    #[test]
    fn scripts_extend_the_box_and_stack() {
        let base = layout("$W$", 100.0);
        let sub = layout("$W_c$", 100.0);
        let sup = layout("$k^2$", 100.0);
        assert!(sub.descent > base.descent + 5.0);
        assert!(sub.width > base.width && sub.width < base.width + 60.0);
        assert!(sup.ascent > base.ascent);
        // x_i^2: the superscript starts where the subscript did
        let both = layout("$x_i^2$", 100.0);
        let single = layout("$x_i$", 100.0);
        assert!(both.width < single.width + 40.0, "{}", both.width);
    }

    #[test]
    fn fractions_stack_and_roots_get_a_bar() {
        let frac = layout("$\\frac{1}{L}$", 100.0);
        let line = layout("$1/L$", 100.0);
        // narrower than written in line, taller than a line, with one bar over the width
        assert!(frac.width < line.width, "{} {}", frac.width, line.width);
        assert!(frac.ascent > line.ascent - 10.0 && frac.descent > line.descent);
        assert_eq!(frac.rules.len(), 1);
        let bar = &frac.rules[0];
        assert!(bar.x1 - bar.x0 > 0.5 * frac.width && (bar.rise - 26.0).abs() < 1.0);
        // numerator above the bar, denominator below: the spans' baselines
        assert!(frac.spans[0].rise > bar.rise && frac.spans[1].rise + 51.0 < bar.rise);
        let root = layout("$\\sqrt{N}$", 100.0);
        // the bar (last), and a stem up to it where the body is taller than the sign
        assert!((1..=2).contains(&root.rules.len()));
        let bar = &root.rules[root.rules.len() - 1];
        // the bar covers N (starting at the sign) at the sign's top
        assert!(bar.x1 >= root.spans[1].x + 70.0 && bar.x0 < root.spans[1].x);
        assert!(bar.rise > 70.0 && bar.rise < root.ascent);
        // the rule is drawn: coverage rows at its height, and a <rect> in SVG
        let mut covered = 0.0;
        root.rasterise(0.0, 100.0, |_, y, c| {
            if (100 - y) as f32 > bar.rise - 3.0 && ((100 - y) as f32) < bar.rise + 3.0 {
                covered += c;
            }
        });
        assert!(covered > 0.8 * (bar.x1 - bar.x0) * bar.thickness);
        let black = BackendColor {
            alpha: 1.0,
            rgb: (0, 0, 0),
        };
        let svg = root.svg((0, 0), HPos::Left, VPos::Top, FontTransform::None, black);
        assert_eq!(svg.matches("<rect").count(), root.rules.len(), "{svg}");
    }

    #[test]
    fn svg_keeps_text_with_a_tspan_per_run() {
        let l = layout("$W_c$ < 1", 20.0);
        let s = l.svg(
            (10, 20),
            HPos::Left,
            VPos::Top,
            FontTransform::Rotate270,
            BackendColor {
                alpha: 1.0,
                rgb: (0, 0, 0),
            },
        );
        assert!(s.starts_with("<g") && s.ends_with("</text></g>"), "{s}");
        assert!(s.contains("font-style=\"italic\">W</tspan>"), "{s}");
        assert!(s.contains("font-size=\"14.00\""), "{s}");
        assert!(s.contains("&lt; 1"), "{s}");
        assert!(s.contains("rotate(270, 10, 20)"), "{s}");
        let doc = format!("<svg><text x=\"1\">{}</text></svg>", placeholder(0));
        assert_eq!(
            fill_svg(&doc, std::slice::from_ref(&s)),
            format!("<svg>{s}</svg>")
        );
    }
}
