//! Text and marks for figures, on any plotters backend. `Canvas` wraps a backend and takes over
//! its text: labels are typeset (`mathtext`), laid out with the font's kerning at fractional
//! pixel positions, and either rasterised from the glyph outlines with coverage (bitmaps: no
//! whole-pixel snapping, so glyph spacing is even at every dpi) or written as SVG text, one
//! `<tspan>` per run (SVG and, through it, PDF keep the text as text). A font size is the em
//! size in pixels, as in CSS and TeX, so that 9 pt is 9 pt in every output. On bitmaps the canvas
//! also draws circles (markers) with antialiased edges.

use super::mathtext::{self, Run, Start};
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

/// A typeset label laid out at one size.
pub struct Layout {
    runs: Vec<Run>,
    glyphs: Vec<Placed>,
    /// Each run's start and end x (for SVG's stacked scripts).
    starts: Vec<f32>,
    ends: Vec<f32>,
    pub width: f32,
    /// Above the baseline (the font's ascent, or a raised script's).
    pub ascent: f32,
    /// Below the baseline, positive.
    pub descent: f32,
    em: f32,
}

/// `label` typeset and laid out with an em of `em` pixels.
pub fn layout(label: &str, em: f32) -> Layout {
    let runs = mathtext::typeset(label);
    let mut glyphs = Vec::new();
    let mut starts = Vec::with_capacity(runs.len());
    let mut ends = Vec::with_capacity(runs.len());
    let (mut x, mut mark, mut reached) = (0f32, 0f32, 0f32);
    let (mut ascent, mut descent) = (0f32, 0f32);
    let mut width = 0f32;
    if let Some(f) = faces() {
        for run in &runs {
            match run.start {
                Start::Next => {}
                Start::Mark => mark = x,
                Start::Back => {
                    reached = x;
                    x = mark;
                }
                Start::Farthest => x = x.max(reached),
            }
            starts.push(x);
            let font = f.face(run.italic);
            let size = em * run.scale;
            let scaled = font.as_scaled(px_scale(font, size));
            let y = -run.rise * em;
            ascent = ascent.max(scaled.ascent() - y);
            descent = descent.max(-scaled.descent() + y);
            let mut prev: Option<GlyphId> = None;
            for c in run.text.chars() {
                let id = font.glyph_id(c);
                if let Some(p) = prev {
                    x += scaled.kern(p, id);
                }
                glyphs.push(Placed {
                    italic: run.italic,
                    id,
                    em: size,
                    x,
                    y,
                });
                x += scaled.h_advance(id);
                prev = Some(id);
            }
            ends.push(x);
            width = width.max(x);
        }
    }
    Layout {
        runs,
        glyphs,
        starts,
        ends,
        width,
        ascent,
        descent,
        em,
    }
}

impl Layout {
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

    /// Pixel coverage of the laid-out glyphs with the line's start at (ox, oy): calls
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
    }

    /// An SVG `<text>` element for the label at `pos`, anchored at `h`, `v`, rotated by `rot`.
    fn svg(
        &self,
        pos: BackendCoord,
        h: HPos,
        v: VPos,
        rot: FontTransform,
        color: BackendColor,
    ) -> String {
        let (_, dy) = self.origin(h, v);
        let anchor = match h {
            HPos::Left => "start",
            HPos::Center => "middle",
            HPos::Right => "end",
        };
        let (r, g, b) = color.rgb;
        let mut s = format!(
            "<text x=\"{}\" y=\"{:.2}\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"{:.2}\" \
             fill=\"#{r:02X}{g:02X}{b:02X}\" text-anchor=\"{anchor}\" xml:space=\"preserve\"",
            pos.0,
            pos.1 as f32 + dy,
            self.em,
        );
        if color.alpha < 1.0 {
            s.push_str(&format!(" fill-opacity=\"{:.3}\"", color.alpha));
        }
        let angle = match rot {
            FontTransform::None => 0,
            FontTransform::Rotate90 => 90,
            FontTransform::Rotate180 => 180,
            FontTransform::Rotate270 => 270,
        };
        if angle != 0 {
            s.push_str(&format!(
                " transform=\"rotate({angle}, {}, {})\"",
                pos.0, pos.1
            ));
        }
        s.push('>');
        // each run a tspan; baseline and pen shifts relative to where the previous run left off
        let (mut rise, mut end) = (0f32, 0f32);
        let mut pending_dx = 0f32;
        for (i, run) in self.runs.iter().enumerate() {
            let start = self.starts.get(i).copied().unwrap_or(end);
            pending_dx += start - end;
            end = self.ends.get(i).copied().unwrap_or(start);
            if run.text.is_empty() {
                continue;
            }
            s.push_str("<tspan");
            if run.scale != 1.0 {
                s.push_str(&format!(" font-size=\"{:.2}\"", self.em * run.scale));
            }
            if run.italic {
                s.push_str(" font-style=\"italic\"");
            }
            let shift = -(run.rise - rise) * self.em;
            if shift.abs() > 1e-3 {
                s.push_str(&format!(" dy=\"{shift:.2}\""));
            }
            if pending_dx.abs() > 1e-3 {
                s.push_str(&format!(" dx=\"{pending_dx:.2}\""));
            }
            s.push('>');
            for c in run.text.chars() {
                match c {
                    '<' => s.push_str("&lt;"),
                    '>' => s.push_str("&gt;"),
                    '&' => s.push_str("&amp;"),
                    c => s.push(c),
                }
            }
            s.push_str("</tspan>");
            rise = run.rise;
            pending_dx = 0.0;
        }
        s.push_str("</text>");
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
    let mut out = svg.to_string();
    for (i, el) in elements.iter().enumerate() {
        let key = placeholder(i);
        let Some(at) = out.find(&key) else { continue };
        let (Some(open), Some(close)) = (out[..at].rfind("<text"), out[at..].find("</text>"))
        else {
            continue;
        };
        out.replace_range(open..at + close + "</text>".len(), el);
    }
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
        let reach = (r + half + 1.0).ceil() as i32;
        let (cx, cy) = (center.0 as f64 + 0.5, center.1 as f64 + 0.5);
        for dy in -reach..=reach {
            for dx in -reach..=reach {
                let (x, y) = (center.0 + dx, center.1 + dy);
                let d = ((x as f64 + 0.5 - cx).powi(2) + (y as f64 + 0.5 - cy).powi(2)).sqrt();
                let cover = if fill {
                    (r + 0.5 - d).clamp(0.0, 1.0)
                } else {
                    (half + 0.5 - (d - r).abs()).clamp(0.0, 1.0)
                };
                if cover > 0.0 {
                    let c = BackendColor {
                        alpha: color.alpha * cover,
                        rgb: color.rgb,
                    };
                    self.inner.draw_pixel((x, y), c)?;
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
        assert!(s.starts_with("<text") && s.ends_with("</text>"), "{s}");
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
