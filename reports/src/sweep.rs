//! `sim sweep`: one row per point of the grid, the knee where the
//! objective changes, a table (text, CSV, JSON) and SVG charts of each
//! outcome against the varied parameters.

use std::fmt::Write as _;

use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::charts::human;
use crate::schema::Report;

/// One point's figures (packets over the run). A shard's file carries
/// rows, so they read back too (`sim sweep merge`).
#[derive(Debug, Serialize, Deserialize, PartialEq, Clone)]
pub struct Row {
    /// The value of each varied parameter, in `--vary` order.
    pub values: Vec<String>,
    pub offered: u64,
    pub mirrored: u64,
    pub delivered: u64,
    pub truncated: u64,
    pub skipped: u64,
    pub dropped: u64,
    pub not_mirrored: u64,
    /// Copies delivered out of order, over every target.
    pub reordered: u64,
    /// Of the copies made (mirrored), in percent to 0.001, rounded down.
    pub delivered_percent: String,
    pub skipped_percent: String,
    pub dropped_percent: String,
    /// Whether every expectation (the objective) holds; absent when the
    /// scenario states none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holds: Option<bool>,
    /// The expectations that do not hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
    /// What the design costs a month at the point's rates (the report's
    /// `cost.monthly_usd`).
    pub monthly_usd: String,
    /// Instance types the prices do not cover: the cost leaves them out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unpriced: Vec<String>,
    /// When the point ran sampled, its counts are estimates: how it was
    /// sampled (`sampled, 100ms of each 10s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<String>,
}

/// Where the objective changes between two neighbouring points.
#[derive(Debug, Serialize, PartialEq, Clone)]
pub struct Knee {
    /// The last point on one side and the first on the other.
    pub from: Vec<String>,
    pub to: Vec<String>,
    /// `stops_holding` or `starts_holding`.
    pub change: &'static str,
}

#[derive(Debug, Serialize, PartialEq, Clone)]
pub struct Sweep {
    pub scenario: String,
    /// The varied paths, in `--vary` order (each followed by the `--with`
    /// paths linked to it).
    pub parameters: Vec<String>,
    /// The grid dimension of each parameter: linked ones share one.
    pub dimensions: Vec<usize>,
    /// The expectations every point is held to.
    pub objective: Vec<String>,
    pub rows: Vec<Row>,
    pub knees: Vec<Knee>,
    /// The point that holds the objective at the least monthly cost (the
    /// first in grid order among equals); absent when none holds or there
    /// is no objective.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cheapest: Option<Cheapest>,
}

/// The answer to "what should I buy": the cheapest point that holds.
#[derive(Debug, Serialize, PartialEq, Clone)]
pub struct Cheapest {
    pub values: Vec<String>,
    pub monthly_usd: String,
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "n/a".into();
    }
    let milli = part as u128 * 100_000 / whole as u128;
    format!("{}.{:03}", milli / 1000, milli % 1000)
}

/// The row of one point.
pub fn row(values: Vec<String>, r: &Report) -> Row {
    let c = &r.totals.categories;
    let mirrored = c.delivered.packets + c.dropped.packets + c.skipped.packets;
    Row {
        values,
        offered: r.totals.offered.packets,
        mirrored,
        delivered: c.delivered.packets,
        truncated: c.truncated.packets,
        skipped: c.skipped.packets,
        dropped: c.dropped.packets,
        not_mirrored: c.not_mirrored.packets,
        reordered: r.targets.iter().map(|t| t.reordering.packets).sum(),
        delivered_percent: percent(c.delivered.packets, mirrored),
        skipped_percent: percent(c.skipped.packets, mirrored),
        dropped_percent: percent(c.dropped.packets, mirrored),
        holds: (!r.expectations.is_empty()).then(|| r.expectations.iter().all(|v| v.holds)),
        failed: r
            .expectations
            .iter()
            .filter(|v| !v.holds)
            .map(|v| v.expectation.clone())
            .collect(),
        monthly_usd: r.cost.monthly_usd.clone(),
        unpriced: r.cost.unpriced_instance_types.clone(),
        estimate: r
            .sampling
            .as_ref()
            .filter(|s| s.estimates)
            .map(|s| format!("sampled, {} of each {}", s.window, s.period)),
    }
}

/// A chart title's mark of a sampled sweep.
fn estimates_mark(s: &Sweep) -> String {
    estimates(s).map_or(String::new(), |(_, how)| format!(" (ESTIMATES: {how})"))
}

/// How many points' counts are estimates, and how the first was sampled.
fn estimates(s: &Sweep) -> Option<(usize, &str)> {
    let first = s.rows.iter().find_map(|r| r.estimate.as_deref())?;
    Some((
        s.rows.iter().filter(|r| r.estimate.is_some()).count(),
        first,
    ))
}

/// The sweep of `rows`, in grid order (the last parameter varies
/// fastest). A knee is a change of verdict between neighbours along the
/// last parameter, the others fixed.
pub fn sweep(
    scenario: &str,
    parameters: Vec<String>,
    dimensions: Vec<usize>,
    objective: Vec<String>,
    rows: Vec<Row>,
) -> Sweep {
    let last = dimensions.iter().copied().max().unwrap_or(0);
    // The values of every dimension but the last.
    let line = |r: &Row| -> Vec<String> {
        r.values
            .iter()
            .zip(&dimensions)
            .filter(|(_, d)| **d != last)
            .map(|(v, _)| v.clone())
            .collect()
    };
    let mut knees = Vec::new();
    for w in rows.windows(2) {
        let same_line = line(&w[0]) == line(&w[1]);
        if let (true, Some(a), Some(b)) = (same_line, w[0].holds, w[1].holds)
            && a != b
        {
            knees.push(Knee {
                from: w[0].values.clone(),
                to: w[1].values.clone(),
                change: if a { "stops_holding" } else { "starts_holding" },
            });
        }
    }
    let cheapest = rows
        .iter()
        .filter(|r| r.holds == Some(true) && r.unpriced.is_empty())
        .min_by_key(|r| crate::text::micro_usd(&r.monthly_usd))
        .map(|r| Cheapest {
            values: r.values.clone(),
            monthly_usd: r.monthly_usd.clone(),
        });
    Sweep {
        scenario: scenario.to_string(),
        parameters,
        dimensions,
        objective,
        rows,
        knees,
        cheapest,
    }
}

fn point(params: &[String], values: &[String]) -> String {
    params
        .iter()
        .zip(values)
        .map(|(p, v)| format!("{p}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The table and the knees, for the terminal.
pub fn text(s: &Sweep) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Sweep of {} over {} points", s.scenario, s.rows.len());
    if let Some((n, how)) = estimates(s) {
        let _ = writeln!(
            out,
            "ESTIMATES: {n} of the {} points ran sampled ({how}): their counts are \
             estimates from windows simulated packet by packet (run with --fidelity full \
             for exact counts).",
            s.rows.len()
        );
    }
    if !s.objective.is_empty() {
        let _ = writeln!(out, "Objective:");
        for o in &s.objective {
            let _ = writeln!(out, "  {o}");
        }
    }
    out.push('\n');
    let mut header: Vec<&str> = s.parameters.iter().map(String::as_str).collect();
    header.extend([
        "OFFERED",
        "MIRRORED",
        "DELIVERED %",
        "SKIPPED %",
        "DROPPED %",
        "REORDERED",
        "PER MONTH",
        "OBJECTIVE",
    ]);
    let mut t = crate::table::Table::new_owned(header.iter().map(|h| h.to_string()).collect());
    for r in &s.rows {
        let mut cells = r.values.clone();
        cells.extend([
            crate::text::n(r.offered),
            crate::text::n(r.mirrored),
            r.delivered_percent.clone(),
            r.skipped_percent.clone(),
            r.dropped_percent.clone(),
            crate::text::n(r.reordered),
            if r.unpriced.is_empty() {
                crate::text::money(&r.monthly_usd, 2)
            } else {
                format!("{}+?", crate::text::money(&r.monthly_usd, 2))
            },
            match r.holds {
                Some(true) => "holds".into(),
                Some(false) => "FAILS".into(),
                None => "-".into(),
            },
        ]);
        t.row(cells);
    }
    t.render(&mut out);
    if !s.objective.is_empty() {
        out.push('\n');
        if s.knees.is_empty() {
            let holding = s.rows.iter().filter(|r| r.holds == Some(true)).count();
            let _ = match holding {
                0 => writeln!(out, "The objective fails at every point."),
                n if n == s.rows.len() => writeln!(out, "The objective holds at every point."),
                n => writeln!(
                    out,
                    "The objective holds at {n} of {} points, and does not change along the last parameter.",
                    s.rows.len()
                ),
            };
        }
        for k in &s.knees {
            let verb = if k.change == "stops_holding" {
                "stops holding"
            } else {
                "starts holding"
            };
            let _ = writeln!(
                out,
                "The objective {verb} between {} and {}.",
                point(&s.parameters, &k.from),
                point(&s.parameters, &k.to)
            );
        }
        match &s.cheapest {
            Some(c) => {
                let _ = writeln!(
                    out,
                    "The cheapest point that holds: {}, {} per month.",
                    point(&s.parameters, &c.values),
                    crate::text::money(&c.monthly_usd, 2)
                );
            }
            None if s.rows.iter().any(|r| r.holds == Some(true)) => {
                let _ = writeln!(
                    out,
                    "The points that hold have instance types without a price (+?): set settings.prices.instances."
                );
            }
            None => {
                let _ = writeln!(out, "No point holds.");
            }
        }
        let unpriced: std::collections::BTreeSet<&str> = s
            .rows
            .iter()
            .flat_map(|r| r.unpriced.iter().map(String::as_str))
            .collect();
        if !unpriced.is_empty() {
            let list: Vec<&str> = unpriced.into_iter().collect();
            let _ = writeln!(
                out,
                "+? No price for {}: the cost leaves them out, and the cheapest point is chosen \
                 among the points priced in full.",
                list.join(", ")
            );
        }
    }
    out
}

fn csv_cell(v: &str) -> String {
    if v.contains([',', '"', '\n']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_string()
    }
}

/// One line per point, RFC 4180 quoting.
pub fn csv(s: &Sweep) -> String {
    let mut out = String::new();
    let mut header: Vec<String> = s.parameters.iter().map(|p| csv_cell(p)).collect();
    header.extend(
        [
            "offered",
            "mirrored",
            "delivered",
            "truncated",
            "skipped",
            "dropped",
            "not_mirrored",
            "reordered",
            "delivered_percent",
            "skipped_percent",
            "dropped_percent",
            "monthly_usd",
            "holds",
        ]
        .map(String::from),
    );
    // A sampled sweep says so on every row; a full one keeps its columns.
    let sampled = estimates(s).is_some();
    if sampled {
        header.push("estimate".into());
    }
    let _ = writeln!(out, "{}", header.join(","));
    for r in &s.rows {
        let mut cells: Vec<String> = r.values.iter().map(|v| csv_cell(v)).collect();
        cells.extend([
            r.offered.to_string(),
            r.mirrored.to_string(),
            r.delivered.to_string(),
            r.truncated.to_string(),
            r.skipped.to_string(),
            r.dropped.to_string(),
            r.not_mirrored.to_string(),
            r.reordered.to_string(),
            r.delivered_percent.clone(),
            r.skipped_percent.clone(),
            r.dropped_percent.clone(),
            r.monthly_usd.clone(),
            r.holds.map(|h| h.to_string()).unwrap_or_default(),
        ]);
        if sampled {
            cells.push(csv_cell(r.estimate.as_deref().unwrap_or("")));
        }
        let _ = writeln!(out, "{}", cells.join(","));
    }
    out
}

pub fn json(s: &Sweep) -> String {
    let mut j = serde_json::to_string_pretty(s).expect("the sweep serialises");
    j.push('\n');
    j
}

/// Which share of a row a line draws.
type Share = fn(&Row) -> &String;

/// The chart's series: each share of the copies made, by name.
const LINES: [(&str, Share); 3] = [
    ("delivered", |r| &r.delivered_percent),
    ("skipped", |r| &r.skipped_percent),
    ("dropped", |r| &r.dropped_percent),
];

fn pct(v: &str) -> f64 {
    v.parse::<f64>().unwrap_or(0.0)
}

/// Where the chart marks the points that fail the objective: on the
/// series a failed expectation measures ("dropped / mirrored ..."), else
/// on the x axis.
fn failing_marks(s: &Sweep) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (i, r) in s.rows.iter().enumerate() {
        if r.holds != Some(false) {
            continue;
        }
        for f in &r.failed {
            let y = LINES
                .iter()
                .find(|(name, _)| f.starts_with(name))
                .map_or(2.0, |(_, get)| pct(get(r)));
            if !out.contains(&(i as f64, y)) {
                out.push((i as f64, y));
            }
        }
        if r.failed.is_empty() {
            out.push((i as f64, 2.0));
        }
    }
    out
}

/// The shares of copies delivered, skipped and dropped at each point, in
/// grid order; points named by their values.
pub fn chart(s: &Sweep) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 460)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let n = s.rows.len().max(1);
        let labels: Vec<String> = s.rows.iter().map(|r| r.values.join(", ")).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "Sweep of {}: copies by outcome{}",
                    s.scenario,
                    estimates_mark(s)
                ),
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..130f64)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(s.parameters.join(", "))
            .y_desc("% of copies made")
            .x_labels(n)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    labels.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| {
                if *v <= 100.0 {
                    human(*v)
                } else {
                    String::new()
                }
            })
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| e.to_string())?;
        let lines: [(&str, Share, RGBColor); 3] = [
            ("delivered", LINES[0].1, RGBColor(0, 158, 115)),
            ("skipped", LINES[1].1, RGBColor(230, 159, 0)),
            ("dropped", LINES[2].1, RGBColor(213, 94, 0)),
        ];
        for &(name, get, color) in &lines {
            let points: Vec<(f64, f64)> = s
                .rows
                .iter()
                .enumerate()
                .map(|(i, r)| (i as f64, pct(get(r))))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(|e| e.to_string())?;
        }
        let failing = failing_marks(s);
        if !failing.is_empty() {
            chart
                .draw_series(
                    failing
                        .iter()
                        .map(|&p| Cross::new(p, 6, RED.stroke_width(2))),
                )
                .map_err(|e| e.to_string())?
                .label("objective fails")
                .legend(|(x, y)| Cross::new((x + 9, y), 5, RED.stroke_width(2)));
        }
        crate::charts::legend(&mut chart)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// The values of one grid dimension at a row (its linked fields joined).
fn dimension_label(s: &Sweep, r: &Row, d: usize) -> String {
    r.values
        .iter()
        .zip(&s.dimensions)
        .filter(|(_, dim)| **dim == d)
        .map(|(v, _)| v.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A colour from red (0 % of copies delivered) through yellow to green
/// (100 %).
fn delivered_colour(percent: f64) -> RGBColor {
    let t = (percent / 100.0).clamp(0.0, 1.0);
    let (r, g) = if t < 0.5 {
        (230.0, 80.0 + 330.0 * t)
    } else {
        (230.0 - 360.0 * (t - 0.5), 245.0 - 60.0 * (t - 0.5))
    };
    RGBColor(r as u8, g as u8, 110)
}

/// A grid of two dimensions as a heat map: one cell per point, coloured by
/// the share of copies delivered, with that share, the monthly cost and
/// the verdict written in it. `None` unless the grid has two dimensions.
pub fn heat_map(s: &Sweep) -> Option<Result<String, String>> {
    let dims = s.dimensions.iter().copied().max().map_or(0, |m| m + 1);
    if dims != 2 {
        return None;
    }
    let mut xs: Vec<String> = Vec::new();
    let mut ys: Vec<String> = Vec::new();
    for r in &s.rows {
        let (x, y) = (dimension_label(s, r, 0), dimension_label(s, r, 1));
        if !xs.contains(&x) {
            xs.push(x);
        }
        if !ys.contains(&y) {
            ys.push(y);
        }
    }
    let axis = |d: usize| {
        s.parameters
            .iter()
            .zip(&s.dimensions)
            .filter(|(_, dim)| **dim == d)
            .map(|(p, _)| p.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let draw = || -> Result<String, String> {
        let mut svg = String::new();
        {
            let (w, h) = (
                (160 + 150 * xs.len()).min(2400) as u32,
                (140 + 70 * ys.len()).min(2400) as u32,
            );
            let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| e.to_string())?;
            let (nx, ny) = (xs.len() as f64, ys.len() as f64);
            let mut chart = ChartBuilder::on(&root)
                .caption(
                    format!(
                        "Sweep of {}: copies delivered, cost per month{}",
                        s.scenario,
                        estimates_mark(s)
                    ),
                    ("sans-serif", 18),
                )
                .margin(12)
                .x_label_area_size(44)
                .y_label_area_size(120)
                .build_cartesian_2d(0f64..nx, 0f64..ny)
                .map_err(|e| e.to_string())?;
            let (xl, yl) = (xs.clone(), ys.clone());
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc(axis(0))
                .y_desc(axis(1))
                .x_labels(xs.len() * 2 + 1)
                .y_labels(ys.len() * 2 + 1)
                .x_label_formatter(&|x| cell_label(&xl, *x))
                .y_label_formatter(&|y| cell_label(&yl, *y))
                .label_style(("sans-serif", 12))
                .axis_desc_style(("sans-serif", 13))
                .draw()
                .map_err(|e| e.to_string())?;
            for r in &s.rows {
                let x = xs
                    .iter()
                    .position(|v| *v == dimension_label(s, r, 0))
                    .unwrap_or(0) as f64;
                let y = ys
                    .iter()
                    .position(|v| *v == dimension_label(s, r, 1))
                    .unwrap_or(0) as f64;
                let delivered = pct(&r.delivered_percent);
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x + 0.02, y + 0.04), (x + 0.98, y + 0.96)],
                        delivered_colour(delivered).filled(),
                    )))
                    .map_err(|e| e.to_string())?;
                let verdict = match r.holds {
                    Some(true) => "holds",
                    Some(false) => "FAILS",
                    None => "",
                };
                let lines = [
                    format!("{}% delivered", r.delivered_percent),
                    format!("{}/month", crate::text::money(&r.monthly_usd, 0)),
                    verdict.to_string(),
                ];
                for (i, line) in lines.iter().enumerate() {
                    chart
                        .draw_series(std::iter::once(Text::new(
                            line.clone(),
                            (x + 0.08, y + 0.8 - 0.25 * i as f64),
                            ("sans-serif", 12).into_font().color(&BLACK),
                        )))
                        .map_err(|e| e.to_string())?;
                }
            }
            root.present().map_err(|e| e.to_string())?;
        }
        Ok(svg)
    };
    Some(draw())
}

/// The label of the cell a tick at `at` (a cell's middle) names.
fn cell_label(labels: &[String], at: f64) -> String {
    let i = (at - 0.5).round();
    if (at - 0.5 - i).abs() < 1e-6 && i >= 0.0 {
        labels.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(dropped: &str, holds: Option<bool>, failed: &[&str]) -> Row {
        Row {
            values: vec![],
            offered: 0,
            mirrored: 0,
            delivered: 0,
            truncated: 0,
            skipped: 0,
            dropped: 0,
            not_mirrored: 0,
            reordered: 0,
            delivered_percent: "0".into(),
            skipped_percent: "5".into(),
            dropped_percent: dropped.into(),
            holds,
            failed: failed.iter().map(|f| f.to_string()).collect(),
            monthly_usd: "0.000000".into(),
            unpriced: vec![],
            estimate: None,
        }
    }

    fn priced(value: &str, usd: &str, holds: bool, unpriced: &[&str]) -> Row {
        Row {
            values: vec![value.into()],
            monthly_usd: usd.into(),
            unpriced: unpriced.iter().map(|t| t.to_string()).collect(),
            ..row("0", Some(holds), &[])
        }
    }

    #[test]
    fn the_answer_is_the_cheapest_point_that_holds_priced_in_full() {
        // Failing points cost less, and one that holds has a type without
        // a price: the answer is the cheapest of the rest, $900 (a tie
        // goes to the first in grid order).
        let rows = vec![
            priced("a", "100.000000", false, &[]),
            priced("b", "1000.500000", true, &[]),
            priced("c", "50.000000", true, &["x9.large"]),
            priced("d", "900.000000", true, &[]),
            priced("e", "900.000000", true, &[]),
        ];
        let s = sweep("f", vec!["p".into()], vec![0], vec!["o".into()], rows);
        let c = s.cheapest.as_ref().expect("a point holds");
        assert_eq!(
            (c.values[0].as_str(), c.monthly_usd.as_str()),
            ("d", "900.000000")
        );
        assert!(text(&s).contains("The cheapest point that holds: p=d, $900.00 per month."));
        assert!(text(&s).contains("+? No price for x9.large"));
    }

    #[test]
    fn a_failing_point_is_marked_on_the_series_its_expectation_measures() {
        let s = Sweep {
            scenario: String::new(),
            parameters: vec![],
            dimensions: vec![],
            objective: vec![],
            rows: vec![
                row(
                    "58.333",
                    Some(false),
                    &["dropped / mirrored in the whole run: at most 1%"],
                ),
                row("0.5", Some(true), &[]),
                row("3", Some(false), &["reordered at each target: at most 0"]),
            ],
            knees: vec![],
            cheapest: None,
        };
        // On the dropped series at 58.333 %; the third measures no share
        // the chart draws, so on the axis.
        assert_eq!(failing_marks(&s), [(0.0, 58.333), (2.0, 2.0)]);
    }
}
