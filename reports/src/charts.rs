//! SVG charts of a run, from its report: time series per session, target,
//! source and instance (CloudWatch), drawn with plotters' SVG backend (no
//! system fonts: text is `<text font-family="sans-serif">`, drawn by the
//! viewer). The same report gives the same bytes, so charts are
//! snapshot-tested.

use plotters::prelude::*;

use crate::schema::{Metrics, Report};

/// One chart: its file name under `charts/`, and the SVG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub file: String,
    pub title: String,
    pub svg: String,
}

const SIZE: (u32, u32) = (1120, 420);
/// The legend's column, right of the plot, so no line hides behind it.
const KEY_WIDTH: u32 = 220;

/// Line colours, in series order; chosen to stay apart for the common
/// forms of colour blindness (Okabe-Ito).
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

/// `1.5k`, `20M`, `3G`: an axis label in human units.
pub fn human(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e12 {
        (v / 1e12, "T")
    } else if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let text = format!("{scaled:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{suffix}")
}

/// A line per series, as a rate per second of each period's count (times
/// `scale`, 8 for bytes to bits), drawn as steps so a period reads flat.
struct Lines<'a> {
    title: String,
    unit: &'static str,
    period_ns: u64,
    duration_ns: u64,
    series: Vec<(&'a str, &'a [u64], f64)>,
    /// Horizontal reference lines (an instance's baseline and burst), in
    /// the chart's unit, drawn dashed and grey.
    reference: Vec<(String, f64)>,
}

fn draw(l: &Lines) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let (plot, key) = root.split_horizontally(SIZE.0 - KEY_WIDTH);
        // The legend's entries: name, style, dashed.
        let mut entries: Vec<(String, ShapeStyle, bool)> = Vec::new();
        let period = l.period_ns.max(1) as f64 / 1e9;
        let end = l.duration_ns as f64 / 1e9;
        // Each period's rate; the last may be shorter than the others.
        let rate = |i: usize, v: u64, scale: f64| {
            let from = i as f64 * period;
            let len = (end.min(from + period) - from).max(1e-9);
            v as f64 * scale / len
        };
        let top = l
            .series
            .iter()
            .flat_map(|(_, vs, scale)| vs.iter().enumerate().map(move |(i, &v)| rate(i, v, *scale)))
            .chain(l.reference.iter().map(|r| r.1))
            .fold(0.0f64, f64::max);
        // A little room above the highest line.
        let top = if top > 0.0 { top * 1.1 } else { 1.0 };
        let mut chart = ChartBuilder::on(&plot)
            .caption(&l.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..end.max(1e-9), 0f64..top)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("simulated time (s)")
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .y_desc(l.unit)
            .x_label_formatter(&|v| human(*v))
            .y_label_formatter(&|v| human(*v))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| e.to_string())?;
        for (k, (name, values, scale)) in l.series.iter().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            let mut points = Vec::with_capacity(values.len() * 2);
            for (i, &v) in values.iter().enumerate() {
                let y = rate(i, v, *scale);
                let from = i as f64 * period;
                points.push((from, y));
                points.push((end.min(from + period), y));
            }
            // Every other series dashed, so lines that coincide stay
            // visible.
            let style = color.stroke_width(if k % 2 == 0 { 3 } else { 2 });
            let drawn = if k % 2 == 0 {
                chart.draw_series(LineSeries::new(points, style))
            } else {
                chart.draw_series(DashedLineSeries::new(points, 8, 5, style))
            };
            drawn.map_err(|e| e.to_string())?;
            entries.push((name.to_string(), style, k % 2 == 1));
        }
        for (k, (name, y)) in l.reference.iter().enumerate() {
            // The first (a baseline) darker than the next (a burst).
            let grey = BLACK.mix(if k == 0 { 0.7 } else { 0.35 }).stroke_width(2);
            chart
                .draw_series(DashedLineSeries::new([(0.0, *y), (end, *y)], 4, 4, grey))
                .map_err(|e| e.to_string())?;
            entries.push((name.clone(), grey, true));
        }
        // The legend, outside the plot: a sample of each line and its name.
        for (k, (name, style, dashed)) in entries.iter().enumerate() {
            let y = 56 + 22 * k as i32;
            let sample = vec![(8, y), (40, y)];
            if *dashed {
                key.draw(&plotters::element::DashedPathElement::new(
                    sample, 6, 4, *style,
                ))
            } else {
                key.draw(&PathElement::new(sample, *style))
            }
            .map_err(|e| e.to_string())?;
            key.draw(&Text::new(name.clone(), (48, y - 7), ("sans-serif", 13)))
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// The legend every chart of the project draws: upper right, framed.
pub(crate) fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 13))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()
        .map_err(|e| e.to_string())
}

/// The named series of `m`, those listed, in that order.
fn pick<'a>(m: &'a Metrics, names: &[&str]) -> Vec<(&'a str, &'a [u64])> {
    names
        .iter()
        .filter_map(|n| {
            m.series
                .iter()
                .find(|s| s.name == *n)
                .map(|s| (s.name, s.values.as_slice()))
        })
        .collect()
}

/// A file name safe on every file system: ARNs and ids keep letters,
/// digits, `-` and `.`; the rest becomes `_`.
fn file_name(kind: &str, id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{kind}-{safe}.svg")
}

/// Every chart of a run: per session and source (copies), per target
/// (copies received, reordering), per source instance (CloudWatch).
pub fn charts(r: &Report) -> Result<Vec<Chart>, String> {
    let duration_ns = r.scenario.duration_ns;
    let copies = ["sent", "skipped", "delivered", "dropped"];
    let mut out = Vec::new();
    let estimates = r
        .sampling
        .as_ref()
        .map(|s| format!(" (ESTIMATES: sampled, {} of each {})", s.window, s.period));
    let mut push = |file: String, mut lines: Lines| -> Result<(), String> {
        if let Some(e) = &estimates {
            lines.title.push_str(e);
        }
        let svg = draw(&lines)?;
        out.push(Chart {
            file,
            title: lines.title,
            svg,
        });
        Ok(())
    };
    for s in &r.sessions {
        let series = pick(&s.series, &copies);
        push(
            file_name("session", &s.traffic_mirror_session_id),
            Lines {
                title: format!(
                    "Session {} ({} to {}): copies",
                    s.traffic_mirror_session_id, s.network_interface_id, s.traffic_mirror_target_id
                ),
                unit: "packets/s",
                period_ns: s.series.period_ns,
                duration_ns,
                series: series.into_iter().map(|(n, v)| (n, v, 1.0)).collect(),
                reference: Vec::new(),
            },
        )?;
    }
    // A source's copies: the sum over its sessions.
    let mut sums: Vec<(String, Vec<Vec<u64>>, u64)> = Vec::new();
    for s in &r.sessions {
        let picked = pick(&s.series, &copies);
        let entry = match sums
            .iter_mut()
            .position(|(e, ..)| *e == s.network_interface_id)
        {
            Some(i) => &mut sums[i],
            None => {
                sums.push((
                    s.network_interface_id.clone(),
                    vec![Vec::new(); copies.len()],
                    s.series.period_ns,
                ));
                let last = sums.len() - 1;
                &mut sums[last]
            }
        };
        for (k, (_, values)) in picked.iter().enumerate() {
            let acc = &mut entry.1[k];
            if acc.len() < values.len() {
                acc.resize(values.len(), 0);
            }
            for (a, v) in acc.iter_mut().zip(values.iter()) {
                *a += v;
            }
        }
    }
    for (eni, values, period_ns) in &sums {
        // Packets offered and not mirrored at the ENI, then its copies.
        let own = r
            .sources
            .iter()
            .find(|s| &s.network_interface_id == eni)
            .map(|s| pick(&s.series, &["offered", "not_mirrored"]))
            .unwrap_or_default();
        let mut series: Vec<(&str, &[u64], f64)> =
            own.into_iter().map(|(n, v)| (n, v, 1.0)).collect();
        series.extend(
            ["copies sent", "skipped", "delivered", "dropped"]
                .iter()
                .zip(values)
                .map(|(n, v)| (*n, v.as_slice(), 1.0)),
        );
        push(
            file_name("source", eni),
            Lines {
                title: format!("Source {eni}: packets offered, and their copies"),
                unit: "packets/s",
                period_ns: *period_ns,
                duration_ns,
                series,
                reference: Vec::new(),
            },
        )?;
    }
    for t in &r.targets {
        let series = pick(&t.series, &["sent", "delivered", "dropped", "reordered"]);
        push(
            file_name("target", &t.traffic_mirror_target_id),
            Lines {
                title: format!(
                    "Target {} ({}): copies received",
                    t.traffic_mirror_target_id, t.target_type
                ),
                unit: "packets/s",
                period_ns: t.series.period_ns,
                duration_ns,
                series: series.into_iter().map(|(n, v)| (n, v, 1.0)).collect(),
                reference: Vec::new(),
            },
        )?;
    }
    for i in &r.instances {
        let m = &i.cloudwatch;
        let packets = pick(
            m,
            &[
                "NetworkPacketsMirrorIn",
                "NetworkPacketsMirrorOut",
                "NetworkPacketsSkipMirrorIn",
                "NetworkPacketsSkipMirrorOut",
            ],
        );
        push(
            file_name("instance", &format!("{}-packets", i.instance_id)),
            Lines {
                title: format!(
                    "Instance {} ({}): CloudWatch, packets",
                    i.instance_id, i.instance_type
                ),
                unit: "packets/s",
                period_ns: m.period_ns,
                duration_ns,
                series: packets.into_iter().map(|(n, v)| (n, v, 1.0)).collect(),
                reference: Vec::new(),
            },
        )?;
        let bytes = pick(
            m,
            &[
                "NetworkMirrorIn",
                "NetworkMirrorOut",
                "NetworkSkipMirrorIn",
                "NetworkSkipMirrorOut",
            ],
        );
        push(
            file_name("instance", &format!("{}-bits", i.instance_id)),
            Lines {
                title: format!(
                    "Instance {} ({}): CloudWatch, bits",
                    i.instance_id, i.instance_type
                ),
                unit: "bits/s",
                period_ns: m.period_ns,
                duration_ns,
                series: bytes.into_iter().map(|(n, v)| (n, v, 8.0)).collect(),
                reference: Vec::new(),
            },
        )?;
        // What its budgets admitted, against its baseline and burst.
        if let (Some(h), Some(n)) = (&i.headroom, &i.network_performance) {
            let load = pick(&h.series, &["egress_bits", "ingress_bits"]);
            push(
                file_name("instance", &format!("{}-load", i.instance_id)),
                Lines {
                    title: format!(
                        "Instance {} ({}): load, production and copies",
                        i.instance_id, i.instance_type
                    ),
                    unit: "bits/s",
                    period_ns: h.series.period_ns,
                    duration_ns,
                    series: load.into_iter().map(|(n, v)| (n, v, 1.0)).collect(),
                    reference: vec![
                        ("baseline".to_string(), n.baseline_bps as f64),
                        ("burst".to_string(), n.burst_bps as f64),
                    ],
                },
            )?;
        }
    }
    // Each fleet: what each of its appliances was sent.
    for f in &r.fleets {
        // A load balancer by its short name (its ARN's name part).
        let behind = f
            .load_balancer
            .as_deref()
            .map(topology::short_name)
            .unwrap_or_else(|| f.traffic_mirror_target_ids.join("+"));
        let series: Vec<(&str, &[u64], f64)> = f
            .appliances
            .iter()
            .filter_map(|a| {
                a.series
                    .series
                    .iter()
                    .find(|s| s.name == "sent")
                    .map(|s| (a.network_interface_id.as_str(), s.values.as_slice(), 1.0))
            })
            .collect();
        let Some(period_ns) = f
            .appliances
            .iter()
            .map(|a| a.series.period_ns)
            .find(|&p| p > 0)
        else {
            continue;
        };
        push(
            file_name("fleet", &behind),
            Lines {
                title: format!("Appliances behind {behind}: copies sent to each"),
                unit: "packets/s",
                period_ns,
                duration_ns,
                series,
                reference: Vec::new(),
            },
        )?;
    }
    Ok(out)
}
