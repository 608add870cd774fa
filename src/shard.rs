//! Sweeps beyond one machine: `sim sweep ... --shard K/N` runs every N-th
//! point of the grid and writes them, with the grid's definition, to
//! `sweep-shard.json`; `sim sweep merge DIR...` checks that the shards are
//! of one grid and cover it once, and writes what the sweep run whole
//! would (the same function renders both, so the files are the same bytes).
//!
//! `--shard auto` takes the shard from the batch engine running it: a Slurm
//! job array, a Kubernetes Indexed Job or an AWS Batch array job.

use std::path::{Path, PathBuf};

use reports::sweep::Row;
use serde::{Deserialize, Serialize};

use crate::cli::{MergeArgs, ShardArg};

/// The file a shard writes into its `--out` directory.
pub const SHARD_FILE: &str = "sweep-shard.json";

/// Shard files larger than this are refused (a grid has at most 10,000
/// points of a few hundred bytes each).
const MAX_SHARD_FILE_BYTES: u64 = 64 << 20;

/// One shard of a grid: every `count`-th point from the `index`-th.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub fn runs(self, point: usize) -> bool {
        point % self.count == self.index
    }
}

/// An environment variable as a number, if it is set.
fn number(name: &str) -> Result<Option<usize>, String> {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("--shard auto: {name}={v} is not a number")),
        Err(_) => Ok(None),
    }
}

/// The shard `--shard` names; `auto` asks the batch engine.
pub fn resolve(arg: ShardArg) -> Result<Shard, String> {
    let (index, count) = match arg {
        ShardArg::Fixed { index, count } => (index, count),
        ShardArg::Auto { count } => {
            // Slurm: the task's id from the array's lowest (an array may
            // start past 0), and the task count.
            if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
                let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
                let n = count
                    .or(number("SLURM_ARRAY_TASK_COUNT")?)
                    .ok_or("--shard auto: SLURM_ARRAY_TASK_COUNT is not set; give the count: --shard auto/N")?;
                (id.saturating_sub(min), n)
            } else if let Some(k) = number("JOB_COMPLETION_INDEX")?
                .map(Ok)
                .or_else(|| number("AWS_BATCH_JOB_ARRAY_INDEX").transpose())
                .transpose()?
            {
                let n = count.ok_or(
                    "--shard auto: a Kubernetes Indexed Job or AWS Batch array job does not tell \
                     the count: give it, --shard auto/N (the job's completions or array size)",
                )?;
                (k, n)
            } else {
                return Err(
                    "--shard auto: no batch engine's index is set (SLURM_ARRAY_TASK_ID, \
                            JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX); use --shard K/N"
                        .into(),
                );
            }
        }
    };
    if count == 0 || index >= count {
        return Err(format!(
            "--shard: shard {index} of {count} does not exist (0 to {})",
            count.saturating_sub(1)
        ));
    }
    Ok(Shard { index, count })
}

/// What makes two shards parts of one grid: the scenario as run (its text
/// with the objective set), every varied field and value, and the
/// overrides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Definition {
    pub scenario_text: String,
    /// Per dimension, its fields and their values.
    pub dimensions: Vec<Vec<(String, Vec<String>)>>,
    pub seed: Option<u64>,
    pub duration_ns: Option<u64>,
    /// `--fidelity` and `--window`, as given (`sampled`, `100ms`): shards
    /// run at another fidelity are not parts of the same sweep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fidelity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_ns: Option<u64>,
}

/// `sweep-shard.json`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ShardFile {
    pub shard: Shard,
    pub points: usize,
    /// As the whole sweep's: the file as named, the parameters, their
    /// dimensions and the objective.
    pub scenario: String,
    pub parameters: Vec<String>,
    pub dimensions: Vec<usize>,
    pub objective: Vec<String>,
    pub definition: Definition,
    /// The shard's points: each its index in the grid and its row.
    pub rows: Vec<(usize, Row)>,
}

/// Writes a shard's file into `dir`.
pub fn write(dir: &Path, file: &ShardFile) -> Result<(), String> {
    let mut json = serde_json::to_string_pretty(file).map_err(|e| e.to_string())?;
    json.push('\n');
    crate::output::write_all(dir, &[(SHARD_FILE, json.into_bytes())])
}

fn read(dir: &Path) -> Result<ShardFile, String> {
    let path = dir.join(SHARD_FILE);
    let shown = path.display();
    let meta = std::fs::metadata(&path)
        .map_err(|e| format!("{shown}: {e} (is {} a shard's --out?)", dir.display()))?;
    if meta.len() > MAX_SHARD_FILE_BYTES {
        return Err(format!("{shown}: {} bytes is not a shard file", meta.len()));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{shown}: {e}"))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("{shown}:{}:{}: not a shard file: {e}", e.line(), e.column()))
}

/// `sim sweep merge DIR...`.
pub fn merge(args: MergeArgs) -> Result<u8, String> {
    let shards: Vec<(PathBuf, ShardFile)> = args
        .dirs
        .iter()
        .map(|d| read(d).map(|f| (d.clone(), f)))
        .collect::<Result<_, _>>()?;
    let (first_dir, first) = &shards[0];
    let mut rows: Vec<Option<Row>> = vec![None; first.points];
    let mut seen = vec![false; first.shard.count];
    for (dir, f) in &shards {
        let d = dir.display();
        if f.definition != first.definition || f.points != first.points {
            return Err(format!(
                "{d} is a shard of another sweep than {} (scenario, fields, values or overrides differ)",
                first_dir.display()
            ));
        }
        if f.shard.count != first.shard.count {
            return Err(format!(
                "{d} is shard {} of {}, {} one of {}: the shards were cut differently",
                f.shard.index,
                f.shard.count,
                first_dir.display(),
                first.shard.count
            ));
        }
        match seen.get_mut(f.shard.index) {
            Some(true) => return Err(format!("{d}: shard {} is given twice", f.shard.index)),
            Some(s) => *s = true,
            None => {
                return Err(format!(
                    "{d}: shard {} of {} does not exist",
                    f.shard.index, f.shard.count
                ));
            }
        }
        for (k, row) in &f.rows {
            match rows.get_mut(*k) {
                Some(slot @ None) if f.shard.runs(*k) => *slot = Some(row.clone()),
                _ => {
                    return Err(format!(
                        "{d}: point {k} does not belong to it, or comes twice"
                    ));
                }
            }
        }
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        return Err(format!(
            "shard {missing} of {} is missing: give every shard's directory",
            first.shard.count
        ));
    }
    let rows: Vec<Row> = rows
        .into_iter()
        .enumerate()
        .map(|(k, r)| r.ok_or_else(|| format!("point {k} is in no shard")))
        .collect::<Result<_, _>>()?;
    let s = reports::sweep::sweep(
        &first.scenario,
        first.parameters.clone(),
        first.dimensions.clone(),
        first.objective.clone(),
        rows,
    );
    crate::sweep::finish(&s, args.out.as_deref(), args.format)
}
