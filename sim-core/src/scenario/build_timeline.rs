//! The timeline: API calls and events at given times, checked in time
//! order as AWS would answer them then.

use std::collections::BTreeSet;

use topology::{
    Diagnostic, EniIdx, ErrorCode, FilterIdx, GwlbIdx, NlbIdx, SessionIdx, TargetIdx, Topology,
};

use super::build::{Names, Problems};
use super::build_mirror::{MAX_VNI, PACKET_LENGTH_RANGE, build_rules};
use super::locate::Anchor;
use super::schema::*;
use crate::timeline::{Action, LbRef, TimelineEvent};
use crate::traffic::FlowPlan;

fn find_lb(topo: &Topology, id: &str) -> Option<LbRef> {
    if let Some(i) = topo.network_load_balancers.iter().position(|n| n.id == id) {
        return Some(LbRef::Nlb(NlbIdx(i as u32)));
    }
    topo.gateway_load_balancers
        .iter()
        .position(|g| g.id == id)
        .map(|i| LbRef::Gwlb(GwlbIdx(i as u32)))
}

fn lb_targets(topo: &Topology, lb: LbRef) -> &[EniIdx] {
    match lb {
        LbRef::Nlb(n) => &topo.network_load_balancers[n.index()].targets,
        LbRef::Gwlb(g) => &topo.gateway_load_balancers[g.index()].targets,
    }
}

/// Resolves and checks the timeline; events come back sorted by time (file
/// order among events at one instant).
pub fn build(
    file: &ScenarioFile,
    topo: &Topology,
    names: &Names,
    flows: &[FlowPlan],
    p: &mut Problems,
) -> Vec<TimelineEvent> {
    let mut order: Vec<usize> = (0..file.timeline.len()).collect();
    order.sort_by_key(|&i| file.timeline[i].time);
    let mut deleted_sessions: BTreeSet<SessionIdx> = BTreeSet::new();
    let mut deleted_filters: BTreeSet<FilterIdx> = BTreeSet::new();
    let mut deleted_targets: BTreeSet<TargetIdx> = BTreeSet::new();
    // What each session uses, as the timeline changes it.
    let mut uses: Vec<(TargetIdx, FilterIdx)> =
        topo.sessions.iter().map(|s| (s.target, s.filter)).collect();
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
        let refuse = |p: &mut Problems, code, msg: String, help: Option<&str>| {
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
        let session = |id: &String| {
            topo.sessions
                .iter()
                .position(|s| &s.id == id)
                .map(|s| SessionIdx(s as u32))
        };
        let not_found = |what: &str, id: &str| format!("no {what} `{id}` is declared");
        let action = match &e.action {
            ActionSpec::DeleteTrafficMirrorSession(id) => match session(id) {
                Some(s) if deleted_sessions.insert(s) => Action::DeleteSession(s),
                Some(_) => {
                    refuse(
                        p,
                        ErrorCode::InvalidTrafficMirrorSessionIdNotFound,
                        format!("{id} is already deleted"),
                        None,
                    );
                    continue;
                }
                None => {
                    refuse(
                        p,
                        ErrorCode::InvalidTrafficMirrorSessionIdNotFound,
                        not_found("session", id),
                        None,
                    );
                    continue;
                }
            },
            ActionSpec::DeleteTrafficMirrorFilter(id) => {
                let Some(&f) = names.filters.get(id) else {
                    refuse(
                        p,
                        ErrorCode::InvalidTrafficMirrorFilterIdNotFound,
                        not_found("filter", id),
                        None,
                    );
                    continue;
                };
                if !deleted_filters.insert(f) {
                    refuse(
                        p,
                        ErrorCode::InvalidTrafficMirrorFilterIdNotFound,
                        format!("{id} is already deleted"),
                        None,
                    );
                    continue;
                }
                // FLT-08
                if let Some(s) = in_use(&deleted_sessions, &|s| uses[s.index()].1 == f) {
                    refuse(
                        p,
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
                        p,
                        ErrorCode::InvalidTrafficMirrorTargetIdNotFound,
                        not_found("target", id),
                        None,
                    );
                    continue;
                };
                if !deleted_targets.insert(t) {
                    refuse(
                        p,
                        ErrorCode::InvalidTrafficMirrorTargetIdNotFound,
                        format!("{id} is already deleted"),
                        None,
                    );
                    continue;
                }
                // TGT-03: refused while the owner's own sessions use it.
                // TGT-13: other accounts' sessions (of a shared target) do
                // not stop it; they become inactive.
                let owner = topo.target(t).owner;
                if let Some(s) = in_use(&deleted_sessions, &|s| {
                    uses[s.index()].0 == t && topo.session(s).owner == owner
                }) {
                    refuse(
                        p,
                        ErrorCode::TrafficMirrorTargetInUseException,
                        format!("{id} is used by {} at {}", topo.session(s).id, e.time),
                        Some("delete the sessions that use it first"),
                    );
                    continue;
                }
                Action::DeleteTarget(t)
            }
            ActionSpec::DeleteNetworkInterface(id) => {
                let Some(&eni) = names.enis.get(id) else {
                    refuse(
                        p,
                        ErrorCode::InvalidNetworkInterfaceIdNotFound,
                        not_found("ENI", id),
                        None,
                    );
                    continue;
                };
                // SES-09: the source's sessions go with it.
                deleted_sessions.extend(topo.sessions_of(eni).iter().copied());
                Action::DeleteEni(eni)
            }
            ActionSpec::ModifyTrafficMirrorSession {
                traffic_mirror_session_id: id,
                traffic_mirror_target_id,
                traffic_mirror_filter_id,
                packet_length,
                virtual_network_id,
            } => {
                let Some(s) = session(id).filter(|s| !deleted_sessions.contains(s)) else {
                    refuse(
                        p,
                        ErrorCode::InvalidTrafficMirrorSessionIdNotFound,
                        not_found("live session", id),
                        None,
                    );
                    continue;
                };
                let target = match traffic_mirror_target_id {
                    None => None,
                    Some(t) => match names.targets.get(t) {
                        Some(&t) if !deleted_targets.contains(&t) => Some(t),
                        _ => {
                            refuse(
                                p,
                                ErrorCode::InvalidTrafficMirrorTargetIdNotFound,
                                not_found("live target", t),
                                None,
                            );
                            continue;
                        }
                    },
                };
                let filter = match traffic_mirror_filter_id {
                    None => None,
                    Some(f) => match names.filters.get(f) {
                        Some(&f) if !deleted_filters.contains(&f) => Some(f),
                        _ => {
                            refuse(
                                p,
                                ErrorCode::InvalidTrafficMirrorFilterIdNotFound,
                                not_found("live filter", f),
                                None,
                            );
                            continue;
                        }
                    },
                };
                if packet_length.is_some_and(|n| !PACKET_LENGTH_RANGE.contains(&n)) {
                    refuse(
                        p,
                        ErrorCode::InvalidParameterValue,
                        "packet_length is outside 1..=8500".into(),
                        None,
                    );
                    continue;
                }
                if virtual_network_id.is_some_and(|v| v > MAX_VNI) {
                    refuse(
                        p,
                        ErrorCode::InvalidParameterValue,
                        "virtual_network_id is outside 0..=16777215".into(),
                        None,
                    );
                    continue;
                }
                if let Some(t) = target {
                    uses[s.index()].0 = t;
                }
                if let Some(f) = filter {
                    uses[s.index()].1 = f;
                }
                Action::ModifySession {
                    session: s,
                    target,
                    filter,
                    packet_length: packet_length.map(|n| n as u16),
                    virtual_network_id: *virtual_network_id,
                }
            }
            ActionSpec::ReplaceTrafficMirrorFilterRules {
                traffic_mirror_filter_id: id,
                ingress_filter_rules,
                egress_filter_rules,
            } => {
                let Some(&f) = names.filters.get(id) else {
                    refuse(
                        p,
                        ErrorCode::InvalidTrafficMirrorFilterIdNotFound,
                        not_found("filter", id),
                        None,
                    );
                    continue;
                };
                let mut ingress = build_rules(
                    id,
                    "ingress",
                    "ingress_filter_rules",
                    ingress_filter_rules,
                    p,
                );
                let mut egress =
                    build_rules(id, "egress", "egress_filter_rules", egress_filter_rules, p);
                ingress.sort_by_key(|r| r.rule_number);
                egress.sort_by_key(|r| r.rule_number);
                Action::ReplaceRules {
                    filter: f,
                    ingress,
                    egress,
                }
            }
            ActionSpec::SetTargetHealth {
                load_balancer,
                target,
                healthy,
            } => {
                let Some(lb) = find_lb(topo, load_balancer) else {
                    refuse(
                        p,
                        ErrorCode::UnknownResource,
                        not_found("load balancer", load_balancer),
                        None,
                    );
                    continue;
                };
                let wanted = names.enis.get(target).copied().or_else(|| {
                    let i = topo.instances.iter().position(|i| &i.id == target)?;
                    topo.enis
                        .iter()
                        .position(|e| e.instance.map(|x| x.index()) == Some(i))
                        .map(|e| EniIdx(e as u32))
                });
                let Some(pos) =
                    wanted.and_then(|w| lb_targets(topo, lb).iter().position(|&t| t == w))
                else {
                    refuse(
                        p,
                        ErrorCode::UnknownResource,
                        format!("{target} is not a target of {load_balancer}"),
                        None,
                    );
                    continue;
                };
                Action::SetHealth {
                    lb,
                    target: pos,
                    healthy: *healthy,
                }
            }
            ActionSpec::ModifyLoadBalancerAttributes {
                load_balancer,
                cross_zone,
            } => match find_lb(topo, load_balancer) {
                Some(lb) => Action::CrossZone {
                    lb,
                    on: *cross_zone,
                },
                None => {
                    refuse(
                        p,
                        ErrorCode::UnknownResource,
                        not_found("load balancer", load_balancer),
                        None,
                    );
                    continue;
                }
            },
            ActionSpec::SetSubnets {
                load_balancer,
                subnets,
            } => {
                let Some(lb) = find_lb(topo, load_balancer) else {
                    refuse(
                        p,
                        ErrorCode::UnknownResource,
                        not_found("load balancer", load_balancer),
                        None,
                    );
                    continue;
                };
                // The full new list, as SetSubnets takes it: at least one
                // subnet, at most one per Availability Zone.
                if subnets.is_empty() {
                    refuse(
                        p,
                        ErrorCode::InvalidParameterValue,
                        "SetSubnets needs at least one subnet".to_string(),
                        Some("a load balancer keeps at least one Availability Zone"),
                    );
                    continue;
                }
                let mut zones: Vec<String> = Vec::new();
                for s in subnets {
                    match names.subnets.get(s) {
                        Some(&si) => {
                            let zone = &topo.subnet(si).availability_zone;
                            if zones.contains(zone) {
                                refuse(
                                    p,
                                    ErrorCode::InvalidParameterCombination,
                                    format!("two subnets in Availability Zone {zone}"),
                                    Some("a load balancer takes one subnet per zone"),
                                );
                            } else {
                                zones.push(zone.clone());
                            }
                        }
                        None => refuse(p, ErrorCode::UnknownResource, not_found("subnet", s), None),
                    }
                }
                Action::SetZones { lb, zones }
            }
            ActionSpec::DeleteListener {
                load_balancer,
                port,
            } => match find_lb(topo, load_balancer) {
                Some(LbRef::Nlb(n)) if *port == 4789 => Action::DeleteListener(n),
                Some(LbRef::Nlb(_)) => {
                    // Another port's listener: mirroring does not notice.
                    continue;
                }
                _ => {
                    refuse(
                        p,
                        ErrorCode::UnknownResource,
                        not_found("Network Load Balancer", load_balancer),
                        None,
                    );
                    continue;
                }
            },
            ActionSpec::RemoveNodeFromDns {
                load_balancer,
                availability_zone,
            } => match find_lb(topo, load_balancer) {
                Some(LbRef::Nlb(n)) => Action::NodeOutOfDns {
                    nlb: n,
                    zone: availability_zone.clone(),
                },
                _ => {
                    refuse(
                        p,
                        ErrorCode::UnknownResource,
                        not_found("Network Load Balancer", load_balancer),
                        None,
                    );
                    continue;
                }
            },
            ActionSpec::SetFlowRate { flow, rate } => {
                let prefix = |sep: char| format!("{flow}{sep}");
                let matching: Vec<u32> = flows
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| {
                        f.name == *flow
                            || f.name.starts_with(&prefix('#'))
                            || f.name.starts_with(&prefix('/'))
                    })
                    .map(|(i, _)| i as u32)
                    .collect();
                if matching.is_empty() {
                    refuse(p, ErrorCode::InvalidTraffic, not_found("flow", flow), None);
                    continue;
                }
                Action::SetFlowRate {
                    flows: matching,
                    rate: *rate,
                }
            }
        };
        out.push(TimelineEvent {
            at_ns: e.time.as_nanos(),
            action,
        });
    }
    out
}
