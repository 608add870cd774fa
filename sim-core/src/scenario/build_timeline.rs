//! The timeline: API calls at given times, checked in time order as AWS
//! would answer them then.

use std::collections::BTreeSet;

use topology::{Diagnostic, ErrorCode, FilterIdx, SessionIdx, TargetIdx, Topology};

use super::build::{Names, Problems};
use super::locate::Anchor;
use super::schema::*;
use crate::timeline::{Action, TimelineEvent};

/// Resolves and checks the timeline; events come back sorted by time (file
/// order among events at one instant).
pub fn build(
    file: &ScenarioFile,
    topo: &Topology,
    names: &Names,
    p: &mut Problems,
) -> Vec<TimelineEvent> {
    let mut order: Vec<usize> = (0..file.timeline.len()).collect();
    order.sort_by_key(|&i| file.timeline[i].time);
    let mut deleted_sessions: BTreeSet<SessionIdx> = BTreeSet::new();
    let mut deleted_filters: BTreeSet<FilterIdx> = BTreeSet::new();
    let mut deleted_targets: BTreeSet<TargetIdx> = BTreeSet::new();
    let mut out = Vec::new();
    for i in order {
        let e = &file.timeline[i];
        let anchor = Anchor::Item {
            list: "timeline",
            index: i,
        };
        let label = format!("timeline[{i}]");
        if e.time >= file.duration {
            p.push(
                anchor.clone(),
                Diagnostic::warning(
                    ErrorCode::InvalidParameterValue,
                    &label,
                    "time",
                    format!(
                        "at {} or later, the end of the run: it changes nothing",
                        file.duration
                    ),
                ),
            );
        }
        let mut refuse = |code, msg: String, help: Option<&str>| {
            let mut d = Diagnostic::error(code, &label, "action", msg);
            if let Some(h) = help {
                d = d.with_help(h);
            }
            p.push(anchor.clone(), d);
        };
        let in_use = |deleted: &BTreeSet<SessionIdx>, f: &dyn Fn(SessionIdx) -> bool| {
            (0..topo.sessions.len())
                .map(|s| SessionIdx(s as u32))
                .find(|s| !deleted.contains(s) && f(*s))
        };
        let action = match &e.action {
            ActionSpec::DeleteTrafficMirrorSession(id) => {
                let found = topo.sessions.iter().position(|s| &s.id == id);
                match found.map(|s| SessionIdx(s as u32)) {
                    Some(s) if deleted_sessions.insert(s) => Action::DeleteSession(s),
                    Some(_) => {
                        refuse(
                            ErrorCode::InvalidTrafficMirrorSessionIdNotFound,
                            format!("{id} is already deleted"),
                            None,
                        );
                        continue;
                    }
                    None => {
                        refuse(
                            ErrorCode::InvalidTrafficMirrorSessionIdNotFound,
                            format!("no session `{id}` is declared"),
                            None,
                        );
                        continue;
                    }
                }
            }
            ActionSpec::DeleteTrafficMirrorFilter(id) => {
                let Some(&f) = names.filters.get(id) else {
                    refuse(
                        ErrorCode::InvalidTrafficMirrorFilterIdNotFound,
                        format!("no filter `{id}` is declared"),
                        None,
                    );
                    continue;
                };
                if !deleted_filters.insert(f) {
                    refuse(
                        ErrorCode::InvalidTrafficMirrorFilterIdNotFound,
                        format!("{id} is already deleted"),
                        None,
                    );
                    continue;
                }
                // FLT-08
                if let Some(s) = in_use(&deleted_sessions, &|s| topo.session(s).filter == f) {
                    refuse(
                        ErrorCode::TrafficMirrorFilterInUse,
                        format!("{id} is used by {} at {}", topo.session(s).id, e.time),
                        Some("delete the sessions that use it first"),
                    );
                    continue;
                }
                Action::DeleteFilter(f)
            }
            ActionSpec::DeleteTrafficMirrorTarget(id) => {
                let Some(&t) = names.targets.get(id) else {
                    refuse(
                        ErrorCode::InvalidTrafficMirrorTargetIdNotFound,
                        format!("no target `{id}` is declared"),
                        None,
                    );
                    continue;
                };
                if !deleted_targets.insert(t) {
                    refuse(
                        ErrorCode::InvalidTrafficMirrorTargetIdNotFound,
                        format!("{id} is already deleted"),
                        None,
                    );
                    continue;
                }
                // TGT-03
                if let Some(s) = in_use(&deleted_sessions, &|s| topo.session(s).target == t) {
                    refuse(
                        ErrorCode::TrafficMirrorTargetInUseException,
                        format!("{id} is used by {} at {}", topo.session(s).id, e.time),
                        Some("delete the sessions that use it first"),
                    );
                    continue;
                }
                Action::DeleteTarget(t)
            }
        };
        out.push(TimelineEvent {
            at_ns: e.time.as_nanos(),
            action,
        });
    }
    out
}
