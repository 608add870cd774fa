//! `sim sweep`: the scenario over a grid of values, points run in
//! parallel on every core; each point is an ordinary run of the changed
//! scenario, so its figures are those of running it alone.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use sim_core::Overrides;
use sim_core::scenario::locate::set_field;

use crate::cli::{Format, SweepArgs, SweepCommand};
use crate::input::{load_text, read_scenario};
use crate::output;

/// Grids larger than this are refused: a typo should not start a week of
/// runs.
const MAX_POINTS: usize = 10_000;

/// Splits `V1,V2,...` at commas outside quotes and brackets.
fn split_values(s: &str) -> Vec<String> {
    let (mut out, mut cur) = (Vec::new(), String::new());
    let (mut depth, mut quoted) = (0i32, false);
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' | '[' | '{' if !quoted => depth += 1,
            ')' | ']' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(std::mem::take(&mut cur).trim().to_string());
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur.trim().to_string());
    out
}

/// `PATH=V1,V2` into the path and its values.
fn parse_vary(v: &str) -> Result<(String, Vec<String>), String> {
    let (path, values) = v
        .split_once('=')
        .ok_or_else(|| format!("--vary `{v}`: expected ELEMENT.FIELD=V1,V2,..."))?;
    let values = split_values(values);
    if values.iter().any(String::is_empty) {
        return Err(format!("--vary `{v}`: an empty value"));
    }
    Ok((path.trim().to_string(), values))
}

/// A path as tables and verdicts show it: a load balancer's ARN by its
/// name (`set_field` takes either).
fn short_path(path: &str) -> String {
    let Some(i) = path.find(":loadbalancer/") else {
        return path.to_string();
    };
    match path[i..].find('.').map(|d| i + d) {
        Some(d) if path.starts_with("arn:") => {
            format!("{}{}", topology::short_name(&path[..d]), &path[d..])
        }
        _ => path.to_string(),
    }
}

/// A varied field and its values.
type Field = (String, Vec<String>);

/// The grid's dimensions, in `--vary` order: each its `--vary` field and
/// the `--with` fields linked to it, all with as many values.
fn dimensions(args: &SweepArgs) -> Result<Vec<Vec<Field>>, String> {
    let mut dims: Vec<Vec<Field>> = args
        .vary
        .iter()
        .map(|v| parse_vary(v).map(|field| vec![field]))
        .collect::<Result<_, _>>()?;
    for (w, &d) in args.with.iter().zip(&args.with_vary) {
        let (path, values) = parse_vary(w).map_err(|e| e.replacen("--vary", "--with", 1))?;
        let dim = dims.get_mut(d).ok_or_else(|| {
            format!("--with `{w}` comes before any --vary: it varies with the --vary before it")
        })?;
        let (lead, lead_values) = &dim[0];
        if values.len() != lead_values.len() {
            return Err(format!(
                "--with {path} has {} values and --vary {lead} {}: linked fields vary value for value",
                values.len(),
                lead_values.len()
            ));
        }
        dim.push((path, values));
    }
    Ok(dims)
}

pub fn sweep(args: SweepArgs) -> Result<u8, String> {
    if let Some(SweepCommand::Merge(m)) = args.command {
        return crate::shard::merge(m);
    }
    let file = args.file.clone().ok_or("sim sweep needs a scenario file")?;
    let shard = args.shard.map(crate::shard::resolve).transpose()?;
    if shard.is_some() && args.out.is_none() {
        return Err("--shard writes its points for `sim sweep merge`: give --out DIR".into());
    }
    let text = read_scenario(&file)?;
    let dims = dimensions(&args)?;
    // Every varied field, dimension by dimension, with its values.
    let varies: Vec<Field> = dims.iter().flatten().cloned().collect();
    let dimension_of: Vec<usize> = dims
        .iter()
        .enumerate()
        .flat_map(|(d, fields)| fields.iter().map(move |_| d))
        .collect();
    let points = dims
        .iter()
        .try_fold(1usize, |n, fields| n.checked_mul(fields[0].1.len()))
        .filter(|&n| n <= MAX_POINTS)
        .ok_or_else(|| format!("the grid has more than {MAX_POINTS} points"))?;
    let mut base = text.clone();
    if !args.objective.is_empty() {
        let list = format!("[{}]", args.objective.join(", "));
        base =
            set_field(&base, "scenario.expect", &list).map_err(|e| format!("--objective: {e}"))?;
    }
    let overrides = Overrides {
        seed: args.seed,
        duration: args.duration,
    };
    // The scenario's text at point k, and the point's values.
    let point = |k: usize| -> Result<(Vec<String>, String), String> {
        let mut rest = k;
        let mut values = vec![String::new(); varies.len()];
        for d in (0..dims.len()).rev() {
            let n = dims[d][0].1.len();
            for (i, (_, vs)) in varies.iter().enumerate() {
                if dimension_of[i] == d {
                    values[i] = vs[rest % n].clone();
                }
            }
            rest /= n;
        }
        let mut t = base.clone();
        for ((path, _), value) in varies.iter().zip(&values) {
            t = set_field(&t, path, value).map_err(|e| format!("--vary {path}: {e}"))?;
        }
        Ok((values, t))
    };
    let at = |values: &[String]| {
        varies
            .iter()
            .zip(values)
            .map(|((p, _), v)| format!("{}={v}", short_path(p)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    // Every point is made and checked before any runs, one at a time and
    // dropped at once: a value that breaks the scenario stops the sweep
    // (every shard of it alike) with its diagnostics, and the work of the
    // points this process runs is weighed against the limit.
    let mine: Vec<usize> = (0..points)
        .filter(|&k| shard.is_none_or(|s| s.runs(k)))
        .collect();
    let mut objective = Vec::new();
    let mut packets = 0u64;
    for k in 0..points {
        let (values, t) = point(k)?;
        let mut loaded = match load_text(&file, &t, &overrides, k == 0) {
            Ok(l) => l,
            Err(code) => {
                eprintln!("(at the point {})", at(&values));
                return Ok(code);
            }
        };
        if let Err(why) = args.fidelity.apply(&mut loaded.scenario.settings) {
            eprintln!(
                "{}: error[InvalidParameterValue]: --window: {why} (at the point {})",
                file.display(),
                at(&values)
            );
            return Ok(crate::EXIT_BAD_INPUT);
        }
        let work = sim_core::work::estimate(&loaded.scenario);
        if let Some(why) = sim_core::work::over_hard_limit(&work) {
            eprintln!(
                "{}: error[LargeRun]: {why} (at the point {})",
                file.display(),
                at(&values)
            );
            return Ok(crate::EXIT_BAD_INPUT);
        }
        if shard.is_none_or(|s| s.runs(k)) {
            packets = packets.saturating_add(work.packets);
        }
        if k == 0 {
            objective = loaded
                .scenario
                .expect
                .iter()
                .map(ToString::to_string)
                .collect();
        }
    }
    let whole = sim_core::work::Estimate {
        packets,
        ..Default::default()
    };
    if let Some(why) = sim_core::work::over_packet_limit(&whole, args.limits.max_packets()) {
        eprintln!(
            "{}: error[LargeRun]: over its {} points, {why}",
            file.display(),
            mine.len()
        );
        return Ok(crate::EXIT_BAD_INPUT);
    }
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .clamp(1, mine.len().max(1));
    let bar = crate::progress::points(mine.len() as u64);
    let next = AtomicUsize::new(0);
    let rows: Mutex<Vec<Option<reports::sweep::Row>>> = Mutex::new(vec![None; points]);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                while let Some(&k) = mine.get(next.fetch_add(1, Ordering::Relaxed)) {
                    // Loaded again here, so no more than `jobs` points are
                    // in memory; it loaded above, and loading is
                    // deterministic.
                    let Ok((values, t)) = point(k) else {
                        break;
                    };
                    let Ok(mut loaded) = load_text(&file, &t, &overrides, false) else {
                        break;
                    };
                    // Checked for every point above.
                    if args.fidelity.apply(&mut loaded.scenario.settings).is_err() {
                        break;
                    }
                    let scenario = &loaded.scenario;
                    let results = sim_core::run(scenario);
                    let report = reports::report(scenario, &results);
                    let row = reports::sweep::row(values, &report);
                    if let Ok(mut r) = rows.lock() {
                        r[k] = Some(row);
                    }
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
    let mut rows = rows
        .into_inner()
        .map_err(|_| "a sweep worker failed".to_string())?;
    if mine.iter().any(|&k| rows[k].is_none()) {
        return Err("a sweep point did not run".into());
    }
    let name = file.display().to_string();
    let parameters: Vec<String> = varies.iter().map(|(p, _)| short_path(p)).collect();
    if let Some(shard) = shard {
        let dir = args.out.as_deref().ok_or("--shard needs --out")?;
        let ran = mine.len();
        let file = crate::shard::ShardFile {
            shard,
            points,
            scenario: name,
            parameters,
            dimensions: dimension_of,
            objective,
            definition: crate::shard::Definition {
                scenario_text: base,
                dimensions: dims,
                seed: args.seed,
                duration_ns: args.duration.map(|d| d.as_nanos()),
                // As given on the command line (`full`, `sampled`).
                fidelity: args
                    .fidelity
                    .fidelity
                    .and_then(|f| clap::ValueEnum::to_possible_value(&f))
                    .map(|v| v.get_name().to_string()),
                window_ns: args.fidelity.window.map(|w| w.as_nanos()),
            },
            rows: mine
                .iter()
                .filter_map(|&k| rows[k].take().map(|r| (k, r)))
                .collect(),
        };
        crate::shard::write(dir, &file)?;
        crate::output::emit(&format!(
            "Shard {} of {}: {ran} of {points} points, in {}; join the shards with `sim sweep merge DIR...`\n",
            shard.index,
            shard.count,
            dir.join(crate::shard::SHARD_FILE).display()
        ))?;
        return Ok(0);
    }
    let rows: Vec<_> = rows.into_iter().flatten().collect();
    let s = reports::sweep::sweep(&name, parameters, dimension_of, objective, rows);
    finish(&s, args.out.as_deref(), args.format)
}

/// What a sweep writes and prints, from its table: the one function both
/// a whole sweep and `sim sweep merge` end in, so their files are the same
/// bytes.
pub fn finish(s: &reports::sweep::Sweep, out: Option<&Path>, format: Format) -> Result<u8, String> {
    let json = reports::sweep::json(s);
    if let Some(dir) = out {
        write(dir, s, &json)?;
    }
    match format {
        Format::Text => crate::output::emit(&reports::sweep::text(s))?,
        Format::Json => crate::output::emit(&json)?,
    }
    Ok(0)
}

fn write(dir: &Path, s: &reports::sweep::Sweep, json: &str) -> Result<(), String> {
    let chart = reports::sweep::chart(s)?;
    let heat_map = reports::sweep::heat_map(s).transpose()?;
    // A 2-D sweep's heat map goes when a later sweep here has none.
    output::write_all_replacing(
        dir,
        "sweep",
        &[
            ("sweep.csv", reports::sweep::csv(s).into_bytes()),
            ("sweep.json", json.as_bytes().to_vec()),
            ("sweep.svg", chart.into_bytes()),
        ]
        .into_iter()
        .chain(heat_map.map(|h| ("sweep-heat-map.svg", h.into_bytes())))
        .collect::<Vec<_>>(),
    )
}
