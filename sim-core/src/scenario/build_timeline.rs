//! The timeline: API calls and events at given times, checked in time
//! order as AWS would answer them then.

use topology::model::ApplianceState;
use topology::{Diagnostic, EniIdx, ErrorCode, GwlbIdx, NlbIdx, SessionIdx, Topology};

use super::build_mirror::{MAX_VNI, PACKET_LENGTH_RANGE, build_rules};
use super::context::{Names, Problems};
use super::locate::Anchor;
use super::schema::*;
use crate::time::Instant;
use crate::timeline::{Action, LbRef, TimelineEvent};
use crate::traffic::FlowPlan;
use crate::world::World;

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
    // The timeline is applied to a world as the run will apply it, so a
    // call is judged against the configuration of its instant.
    let mut world = World::new(topo);
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
        let appliance = |id: &String| super::build_lb::resolve_target(id, topo, names);
        let session = |id: &String| {
            topo.sessions
                .iter()
                .position(|s| &s.id == id)
                .map(|s| SessionIdx(s as u32))
        };
        let not_found = |what: &str, id: &str| format!("no {what} `{id}` is declared");
        let action = match &e.action {
            ActionSpec::DeleteTrafficMirrorSession(id) => match session(id) {
                Some(s) => Action::DeleteSession(s),
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
                Action::DeleteEni(eni)
            }
            ActionSpec::ModifyTrafficMirrorSession {
                traffic_mirror_session_id: id,
                traffic_mirror_target_id,
                traffic_mirror_filter_id,
                packet_length,
                virtual_network_id,
            } => {
                let Some(s) = session(id) else {
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
                        Some(&t) => Some(t),
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
                        Some(&f) => Some(f),
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
                        ErrorCode::LoadBalancerNotFound,
                        not_found("load balancer", load_balancer),
                        None,
                    );
                    continue;
                };
                let Some(eni) = appliance(target).filter(|w| lb_targets(topo, lb).contains(w))
                else {
                    refuse(
                        p,
                        ErrorCode::InvalidTarget,
                        format!("{target} is not a target of {load_balancer}"),
                        None,
                    );
                    continue;
                };
                Action::SetApplianceState {
                    eni,
                    state: if *healthy {
                        ApplianceState::Healthy
                    } else {
                        ApplianceState::Down
                    },
                }
            }
            ActionSpec::SetApplianceState {
                appliance: id,
                state,
            } => {
                let Some(eni) = appliance(id) else {
                    refuse(
                        p,
                        ErrorCode::InvalidInstanceIdNotFound,
                        not_found("instance or ENI", id),
                        None,
                    );
                    continue;
                };
                Action::SetApplianceState {
                    eni,
                    state: match state {
                        ApplianceStateSpec::Healthy => ApplianceState::Healthy,
                        ApplianceStateSpec::Down => ApplianceState::Down,
                        ApplianceStateSpec::FailsHealthCheck => ApplianceState::FailsHealthCheck,
                    },
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
                        ErrorCode::LoadBalancerNotFound,
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
                        ErrorCode::LoadBalancerNotFound,
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
                        None => refuse(
                            p,
                            ErrorCode::InvalidSubnetIdNotFound,
                            not_found("subnet", s),
                            None,
                        ),
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
                        ErrorCode::LoadBalancerNotFound,
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
                        ErrorCode::LoadBalancerNotFound,
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
        let at = Instant::from_nanos(e.time.as_nanos());
        if let Err(r) = world.check(&action, at) {
            refuse(p, r.code, r.message, r.help);
            continue;
        }
        world.apply(&action, at);
        out.push(TimelineEvent { at, action });
    }
    // LB-01: what the load balancers' health checks conclude, and when.
    let verdicts =
        crate::health::verdicts(topo, &out, Instant::from_nanos(file.duration.as_nanos()));
    crate::health::merge(out, verdicts)
}
