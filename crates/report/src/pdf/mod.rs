//! The PDF writer: A4 pages with the title, the period, the currency note, every section's table
//! (its header row repeated on each page it continues on) and its charts as vector graphics.
//!
//! Built on krilla, which writes PDF directly from drawing calls, with krilla-svg turning the
//! charts' SVG into PDF paths and text. typst was the alternative: a complete typesetter, but
//! about 170 crates and minutes of extra build on these machines for what is a table layout;
//! krilla needs a small layout of our own (`layout/`), which also makes the page breaks
//! testable. Text is real text in the embedded Roboto (selectable, found by `pdftotext`), the
//! same font the charts are measured with.

mod layout;
mod shape;
mod text;

use std::sync::Arc;

use charts_rs::{DEFAULT_FONT_DATA, DEFAULT_FONT_FAMILY};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::Font;
use krilla_svg::{SurfaceExt, SvgSettings};

use crate::error::ReportError;
use crate::model::Report;
use layout::Op;

/// Writes the report as a PDF document of A4 pages.
pub fn render_pdf(report: &Report) -> Result<Vec<u8>, ReportError> {
    let trees = parse_charts(report)?;
    let sizes: Vec<(f32, f32)> = trees
        .iter()
        .map(|t| (t.size().width(), t.size().height()))
        .collect();
    let pages = layout::layout(report, &sizes);

    let font = Font::new(DEFAULT_FONT_DATA.into(), 0)
        .ok_or_else(|| ReportError::Pdf("the embedded font could not be read".to_owned()))?;
    let mut shaper = shape::Shaper::new(DEFAULT_FONT_DATA)
        .ok_or_else(|| ReportError::Pdf("the embedded font could not be read".to_owned()))?;
    let mut document = Document::new();
    document.set_metadata(metadata(report));
    for page_layout in &pages {
        let (width, height) = page_layout.size();
        let settings = PageSettings::from_wh(width, height)
            .ok_or_else(|| ReportError::Pdf("invalid page size".to_owned()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for op in &page_layout.ops {
            draw(&mut surface, op, &font, &mut shaper, &trees);
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| ReportError::Pdf(format!("{e:?}")))
}

fn metadata(report: &Report) -> Metadata {
    use chrono::Datelike;
    let date = report.generated_on;
    let mut created = DateTime::new(u16::try_from(date.year().clamp(0, 9999)).unwrap_or(1970));
    if let (Ok(month), Ok(day)) = (u8::try_from(date.month()), u8::try_from(date.day())) {
        created = created.month(month).day(day);
    }
    Metadata::new()
        .title(text::printable(&report.title).replace('\n', " "))
        .language("en".to_owned())
        .creator("spendlens".to_owned())
        .creation_date(created)
}

/// Parses every chart of the report once, with the embedded font for its text.
fn parse_charts(report: &Report) -> Result<Vec<usvg::Tree>, ReportError> {
    let mut fonts = usvg::fontdb::Database::new();
    fonts.load_font_data(DEFAULT_FONT_DATA.to_vec());
    fonts.set_sans_serif_family(DEFAULT_FONT_FAMILY);
    let options = usvg::Options {
        font_family: DEFAULT_FONT_FAMILY.to_owned(),
        fontdb: Arc::new(fonts),
        // Images inside a chart may be data URLs only: a path in an `href` would make this pure
        // renderer read files.
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: usvg::ImageHrefResolver::default_data_resolver(),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    };
    let mut trees = Vec::new();
    for section in &report.sections {
        for (index, chart) in section.charts.iter().enumerate() {
            let svg = crate::chart::without_hover_labels(&chart.svg);
            let tree = usvg::Tree::from_str(&svg, &options).map_err(|e| ReportError::Svg {
                section: section.title.clone(),
                index,
                message: e.to_string(),
            })?;
            trees.push(tree);
        }
    }
    Ok(trees)
}

fn fill(color: (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(color.0, color.1, color.2).into(),
        ..Fill::default()
    }
}

fn draw(
    surface: &mut Surface<'_>,
    op: &Op,
    font: &Font,
    shaper: &mut shape::Shaper<'_>,
    trees: &[usvg::Tree],
) {
    match op {
        Op::Text {
            x,
            y,
            size,
            text,
            bold,
            color,
        } => {
            surface.set_fill(Some(fill(*color)));
            // Roboto comes in one weight: bold is the regular face, filled and thinly stroked.
            surface.set_stroke(bold.then(|| Stroke {
                paint: rgb::Color::new(color.0, color.1, color.2).into(),
                width: size * 0.045,
                ..Stroke::default()
            }));
            let glyphs = shaper.glyphs(text);
            surface.draw_glyphs(
                Point::from_xy(*x, *y),
                &glyphs,
                font.clone(),
                text,
                *size,
                false,
            );
            surface.set_stroke(None);
        }
        Op::Rect { x, y, w, h, color } => {
            let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else {
                return;
            };
            let mut builder = PathBuilder::new();
            builder.push_rect(rect);
            if let Some(path) = builder.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(fill(*color)));
                surface.draw_path(&path);
            }
        }
        Op::Svg { chart, x, y, w, h } => {
            let (Some(tree), Some(size)) = (trees.get(*chart), Size::from_wh(*w, *h)) else {
                return;
            };
            surface.push_transform(&Transform::from_translate(*x, *y));
            surface.draw_svg(tree, size, SvgSettings::default());
            surface.pop();
        }
    }
}
