//! A PNG bar chart of hours worked per day over a period (plotters' bitmap backend, DejaVu Sans
//! embedded through ab_glyph: no system fonts assumed), for the chat report.

use crate::texts::{date, tf};
use crate::{FONT_REGULAR, ReportError};
use app::reports::DailyHours;
use chrono::NaiveDate;
use domain::Language;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::sync::OnceLock;

/// The picture's size in pixels.
pub const WIDTH: u32 = 1000;
pub const HEIGHT: u32 = 500;

/// Registers the embedded font under the family the chart asks for, once per process.
fn font_family() -> Result<&'static str, ReportError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT_REGULAR).is_ok()
    });
    if ok {
        Ok("sans-serif")
    } else {
        Err(ReportError::Chart("the embedded font is unreadable".into()))
    }
}

fn chart_err(e: impl std::fmt::Display) -> ReportError {
    ReportError::Chart(e.to_string())
}

/// Hours per day as a PNG, titled with the period in `lang`.
pub fn hours_chart_png(
    lang: Language,
    from: NaiveDate,
    to: NaiveDate,
    days: &[DailyHours],
) -> Result<Vec<u8>, ReportError> {
    let family = font_family()?;
    let mut rgb = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let title = tf(
            lang,
            "chart-title",
            &[("from", date(lang, from)), ("to", date(lang, to))],
        );
        let max_hours = days
            .iter()
            .map(|d| d.worked_minutes as f64 / 60.0)
            .fold(0.0f64, f64::max);
        let top = if max_hours <= 0.0 {
            1.0
        } else {
            max_hours * 1.1
        };
        let n = days.len().max(1) as i32;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (family, 24))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d((0..n - 1).into_segmented(), 0.0..top)
            .map_err(chart_err)?;
        let label = |i: i32| {
            days.get(usize::try_from(i).unwrap_or(usize::MAX))
                .map(|d| d.date.format("%d.%m").to_string())
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(days.len().min(16))
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => label(*i),
                SegmentValue::Last => String::new(),
            })
            .y_desc(crate::texts::t(lang, "chart-hours"))
            .x_desc(crate::texts::t(lang, "chart-date"))
            .label_style((family, 14))
            .axis_desc_style((family, 16))
            .draw()
            .map_err(chart_err)?;
        chart
            .draw_series(
                Histogram::vertical(&chart)
                    .style(RGBColor(0x3B, 0x6E, 0xA8).filled())
                    .margin(3)
                    .data(
                        days.iter()
                            .enumerate()
                            .map(|(i, d)| (i as i32, d.worked_minutes as f64 / 60.0)),
                    ),
            )
            .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(chart_err)?;
        writer.write_image_data(&rgb).map_err(chart_err)?;
        writer.finish().map_err(chart_err)?;
    }
    Ok(out)
}
