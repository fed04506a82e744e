//! The timesheet as a PDF to print: landscape A4, one row per shift (date in the site's zone,
//! site, employee, start, end — "+1" when it ended on a later day —, worked time, rate, pay,
//! flags), the header repeated on every page, then the totals per currency of the payroll of
//! the same scope, and signature lines. Fed a page of shifts at a time like the XLSX, so only a
//! page of rows is held besides the document; the number of pages is not known while drawing,
//! so the footers say "Page N".

use super::{
    A4_LONG, A4_SHORT, Column, FOOTER_H, Fonts, HEADER_H, MARGIN, Painter, ROW_H, TITLE_H, black,
    col, document, finish, page_settings, period, total_figures,
};
use crate::ReportError;
use crate::texts::{date, hours_minutes, short_flags, t, tf};
use app::reports::{Payroll, TimesheetLine};
use domain::Language;
use domain::money_text::money;
use krilla::Document;

/// Landscape A4.
const PAGE_W: f32 = A4_LONG;
const PAGE_H: f32 = A4_SHORT;

const COLUMNS: [Column; 10] = [
    col("col-number", 34.0, true),
    col("col-date", 60.0, false),
    col("col-site", 96.0, false),
    col("col-employee", 112.0, false),
    col("col-start", 46.0, true),
    col("col-end", 54.0, true),
    col("col-worked", 64.0, true),
    col("col-rate", 72.0, true),
    col("col-pay", 80.0, true),
    col("col-flags", 139.89, false),
];

/// Rows that fit on a page under the header, with the title block above them or not.
fn rows_per_page(first: bool) -> usize {
    let usable = PAGE_H - 2.0 * MARGIN - FOOTER_H - HEADER_H;
    let top = if first { TITLE_H } else { 0.0 };
    ((usable - top) / ROW_H).floor().max(1.0) as usize
}

/// A timesheet PDF being built: `push` the shifts in order, a page at a time, then `finish`.
/// The payroll of the same scope gives the title block (whom it was prepared for, the sites)
/// and the totals, so the file's figures are the summary's.
pub struct TimesheetPdf {
    lang: Language,
    payroll: Payroll,
    fonts: Fonts,
    document: Document,
    title: String,
    /// Rows waiting for their page to fill.
    pending: Vec<TimesheetLine>,
    /// Rows drawn so far (numbers the next one).
    drawn: usize,
    /// Pages drawn so far.
    pages: usize,
}

impl TimesheetPdf {
    pub fn new(lang: Language, payroll: Payroll) -> Result<Self, ReportError> {
        let title = t(lang, "timesheet-title");
        Ok(TimesheetPdf {
            lang,
            fonts: Fonts::load()?,
            document: document(lang, &title, &period(lang, &payroll)),
            payroll,
            title,
            pending: Vec::new(),
            drawn: 0,
            pages: 0,
        })
    }

    /// Adds shifts, in start order; every full page is drawn at once.
    pub fn push(&mut self, lines: &[TimesheetLine]) -> Result<(), ReportError> {
        self.pending.extend_from_slice(lines);
        loop {
            let room = rows_per_page(self.pages == 0);
            if self.pending.len() <= room {
                // Kept for the last page too: it may have room for the totals.
                return Ok(());
            }
            let rest = self.pending.split_off(room);
            let rows = std::mem::replace(&mut self.pending, rest);
            self.page(&rows, false)?;
        }
    }

    /// Rows in the document so far (drawn or waiting for their page).
    pub fn rows(&self) -> usize {
        self.drawn + self.pending.len()
    }

    /// Draws the last rows, the totals and the signature lines; the document's bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, ReportError> {
        let rows = std::mem::take(&mut self.pending);
        let empty = self.drawn == 0 && rows.is_empty();
        let closing = Painter::closing_height(empty, self.payroll.totals.len());
        let top = if self.pages == 0 { TITLE_H } else { 0.0 };
        let used = top + HEADER_H + rows.len() as f32 * ROW_H;
        let usable = PAGE_H - 2.0 * MARGIN - FOOTER_H;
        if usable - used >= closing {
            self.page(&rows, true)?;
        } else {
            self.page(&rows, false)?;
            self.page(&[], true)?;
        }
        finish(self.document)
    }

    /// One page: the title block on the first, the header when there are rows (or it is the
    /// first), the rows, the closing when asked, the page number.
    fn page(&mut self, rows: &[TimesheetLine], closing: bool) -> Result<(), ReportError> {
        let lang = self.lang;
        let painter = Painter {
            fonts: &self.fonts,
            lang,
            columns: &COLUMNS,
        };
        let first = self.pages == 0;
        let mut page = self
            .document
            .start_page_with(page_settings(PAGE_W, PAGE_H)?);
        let mut s = page.surface();
        s.set_fill(Some(black()));
        let mut y = MARGIN;
        if first {
            y += painter.title_block(&mut s, y, &self.title, &self.payroll);
        }
        if !rows.is_empty() || first {
            painter.table_header(&mut s, y);
            y += HEADER_H;
        }
        for (i, l) in rows.iter().enumerate() {
            painter.body_row(&mut s, y, &cells(lang, self.drawn + i + 1, l));
            y += ROW_H;
        }
        if closing {
            painter.closing(
                &mut s,
                y,
                self.drawn + rows.len() == 0,
                &self.payroll.totals,
                |total| {
                    let (worked, pay) = total_figures(lang, total);
                    vec![
                        String::new(),
                        String::new(),
                        tf(
                            lang,
                            "total-currency",
                            &[("currency", total.currency.code().to_owned())],
                        ),
                        tf(lang, "shifts-total", &[("n", total.shifts.to_string())]),
                        String::new(),
                        String::new(),
                        worked,
                        String::new(),
                        pay,
                        String::new(),
                    ]
                },
            );
        }
        self.pages += 1;
        self.drawn += rows.len();
        let footer = tf(lang, "page-n", &[("n", self.pages.to_string())]);
        painter.footer(&mut s, PAGE_W, PAGE_H, &footer);
        s.finish();
        page.finish();
        Ok(())
    }
}

/// A shift's cells: number, date, site, employee, start, end ("06:00 +1" on a later day),
/// worked, rate, pay, flags.
fn cells(lang: Language, number: usize, l: &TimesheetLine) -> Vec<String> {
    let days_later = (l.ended.date() - l.started.date()).num_days();
    let end = l.ended.format("%H:%M").to_string();
    let end = if days_later > 0 {
        format!("{end} +{days_later}")
    } else {
        end
    };
    vec![
        number.to_string(),
        date(lang, l.date),
        l.site_name.to_string(),
        l.employee_name.to_string(),
        l.started.format("%H:%M").to_string(),
        end,
        hours_minutes(l.worked_minutes),
        money(lang, l.rate),
        money(lang, l.pay),
        short_flags(lang, l.auto_closed, l.review_reason),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_hold_rows_under_the_header() {
        assert!(rows_per_page(true) < rows_per_page(false));
        assert!(rows_per_page(true) >= 20, "{}", rows_per_page(true));
        let width: f32 = COLUMNS.iter().map(|c| c.width).sum();
        assert!((width - (PAGE_W - 2.0 * MARGIN)).abs() < 0.01, "{width}");
    }
}
