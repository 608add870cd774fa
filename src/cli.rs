//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use sim_core::units::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "sim",
    version,
    about = "A deterministic data-plane twin of AWS VPC Traffic Mirroring"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Replay a scenario's traffic through the mirroring pipeline and report
    /// what every appliance receives. Exit code 1 if an expectation of the
    /// scenario's `expect` block does not hold, 2 if the scenario is refused.
    Run(RunArgs),
    /// Validate a scenario without running it.
    Check(CheckArgs),
    /// The fate of one packet at a source ENI, step by step: never-mirrored
    /// check, sessions and filter rules, the copy, the path, the load
    /// balancer's choice, the budgets around that instant.
    Explain(ExplainArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The scenario file (RON).
    pub file: PathBuf,
    /// Seed for every random stream, instead of the file's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Simulated time to run, instead of the file's (for example 10s).
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Write report.json and summary.txt into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write one pcap per appliance into OUT/pcap/ (needs --out).
    #[arg(long)]
    pub pcap: bool,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The scenario file (RON).
    pub file: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The scenario file (RON).
    pub file: PathBuf,
    /// The packet: `PROTOCOL SRC[:PORT] -> DST[:PORT] ingress|egress at
    /// ENI-ID [size N] [reply]`, for example
    /// "tcp 198.51.100.7:51000 -> 10.0.1.10:443 ingress at eni-0a1 size 1500B".
    #[arg(long)]
    pub packet: String,
    /// The instant to look at: the timeline's changes up to it apply
    /// (default: the start).
    #[arg(long, value_parser = parse_duration, default_value = "0s")]
    pub at: Duration,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    s.parse()
}
