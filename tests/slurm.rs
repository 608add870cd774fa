//! Sharded sweeps through a real batch engine: a one-node Slurm cluster
//! (`tests/slurm/cluster.sh`, Debian's slurm-wlm and munge) runs a sweep as
//! a job array with `--shard auto`, and `sim sweep merge` joins the shards
//! into the files the whole sweep writes, byte for byte. CI installs Slurm
//! and runs this; elsewhere it skips, saying why, where Slurm cannot run.

use std::path::Path;
use std::process::Command;

use crate::common::*;

/// The cluster, stopped when the test ends, however it ends.
struct Cluster<'a> {
    dir: &'a Path,
}

impl Drop for Cluster<'_> {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(root().join("tests/slurm/cluster.sh"))
            .arg("stop")
            .arg(self.dir)
            .status();
    }
}

/// Why Slurm cannot run here, if it cannot.
fn unavailable() -> Option<String> {
    for tool in [
        "slurmctld",
        "slurmd",
        "munged",
        "sbatch",
        "sinfo",
        "runuser",
    ] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return Some(format!(
                "{tool} is not installed (Debian: slurm-wlm, munge)"
            ));
        }
    }
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("the daemons need root".into());
    }
    None
}

#[test]
fn a_sweep_sharded_over_a_slurm_job_array_merges_into_the_whole_sweep() {
    if let Some(why) = unavailable() {
        if std::env::var_os("CI").is_some() {
            panic!("CI must run the Slurm test: {why}");
        }
        eprintln!("Slurm test skipped: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let started = Command::new("bash")
        .arg(root().join("tests/slurm/cluster.sh"))
        .arg("start")
        .arg(d)
        .output()
        .unwrap();
    let _cluster = Cluster { dir: d };
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let conf = String::from_utf8_lossy(&started.stdout).trim().to_string();
    let sweep = [
        "sweep",
        "scenarios/plan-fleet.ron",
        "--vary",
        "ids.fleet.count=1,2,4",
        "--with",
        "ids.fleet.instance_type=c5n.4xlarge,c5n.xlarge,m5.large",
        "--vary",
        "scenario.seed=1,2",
        "--duration",
        "100ms",
    ];
    // Three array tasks, each its shard (SLURM_ARRAY_TASK_ID of
    // SLURM_ARRAY_TASK_COUNT) into its own directory.
    let job = format!(
        "cd {} && {} {} --jobs 1 --shard auto --out {}/shard-$SLURM_ARRAY_TASK_ID",
        root().display(),
        env!("CARGO_BIN_EXE_sim"),
        sweep.map(|a| format!("'{a}'")).join(" "),
        d.display()
    );
    let submitted = Command::new("sbatch")
        .env("SLURM_CONF", &conf)
        .args(["--wait", "--array=0-2", "--time=5"])
        .arg(format!("--output={}/job-%a.out", d.display()))
        .arg(format!("--wrap={job}"))
        .output()
        .unwrap();
    let logs = || {
        (0..3)
            .map(|k| std::fs::read_to_string(d.join(format!("job-{k}.out"))).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        submitted.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&submitted.stderr),
        logs()
    );
    for k in 0..3 {
        assert!(
            logs().contains(&format!("Shard {k} of 3")),
            "task {k} ran its shard:\n{}",
            logs()
        );
    }
    let merged = d.join("merged");
    let whole = d.join("whole");
    let m = sim(&[
        "sweep",
        "merge",
        &d.join("shard-0").display().to_string(),
        &d.join("shard-1").display().to_string(),
        &d.join("shard-2").display().to_string(),
        "--out",
        &merged.display().to_string(),
    ]);
    assert_ok(&m);
    let mut args = sweep.to_vec();
    let out = whole.display().to_string();
    args.extend(["--out", &out]);
    let w = sim(&args);
    assert_ok(&w);
    assert_eq!(m.stdout, w.stdout, "the merged table is the whole sweep's");
    for f in ["sweep.csv", "sweep.json", "sweep.svg", "sweep-heat-map.svg"] {
        assert_eq!(
            std::fs::read(merged.join(f)).unwrap(),
            std::fs::read(whole.join(f)).unwrap(),
            "{f}"
        );
    }
}
