//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use sim_core::units::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "sim",
    version,
    about = "A deterministic data-plane twin of AWS VPC Traffic Mirroring",
    after_help = "Exit codes:\n  0  done (run: every expectation holds)\n  1  run: an expectation of the \
                  scenario's `expect` block does not hold\n  2  bad input or usage: the scenario, a file \
                  it names or an argument is refused, or output cannot be written (nothing is \
                  written then)\n  130, 143  interrupted (SIGINT, SIGTERM); temporary files removed"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub style: StyleArgs,
}

/// How much the commands say on standard error.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct StyleArgs {
    /// Show each warning with its line of the file, and the run's speed.
    #[arg(long, short = 'v', global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Print no warnings, progress or speed: results and errors only.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Refuse a scenario that has any warning, as an error (exit 2).
    #[arg(long, global = true)]
    pub deny_warnings: bool,
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
    /// Run a scenario over a grid of values (one --vary per parameter),
    /// in parallel, and find where its objective stops holding.
    Sweep(SweepArgs),
    /// Draw the scenario's network as one graph: ENIs, instances, subnets,
    /// route tables, VPCs, peering, transit gateways, load balancers and
    /// their nodes, appliances, endpoints, targets, and the sessions
    /// coloured by whether their copies arrive (DOT, or SVG laid out with
    /// no Graphviz needed).
    Graph(GraphArgs),
    /// Print a shell completion script: `sim completions bash >
    /// /etc/bash_completion.d/sim` (or zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the manual page (roff): `sim manpage > sim.1; man ./sim.1`.
    Manpage,
    /// Write a generated fleet scenario of any size (the pipeline bench's
    /// shape: sources with three sessions of ten-rule filters, two-way
    /// connections), for measuring `sim run` at fleet scale.
    Generate(GenerateArgs),
    /// Write a scenario from what exists: `aws DIR` reads a snapshot of an
    /// account, the JSON output of AWS CLI describe calls (one call per
    /// file, any names, ACCOUNT/REGION/ subfolders or not).
    Import(ImportArgs),
    /// Write the scenario's mirror configuration for another tool:
    /// `terraform` gives the AWS provider's aws_ec2_traffic_mirror_target,
    /// _filter, _filter_rule and _session resources, ENIs and load
    /// balancers referenced by id, so a plan checked here can be applied.
    Export(ExportArgs),
    /// Print the JSON Schema of the scenario format, generated from the
    /// loader's types: every field, its type and its documentation, for
    /// editors and tools (docs/scenario.schema.json is this output).
    Schema,
    /// Write a commented starting scenario to edit: an appliance ENI as
    /// target, a fleet behind a Network Load Balancer, a Gateway Load
    /// Balancer with endpoints, or a transit gateway hub.
    Init(InitArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Template {
    /// One source, one appliance ENI as the target (the guide's example).
    Eni,
    /// Web servers in two zones mirrored to IDS appliances behind an NLB.
    NlbFleet,
    /// Spoke VPCs mirrored through GWLB endpoints to a central fleet.
    Gwlb,
    /// Spoke VPCs reaching a security VPC's appliance through a transit
    /// gateway.
    TgwHub,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Which design to start from.
    #[arg(value_enum, default_value_t = Template::Eni)]
    pub template: Template,
    /// Write it to this file (refused if it exists) instead of standard
    /// output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Svg,
}

#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// The scenario file (RON).
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Write the drawing to this file (whole or not at all) instead of
    /// standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
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
    #[arg(long, allow_hyphen_values = true, value_parser = parse_seed)]
    pub seed: Option<u64>,
    /// Simulated time to run, instead of the file's (for example 10s).
    #[arg(long, value_parser = parse_run_duration)]
    pub duration: Option<Duration>,
    /// Write report.json and summary.txt into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write one pcap per appliance into OUT/pcap/ (needs --out).
    #[arg(long)]
    pub pcap: bool,
    /// Threads to run on (default: the machine's cores). With two, the
    /// pipeline's source side runs on one while the flows' packets are made
    /// and the copies delivered on the other; with three, each has its own.
    /// The results are the same bytes with any number.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    #[command(flatten)]
    pub fidelity: FidelityArgs,
    #[command(flatten)]
    pub limits: WorkLimits,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Full or sampled, instead of the file's `settings.fidelity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FidelityMode {
    /// Every packet.
    Full,
    /// In each steady metrics period, one window packet by packet and the
    /// rest estimated from it: hours in seconds, every count marked as an
    /// estimate.
    Sampled,
}

#[derive(Debug, Clone, Copy, clap::Args)]
pub struct FidelityArgs {
    /// `full` (every packet) or `sampled` (in each steady metrics period,
    /// one window packet by packet and the rest estimated from it; every
    /// output marks its counts as estimates). Default: the file's
    /// `settings.fidelity`, else full.
    #[arg(long, value_enum)]
    pub fidelity: Option<FidelityMode>,
    /// The window of a sampled run (default 100ms; it must divide the
    /// metrics period). Implies `--fidelity sampled`.
    #[arg(long, value_parser = parse_duration)]
    pub window: Option<Duration>,
}

impl FidelityArgs {
    /// Sets the fidelity these flags ask for over the file's, or says why
    /// they cannot have it (the window does not divide the period).
    pub fn apply(&self, settings: &mut sim_core::settings::Settings) -> Result<(), String> {
        use sim_core::settings::{DEFAULT_SAMPLING_WINDOW_NS, Fidelity};
        let current = match settings.fidelity {
            Fidelity::Sampled { window_ns } => Some(window_ns),
            Fidelity::Full => None,
        };
        let window_ns = match (self.fidelity, self.window) {
            (Some(FidelityMode::Full), None) => None,
            (Some(FidelityMode::Full), Some(_)) => {
                return Err("--window is for sampled runs, not --fidelity full".into());
            }
            (_, Some(w)) => Some(w.as_nanos()),
            (Some(FidelityMode::Sampled), None) => {
                Some(current.unwrap_or(DEFAULT_SAMPLING_WINDOW_NS))
            }
            (None, None) => current,
        };
        settings.fidelity = match window_ns {
            None => Fidelity::Full,
            Some(w) => {
                if let Some(why) =
                    sim_core::settings::sampling_window_problem(w, settings.metrics_period_ns)
                {
                    return Err(why);
                }
                Fidelity::Sampled { window_ns: w }
            }
        };
        Ok(())
    }
}

/// How much work a command may start.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct WorkLimits {
    /// Refuse runs estimated to offer more packets than this (default
    /// 5,000,000,000, about ten minutes of wall time); a sweep counts
    /// every point.
    #[arg(long, value_name = "N")]
    pub max_packets: Option<u64>,
    /// Run however many packets the scenario offers.
    #[arg(long)]
    pub allow_large: bool,
}

impl WorkLimits {
    /// The most packets a run (or a whole sweep) may offer.
    pub fn max_packets(&self) -> u64 {
        match (self.allow_large, self.max_packets) {
            (true, _) => u64::MAX,
            (false, n) => n.unwrap_or(sim_core::work::DEFAULT_MAX_PACKETS),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The scenario file (RON).
    pub file: PathBuf,
    /// What to print on standard output: the text, or JSON (problems,
    /// resources, each session's paths, the work), also for a refused
    /// scenario.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
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
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    pub command: Option<SweepCommand>,
    /// The scenario file (RON).
    #[arg(required = true)]
    pub file: Option<PathBuf>,
    /// `ELEMENT.FIELD=V1,V2,...`: the field to vary and its values. ELEMENT
    /// is an id, a traffic name or `scenario`; FIELD may go deeper
    /// (`busy.request.rate`). Commas inside brackets or quotes do not
    /// split. Repeat for a grid (the last varies fastest).
    #[arg(long = "vary", required = true)]
    pub vary: Vec<String>,
    /// `ELEMENT.FIELD=V1,V2,...`: a field that varies together with the
    /// `--vary` before it, value for value (as many values), instead of
    /// adding a dimension: `--vary nlb.fleet.count=2,4 --with
    /// nlb.fleet.instance_type=c5n.2xlarge,c5n.xlarge`.
    #[arg(long = "with")]
    pub with: Vec<String>,
    /// For each `--with`, the index of the `--vary` it goes with (from
    /// the command line's order).
    #[arg(skip)]
    pub with_vary: Vec<usize>,
    /// The objective, as an `expect` entry (RON), replacing the
    /// scenario's `expect` block; repeat for several.
    #[arg(long)]
    pub objective: Vec<String>,
    /// Seed for every point, instead of the file's.
    #[arg(long, allow_hyphen_values = true, value_parser = parse_seed)]
    pub seed: Option<u64>,
    /// Simulated time of every point, instead of the file's.
    #[arg(long, value_parser = parse_run_duration)]
    pub duration: Option<Duration>,
    /// Points run, and held in memory, at once; default: one per core.
    #[arg(long)]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub fidelity: FidelityArgs,
    #[command(flatten)]
    pub limits: WorkLimits,
    /// Run only one shard of the grid: `K/N` runs every N-th point from
    /// the K-th (K from 0 to N-1); `auto` takes K and N from a Slurm job
    /// array (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT), `auto/N` K from
    /// a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) or an AWS Batch
    /// array job (AWS_BATCH_JOB_ARRAY_INDEX). Needs --out, where it writes
    /// sweep-shard.json for `sim sweep merge`.
    #[arg(long, value_parser = parse_shard)]
    pub shard: Option<ShardArg>,
    /// Write sweep.csv, sweep.json and sweep.svg into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, clap::Subcommand)]
pub enum SweepCommand {
    /// Join the shards of a sharded sweep (the --out directories of `sim
    /// sweep ... --shard`) into the sweep's table, CSV, JSON and charts,
    /// byte for byte those of the sweep run unsharded.
    Merge(MergeArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// What to read: `aws` a snapshot directory, `terraform` a plan's
    /// JSON (`terraform show -json PLAN`).
    #[arg(value_enum)]
    pub from: ImportFrom,
    /// The snapshot's directory, or the plan's JSON file.
    pub dir: PathBuf,
    /// With `terraform`: a snapshot the plan's resources are laid over.
    #[arg(long)]
    pub base: Option<PathBuf>,
    /// VPC flow log files whose records become the scenario's traffic
    /// (`FlowLogs` entries, paths as given: relative to where the scenario
    /// is written, or absolute).
    #[arg(long = "flow-logs", num_args = 1..)]
    pub flow_logs: Vec<PathBuf>,
    /// A file holding the team's `expect` block (a RON list of
    /// expectations), written into the scenario: `sim run` then exits 1
    /// when the imported design breaks one.
    #[arg(long)]
    pub expect: Option<PathBuf>,
    /// Write the scenario to this file (whole or not at all) instead of
    /// standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFrom {
    Aws,
    Terraform,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// What to write.
    #[arg(value_enum)]
    pub to: ExportTo,
    /// The scenario file (RON).
    pub file: PathBuf,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportTo {
    Terraform,
}

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Source ENIs (one m5.8xlarge each), 1 to 25,000.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=25_000))]
    pub sources: u32,
    /// Two-way connections per source (two one-way flows each), 1 to 1,000.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1_000))]
    pub connections: u32,
    /// Simulated time.
    #[arg(long, default_value = "2s", value_parser = parse_run_duration)]
    pub duration: Duration,
    /// Mirror to three ENI targets, or to one Network Load Balancer over
    /// ten appliances in two zones.
    #[arg(long, value_enum, default_value_t = GeneratedTargets::Eni)]
    pub targets: GeneratedTargets,
    /// What each source carries (for example 10Gbps): three fifths
    /// inbound, two fifths outbound, shared by its connections. Default:
    /// 60 and 40 packets a second per connection.
    #[arg(long, value_parser = parse_bit_rate)]
    pub rate: Option<u64>,
    /// Every packet this many bytes (IP length, 64 to 9001), instead of
    /// the mix of sizes.
    #[arg(long, value_parser = clap::value_parser!(u16).range(64..=9001))]
    pub size: Option<u16>,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GeneratedTargets {
    Eni,
    Nlb,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shards' output directories, each holding sweep-shard.json.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Write sweep.csv, sweep.json and sweep.svg into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `--shard`: a fixed shard, or one the batch engine names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardArg {
    Fixed { index: usize, count: usize },
    Auto { count: Option<usize> },
}

fn parse_shard(s: &str) -> Result<ShardArg, String> {
    let count = |n: &str| match n.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("`{n}` is not a shard count (1 or more)")),
    };
    match s.split_once('/') {
        None if s == "auto" => Ok(ShardArg::Auto { count: None }),
        Some(("auto", n)) => Ok(ShardArg::Auto {
            count: Some(count(n)?),
        }),
        Some((k, n)) => {
            let count = count(n)?;
            match k.parse::<usize>() {
                Ok(index) if index < count => Ok(ShardArg::Fixed { index, count }),
                _ => Err(format!(
                    "`{k}` is not a shard index from 0 to {}",
                    count - 1
                )),
            }
        }
        None => Err(format!("`{s}`: expected K/N, auto or auto/N")),
    }
}

impl SweepArgs {
    /// Links each `--with` to the `--vary` written before it (clap keeps
    /// each option's values apart; their indices keep the order). One
    /// before any `--vary` is linked to none, and refused later.
    pub fn link_with(&mut self, m: &clap::ArgMatches) {
        let vary: Vec<usize> = m
            .indices_of("vary")
            .map(Iterator::collect)
            .unwrap_or_default();
        let with: Vec<usize> = m
            .indices_of("with")
            .map(Iterator::collect)
            .unwrap_or_default();
        self.with_vary = with
            .iter()
            .map(|w| vary.iter().rposition(|v| v < w).unwrap_or(usize::MAX))
            .collect();
    }
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    s.parse()
}

/// A rate in bits per second (`10Gbps`).
fn parse_bit_rate(s: &str) -> Result<u64, String> {
    match s.parse::<sim_core::units::Rate>()? {
        sim_core::units::Rate::BitsPerSecond(b) => Ok(b),
        _ => Err(format!(
            "`{s}` is a packet rate; give bits per second (10Gbps)"
        )),
    }
}

/// A run's length: a duration above zero.
fn parse_run_duration(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d.as_nanos() == 0 {
        return Err("a run needs a duration above 0 (for example 10s)".to_string());
    }
    Ok(d)
}

/// A seed: a whole number from 0 to 18446744073709551615.
fn parse_seed(s: &str) -> Result<u64, String> {
    s.trim().parse().map_err(|_| {
        format!(
            "`{s}` is not a seed: give a whole number from 0 to {}",
            u64::MAX
        )
    })
}

impl From<StyleArgs> for crate::diagnostics::Style {
    fn from(a: StyleArgs) -> Self {
        crate::diagnostics::Style {
            verbose: a.verbose,
            quiet: a.quiet,
            deny_warnings: a.deny_warnings,
        }
    }
}
