//! The mirroring pipeline: what happens to a packet at a source ENI, and to
//! its copy on the way to the appliance.
//!
//! The session decision depends only on the flow (5-tuple and direction),
//! so it is made once per flow and observation point ([`Observation`]).
//! Per packet the pipeline charges the source instance's budgets, sizes the
//! copy, and hands it to the engine as an [`InFlight`] copy that
//! [`Pipeline::arrive`]s after its path's latency. Nothing here allocates
//! per packet.

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;
use topology::decision::AcceptedBy;
use topology::reach::SourceBlock;
use topology::{Decision, Direction, EniIdx, FlowKey, InstanceIdx, TargetIdx, Topology};

pub use crate::copy_plan::*;

use crate::budget::{Bucket, DirectionBudget, Shortfall};
use crate::lb::{self, Capacity, LbState};
use crate::outcome::{Delivery, DropReason, NotMirroredReason, Outcome, SkipReason};
use crate::results::{CloudWatch, RunResults, Series, SessionStats, SourceStats, TargetStats};
use crate::rng;
use crate::settings::Settings;
use crate::traffic::Emitted;

/// No per-flow bucket (the observation mirrors nothing).
pub const NO_OUTER_FLOW: u32 = u32::MAX;

/// A packet's passage through one source ENI, decided once per flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observation {
    pub eni: EniIdx,
    pub direction: Direction,
    /// Whether the inner packet is IPv6 (its minimum copy size differs).
    pub ipv6: bool,
    pub decision: Decision,
    /// The instance whose budgets the packet and its copy spend.
    pub instance: Option<InstanceIdx>,
    /// The per-flow bucket of the outer (VXLAN) flow, or [`NO_OUTER_FLOW`].
    pub outer: u32,
    /// This flow-and-observation's reordering slot (sequence numbers).
    pub slot: u32,
    /// The appliance that gets this flow's copies, when the session mirrors
    /// it: the target's ENI, or the load balancer's choice.
    pub appliance: Option<EniIdx>,
    /// Why a load balancer has no appliance for it (no listener, no
    /// healthy target).
    pub lost: Option<DropReason>,
    /// Latency from the load balancer's node to that appliance beyond the
    /// path's own (cross-zone).
    pub extra_ns: u32,
}

impl Observation {
    /// `sender` is the sending ENI when it is one of the scenario's; `reply`
    /// whether the packet answers a connection the receiver opened; `active`
    /// which sessions exist now.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        topo: &Topology,
        eni: EniIdx,
        direction: Direction,
        key: &FlowKey,
        sender: Option<EniIdx>,
        reply: bool,
        active: &[bool],
        slot: u32,
    ) -> Self {
        Observation {
            eni,
            direction,
            ipv6: key.is_ipv6(),
            decision: topo.decide_at(eni, direction, key, sender, reply, active),
            instance: topo.eni(eni).instance,
            outer: NO_OUTER_FLOW,
            slot,
            appliance: None,
            lost: None,
            extra_ns: 0,
        }
    }
}

/// A copy on its way: everything its arrival needs. Small and plain; the
/// engine keeps these in a slab.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InFlight {
    pub arrive_at: u64,
    pub session: u32,
    pub source_eni: u32,
    /// 0 ingress, 1 egress (at the source).
    pub dir: u8,
    pub delivery_kind: u8,
    /// Original packet bytes.
    pub bytes: u32,
    /// Outer IP bytes of the copy.
    pub wire: u32,
    pub slot: u32,
    pub seq: u32,
    /// The appliance's ENI.
    pub appliance: u32,
    /// Bytes of the original frame the copy keeps.
    pub kept: u32,
    /// The packet's number in its flow, and its TCP sequence number (for
    /// captures).
    pub index: u32,
    pub tcp_seq: u32,
}

const DELIVERIES: [Delivery; 3] = [
    Delivery::Whole,
    Delivery::TruncatedToPacketLength,
    Delivery::TruncatedToMtu,
];

/// What became of a packet at one observation point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offered {
    /// Its outcome is counted.
    Done,
    /// The instance's budget dropped the production packet itself: it goes
    /// no further.
    ProductionDropped,
    /// A copy is on its way.
    Copy(InFlight),
}

/// Applies the pipeline packet by packet and counts every outcome.
pub struct Pipeline {
    plans: Vec<CopyPlan>,
    /// The active sessions of each ENI in evaluation order (`passed` counts).
    sessions_by_eni: Vec<Vec<u32>>,
    /// Source instances' budgets, ingress then egress (BW-01).
    budgets: Vec<Option<[DirectionBudget; 2]>>,
    /// Appliances' receive budgets, by instance.
    receive: Vec<Option<DirectionBudget>>,
    /// Per outer flow buckets (BW-03).
    per_flow: Vec<Bucket>,
    /// Next sequence number to send, and next expected, per slot.
    next_seq: Vec<u32>,
    next_expected: Vec<u32>,
    /// Last arrival per session, to keep FIFO paths in order.
    last_arrival: Vec<u64>,
    /// Jitter draws per session.
    jitter: Vec<Pcg32>,
    /// Latency added when a load balancer sends across zones.
    cross_az_ns: u64,
    /// Load balancers' changing state, and their targets' health.
    pub nlb: Vec<LbState>,
    pub nlb_healthy: Vec<Vec<bool>>,
    pub gwlb: Vec<LbState>,
    pub gwlb_healthy: Vec<Vec<bool>>,
    /// Gateway Load Balancer endpoints' capacity (TGT-11).
    capacity: Vec<Capacity>,
    /// Targets whose resource was deleted (SES-10).
    target_deleted: Vec<bool>,
    /// Sessions left inactive by their shared target's deletion (TGT-13).
    inactive: Vec<bool>,
    settings: Settings,
    pub results: RunResults,
}

fn budgets_of(topo: &Topology, i: usize) -> Option<[DirectionBudget; 2]> {
    let inst = &topo.instances[i];
    inst.network.map(|n| {
        let b = || DirectionBudget::new(n.baseline_bps, n.burst_bps, n.pps, inst.burst_duration_ns);
        [b(), b()]
    })
}

/// The hash a load balancer places an outer flow by: its source, its
/// destination and the symmetric source port (PKT-04).
pub fn outer_flow_hash(topo: &Topology, source: EniIdx, target: TargetIdx, key: &FlowKey) -> u64 {
    let src_ip = topo.eni(source).private_ip;
    let dest_ip = topo.copy_destination(source, target).ip;
    let port = topology::packet::outer_source_port(key);
    crate::rng::component_id(&format!("{src_ip}>{dest_ip}:{port}"))
}

impl Pipeline {
    pub fn new(
        topo: &Topology,
        settings: &Settings,
        seed: u64,
        duration_ns: u64,
        slots: usize,
    ) -> Self {
        let plans: Vec<CopyPlan> = (0..topo.sessions.len())
            .map(|i| CopyPlan::new(topo, topology::SessionIdx(i as u32), settings))
            .collect();
        let period = settings.metrics_period_ns;
        let sessions = topo
            .sessions
            .iter()
            .map(|s| {
                let f = topo.filter(s.filter);
                SessionStats {
                    rule_hits: [
                        vec![0; f.ingress_filter_rules.len()],
                        vec![0; f.egress_filter_rules.len()],
                    ],
                    series: Series::new(period, duration_ns),
                    ..SessionStats::default()
                }
            })
            .collect();
        let is_source_instance: Vec<bool> = (0..topo.instances.len())
            .map(|i| {
                topo.enis.iter().enumerate().any(|(e, eni)| {
                    eni.instance.map(|x| x.index()) == Some(i) && topo.is_source(EniIdx(e as u32))
                })
            })
            .collect();
        // Appliances' receive budgets: every ENI a copy may reach.
        let mut receive: Vec<Option<DirectionBudget>> = vec![None; topo.instances.len()];
        let appliances = plans
            .iter()
            .filter_map(|p| match p.via {
                Via::Eni(e) => Some(e),
                _ => None,
            })
            .chain(
                topo.network_load_balancers
                    .iter()
                    .flat_map(|n| n.targets.iter().copied()),
            )
            .chain(
                topo.gateway_load_balancers
                    .iter()
                    .flat_map(|g| g.targets.iter().copied()),
            );
        for e in appliances {
            if let Some(inst) = topo.eni(e).instance
                && receive[inst.index()].is_none()
            {
                receive[inst.index()] = budgets_of(topo, inst.index()).map(|[ingress, _]| ingress);
            }
        }
        let lb_state = |zones, cross_zone, listener| LbState {
            zones,
            cross_zone,
            listener,
            out_of_dns: Vec::new(),
        };
        Pipeline {
            jitter: (0..plans.len())
                .map(|s| {
                    let mut stream = rng::stream(seed, &format!("jitter/{}", topo.sessions[s].id));
                    Pcg32::seed_from_u64(stream.random())
                })
                .collect(),
            last_arrival: vec![0; plans.len()],
            cross_az_ns: settings.latency.cross_az_ns,
            plans,
            sessions_by_eni: (0..topo.enis.len())
                .map(|e| {
                    topo.sessions_of(EniIdx(e as u32))
                        .iter()
                        .map(|s| s.0)
                        .collect()
                })
                .collect(),
            budgets: (0..topo.instances.len())
                .map(|i| {
                    if is_source_instance[i] {
                        budgets_of(topo, i)
                    } else {
                        None
                    }
                })
                .collect(),
            receive,
            per_flow: Vec::new(),
            nlb: topo
                .network_load_balancers
                .iter()
                .map(|n| lb_state(lb::node_zones(&n.nodes), n.cross_zone, n.udp_4789_listener))
                .collect(),
            nlb_healthy: topo
                .network_load_balancers
                .iter()
                .map(|n| vec![true; n.targets.len()])
                .collect(),
            gwlb: topo
                .gateway_load_balancers
                .iter()
                .map(|g| lb_state(lb::node_zones(&g.nodes), g.cross_zone, true))
                .collect(),
            gwlb_healthy: topo
                .gateway_load_balancers
                .iter()
                .map(|g| vec![true; g.targets.len()])
                .collect(),
            target_deleted: vec![false; topo.targets.len()],
            inactive: vec![false; topo.sessions.len()],
            settings: *settings,
            capacity: (0..topo.gwlb_endpoints.len())
                .map(|_| Capacity::new(settings.gwlb_scaling))
                .collect(),
            next_seq: vec![0; slots],
            next_expected: vec![0; slots],
            results: RunResults {
                sources: (0..topo.enis.len())
                    .map(|e| SourceStats {
                        series: if topo.is_source(EniIdx(e as u32)) {
                            Series::new(period, duration_ns)
                        } else {
                            Series::default()
                        },
                        ..SourceStats::default()
                    })
                    .collect(),
                sessions,
                targets: (0..topo.targets.len())
                    .map(|_| TargetStats {
                        series: Series::new(period, duration_ns),
                        ..TargetStats::default()
                    })
                    .collect(),
                cloudwatch: is_source_instance
                    .iter()
                    .map(|&s| s.then(|| CloudWatch::new(period, duration_ns)))
                    .collect(),
                ..RunResults::default()
            },
        }
    }

    /// Picks the appliance for an observation that its session mirrors:
    /// the target's ENI, or the load balancer's choice for the flow's
    /// outer flow (TGT-05..08, TGT-10).
    pub fn choose(&self, topo: &Topology, obs: &mut Observation, key: &FlowKey) {
        let Decision::Mirror { mirror, .. } = obs.decision else {
            return;
        };
        let plan = self.plans[mirror.session.index()];
        let src_zone = &topo.subnet(topo.eni(obs.eni).subnet).availability_zone;
        let flow_hash = outer_flow_hash(topo, obs.eni, plan.target, key);
        let zone_of = |e: EniIdx| topo.subnet(topo.eni(e).subnet).availability_zone.as_str();
        let cross = |from: &str, e: EniIdx| {
            if from == zone_of(e) {
                0
            } else {
                self.cross_az_ns
            }
        };
        let (choice, from_zone) = match plan.via {
            Via::Eni(e) => (Ok(e), zone_of(e).to_string()),
            Via::Nlb(n) => {
                let nlb = &topo.network_load_balancers[n.index()];
                let state = &self.nlb[n.index()];
                let node = lb::nlb_node(topo, n, src_zone, flow_hash);
                let choice = if state.listener {
                    lb::choose(
                        topo,
                        node,
                        &nlb.targets,
                        state,
                        &self.nlb_healthy[n.index()],
                        flow_hash,
                    )
                } else {
                    Err(DropReason::NoUdp4789Listener)
                };
                (choice, node.to_string())
            }
            Via::Gwlb(v, g) => {
                let gw = &topo.gateway_load_balancers[g.index()];
                let zone = topo
                    .subnet(topo.gwlb_endpoints[v.index()].subnet)
                    .availability_zone
                    .clone();
                let choice = lb::choose(
                    topo,
                    &zone,
                    &gw.targets,
                    &self.gwlb[g.index()],
                    &self.gwlb_healthy[g.index()],
                    flow_hash,
                );
                (choice, zone)
            }
        };
        match choice {
            Ok(e) => {
                obs.appliance = Some(e);
                obs.lost = None;
                obs.extra_ns = if matches!(plan.via, Via::Eni(_)) {
                    0
                } else {
                    cross(&from_zone, e) as u32
                };
            }
            Err(r) => {
                obs.appliance = None;
                obs.lost = Some(r);
            }
        }
    }

    /// The changing state of a load balancer.
    pub fn lb_state(&mut self, lb: crate::timeline::LbRef) -> &mut LbState {
        match lb {
            crate::timeline::LbRef::Nlb(n) => &mut self.nlb[n.index()],
            crate::timeline::LbRef::Gwlb(g) => &mut self.gwlb[g.index()],
        }
    }

    /// TGT-13: the session's shared target was deleted by its owner.
    pub fn make_inactive(&mut self, session: topology::SessionIdx) {
        self.inactive[session.index()] = true;
    }

    /// SES-10: a target's resource is gone; its sessions' copies are
    /// dropped until they are modified to use another target.
    pub fn delete_target_resource(&mut self, target: TargetIdx) {
        self.target_deleted[target.index()] = true;
    }

    /// A session changed (target, filter, packet length, VNI): its copy
    /// plan is worked out again, and its rule counters fit its filter.
    pub fn replan(&mut self, topo: &Topology, session: topology::SessionIdx) {
        self.plans[session.index()] = CopyPlan::new(topo, session, &self.settings);
        self.last_arrival[session.index()] = 0;
        self.fit_rule_hits(topo, session);
    }

    /// Keeps a session's rule counters as long as its filter's rule lists.
    pub fn fit_rule_hits(&mut self, topo: &Topology, session: topology::SessionIdx) {
        let f = topo.filter(topo.session(session).filter);
        let hits = &mut self.results.sessions[session.index()].rule_hits;
        for (d, n) in [f.ingress_filter_rules.len(), f.egress_filter_rules.len()]
            .into_iter()
            .enumerate()
        {
            if hits[d].len() < n {
                hits[d].resize(n, 0);
            }
        }
    }

    /// A new per-flow bucket for an outer flow of `session`; its index.
    pub fn add_outer_flow(&mut self, session: topology::SessionIdx) -> u32 {
        let bps = self.plans[session.index()].per_flow_bps;
        self.per_flow.push(Bucket::with_window(bps, 9001 * 8));
        (self.per_flow.len() - 1) as u32
    }

    /// A session is deleted at `now`: it no longer counts among its
    /// source's sessions (the observations must be decided again), and its
    /// billing stops (SES-12).
    pub fn deactivate(&mut self, session: topology::SessionIdx, topo: &Topology, now: u64) {
        let eni = topo.session(session).source;
        self.sessions_by_eni[eni.index()].retain(|&s| s != session.0);
        self.results.sessions[session.index()].existed_ns = now;
    }

    /// The run ends at `end`: sessions still there existed until then.
    pub fn finish(&mut self, active: &[bool], end: u64) {
        for (s, stats) in self.results.sessions.iter_mut().enumerate() {
            if active[s] {
                stats.existed_ns = end;
            }
        }
    }

    /// Counts the sessions that passed a packet on.
    #[inline]
    fn passed_on(&mut self, eni: EniIdx, passed: u8, bytes: u64) {
        for &s in &self.sessions_by_eni[eni.index()][..passed as usize] {
            let s = &mut self.results.sessions[s as usize];
            s.evaluated.add(bytes);
            s.passed_on.add(bytes);
        }
    }

    /// One packet of `size` bytes crosses a source ENI at `now`.
    #[inline]
    pub fn offer(&mut self, obs: &Observation, packet: Emitted, now: u64) -> Offered {
        let bytes = u64::from(packet.size);
        let d = SourceStats::dir(obs.direction);
        let source = &mut self.results.sources[obs.eni.index()];
        source.offered[d].add(bytes);
        source.series.add(now, 0, 1);
        let not_mirrored = |reason| Outcome::NotMirrored(reason);
        // BW-02: production first; it is dropped only when it alone does
        // not fit the instance's budget.
        if let Some(budget) = obs.instance.and_then(|i| self.budgets[i.index()].as_mut())
            && !budget[d].production(now, bytes)
        {
            let source = &mut self.results.sources[obs.eni.index()];
            source.outcomes[d].add(not_mirrored(NotMirroredReason::ProductionDropped), bytes);
            source.series.add(now, 1, 1);
            return Offered::ProductionDropped;
        }
        let (outcome, passed) = match obs.decision {
            Decision::NeverMirrored(k) => (not_mirrored(NotMirroredReason::NeverMirrored(k)), 0),
            Decision::BlockedAtSource(SourceBlock::NetworkAcl) => {
                (not_mirrored(NotMirroredReason::SourceNetworkAcl), 0)
            }
            Decision::BlockedAtSource(SourceBlock::SecurityGroup) => {
                (not_mirrored(NotMirroredReason::SourceSecurityGroup), 0)
            }
            Decision::AmazonDnsNotEnabled { passed } => {
                (not_mirrored(NotMirroredReason::AmazonDnsNotEnabled), passed)
            }
            Decision::NoRuleMatched { passed } => {
                (not_mirrored(NotMirroredReason::NoRuleMatched), passed)
            }
            Decision::NoRulesForDirection { passed } => {
                (not_mirrored(NotMirroredReason::NoRulesForDirection), passed)
            }
            Decision::Rejected {
                session,
                rule,
                passed,
            } => {
                let s = &mut self.results.sessions[session.index()];
                s.evaluated.add(bytes);
                s.rejected.add(bytes);
                s.rule_hits(obs.direction)[rule as usize] += 1;
                (not_mirrored(NotMirroredReason::FilterReject), passed)
            }
            Decision::Mirror { mirror, passed } => {
                self.passed_on(obs.eni, passed, bytes);
                return self.mirror(obs, mirror, packet, now);
            }
        };
        self.passed_on(obs.eni, passed, bytes);
        let source = &mut self.results.sources[obs.eni.index()];
        source.outcomes[d].add(outcome, bytes);
        source.series.add(now, 1, 1);
        Offered::Done
    }

    /// An accepted packet: size the copy, charge the source, send it.
    #[inline]
    fn mirror(
        &mut self,
        obs: &Observation,
        mirror: topology::MirrorDecision,
        packet: Emitted,
        now: u64,
    ) -> Offered {
        let bytes = u64::from(packet.size);
        let si = mirror.session.index();
        let d = SourceStats::dir(obs.direction);
        let plan = self.plans[si];
        let (kept, how) = plan.cut(bytes as u32, obs.ipv6);
        let wire = kept + plan.outer_headers;
        {
            let s = &mut self.results.sessions[si];
            s.evaluated.add(bytes);
            s.mirrored.add(bytes);
            match mirror.accepted_by {
                AcceptedBy::Rule(i) => s.rule_hits(obs.direction)[i as usize] += 1,
                AcceptedBy::AmazonDns => s.amazon_dns_hits += 1,
            }
        }
        // TGT-13: an inactive session sends nothing.
        if self.inactive[si] {
            let o = Outcome::NotMirrored(NotMirroredReason::SessionInactive);
            self.results.sessions[si].outcomes.add(o, bytes);
            let source = &mut self.results.sources[obs.eni.index()];
            source.outcomes[d].add(o, bytes);
            source.series.add(now, 1, 1);
            return Offered::Done;
        }
        // BW-01, BW-04: the copy leaves the source as egress, whatever the
        // direction of the packet it copies.
        let mut skip = obs
            .instance
            .and_then(|i| self.budgets[i.index()].as_mut())
            .and_then(|b| {
                let own = if obs.direction == Direction::Egress {
                    bytes
                } else {
                    0
                };
                b[1].copy(now, u64::from(wire), own).err()
            })
            .map(|s| match s {
                Shortfall::Bandwidth => SkipReason::Bandwidth,
                Shortfall::Pps => SkipReason::Pps,
            });
        // BW-03: the outer flow's limit.
        if skip.is_none() && obs.outer != NO_OUTER_FLOW {
            let bucket = &mut self.per_flow[obs.outer as usize];
            let bits = u64::from(wire) * 8;
            if bucket.has(now, bits, 0) {
                bucket.take(bits);
            } else {
                skip = Some(SkipReason::PerFlow);
            }
        }
        let cw = obs
            .instance
            .and_then(|i| self.results.cloudwatch[i.index()].as_mut());
        if let Some(reason) = skip {
            // MET-01: NetworkSkipMirrorIn/Out and their packet counts.
            if let Some(cw) = cw {
                cw.add(now, 4 + d, bytes);
                cw.add(now, 6 + d, 1);
            }
            let o = Outcome::Skipped(reason);
            self.results.sessions[si].outcomes.add(o, bytes);
            self.results.sessions[si].series.add(now, 1, 1);
            self.results.sources[obs.eni.index()].outcomes[d].add(o, bytes);
            return Offered::Done;
        }
        // MET-01: NetworkMirrorIn/Out (bytes of the packets mirrored).
        if let Some(cw) = cw {
            cw.add(now, d, bytes);
            cw.add(now, 2 + d, 1);
        }
        let s = &mut self.results.sessions[si];
        s.copy_bytes += u64::from(wire);
        s.series.add(now, 0, 1);
        let t = &mut self.results.targets[plan.target.index()];
        t.received.add(bytes);
        t.series.add(now, 0, 1);
        let lost = match (plan.blocked, obs.lost, plan.via) {
            _ if self.target_deleted[plan.target.index()] => Some(DropReason::TargetDeleted),
            (Some(b), _, _) => Some(DropReason::Unreachable(b)),
            (None, Some(r), _) => Some(r),
            // TGT-11: the endpoint's capacity, as it scales.
            (None, None, Via::Gwlb(v, _)) => (!self.capacity[v.index()]
                .admit(now, u64::from(wire)))
            .then_some(DropReason::LbCapacity),
            _ => None,
        };
        let appliance = match (lost, obs.appliance) {
            (None, Some(a)) => a,
            (lost, _) => {
                let o = Outcome::Dropped(lost.unwrap_or(DropReason::NoHealthyTarget));
                self.record(si, plan.target, obs.eni.index(), d, o, bytes, 0, now);
                return Offered::Done;
            }
        };
        let seq = self.next_seq[obs.slot as usize];
        self.next_seq[obs.slot as usize] = seq.wrapping_add(1);
        let jitter = if plan.jitter_ns == 0 {
            0
        } else {
            self.jitter[si].random_range(0..=plan.jitter_ns)
        };
        let mut arrive_at = now + plan.latency_ns + u64::from(obs.extra_ns) + jitter;
        if plan.fifo {
            arrive_at = arrive_at.max(self.last_arrival[si]);
            self.last_arrival[si] = arrive_at;
        }
        Offered::Copy(InFlight {
            arrive_at,
            session: si as u32,
            source_eni: obs.eni.0,
            dir: d as u8,
            delivery_kind: how as u8,
            bytes: bytes as u32,
            wire,
            slot: obs.slot,
            seq,
            appliance: appliance.0,
            kept,
            index: packet.index,
            tcp_seq: packet.tcp_seq,
        })
    }

    /// A copy reaches its appliance at `now`; true when it is delivered.
    #[inline]
    pub fn arrive(&mut self, c: &InFlight, topo: &Topology, now: u64) -> bool {
        let si = c.session as usize;
        let plan = self.plans[si];
        let bytes = u64::from(c.bytes);
        let received = topo
            .eni(EniIdx(c.appliance))
            .instance
            .and_then(|i| self.receive[i.index()].as_mut())
            .map_or(Ok(()), |b| b.receive(now, u64::from(c.wire)));
        let outcome = match received {
            Err(Shortfall::Bandwidth) => Outcome::Dropped(DropReason::TargetBandwidth),
            Err(Shortfall::Pps) => Outcome::Dropped(DropReason::TargetPps),
            Ok(()) => Outcome::Delivered(DELIVERIES[c.delivery_kind as usize]),
        };
        if received.is_ok() {
            // RFC 4737: reordered when below the next expected number; its
            // extent, how many later packets came first (exact when nothing
            // in between was lost).
            let slot = c.slot as usize;
            let expected = self.next_expected[slot];
            if c.seq < expected {
                let extent = u64::from(expected - 1 - c.seq);
                self.results.sessions[si].reordering.add(extent);
                self.results.sessions[si].series.add(now, 4, 1);
                let t = &mut self.results.targets[plan.target.index()];
                t.reordering.add(extent);
                t.series.add(now, 4, 1);
            } else {
                self.next_expected[slot] = c.seq.wrapping_add(1);
            }
        }
        // TGT-10: through a Gateway Load Balancer the appliance gets the
        // copy wrapped in GENEVE.
        let wire = if received.is_ok() {
            u64::from(c.wire + plan.wrapper)
        } else {
            0
        };
        self.record(
            si,
            plan.target,
            c.source_eni as usize,
            c.dir as usize,
            outcome,
            bytes,
            wire,
            now,
        );
        received.is_ok()
    }

    /// The latest plan of a session (it changes when the session does).
    pub fn plan(&self, session: usize) -> &CopyPlan {
        &self.plans[session]
    }

    /// Counts the final outcome of a mirrored packet.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn record(
        &mut self,
        session: usize,
        target: TargetIdx,
        eni: usize,
        d: usize,
        outcome: Outcome,
        bytes: u64,
        delivered_wire: u64,
        now: u64,
    ) {
        let field = if delivered_wire > 0 { 2 } else { 3 };
        let s = &mut self.results.sessions[session];
        s.outcomes.add(outcome, bytes);
        s.delivered_bytes += delivered_wire;
        s.series.add(now, field, 1);
        s.series.add(now, 5, delivered_wire);
        let t = &mut self.results.targets[target.index()];
        t.outcomes.add(outcome, bytes);
        t.delivered_bytes += delivered_wire;
        t.series.add(now, field, 1);
        t.series.add(now, 5, delivered_wire);
        self.results.sources[eni].outcomes[d].add(outcome, bytes);
    }
}
