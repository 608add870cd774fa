//! Progress on stderr for long runs and sweeps: indicatif bars, drawn only
//! when stderr is a terminal, so CI logs and pipes stay quiet and
//! machine-readable.

use std::io::IsTerminal;
use std::time::Instant;

use sim_core::{CaptureSink, Scenario};

/// Whether to draw bars: stderr is a terminal and `--quiet` was not given.
fn watched() -> bool {
    std::io::stderr().is_terminal() && !crate::diagnostics::style().quiet
}

/// Runs a scenario on `threads` threads, with a bar of simulated time and
/// packets per second of wall time when someone is watching.
pub fn run(
    scenario: &Scenario,
    sink: Option<&mut dyn CaptureSink>,
    threads: usize,
) -> sim_core::RunResults {
    if !watched() {
        return sim_core::run_threaded(scenario, threads, sink, &mut |_, _| {});
    }
    let end_ms = scenario.duration.as_nanos() / 1_000_000;
    let bar = indicatif::ProgressBar::new(end_ms.max(1));
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:30} {pos}/{len} ms simulated  {msg}  {elapsed_precise}",
    ) {
        bar.set_style(style);
    }
    let started = Instant::now();
    let results = sim_core::run_threaded(scenario, threads, sink, &mut |now, packets| {
        bar.set_position(now / 1_000_000);
        let secs = started.elapsed().as_secs_f64().max(1e-9);
        bar.set_message(format!("{:.2} M packets/s", packets as f64 / secs / 1e6));
    });
    bar.finish_and_clear();
    results
}

/// A bar of points done, for sweeps.
pub fn points(points: u64) -> indicatif::ProgressBar {
    if !watched() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(points);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:30} {pos}/{len} points  {elapsed_precise} elapsed, about {eta} left",
    ) {
        bar.set_style(style);
    }
    bar
}
