//! What each subcommand does.

use std::io::Write;
use std::time::Instant;

use sim_core::Overrides;

use crate::capture::PcapFiles;
use crate::cli::{
    CheckArgs, ExplainArgs, ExportArgs, ExportTo, Format, GraphArgs, GraphFormat, InitArgs,
    RunArgs, Template,
};
use crate::input::load;
use crate::output;
use crate::output::emit;
use crate::staging::Staging;

pub(crate) fn run(args: RunArgs) -> Result<u8, String> {
    let overrides = Overrides {
        seed: args.seed,
        duration: args.duration,
    };
    // The run's report states the scenario's warnings (the summary's
    // `scenario warning` lines, report.json's `scenario_warnings`), so they
    // are not said again on stderr, unless --verbose asks for each with its
    // line of the file.
    let verbose = crate::diagnostics::style().verbose;
    let mut loaded = match load(&args.file, &overrides, verbose) {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    if let Err(why) = args.fidelity.apply(&mut loaded.scenario.settings) {
        eprintln!(
            "{}: error[InvalidParameterValue]: --window: {why}",
            args.file.display()
        );
        return Ok(crate::EXIT_BAD_INPUT);
    }
    let scenario = &loaded.scenario;
    let pcap = args.pcap || scenario.settings.pcap;
    // Bounded work: refuse a run the user cannot have meant before it starts.
    let limit = args.limits.max_packets();
    let work = sim_core::work::estimate(scenario);
    if let Some(why) = sim_core::work::over_hard_limit(&work)
        .or_else(|| sim_core::work::over_packet_limit(&work, limit))
    {
        eprintln!("{}: error[LargeRun]: {why}", args.file.display());
        return Ok(crate::EXIT_BAD_INPUT);
    }
    if pcap && args.out.is_none() {
        return Err("pcap files need a directory: add --out DIR".into());
    }
    // Every file goes into one temporary directory under --out first: a
    // failure or a signal leaves nothing behind.
    let staging = match &args.out {
        Some(dir) => Some(Staging::begin(dir)?),
        None => None,
    };
    let mut captures = match (&staging, pcap) {
        (Some(st), true) => Some(PcapFiles::new(
            &st.dir().join("pcap"),
            scenario.settings.capture_epoch_ns,
        )?),
        _ => None,
    };
    let started = Instant::now();
    let sink = captures
        .as_mut()
        .map(|c| c as &mut dyn sim_core::CaptureSink);
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        usize::from,
    );
    let results = crate::progress::run(scenario, sink, threads);
    let wall = started.elapsed();
    let mut report = reports::report(scenario, &results);
    reports::attach_warnings(&mut report, &loaded.warnings);
    // Render only what is asked for: output is the one part of a run that
    // grows with simulated time (one value per metrics period).
    let json =
        (args.out.is_some() || args.format == Format::Json).then(|| reports::to_json(&report));
    let summary = (args.out.is_some() || args.format == Format::Text)
        .then(|| reports::text::summary(&report));
    if let Some(staging) = staging {
        let charts = reports::charts::charts(&report)?;
        let names: Vec<String> = charts
            .iter()
            .map(|c| format!("charts/{}", c.file))
            .collect();
        let topo = &loaded.scenario.topology;
        let network = reports::diagram::svg(topo, &reports::diagram::fates_by_report(&report));
        let mut files: Vec<(&str, Vec<u8>)> = vec![
            ("report.json", json.clone().unwrap_or_default().into_bytes()),
            (
                "report.html",
                reports::html::page(&report, &charts, Some(&network)).into_bytes(),
            ),
            ("network.svg", network.clone().into_bytes()),
            (
                "summary.txt",
                summary.clone().unwrap_or_default().into_bytes(),
            ),
            (
                "metrics.csv",
                reports::metrics::csv(&report, scenario.settings.capture_epoch_ns).into_bytes(),
            ),
        ];
        for (name, chart) in names.iter().zip(charts) {
            files.push((name, chart.svg.into_bytes()));
        }
        output::write_into(staging.dir(), &files)?;
        if let Some(c) = captures {
            c.finish()?;
        }
        staging.commit_replacing("run")?;
    }
    match args.format {
        Format::Text => emit(&summary.unwrap_or_default())?,
        Format::Json => emit(&json.unwrap_or_default())?,
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
    if crate::diagnostics::style().verbose {
        eprintln!("{speed}");
    }
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

pub(crate) fn check(args: CheckArgs) -> Result<u8, String> {
    let file = args.file.display().to_string();
    let loaded = match crate::input::load_keeping_problems(&args.file, &Overrides::default()) {
        Ok(l) => l,
        Err((code, problems)) => {
            if args.format == Format::Json {
                emit(&reports::check::json(&reports::check::refused(
                    &file, &problems,
                )))?;
            }
            return Ok(code);
        }
    };
    let work = sim_core::work::estimate(&loaded.scenario);
    if let Some(why) = sim_core::work::over_hard_limit(&work) {
        eprintln!("{file}: error[LargeRun]: {why}");
        return Ok(crate::EXIT_BAD_INPUT);
    }
    if let Some(why) = sim_core::work::over_packet_limit(&work, sim_core::work::DEFAULT_MAX_PACKETS)
    {
        let style = crate::diagnostics::style();
        if style.deny_warnings {
            eprintln!("{file}: error[LargeRun]: {why} (--deny-warnings)");
            return Ok(crate::EXIT_BAD_INPUT);
        }
        if !style.quiet {
            eprintln!("{file}: warning[LargeRun]: {why}");
        }
    }
    let text = match args.format {
        Format::Json => reports::check::json(&reports::check::report(
            &file,
            &loaded.scenario,
            &loaded.warnings,
            &work,
        )),
        Format::Text => {
            let mut text = reports::check::paths(&file, &loaded.scenario, loaded.warnings.len());
            text.push_str(&format!(
                "\nwork: about {} packets offered, {} metric periods, at most {} bytes of pcap\n",
                work.packets, work.periods, work.pcap_bytes
            ));
            text
        }
    };
    emit(&text)?;
    Ok(0)
}

pub(crate) fn explain(args: ExplainArgs) -> Result<u8, String> {
    // The packet first: a typo there needs no scenario run.
    let query =
        sim_core::explain::parse_packet(&args.packet).map_err(|e| format!("--packet: {e}"))?;
    let loaded = match load(&args.file, &Overrides::default(), true) {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let x = sim_core::explain::explain(&loaded.scenario, &query, args.at)
        .map_err(|e| format!("--packet: {e}"))?;
    match args.format {
        Format::Text => emit(&reports::explain::text(&x))?,
        Format::Json => emit(&reports::explain::json(&x))?,
    }
    Ok(0)
}

/// `sim graph`: the network as one graph, sessions coloured by the path
/// check (copies arrive, some are dropped, all are).
pub(crate) fn graph(args: GraphArgs) -> Result<u8, String> {
    let loaded = match load(&args.file, &Overrides::default(), true) {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let topo = &loaded.scenario.topology;
    let fates = reports::diagram::fates_by_path(topo);
    let drawing = match args.format {
        GraphFormat::Dot => reports::diagram::dot(topo, &fates),
        GraphFormat::Svg => reports::diagram::svg(topo, &fates),
    };
    match &args.output {
        Some(path) => output::write_file(path, drawing.into_bytes())?,
        None => emit(&drawing)?,
    }
    Ok(0)
}

/// `sim export terraform`: the mirror configuration as it stands at the
/// start, for the scenario `sim check` accepts.
pub(crate) fn export(args: ExportArgs) -> Result<u8, String> {
    let loaded = match load(&args.file, &Overrides::default(), true) {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let text = crate::input::read_scenario(&args.file)?;
    let file = sim_core::scenario::parse(&text);
    let hcl = match args.to {
        ExportTo::Terraform => reports::terraform::export(
            &loaded.scenario.topology,
            file.as_ref(),
            &loaded.scenario.name,
        ),
    };
    match &args.output {
        Some(path) => output::write_file(path, hcl.into_bytes())?,
        None => emit(&hcl)?,
    }
    Ok(0)
}

/// `sim init`: a starting scenario, one of the shipped examples, each
/// commented and checked by the tests.
pub(crate) fn init(args: InitArgs) -> Result<u8, String> {
    let text = match args.template {
        Template::Eni => include_str!("../scenarios/tcp-single-appliance.ron"),
        Template::NlbFleet => include_str!("../scenarios/nlb-fleet.ron"),
        Template::Gwlb => include_str!("../scenarios/gwlb-spokes.ron"),
        Template::TgwHub => include_str!("../scenarios/transit-gateway.ron"),
    };
    match &args.output {
        None => emit(text)?,
        Some(path) => {
            if path.exists() {
                return Err(format!(
                    "{} exists: sim init writes a new file only",
                    path.display()
                ));
            }
            output::write_file(path, text.as_bytes().to_vec())?;
            eprintln!(
                "wrote {}: edit it, then `sim check {}`",
                path.display(),
                path.display()
            );
        }
    }
    Ok(0)
}
