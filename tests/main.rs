//! mirrorsim's integration tests: one binary, a module per concern.
//!
//! - `behaviours/`: one test (or more) per behaviour ID of the catalogue,
//!   named after it, asserting numbers worked out by hand from the guide.
//! - `golden`: a snapshot of the report of every scenario under
//!   `scenarios/`, so a change in results shows as a diff.
//! - `determinism`: same scenario and seed, same bytes.
//! - `cli`: the `sim` binary's exit codes, errors and output files.
//! - `properties`: proptest properties against oracles written apart.
//! - `robustness`, `bad_input`: hostile input never panics, hangs or
//!   leaves debris; `fuzz-crashes/` keeps what the fuzz targets found.
//! - `slurm`: a sharded sweep through a real one-node Slurm cluster.

mod bad_input;
pub mod behaviours;
mod charts;
mod cli;
mod common;
mod decisions;
mod determinism;
mod expect;
mod explain;
mod explain_equals_run;
mod golden;
mod html;
mod import;
mod invalid;
mod one_world;
mod properties;
mod robustness;
mod sampling;
mod slurm;
mod sweep;
mod tshark;
