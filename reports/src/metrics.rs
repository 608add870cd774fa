//! `metrics.csv`: every series of a run as CloudWatch would list it, one
//! row per period, resource and metric, for spreadsheets and Grafana.
//!
//! The source instances' Traffic Mirroring metrics keep AWS's names, in
//! AWS's namespace and dimension (`AWS/EC2`, `InstanceId`; MET-01). The
//! twin's own series per session, target and source ENI, which CloudWatch
//! does not have, are in the namespace `mirrorsim`.

use std::fmt::Write as _;

use crate::schema::{Metrics, Report};

/// The header of `metrics.csv`.
pub const HEADER: &str = "timestamp,namespace,dimension,resource,metric,statistic,unit,value";

/// `metrics.csv` of a report. `epoch_ns` is the wall-clock time of the
/// run's start (the scenario's `capture_epoch`), so timestamps are UTC.
///
/// A sampled run's rows end in a column `estimate`: `true` for the periods
/// whose values were estimated from a window, `false` for those run in
/// full.
pub fn csv(r: &Report, epoch_ns: u64) -> String {
    let mut out = String::from(HEADER);
    let estimated: Option<Vec<bool>> = r.sampling.as_ref().map(|s| {
        let mut e = vec![true; s.periods];
        for &k in &s.full_periods {
            e[k] = false;
        }
        out.push_str(",estimate");
        e
    });
    out.push('\n');
    let estimated = estimated.as_deref();
    for i in &r.instances {
        rows(
            &mut out,
            (epoch_ns, estimated),
            "AWS/EC2",
            "InstanceId",
            &i.instance_id,
            &i.cloudwatch,
            |m| {
                if m.starts_with("NetworkPackets") {
                    "Count"
                } else {
                    "Bytes"
                }
            },
        );
    }
    for s in &r.sessions {
        let id = &s.traffic_mirror_session_id;
        rows(
            &mut out,
            (epoch_ns, estimated),
            "mirrorsim",
            "TrafficMirrorSessionId",
            id,
            &s.series,
            unit,
        );
    }
    for t in &r.targets {
        let id = &t.traffic_mirror_target_id;
        rows(
            &mut out,
            (epoch_ns, estimated),
            "mirrorsim",
            "TrafficMirrorTargetId",
            id,
            &t.series,
            unit,
        );
    }
    for s in &r.sources {
        let id = &s.network_interface_id;
        rows(
            &mut out,
            (epoch_ns, estimated),
            "mirrorsim",
            "NetworkInterfaceId",
            id,
            &s.series,
            unit,
        );
    }
    out
}

/// The unit of one of the twin's own series.
fn unit(name: &str) -> &'static str {
    if name.ends_with("bytes") {
        "Bytes"
    } else {
        "Count"
    }
}

fn rows(
    out: &mut String,
    (epoch_ns, estimated): (u64, Option<&[bool]>),
    namespace: &str,
    dimension: &str,
    resource: &str,
    m: &Metrics,
    unit: impl Fn(&str) -> &'static str,
) {
    let periods = m.series.iter().map(|s| s.values.len()).max().unwrap_or(0);
    for k in 0..periods {
        let at = timestamp(epoch_ns.saturating_add((k as u64).saturating_mul(m.period_ns)));
        let estimate = match estimated {
            Some(e) => {
                if e.get(k).copied().unwrap_or(false) {
                    ",true"
                } else {
                    ",false"
                }
            }
            None => "",
        };
        for s in &m.series {
            if let Some(v) = s.values.get(k) {
                let _ = writeln!(
                    out,
                    "{at},{namespace},{dimension},{},{},Sum,{},{v}{estimate}",
                    field(resource),
                    s.name,
                    unit(s.name)
                );
            }
        }
    }
}

/// A CSV field: quoted when it holds a comma, a quote or a line break.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `ns` since the Unix epoch as ISO 8601 UTC, to the millisecond
/// (`2026-01-01T00:00:01.500Z`).
pub fn timestamp(ns: u64) -> String {
    let secs = ns / 1_000_000_000;
    let millis = (ns % 1_000_000_000) / 1_000_000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, mo, d) = civil_from_days(days);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_dates() {
        // 1,767,225,600 s after the epoch is 2026-01-01T00:00:00Z (the
        // default capture epoch); a leap day and the epoch itself.
        assert_eq!(
            timestamp(1_767_225_600_000_000_000),
            "2026-01-01T00:00:00.000Z"
        );
        assert_eq!(
            timestamp(1_709_164_800_500_000_000),
            "2024-02-29T00:00:00.500Z"
        );
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(timestamp(86_399_000_000_000), "1970-01-01T23:59:59.000Z");
    }

    #[test]
    fn fields_with_commas_are_quoted() {
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"x\", y"), "\"say \"\"x\"\", y\"");
        assert_eq!(field("eni-1"), "eni-1");
    }
}
