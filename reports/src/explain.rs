//! What `sim explain` prints: one packet's fate, a step a line.

use std::fmt::Write as _;

use serde::Serialize;
use sim_core::explain::{Explanation, Mark};

use crate::table::Table;

pub fn text(x: &Explanation) -> String {
    let mut out = String::new();
    let at = sim_core::explain::show_time(x.at.as_nanos());
    let _ = writeln!(out, "Packet {}\nAt {at}\n", x.packet);
    let mut t = Table::new(&["", "STEP", "WHAT HAPPENED"]);
    for s in &x.steps {
        let mark = match s.mark {
            Mark::Pass => "ok",
            Mark::Stop => "STOP",
            Mark::Note => "-",
        };
        t.row(vec![mark.into(), s.what.clone(), s.detail.clone()]);
    }
    t.render(&mut out);
    let _ = writeln!(out, "\nOutcome: {} ({})", x.outcome, x.reason);
    if let Some(c) = &x.caveat {
        let _ = writeln!(out, "         {c}");
    }
    out
}

/// `sim explain --format json`: the same story, for scripts.
#[derive(Debug, Serialize)]
struct Json<'a> {
    packet: &'a str,
    at_ns: u64,
    steps: Vec<JsonStep<'a>>,
    /// `not_mirrored`, `skipped`, `dropped` or `delivered`.
    outcome: &'a str,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    caveat: Option<&'a str>,
    /// The deciding session and rule, and the appliance, when there are.
    #[serde(skip_serializing_if = "Option::is_none")]
    traffic_mirror_session_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_number: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    appliance: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct JsonStep<'a> {
    /// `pass`, `stop` or `note`.
    mark: &'static str,
    what: &'a str,
    detail: &'a str,
}

pub fn json(x: &Explanation) -> String {
    let j = Json {
        packet: &x.packet,
        at_ns: x.at.as_nanos(),
        steps: x
            .steps
            .iter()
            .map(|s| JsonStep {
                mark: match s.mark {
                    Mark::Pass => "pass",
                    Mark::Stop => "stop",
                    Mark::Note => "note",
                },
                what: s.what.trim(),
                detail: &s.detail,
            })
            .collect(),
        outcome: x.outcome,
        reason: x.reason,
        caveat: x.caveat.as_deref(),
        traffic_mirror_session_id: x.session.as_deref(),
        rule_number: x.rule,
        appliance: x.appliance.as_deref(),
    };
    let mut out = serde_json::to_string_pretty(&j).expect("the explanation serialises");
    out.push('\n');
    out
}
