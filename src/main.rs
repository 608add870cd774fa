//! `sim`: the command line of mirrorsim.
//!
//! Module map: [`cli`] (arguments), [`commands`] (what run, check and
//! explain do), [`input`] (reading scenarios and captures), [`diagnostics`] (problems shown with their place in the file),
//! [`output`] (files written whole or not at all), [`staging`] (one
//! temporary directory per command, removed on failure and on signals),
//! [`capture`] (pcap files per appliance), [`sweep`] (grids of runs, in parallel), [`progress`]
//! (bars on a terminal only), [`import_aws`] and [`import_terraform`] (scenarios from an
//! account's describe outputs and from a Terraform plan), [`shard`] (sweeps across machines),
//! [`allocator`] (mimalloc, the global allocator).
//!
//! **Architecture invariant:** only this binary touches the terminal and
//! the file system; the library crates take text in and give values back.

mod allocator;
mod capture;
mod cli;
mod commands;
mod diagnostics;
mod import_aws;
mod import_terraform;
mod input;
mod output;
mod progress;
mod shard;
mod staging;
mod sweep;

use std::process::ExitCode;

use cli::{Cli, Command};

/// Exit codes: 0 fine, 1 the scenario's own assertions failed, 2 bad input
/// or usage.
pub const EXIT_BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    allocator::configure();
    staging::install_signal_handler();
    let parsed = <Cli as clap::CommandFactory>::command()
        .try_get_matches()
        .and_then(|m| {
            let mut cli = <Cli as clap::FromArgMatches>::from_arg_matches(&m)?;
            if let (Command::Sweep(args), Some(("sweep", sm))) = (&mut cli.command, m.subcommand())
            {
                args.link_with(sm);
            }
            Ok(cli)
        });
    let args = match parsed {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_BAD_INPUT } else { 0 });
        }
    };
    match execute(args) {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            // A located message (`file:line:col: error[...]`) says so itself.
            if message.contains(": error[") {
                eprintln!("{message}");
            } else {
                eprintln!("error: {message}");
            }
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// Runs a subcommand.
fn execute(cli: Cli) -> Result<u8, String> {
    diagnostics::set_style(cli.style.into());
    match cli.command {
        Command::Run(args) => commands::run(args),
        Command::Check(args) => commands::check(args),
        Command::Explain(args) => commands::explain(args),
        Command::Sweep(args) => crate::sweep::sweep(args),
        Command::Graph(args) => commands::graph(args),
        Command::Completions(args) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(args.shell, &mut cmd, "sim", &mut out);
            output::emit(&String::from_utf8_lossy(&out))?;
            Ok(0)
        }
        Command::Init(args) => commands::init(args),
        Command::Export(args) => commands::export(args),
        Command::Import(args) => match match args.from {
            cli::ImportFrom::Aws => import_aws::import(&args.dir, &args.flow_logs),
            cli::ImportFrom::Terraform => {
                import_terraform::import(&args.dir, args.base.as_deref(), &args.flow_logs)
            }
        }
        .and_then(|mut imported| match &args.expect {
            Some(file) => import_aws::with_expectations(&mut imported.text, file)
                .map(|()| imported)
                .map_err(|e| vec![e]),
            None => Ok(imported),
        }) {
            Ok(imported) => {
                if !diagnostics::style().quiet {
                    for w in &imported.warnings {
                        eprintln!("{}: warning[ImportSnapshot]: {w}", args.dir.display());
                    }
                }
                match &args.output {
                    Some(path) => output::write_file(path, imported.text.into_bytes())?,
                    None => output::emit(&imported.text)?,
                }
                Ok(0)
            }
            Err(errors) => {
                for e in &errors {
                    eprintln!("{e}");
                }
                eprintln!(
                    "{}: {} problems found; nothing was written",
                    args.dir.display(),
                    errors.len()
                );
                Ok(EXIT_BAD_INPUT)
            }
        },
        Command::Generate(args) => {
            let text = sim_core::generate::scenario_text_at(
                args.sources as usize,
                args.connections as usize,
                &args.duration.to_string(),
                args.targets == cli::GeneratedTargets::Nlb,
                args.rate,
                args.size,
            );
            match &args.output {
                Some(path) => output::write_file(path, text.into_bytes())?,
                None => output::emit(&text)?,
            }
            Ok(0)
        }
        Command::Schema => {
            let schema = sim_core::scenario::schema::json_schema();
            let mut text = serde_json::to_string_pretty(&schema)
                .map_err(|e| format!("cannot write the schema: {e}"))?;
            text.push('\n');
            output::emit(&text)?;
            Ok(0)
        }
        Command::Manpage => {
            let mut out = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut out)
                .map_err(|e| format!("cannot render the manual page: {e}"))?;
            output::emit(&String::from_utf8_lossy(&out))?;
            Ok(0)
        }
    }
}
