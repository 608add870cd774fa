//! What `sim explain` prints: one packet's fate, a step a line.

use std::fmt::Write as _;

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
