//! Text in charts: DejaVu Sans and DejaVu Sans Bold, compiled into the
//! binary (licence in `assets/fonts/LICENSE`), so that charts need no system
//! fonts, fontconfig or freetype, and are the same bytes on every machine.
//!
//! plotters draws text through its `ab_glyph` font support, which places each
//! glyph without its left side bearing (letters bunch up or overlap, as in
//! "ab andons" or "exduded"). [`Typeset`] wraps a backend and sets the text
//! itself, with the same metrics as plotters' SVG output: the em is the font
//! size ÷ 1.24 and the baseline lies 0.76 em below the top of the text's box.
//! In SVG the text stays text (the viewer's sans-serif font draws it); only
//! its measure comes from here, so both files of a chart share one layout.

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::register_font;
use plotters::style::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};
use std::path::Path;
use std::sync::OnceLock;

/// The font family every chart names: in SVG, the viewer's own sans-serif
/// font; in PNG, the DejaVu Sans below.
const FAMILY: &str = "sans-serif";
const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
/// Font size per em, as in plotters' SVG backend (`font-size` = size ÷ 1.24).
const SIZE_PER_EM: f64 = 1.24;
/// The baseline, below the top of the text's box, in ems (SVG's `dy="0.76em"`).
const BASELINE_EMS: f32 = 0.76;

/// The two faces, parsed once; registered with plotters as well, so that
/// anything plotters measures itself uses the same font.
fn faces() -> &'static [FontRef<'static>; 2] {
    static FACES: OnceLock<[FontRef<'static>; 2]> = OnceLock::new();
    FACES.get_or_init(|| {
        let parse = |style: FontStyle, bytes: &'static [u8]| {
            // The bytes are fixed at build time: a failure is a broken build, not bad input.
            let broken = || panic!("the compiled-in {} font is not a valid font", style.as_str());
            if register_font(FAMILY, style, bytes).is_err() {
                broken();
            }
            FontRef::try_from_slice(bytes).unwrap_or_else(|_| broken())
        };
        [parse(FontStyle::Normal, REGULAR), parse(FontStyle::Bold, BOLD)]
    })
}

/// The regular face at `size` (plotters' font size, 1.24 × the em).
pub(super) fn font(size: u32) -> FontDesc<'static> {
    faces();
    (FAMILY, size).into_font()
}

/// The bold face. Not `font(size).style(FontStyle::Bold)`: plotters' `style`
/// keeps the regular face's glyphs and only renames the style.
pub(super) fn bold(size: u32) -> FontDesc<'static> {
    faces();
    FontDesc::new(FontFamily::Name(FAMILY), size.into(), FontStyle::Bold)
}

/// A line of text set in one face: each glyph with its pen position.
struct Line<'f> {
    face: &'f FontRef<'static>,
    scale: PxScale,
    glyphs: Vec<(GlyphId, f32)>,
    width: f32,
    em: f32,
}

fn set(text: &str, style: &impl BackendTextStyle) -> Line<'static> {
    let [regular, bold] = faces();
    let face = match style.style() {
        FontStyle::Bold => bold,
        _ => regular,
    };
    let em = (style.size() / SIZE_PER_EM) as f32;
    let units_per_em = face.units_per_em().unwrap_or(2048.0);
    let scale = PxScale::from(em * face.height_unscaled() / units_per_em);
    let scaled = face.as_scaled(scale);
    let mut glyphs = Vec::with_capacity(text.len());
    let mut pen = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = face.glyph_id(c);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        glyphs.push((id, pen));
        pen += scaled.h_advance(id);
        prev = Some(id);
    }
    Line { face, scale, glyphs, width: pen, em }
}

/// A chart backend whose text is set with the compiled-in fonts.
pub(super) struct Typeset<B> {
    inner: B,
    /// Draw the glyphs here (bitmaps) rather than pass the text on (SVG).
    raster: bool,
}

/// An SVG chart of `size` pixels, written into `svg`.
fn svg_area(svg: &mut String, size: (u32, u32)) -> DrawingArea<Typeset<SVGBackend<'_>>, Shift> {
    Typeset { inner: SVGBackend::with_string(svg, size), raster: false }.into_drawing_area()
}

/// A chart that draws itself on any backend, so that one piece of code
/// makes both its SVG and its PNG.
pub(super) trait Picture {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> super::charts::Drawn<DB>;
}

/// Draws `picture` as `dir/<file>.svg` and `dir/<file>.png` (`dir`
/// exists); returns the SVG text, which the HTML pages embed.
pub(super) fn render(dir: &Path, file: &str, picture: &impl Picture) -> std::io::Result<String> {
    let err = |e: &dyn std::fmt::Display| std::io::Error::other(e.to_string());
    let mut svg = String::new();
    {
        let root = svg_area(&mut svg, super::charts::SIZE);
        picture.draw(&root).map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))?;
    }
    std::fs::write(dir.join(format!("{file}.svg")), &svg)?;
    let png = dir.join(format!("{file}.png"));
    let root = png_area(&png, super::charts::SIZE);
    picture.draw(&root).map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(svg)
}

/// A PNG chart of `size` pixels, written to `path` when presented.
fn png_area(path: &Path, size: (u32, u32)) -> DrawingArea<Typeset<BitMapBackend<'_>>, Shift> {
    Typeset { inner: BitMapBackend::new(path, size), raster: true }.into_drawing_area()
}

impl<B: DrawingBackend> DrawingBackend for Typeset<B> {
    type ErrorType = B::ErrorType;

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
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
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

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let line = set(text, style);
        Ok((line.width as u32, line.em as u32))
    }

    /// Draws `text` anchored at `pos` as plotters does (the anchor picks a
    /// point of the text's box, then the box turns about it), with each
    /// glyph placed at its pen position, side bearing and kerning included.
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        if !self.raster || color.alpha == 0.0 {
            return self.inner.draw_text(text, style, pos);
        }
        let line = set(text, style);
        let (width, height) = (line.width as i32, line.em as i32);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let turn = style.transform();
        let (w, h) = self.get_size();
        let baseline = BASELINE_EMS * line.em;
        let mut pixels = Vec::new();
        for &(id, pen) in &line.glyphs {
            let Some(outline) = line.face.outline_glyph(id.with_scale_and_position(line.scale, point(pen, baseline)))
            else {
                continue; // a space
            };
            let bounds = outline.px_bounds();
            let (x0, y0) = (bounds.min.x as i32, bounds.min.y as i32);
            outline.draw(|x, y, coverage| pixels.push((x0 + x as i32, y0 + y as i32, coverage.min(1.0))));
        }
        for (x, y, coverage) in pixels {
            if coverage <= 0.0 {
                continue;
            }
            let (x, y) = turn.transform(x + dx, y + dy);
            let (x, y) = (pos.0 + x, pos.1 + y);
            if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 {
                self.inner.draw_pixel((x, y), color.mix(f64::from(coverage)))?;
            }
        }
        Ok(())
    }
}
