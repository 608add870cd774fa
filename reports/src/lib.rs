//! How it looks: reports of a run.
//!
//! Module map:
//! - [`schema`]: `report.json`, versioned; the deliberate output boundary.
//! - [`build`]: from a scenario and its results to a [`schema::Report`].
//! - `cost`: what the design costs, per run and per month, line by line.
//! - [`expect`]: a scenario's expectations checked against its report.
//! - [`explain`]: what `sim explain` prints.
//! - [`html`]: `report.html`, the tables and charts in one file.
//! - [`text`]: the summary `sim run` prints.
//! - [`metrics`]: `metrics.csv`, every series as CloudWatch lists it.
//! - [`charts`]: SVG time series of a run (plotters).
//! - [`check`]: what `sim check` prints: each session's path.
//! - [`sweep`]: a sweep's table, knees and chart.
//! - [`table`]: aligned plain-text tables.
//! - [`terraform`]: `sim export terraform`, the mirror configuration as HCL.
//!
//! **Architecture invariant:** this crate reads results; it never runs the
//! engine and never touches files or the terminal.

pub(crate) mod build;
pub mod charts;
pub mod check;
pub(crate) mod cost;
pub mod diagram;
pub(crate) mod expect;
pub mod explain;
pub mod html;
pub mod metrics;
pub mod schema;
pub mod sweep;
pub(crate) mod table;
pub mod terraform;
pub mod text;

pub use build::{attach_warnings, report};
pub use schema::{Report, SCHEMA_VERSION};

/// The report as pretty-printed JSON, ending in a newline.
pub fn to_json(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("the report serialises");
    s.push('\n');
    s
}
