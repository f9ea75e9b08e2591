//! The one error type of the crate.

/// Why a chart or a report could not be rendered.
///
/// Rendering is total on well-formed inputs; these errors carry what the underlying writer said
/// when it refused (a chart library's layout error, an SVG in the model that does not parse, a
/// workbook writer's limit), so the caller can log it and answer with a 500 rather than a panic.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The charting library could not lay out or draw a chart.
    #[error("chart \"{chart}\" could not be drawn: {message}")]
    Chart {
        /// Which chart.
        chart: &'static str,
        /// The library's message.
        message: String,
    },
    /// Writing the CSV failed (it writes to memory, so only on an internal fault).
    #[error("CSV could not be written: {0}")]
    Csv(String),
    /// The workbook writer refused the report (for example a cell beyond Excel's limits).
    #[error("XLSX could not be written: {0}")]
    Xlsx(String),
    /// A chart in the model is not an SVG that can be drawn into the PDF.
    #[error("chart {index} of section \"{section}\" is not a valid SVG: {message}")]
    Svg {
        /// The title of the section holding the chart.
        section: String,
        /// The position of the chart in its section.
        index: usize,
        /// The parser's message.
        message: String,
    },
    /// The PDF writer refused the document.
    #[error("PDF could not be written: {0}")]
    Pdf(String),
}
