//! PDF documents (krilla, DejaVu Sans embedded, so Cyrillic prints anywhere): the payroll
//! statement to print and sign (`payroll`) and the timesheet, one row per shift, fed a page at
//! a time (`timesheet`). What both draw with is here: the fonts, measured with ab_glyph so
//! cells can be fitted and right-aligned, tables with a header row repeated on every page, the
//! title block, the totals and signature lines, and page footers.

mod payroll;
mod timesheet;

pub use payroll::payroll_pdf;
pub use timesheet::TimesheetPdf;

use crate::texts::{date, hours_minutes, t, tf};
use crate::{FONT_BOLD, FONT_REGULAR, ReportError};
use ab_glyph::{Font as _, FontRef};
use app::reports::{Payroll, PayrollTotal};
use domain::Language;
use domain::money_text::money;
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};

/// A4, in points.
const A4_SHORT: f32 = 595.28;
const A4_LONG: f32 = 841.89;
const MARGIN: f32 = 42.0;
const SIZE: f32 = 9.0;
/// The size a cell too wide for its column is set in.
const SMALL: f32 = 7.5;
const ROW_H: f32 = 16.0;
const HEADER_H: f32 = 20.0;
/// Room the footer (page number) keeps at the bottom.
const FOOTER_H: f32 = 28.0;
/// Room the title block takes on the first page.
const TITLE_H: f32 = 86.0;
/// Room the signature lines take after the totals.
const SIGNATURES_H: f32 = 110.0;

/// A table column: its header's text id, width, and whether its cells are right-aligned.
#[derive(Clone, Copy)]
struct Column {
    title: &'static str,
    width: f32,
    right: bool,
}

const fn col(title: &'static str, width: f32, right: bool) -> Column {
    Column {
        title,
        width,
        right,
    }
}

fn table_width(columns: &[Column]) -> f32 {
    columns.iter().map(|c| c.width).sum()
}

/// The two faces: krilla's for drawing, ab_glyph's for measuring and laying glyphs out, with
/// the glyph and advance of every character below U+0800 (Latin, Cyrillic, punctuation) looked
/// up once.
struct Fonts {
    regular: Font,
    bold: Font,
    measure_regular: Metrics,
    measure_bold: Metrics,
}

/// Characters below this have their glyph and advance in a table.
const TABLE_CHARS: u32 = 0x800;

/// One face's glyph ids and advances (in ems).
struct Metrics {
    face: FontRef<'static>,
    em: f32,
    table: Vec<(u16, f32)>,
}

impl Metrics {
    fn new(data: &'static [u8]) -> Option<Self> {
        let face = FontRef::try_from_slice(data).ok()?;
        let em = face.units_per_em().unwrap_or(2048.0);
        let table = (0..TABLE_CHARS)
            .map(|code| {
                let id = char::from_u32(code).map_or(ab_glyph::GlyphId(0), |c| face.glyph_id(c));
                (id.0, face.h_advance_unscaled(id) / em)
            })
            .collect();
        Some(Metrics { face, em, table })
    }

    /// The glyph of `c` and its advance in ems.
    fn glyph(&self, c: char) -> (u16, f32) {
        match self.table.get(c as usize) {
            Some(known) => *known,
            None => {
                let id = self.face.glyph_id(c);
                (id.0, self.face.h_advance_unscaled(id) / self.em)
            }
        }
    }
}

impl Fonts {
    fn load() -> Result<Self, ReportError> {
        let bad = |what: &str| ReportError::Pdf(format!("the embedded {what} font is unreadable"));
        Ok(Self {
            regular: Font::new(FONT_REGULAR.into(), 0).ok_or_else(|| bad("regular"))?,
            bold: Font::new(FONT_BOLD.into(), 0).ok_or_else(|| bad("bold"))?,
            measure_regular: Metrics::new(FONT_REGULAR).ok_or_else(|| bad("regular"))?,
            measure_bold: Metrics::new(FONT_BOLD).ok_or_else(|| bad("bold"))?,
        })
    }

    fn metrics(&self, bold: bool) -> &Metrics {
        if bold {
            &self.measure_bold
        } else {
            &self.measure_regular
        }
    }

    fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        let metrics = self.metrics(bold);
        text.chars().map(|c| metrics.glyph(c).1).sum::<f32>() * size
    }

    /// The text, cut with "…" to fit `width`.
    fn fit(&self, text: &str, width: f32, size: f32, bold: bool) -> String {
        if self.width(text, size, bold) <= width {
            return text.to_owned();
        }
        let mut out: String = text.to_owned();
        while !out.is_empty() && self.width(&format!("{out}…"), size, bold) > width {
            out.pop();
        }
        format!("{out}…")
    }
}

fn black() -> Fill {
    Fill::default()
}

fn gray_fill() -> Fill {
    Fill {
        paint: rgb::Color::new(0xE8, 0xEC, 0xF2).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn line(surface: &mut Surface, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
    let mut pb = PathBuilder::new();
    pb.move_to(x1, y1);
    pb.line_to(x2, y2);
    if let Some(path) = pb.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            width,
            ..Stroke::default()
        }));
        surface.draw_path(&path);
        surface.set_stroke(None);
        surface.set_fill(Some(black()));
    }
}

/// A new document with its metadata: "<title> — <period>", the language, the creator.
fn document(lang: Language, title: &str, period: &str) -> Document {
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("{title} — {period}"))
            .language(lang.as_str().to_owned())
            .creator("StaffProBot".to_owned()),
    );
    document
}

fn page_settings(width: f32, height: f32) -> Result<PageSettings, ReportError> {
    PageSettings::from_wh(width, height).ok_or_else(|| ReportError::Pdf("bad page size".into()))
}

fn finish(document: Document) -> Result<Vec<u8>, ReportError> {
    document
        .finish()
        .map_err(|e| ReportError::Pdf(format!("{e:?}")))
}

/// "Period: 1 Mar 2027 – 31 Mar 2027".
fn period(lang: Language, payroll: &Payroll) -> String {
    tf(
        lang,
        "period",
        &[
            ("from", date(lang, payroll.from)),
            ("to", date(lang, payroll.to)),
        ],
    )
}

struct Painter<'a> {
    fonts: &'a Fonts,
    lang: Language,
    columns: &'static [Column],
}

impl Painter<'_> {
    /// Draws `text` with its glyphs laid out here, one per character at its advance, rather than
    /// through krilla's `draw_text`, which parses the font and shapes every call (most of the
    /// time of a 100,000-row timesheet). Latin and Cyrillic in DejaVu Sans need no shaping;
    /// kerning is left out, which a table does not miss. Each glyph maps back to its character,
    /// so the text can be copied and searched.
    fn text(&self, s: &mut Surface, x: f32, y: f32, text: &str, size: f32, bold: bool) {
        let font = if bold {
            self.fonts.bold.clone()
        } else {
            self.fonts.regular.clone()
        };
        let metrics = self.fonts.metrics(bold);
        let glyphs: Vec<KrillaGlyph> = text
            .char_indices()
            .map(|(at, c)| {
                let (id, advance) = metrics.glyph(c);
                KrillaGlyph::new(
                    GlyphId::new(u32::from(id)),
                    advance,
                    0.0,
                    0.0,
                    0.0,
                    at..at + c.len_utf8(),
                    None,
                )
            })
            .collect();
        s.draw_glyphs(Point::from_xy(x, y), &glyphs, font, text, size, false);
    }

    fn table_width(&self) -> f32 {
        table_width(self.columns)
    }

    /// One table row of cells, each fitted to its column and aligned: a cell too wide for its
    /// column is set smaller (`SMALL`), and cut with "…" only if it does not fit even so.
    fn row(&self, s: &mut Surface, y: f32, cells: &[String], bold: bool) {
        let mut x = MARGIN;
        for (column, cell) in self.columns.iter().zip(cells) {
            if !cell.is_empty() {
                let inner = column.width - 6.0;
                let size = if self.fonts.width(cell, SIZE, bold) <= inner {
                    SIZE
                } else {
                    SMALL
                };
                let text = self.fonts.fit(cell, inner, size, bold);
                let tx = if column.right {
                    x + column.width - 3.0 - self.fonts.width(&text, size, bold)
                } else {
                    x + 3.0
                };
                self.text(s, tx, y + ROW_H - 5.0, &text, size, bold);
            }
            x += column.width;
        }
    }

    /// A body row with the thin rule under it.
    fn body_row(&self, s: &mut Surface, y: f32, cells: &[String]) {
        self.row(s, y, cells, false);
        line(
            s,
            MARGIN,
            y + ROW_H,
            MARGIN + self.table_width(),
            y + ROW_H,
            0.3,
        );
    }

    fn table_header(&self, s: &mut Surface, y: f32) {
        let width = self.table_width();
        let mut pb = PathBuilder::new();
        if let Some(rect) = Rect::from_xywh(MARGIN, y, width, HEADER_H) {
            pb.push_rect(rect);
        }
        if let Some(path) = pb.finish() {
            s.set_fill(Some(gray_fill()));
            s.draw_path(&path);
            s.set_fill(Some(black()));
        }
        let cells: Vec<String> = self.columns.iter().map(|c| t(self.lang, c.title)).collect();
        self.row(s, y + 2.0, &cells, true);
        line(s, MARGIN, y + HEADER_H, MARGIN + width, y + HEADER_H, 0.7);
    }

    /// The first page's title, period, whom it was prepared for and the sites; returns the
    /// height used.
    fn title_block(&self, s: &mut Surface, y: f32, title: &str, payroll: &Payroll) -> f32 {
        let lang = self.lang;
        self.text(s, MARGIN, y + 16.0, title, 16.0, true);
        self.text(s, MARGIN, y + 36.0, &period(lang, payroll), 10.0, false);
        let prepared = tf(
            lang,
            "prepared-for",
            &[("name", payroll.prepared_for.clone())],
        );
        self.text(s, MARGIN, y + 52.0, &prepared, 10.0, false);
        let names: Vec<&str> = payroll.sites.iter().map(|(_, n)| n.as_str()).collect();
        let sites = tf(lang, "sites", &[("names", names.join(", "))]);
        let sites = self.fonts.fit(&sites, self.table_width(), 10.0, false);
        self.text(s, MARGIN, y + 68.0, &sites, 10.0, false);
        TITLE_H
    }

    /// Below the table: "no shifts" when it had no rows, a rule, one bold row per currency
    /// (`total_row` lays its cells out), then the signature and date lines.
    fn closing(
        &self,
        s: &mut Surface,
        mut y: f32,
        empty: bool,
        totals: &[PayrollTotal],
        total_row: impl Fn(&PayrollTotal) -> Vec<String>,
    ) {
        let lang = self.lang;
        if empty {
            self.text(
                s,
                MARGIN + 3.0,
                y + 14.0,
                &t(lang, "no-shifts"),
                SIZE,
                false,
            );
            y += ROW_H;
        }
        line(s, MARGIN, y, MARGIN + self.table_width(), y, 0.9);
        for total in totals {
            self.row(s, y, &total_row(total), true);
            y += ROW_H;
        }
        y += 28.0;
        for id in ["sign-manager", "sign-accountant"] {
            self.text(s, MARGIN, y, &t(lang, id), 10.0, false);
            self.text(s, MARGIN + 110.0, y, &t(lang, "sign-line"), 10.0, false);
            y += 26.0;
        }
        self.text(s, MARGIN, y, &t(lang, "sign-date"), 10.0, false);
    }

    /// The height [`closing`](Self::closing) takes.
    fn closing_height(empty: bool, totals: usize) -> f32 {
        let rows = totals + usize::from(empty);
        rows as f32 * ROW_H + SIGNATURES_H
    }

    /// The page number, centred at the bottom.
    fn footer(&self, s: &mut Surface, page_w: f32, page_h: f32, text: &str) {
        let fw = self.fonts.width(text, 8.0, false);
        self.text(
            s,
            (page_w - fw) / 2.0,
            page_h - MARGIN + 10.0,
            text,
            8.0,
            false,
        );
    }
}

/// A totals row's worked time and pay, as the tables show them.
fn total_figures(lang: Language, total: &PayrollTotal) -> (String, String) {
    (hours_minutes(total.worked_minutes), money(lang, total.pay))
}
