//! LB-01: load balancers learn an appliance's state from health checks, so
//! they learn it late.
//!
//! A target group checks each registered appliance every `interval`, at
//! 0, interval, 2 x interval, ... of the run (a check at the instant of a
//! change sees the change). It calls an appliance unhealthy after
//! `unhealthy_threshold` failed checks in a row, healthy again after
//! `healthy_threshold` passes. At the start each verdict matches the
//! appliance's state (it has been so for long).
//!
//! The appliances' states change only by the timeline, so every verdict is
//! known before the run: [`verdicts`] works them out as timeline events
//! ([`Action::HealthVerdict`]), which the world applies like any other
//! change. Work is bounded by the number of state changes, not by the
//! run's length.

use topology::model::{ApplianceState, HealthCheck};
use topology::{EniIdx, GwlbIdx, NlbIdx, Topology};

use crate::time::Instant;
use crate::timeline::{Action, LbRef, TimelineEvent};

/// The first check at or after `t`.
fn first_check_at_or_after(t: u64, interval: u64) -> u64 {
    t.div_ceil(interval).saturating_mul(interval)
}

/// The instants at which a target group's view of one appliance flips,
/// given the appliance's state at the start and its changes (time, passes
/// its check), sorted; the run ends at `end`.
pub fn flips(
    initial: bool,
    changes: &[(u64, bool)],
    hc: HealthCheck,
    end: u64,
) -> Vec<(u64, bool)> {
    let mut out = Vec::new();
    let mut view = initial;
    let mut passes = initial;
    let mut since = 0;
    let interval = hc.interval_ns.max(1);
    let mut judge = |since: u64, until: u64, passes: bool, view: &mut bool| {
        if passes == *view {
            return;
        }
        let needed = if passes {
            hc.healthy_threshold
        } else {
            hc.unhealthy_threshold
        };
        let at = first_check_at_or_after(since, interval)
            .saturating_add(u64::from(needed.saturating_sub(1)).saturating_mul(interval));
        if at < until {
            out.push((at, passes));
            *view = passes;
        }
    };
    for &(t, p) in changes {
        if p == passes {
            continue;
        }
        judge(since, t, passes, &mut view);
        passes = p;
        since = t;
    }
    judge(since, end, passes, &mut view);
    out
}

/// Every health verdict of every load balancer's targets over the run.
pub fn verdicts(topo: &Topology, timeline: &[TimelineEvent], end: Instant) -> Vec<TimelineEvent> {
    let nlbs = topo
        .network_load_balancers
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                LbRef::Nlb(NlbIdx(i as u32)),
                &n.targets,
                &n.initial_state,
                n.health_check,
            )
        });
    let gwlbs = topo
        .gateway_load_balancers
        .iter()
        .enumerate()
        .map(|(i, g)| {
            (
                LbRef::Gwlb(GwlbIdx(i as u32)),
                &g.targets,
                &g.initial_state,
                g.health_check,
            )
        });
    let mut out = Vec::new();
    for (lb, targets, initial, hc) in nlbs.chain(gwlbs) {
        for (pos, (&eni, &state)) in targets.iter().zip(initial).enumerate() {
            let changes = state_changes(eni, timeline);
            for (at, healthy) in flips(state.passes(), &changes, hc, end.as_nanos()) {
                out.push(TimelineEvent {
                    at: Instant(at),
                    action: Action::HealthVerdict {
                        lb,
                        target: pos,
                        healthy,
                    },
                });
            }
        }
    }
    out
}

/// An appliance's state changes on the timeline, as (time, passes its
/// check). A deleted ENI fails every check from then on.
fn state_changes(eni: EniIdx, timeline: &[TimelineEvent]) -> Vec<(u64, bool)> {
    let mut out = Vec::new();
    for e in timeline {
        match e.action {
            Action::SetApplianceState { eni: x, state } if x == eni => {
                out.push((e.at.as_nanos(), state == ApplianceState::Healthy));
            }
            Action::DeleteEni(x) if x == eni => {
                out.push((e.at.as_nanos(), false));
                break;
            }
            _ => {}
        }
    }
    out
}

/// The timeline with the verdicts in time order; at one instant the
/// scenario's own events come first.
pub fn merge(timeline: Vec<TimelineEvent>, verdicts: Vec<TimelineEvent>) -> Vec<TimelineEvent> {
    let mut all: Vec<(u64, u8, usize, TimelineEvent)> = timeline
        .into_iter()
        .enumerate()
        .map(|(i, e)| (e.at.as_nanos(), 0, i, e))
        .chain(
            verdicts
                .into_iter()
                .enumerate()
                .map(|(i, e)| (e.at.as_nanos(), 1, i, e)),
        )
        .collect();
    all.sort_by_key(|(at, kind, i, _)| (*at, *kind, *i));
    all.into_iter().map(|(.., e)| e).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HC: HealthCheck = HealthCheck {
        interval_ns: 30,
        healthy_threshold: 5,
        unhealthy_threshold: 2,
    };

    #[test]
    fn lb_01_a_failure_is_noticed_after_the_unhealthy_threshold() {
        // Down at 10: checks at 30 and 60 fail; unhealthy at 60.
        assert_eq!(flips(true, &[(10, false)], HC, 1000), [(60, false)]);
        // Down at exactly 30: the check at 30 sees it; unhealthy at 60.
        assert_eq!(flips(true, &[(30, false)], HC, 1000), [(60, false)]);
        // Back at 100: passes at 120, 150, 180, 210, 240: healthy at 240.
        assert_eq!(
            flips(true, &[(10, false), (100, true)], HC, 1000),
            [(60, false), (240, true)]
        );
        // A blip shorter than two checks is never noticed.
        assert!(flips(true, &[(31, false), (70, true)], HC, 1000).is_empty());
        // Nothing after the end.
        assert!(flips(true, &[(10, false)], HC, 60).is_empty());
        // Down from the start: known at once, no verdict.
        assert!(flips(false, &[], HC, 1000).is_empty());
    }
}
