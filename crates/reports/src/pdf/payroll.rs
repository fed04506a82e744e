//! The payroll statement: title, period, who it was prepared for and the sites, a table of
//! employees (the header repeated on every page, a signature column), totals per currency,
//! signature lines, and "page N of M" on every page. Laid out in two passes: pages are planned
//! first, so the total page count is known when the footers are drawn.

use super::{
    A4_LONG, A4_SHORT, Column, FOOTER_H, Fonts, HEADER_H, MARGIN, Painter, ROW_H, SIGNATURES_H,
    TITLE_H, black, col, document, finish, page_settings, period, total_figures,
};
use crate::ReportError;
use crate::texts::{hours_minutes, t, tf};
use app::reports::Payroll;
use domain::Language;
use domain::money_text::money;

/// Portrait A4.
const PAGE_W: f32 = A4_SHORT;
const PAGE_H: f32 = A4_LONG;

const COLUMNS: [Column; 7] = [
    col("col-number", 24.0, true),
    col("col-employee", 140.0, false),
    col("col-site", 104.0, false),
    col("col-shifts", 40.0, true),
    col("col-worked", 52.0, true),
    col("col-pay", 85.0, true),
    col("col-signature", 66.28, false),
];

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

/// The payroll statement, in `lang`.
pub fn payroll_pdf(lang: Language, payroll: &Payroll) -> Result<Vec<u8>, ReportError> {
    let fonts = Fonts::load()?;
    let painter = Painter {
        fonts: &fonts,
        lang,
        columns: &COLUMNS,
    };
    let title = t(lang, "payroll-title");
    let pages = plan(payroll.lines.len());
    let total_pages = pages.len();
    let mut document = document(lang, &title, &period(lang, payroll));
    for (index, page_plan) in pages.iter().enumerate() {
        let mut page = document.start_page_with(page_settings(PAGE_W, PAGE_H)?);
        let mut s = page.surface();
        s.set_fill(Some(black()));
        let mut y = MARGIN;
        if index == 0 {
            y += painter.title_block(&mut s, y, &title, payroll);
        }
        if !page_plan.rows.is_empty() || index == 0 {
            painter.table_header(&mut s, y);
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
            painter.body_row(&mut s, y, &cells);
            y += ROW_H;
        }
        if page_plan.closing {
            painter.closing(
                &mut s,
                y,
                payroll.lines.is_empty(),
                &payroll.totals,
                |total| {
                    let (worked, pay) = total_figures(lang, total);
                    vec![
                        String::new(),
                        tf(
                            lang,
                            "total-currency",
                            &[("currency", total.currency.code().to_owned())],
                        ),
                        String::new(),
                        total.shifts.to_string(),
                        worked,
                        pay,
                        String::new(),
                    ]
                },
            );
        }
        let footer = tf(
            lang,
            "page",
            &[
                ("n", (index + 1).to_string()),
                ("total", total_pages.to_string()),
            ],
        );
        painter.footer(&mut s, PAGE_W, PAGE_H, &footer);
        s.finish();
        page.finish();
    }
    finish(document)
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
