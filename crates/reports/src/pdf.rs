//! The payroll statement as a PDF (krilla, DejaVu Sans embedded, so Cyrillic prints anywhere):
//! title, period, who it was prepared for and the sites, a table of employees (the header
//! repeated on every page, a signature column), totals per currency, signature lines, and
//! "page N of M" on every page. Laid out in two passes: pages are planned first, so the total
//! page count is known when the footers are drawn.

use crate::texts::{date, hours_minutes, t, tf};
use crate::{FONT_BOLD, FONT_REGULAR, ReportError};
use ab_glyph::{Font as _, FontRef};
use app::reports::Payroll;
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
use krilla::text::{Font, TextDirection};

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 42.0;
const SIZE: f32 = 9.0;
const ROW_H: f32 = 16.0;
const HEADER_H: f32 = 20.0;
/// Room the footer (page number) keeps at the bottom.
const FOOTER_H: f32 = 28.0;
/// Room the title block takes on the first page.
const TITLE_H: f32 = 86.0;
/// Room the signature lines take after the totals.
const SIGNATURES_H: f32 = 110.0;

/// (text id, width, right-aligned)
const COLUMNS: [(&str, f32, bool); 7] = [
    ("col-number", 24.0, true),
    ("col-employee", 140.0, false),
    ("col-site", 104.0, false),
    ("col-shifts", 40.0, true),
    ("col-worked", 52.0, true),
    ("col-pay", 85.0, true),
    ("col-signature", 66.28, false),
];

/// The two faces: krilla's for drawing, ab_glyph's for measuring.
struct Fonts {
    regular: Font,
    bold: Font,
    measure_regular: FontRef<'static>,
    measure_bold: FontRef<'static>,
}

impl Fonts {
    fn load() -> Result<Self, ReportError> {
        let bad = |what: &str| ReportError::Pdf(format!("the embedded {what} font is unreadable"));
        Ok(Self {
            regular: Font::new(FONT_REGULAR.into(), 0).ok_or_else(|| bad("regular"))?,
            bold: Font::new(FONT_BOLD.into(), 0).ok_or_else(|| bad("bold"))?,
            measure_regular: FontRef::try_from_slice(FONT_REGULAR).map_err(|_| bad("regular"))?,
            measure_bold: FontRef::try_from_slice(FONT_BOLD).map_err(|_| bad("bold"))?,
        })
    }

    fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        let f = if bold {
            &self.measure_bold
        } else {
            &self.measure_regular
        };
        let em = f.units_per_em().unwrap_or(2048.0);
        let units: f32 = text
            .chars()
            .map(|c| f.h_advance_unscaled(f.glyph_id(c)))
            .sum();
        units / em * size
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

/// What goes on one page: the table rows `rows`, and whether the totals and signatures follow.
struct PagePlan {
    rows: std::ops::Range<usize>,
    closing: bool,
}

fn plan(lines: usize) -> Vec<PagePlan> {
    let usable = PAGE_H - 2.0 * MARGIN - FOOTER_H;
    let mut pages = Vec::new();
    let mut next = 0;
    let mut first = true;
    loop {
        let top = if first { TITLE_H } else { 0.0 };
        let room = ((usable - top - HEADER_H) / ROW_H).floor().max(1.0) as usize;
        let end = (next + room).min(lines);
        let used = top + HEADER_H + (end - next) as f32 * ROW_H;
        pages.push(PagePlan {
            rows: next..end,
            closing: false,
        });
        next = end;
        first = false;
        if next >= lines {
            if let Some(last) = pages.last_mut()
                && usable - used >= SIGNATURES_H
            {
                last.closing = true;
            }
            break;
        }
    }
    if pages.last().is_some_and(|p| !p.closing) {
        pages.push(PagePlan {
            rows: lines..lines,
            closing: true,
        });
    }
    pages
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

struct Painter<'a> {
    fonts: &'a Fonts,
}

impl Painter<'_> {
    fn text(&self, s: &mut Surface, x: f32, y: f32, text: &str, size: f32, bold: bool) {
        let font = if bold {
            self.fonts.bold.clone()
        } else {
            self.fonts.regular.clone()
        };
        s.draw_text(
            Point::from_xy(x, y),
            font,
            size,
            text,
            false,
            TextDirection::Auto,
        );
    }

    /// One table row of cells, each fitted to its column and aligned.
    fn row(&self, s: &mut Surface, y: f32, cells: &[String], bold: bool) {
        let mut x = MARGIN;
        for ((_, width, right), cell) in COLUMNS.iter().zip(cells) {
            let inner = width - 6.0;
            let text = self.fonts.fit(cell, inner, SIZE, bold);
            let tx = if *right {
                x + width - 3.0 - self.fonts.width(&text, SIZE, bold)
            } else {
                x + 3.0
            };
            self.text(s, tx, y + ROW_H - 5.0, &text, SIZE, bold);
            x += width;
        }
    }

    fn table_header(&self, s: &mut Surface, y: f32, lang: Language) {
        let width: f32 = COLUMNS.iter().map(|c| c.1).sum();
        let mut pb = PathBuilder::new();
        if let Some(rect) = Rect::from_xywh(MARGIN, y, width, HEADER_H) {
            pb.push_rect(rect);
        }
        if let Some(path) = pb.finish() {
            s.set_fill(Some(gray_fill()));
            s.draw_path(&path);
            s.set_fill(Some(black()));
        }
        let cells: Vec<String> = COLUMNS.iter().map(|c| t(lang, c.0)).collect();
        self.row(s, y + 2.0, &cells, true);
        line(s, MARGIN, y + HEADER_H, MARGIN + width, y + HEADER_H, 0.7);
    }
}

/// The payroll statement, in `lang`.
pub fn payroll_pdf(lang: Language, payroll: &Payroll) -> Result<Vec<u8>, ReportError> {
    let fonts = Fonts::load()?;
    let painter = Painter { fonts: &fonts };
    let title = t(lang, "payroll-title");
    let period = tf(
        lang,
        "period",
        &[
            ("from", date(lang, payroll.from)),
            ("to", date(lang, payroll.to)),
        ],
    );
    let table_w: f32 = COLUMNS.iter().map(|c| c.1).sum();
    let pages = plan(payroll.lines.len());
    let total_pages = pages.len();

    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("{title} — {period}"))
            .language(lang.as_str().to_owned())
            .creator("StaffProBot".to_owned()),
    );
    let settings = || {
        PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| ReportError::Pdf("bad page size".into()))
    };
    for (index, page_plan) in pages.iter().enumerate() {
        let mut page = document.start_page_with(settings()?);
        let mut s = page.surface();
        s.set_fill(Some(black()));
        let mut y = MARGIN;
        if index == 0 {
            painter.text(&mut s, MARGIN, y + 16.0, &title, 16.0, true);
            painter.text(&mut s, MARGIN, y + 36.0, &period, 10.0, false);
            let prepared = tf(
                lang,
                "prepared-for",
                &[("name", payroll.prepared_for.clone())],
            );
            painter.text(&mut s, MARGIN, y + 52.0, &prepared, 10.0, false);
            let names: Vec<&str> = payroll.sites.iter().map(|(_, n)| n.as_str()).collect();
            let sites = tf(lang, "sites", &[("names", names.join(", "))]);
            let sites = fonts.fit(&sites, table_w, 10.0, false);
            painter.text(&mut s, MARGIN, y + 68.0, &sites, 10.0, false);
            y += TITLE_H;
        }
        if !page_plan.rows.is_empty() || index == 0 {
            painter.table_header(&mut s, y, lang);
            y += HEADER_H;
        }
        for i in page_plan.rows.clone() {
            let Some(l) = payroll.lines.get(i) else {
                continue;
            };
            let cells = [
                (i + 1).to_string(),
                l.employee_name.clone(),
                l.site_name.clone(),
                l.shifts.to_string(),
                hours_minutes(l.worked_minutes),
                money(lang, l.pay),
                String::new(),
            ];
            painter.row(&mut s, y, &cells, false);
            line(&mut s, MARGIN, y + ROW_H, MARGIN + table_w, y + ROW_H, 0.3);
            y += ROW_H;
        }
        if page_plan.closing {
            if payroll.lines.is_empty() {
                painter.text(
                    &mut s,
                    MARGIN + 3.0,
                    y + 14.0,
                    &t(lang, "no-shifts"),
                    SIZE,
                    false,
                );
                y += ROW_H;
            }
            line(&mut s, MARGIN, y, MARGIN + table_w, y, 0.9);
            for total in &payroll.totals {
                let cells = [
                    String::new(),
                    tf(
                        lang,
                        "total-currency",
                        &[("currency", total.currency.code().to_owned())],
                    ),
                    String::new(),
                    total.shifts.to_string(),
                    hours_minutes(total.worked_minutes),
                    money(lang, total.pay),
                    String::new(),
                ];
                painter.row(&mut s, y, &cells, true);
                y += ROW_H;
            }
            y += 28.0;
            for id in ["sign-manager", "sign-accountant"] {
                painter.text(&mut s, MARGIN, y, &t(lang, id), 10.0, false);
                painter.text(
                    &mut s,
                    MARGIN + 110.0,
                    y,
                    &t(lang, "sign-line"),
                    10.0,
                    false,
                );
                y += 26.0;
            }
            painter.text(&mut s, MARGIN, y, &t(lang, "sign-date"), 10.0, false);
        }
        let footer = tf(
            lang,
            "page",
            &[
                ("n", (index + 1).to_string()),
                ("total", total_pages.to_string()),
            ],
        );
        let fw = fonts.width(&footer, 8.0, false);
        painter.text(
            &mut s,
            (PAGE_W - fw) / 2.0,
            PAGE_H - MARGIN + 10.0,
            &footer,
            8.0,
            false,
        );
        s.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| ReportError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_planned_with_room_for_the_closing() {
        let p = plan(0);
        assert_eq!(p.len(), 1);
        assert!(p[0].closing);
        let p = plan(1000);
        let rows: usize = p.iter().map(|x| x.rows.len()).sum();
        assert_eq!(rows, 1000);
        assert!(p.last().unwrap().closing);
        assert_eq!(p.iter().filter(|x| x.closing).count(), 1);
        // Contiguous.
        for w in p.windows(2) {
            assert_eq!(w[0].rows.end, w[1].rows.start);
        }
    }
}
