//! What each subcommand does.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Instant;

use sim_core::{Loaded, Overrides, ScenarioError};

use crate::capture::PcapFiles;
use crate::cli::{CheckArgs, Cli, Command, ExplainArgs, Format, RunArgs};
use crate::{EXIT_BAD_INPUT, diagnostics, output};

/// Scenario files larger than this are refused before reading them whole.
const MAX_SCENARIO_BYTES: u64 = 64 << 20;
/// Captures to replay, likewise.
const MAX_CAPTURE_BYTES: u64 = 1 << 30;

pub fn execute(cli: Cli) -> Result<u8, String> {
    match cli.command {
        Command::Run(args) => run(args),
        Command::Check(args) => check(args),
        Command::Explain(args) => explain(args),
        Command::Sweep(args) => crate::sweep::sweep(args),
    }
}

pub(crate) fn read_scenario(path: &Path) -> Result<String, String> {
    let f =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut text = String::new();
    f.take(MAX_SCENARIO_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if text.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(format!(
            "{} is larger than {} MiB; a scenario file is expected",
            path.display(),
            MAX_SCENARIO_BYTES >> 20
        ));
    }
    Ok(text)
}

/// Loads a scenario, printing warnings, or prints its problems.
fn load(path: &Path, overrides: &Overrides) -> Result<Loaded, u8> {
    let text = read_scenario(path).map_err(|e| {
        eprintln!("error: {e}");
        EXIT_BAD_INPUT
    })?;
    load_text(path, &text, overrides, true)
}

/// Loads a scenario's text (as read, or as a sweep changed it); prints
/// its problems, and its warnings when `warn`.
pub(crate) fn load_text(
    path: &Path,
    text: &str,
    overrides: &Overrides,
    warn: bool,
) -> Result<Loaded, u8> {
    let name = path.display().to_string();
    // Files a scenario names (captures to replay) are relative to it.
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let read = |file: &str| -> Result<Vec<u8>, String> {
        let full = base.join(file);
        let f = std::fs::File::open(&full).map_err(|e| e.to_string())?;
        let mut bytes = Vec::new();
        f.take(MAX_CAPTURE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| e.to_string())?;
        if bytes.len() as u64 > MAX_CAPTURE_BYTES {
            return Err(format!("larger than {} MiB", MAX_CAPTURE_BYTES >> 20));
        }
        Ok(bytes)
    };
    match sim_core::load_with(&name, text, overrides, &read) {
        Ok(loaded) => {
            if warn && !loaded.warnings.is_empty() {
                eprint!("{}", diagnostics::render(&name, text, &loaded.warnings));
            }
            Ok(loaded)
        }
        Err(ScenarioError {
            file,
            text,
            problems,
        }) => {
            eprint!("{}", diagnostics::render(&file, &text, &problems));
            let errors = problems
                .iter()
                .filter(|p| p.severity == topology::Severity::Error)
                .count();
            eprintln!(
                "{file}: {errors} error{} found; nothing was run",
                if errors == 1 { "" } else { "s" }
            );
            Err(EXIT_BAD_INPUT)
        }
    }
}

fn run(args: RunArgs) -> Result<u8, String> {
    let overrides = Overrides {
        seed: args.seed,
        duration: args.duration,
    };
    let loaded = match load(&args.file, &overrides) {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let scenario = &loaded.scenario;
    let pcap = args.pcap || scenario.settings.pcap;
    let mut captures = match (pcap, &args.out) {
        (false, _) => None,
        (true, Some(dir)) => Some(PcapFiles::new(
            &dir.join("pcap"),
            scenario.settings.capture_epoch_ns,
        )?),
        (true, None) => {
            return Err("pcap files need a directory: add --out DIR".into());
        }
    };
    let started = Instant::now();
    let sink = captures
        .as_mut()
        .map(|c| c as &mut dyn sim_core::CaptureSink);
    let results = crate::progress::run(scenario, sink);
    let wall = started.elapsed();
    let report = reports::report(scenario, &results);
    // Render only what is asked for: output is the one part of a run that
    // grows with simulated time (one value per metrics period).
    let json =
        (args.out.is_some() || args.format == Format::Json).then(|| reports::to_json(&report));
    let summary = (args.out.is_some() || args.format == Format::Text)
        .then(|| reports::text::summary(&report));
    if let Some(dir) = &args.out {
        let charts = reports::charts::charts(&report)?;
        let names: Vec<String> = charts
            .iter()
            .map(|c| format!("charts/{}", c.file))
            .collect();
        let mut files: Vec<(&str, Vec<u8>)> = vec![
            ("report.json", json.clone().unwrap_or_default().into_bytes()),
            (
                "report.html",
                reports::html::page(&report, &charts).into_bytes(),
            ),
            (
                "summary.txt",
                summary.clone().unwrap_or_default().into_bytes(),
            ),
        ];
        for (name, chart) in names.iter().zip(charts) {
            files.push((name, chart.svg.into_bytes()));
        }
        let written = output::write_all(dir, &files);
        if let Err(e) = written {
            if let Some(c) = captures {
                c.abandon();
            }
            return Err(e);
        }
        if let Some(c) = captures {
            c.finish()?;
        }
    }
    match args.format {
        Format::Text => emit(&summary.unwrap_or_default()),
        Format::Json => emit(&json.unwrap_or_default()),
    }
    let _ = std::io::stdout().flush();
    // Wall-clock figures go to stderr only: stdout and files stay
    // byte-identical from run to run.
    let secs = wall.as_secs_f64().max(1e-9);
    let packets = results.generated.packets;
    let speed = format!(
        "simulated {packets} packets ({} offered at sources) in {:.3} s of wall time: {:.0} packets/s",
        results.offered().packets,
        secs,
        packets as f64 / secs
    );
    eprintln!("{speed}");
    // A scenario kept as a regression test fails its CI job here.
    let failed = report.expectations.iter().filter(|v| !v.holds).count();
    if failed > 0 {
        eprintln!(
            "{failed} of {} expectations do not hold",
            report.expectations.len()
        );
        return Ok(1);
    }
    Ok(0)
}

fn check(args: CheckArgs) -> Result<u8, String> {
    let loaded = match load(&args.file, &Overrides::default()) {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    emit(&reports::check::paths(
        &args.file.display().to_string(),
        &loaded.scenario,
        loaded.warnings.len(),
    ));
    Ok(0)
}

fn explain(args: ExplainArgs) -> Result<u8, String> {
    // The packet first: a typo there needs no scenario run.
    let query =
        sim_core::explain::parse_packet(&args.packet).map_err(|e| format!("--packet: {e}"))?;
    let loaded = match load(&args.file, &Overrides::default()) {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let x = sim_core::explain::explain(&loaded.scenario, &query, args.at)
        .map_err(|e| format!("--packet: {e}"))?;
    match args.format {
        Format::Text => emit(&reports::explain::text(&x)),
        Format::Json => emit(&reports::explain::json(&x)),
    }
    Ok(0)
}

/// Writes the command's output to stdout. A reader that went away (`sim
/// run ... | head`) is not an error: the rest is simply not wanted.
pub(crate) fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write the output: {e}");
    }
}
