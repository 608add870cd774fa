//! The mirroring pipeline: what happens to a packet at a source ENI and to
//! its copy on the way to the appliance.
//!
//! The session decision depends only on the flow (5-tuple and direction),
//! so it is made once per flow and observation point ([`Observation`]);
//! per packet the pipeline only sizes the copy and counts.

use topology::decision::AcceptedBy;
use topology::model::TargetResource;
use topology::{Decision, Direction, EniIdx, FlowKey, TargetIdx, Topology};

use topology::reach::{Blocked, SourceBlock};

use crate::outcome::{Delivery, DropReason, NotMirroredReason, Outcome};
use crate::results::{RunResults, SessionStats, SourceStats, TargetStats};

/// Inner Ethernet header carried in every copy.
pub const INNER_ETHERNET: u32 = 14;
/// PKT-05: bytes the guide adds to a packet when it decides truncation,
/// for an outer IPv4 and an outer IPv6 header.
pub const GUIDE_OVERHEAD_V4: u32 = 54;
pub const GUIDE_OVERHEAD_V6: u32 = 74;
/// PKT-05: bytes written before the inner frame (outer IP + UDP + VXLAN), as
/// a real capture shows: 20 + 8 + 8 over IPv4, 40 + 8 + 8 over IPv6.
pub const OUTER_HEADERS_V4: u32 = 36;
pub const OUTER_HEADERS_V6: u32 = 56;
/// SES-05 (model): a copy keeps at least this much of an IPv4 frame, and of
/// an IPv6 one, whatever the packet length.
pub const MIN_COPY_V4: u32 = 35;
pub const MIN_COPY_V6: u32 = 55;

/// A packet's passage through one source ENI, decided once per flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observation {
    pub eni: EniIdx,
    pub direction: Direction,
    /// Whether the inner packet is IPv6 (its minimum copy size differs).
    pub ipv6: bool,
    pub decision: Decision,
}

impl Observation {
    /// `sender` is the sending ENI when it is one of the scenario's; `reply`
    /// whether the packet answers a connection the receiver opened; `active`
    /// which sessions exist now.
    pub fn new(
        topo: &Topology,
        eni: EniIdx,
        direction: Direction,
        key: &FlowKey,
        sender: Option<EniIdx>,
        reply: bool,
        active: &[bool],
    ) -> Self {
        Observation {
            eni,
            direction,
            ipv6: key.is_ipv6(),
            decision: topo.decide_at(eni, direction, key, sender, reply, active),
        }
    }
}

/// How a session's copies are cut and framed, worked out once per session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CopyPlan {
    pub target: TargetIdx,
    /// SES-05: bytes of the inner frame to keep.
    pub packet_length: Option<u32>,
    /// MTU-01: the standalone appliance's MTU and the guide's overhead.
    pub mtu: Option<(u32, u32)>,
    /// Bytes written ahead of the inner frame.
    pub outer_headers: u32,
    /// Where the copies stop on the way, when they do (CON-*, TGT-04).
    pub blocked: Option<Blocked>,
}

impl CopyPlan {
    pub fn new(topo: &Topology, session: topology::SessionIdx) -> Self {
        let s = topo.session(session);
        let source_ip = topo.eni(s.source).private_ip;
        let (target_ip, mtu, blocked) = match topo.target(s.target).resource {
            TargetResource::NetworkInterface(e) => {
                let reach = topo.reach(s.source, e);
                let e = topo.eni(e);
                (
                    e.private_ip,
                    Some(u32::from(e.mtu)),
                    reach.stop.map(|stop| stop.reason),
                )
            }
        };
        // PKT-05: the outer header is IPv6 only when both ends are IPv6.
        let v6 = source_ip.is_ipv6() && target_ip.is_ipv6();
        let overhead = if v6 {
            GUIDE_OVERHEAD_V6
        } else {
            GUIDE_OVERHEAD_V4
        };
        CopyPlan {
            target: s.target,
            packet_length: s.packet_length.map(u32::from),
            mtu: mtu.map(|m| (m, overhead)),
            outer_headers: if v6 {
                OUTER_HEADERS_V6
            } else {
                OUTER_HEADERS_V4
            },
            blocked,
        }
    }

    /// The bytes of the inner frame a copy of an IP packet of `size` bytes
    /// keeps, and whether and why it was cut.
    #[inline]
    pub fn cut(&self, size: u32, ipv6: bool) -> (u32, Delivery) {
        let frame = size + INNER_ETHERNET;
        let mut kept = frame;
        let mut how = Delivery::Whole;
        // SES-05: the packet length counts bytes after the VXLAN header,
        // so it includes the inner Ethernet header.
        if let Some(n) = self.packet_length {
            let floor = if ipv6 { MIN_COPY_V6 } else { MIN_COPY_V4 };
            let cap = n.max(floor);
            if frame > cap {
                kept = cap;
                how = Delivery::TruncatedToPacketLength;
            }
        }
        // MTU-01, MTU-02: a standalone target truncates a packet of S bytes
        // when S + 54 (74 over IPv6) exceeds its MTU, keeping MTU - 54 bytes
        // of the inner IP packet.
        if let Some((mtu, overhead)) = self.mtu
            && size + overhead > mtu
        {
            let cap = mtu.saturating_sub(overhead) + INNER_ETHERNET;
            if kept > cap {
                kept = cap;
                how = Delivery::TruncatedToMtu;
            }
        }
        (kept, how)
    }
}

/// Counts every packet's outcome.
pub struct Pipeline {
    plans: Vec<CopyPlan>,
    /// The sessions of each ENI in evaluation order (for `passed` counts).
    sessions_by_eni: Vec<Vec<u32>>,
    pub results: RunResults,
}

impl Pipeline {
    pub fn new(topo: &Topology) -> Self {
        let plans = (0..topo.sessions.len())
            .map(|i| CopyPlan::new(topo, topology::SessionIdx(i as u32)))
            .collect();
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
                    ..SessionStats::default()
                }
            })
            .collect();
        Pipeline {
            plans,
            sessions_by_eni: (0..topo.enis.len())
                .map(|e| {
                    topo.sessions_of(EniIdx(e as u32))
                        .iter()
                        .map(|s| s.0)
                        .collect()
                })
                .collect(),
            results: RunResults {
                sources: vec![SourceStats::default(); topo.enis.len()],
                sessions,
                targets: vec![TargetStats::default(); topo.targets.len()],
                ..RunResults::default()
            },
        }
    }

    /// A session is deleted: it no longer counts among its source's
    /// sessions (the observations must be decided again).
    pub fn deactivate(&mut self, session: topology::SessionIdx, topo: &Topology) {
        let eni = topo.session(session).source;
        self.sessions_by_eni[eni.index()].retain(|&s| s != session.0);
    }

    /// One packet of `size` bytes crosses a source ENI.
    #[inline]
    pub fn offer(&mut self, obs: &Observation, size: u16) {
        let bytes = u64::from(size);
        let d = SourceStats::dir(obs.direction);
        let r = &mut self.results;
        r.sources[obs.eni.index()].offered[d].add(bytes);
        let (outcome, passed) = match obs.decision {
            Decision::NeverMirrored(k) => {
                (Outcome::NotMirrored(NotMirroredReason::NeverMirrored(k)), 0)
            }
            Decision::BlockedAtSource(SourceBlock::NetworkAcl) => {
                (Outcome::NotMirrored(NotMirroredReason::SourceNetworkAcl), 0)
            }
            Decision::BlockedAtSource(SourceBlock::SecurityGroup) => (
                Outcome::NotMirrored(NotMirroredReason::SourceSecurityGroup),
                0,
            ),
            Decision::AmazonDnsNotEnabled { passed } => (
                Outcome::NotMirrored(NotMirroredReason::AmazonDnsNotEnabled),
                passed,
            ),
            Decision::NoRuleMatched { passed } => (
                Outcome::NotMirrored(NotMirroredReason::NoRuleMatched),
                passed,
            ),
            Decision::NoRulesForDirection { passed } => (
                Outcome::NotMirrored(NotMirroredReason::NoRulesForDirection),
                passed,
            ),
            Decision::Rejected {
                session,
                rule,
                passed,
            } => {
                let s = &mut r.sessions[session.index()];
                s.evaluated.add(bytes);
                s.rejected.add(bytes);
                s.rule_hits(obs.direction)[rule as usize] += 1;
                (
                    Outcome::NotMirrored(NotMirroredReason::FilterReject),
                    passed,
                )
            }
            Decision::Mirror { mirror, passed } => {
                let plan = self.plans[mirror.session.index()];
                let (kept, how) = plan.cut(u32::from(size), obs.ipv6);
                let wire = u64::from(kept + plan.outer_headers);
                let (outcome, delivered) = match plan.blocked {
                    None => (Outcome::Delivered(how), wire),
                    Some(b) => (Outcome::Dropped(DropReason::Unreachable(b)), 0),
                };
                let s = &mut r.sessions[mirror.session.index()];
                s.evaluated.add(bytes);
                s.mirrored.add(bytes);
                s.outcomes.add(outcome, bytes);
                s.copy_bytes += wire;
                s.delivered_bytes += delivered;
                match mirror.accepted_by {
                    AcceptedBy::Rule(i) => s.rule_hits(obs.direction)[i as usize] += 1,
                    AcceptedBy::AmazonDns => s.amazon_dns_hits += 1,
                }
                let t = &mut r.targets[plan.target.index()];
                t.received.add(bytes);
                t.outcomes.add(outcome, bytes);
                t.delivered_bytes += delivered;
                (outcome, passed)
            }
        };
        for &s in &self.sessions_by_eni[obs.eni.index()][..passed as usize] {
            let s = &mut r.sessions[s as usize];
            s.evaluated.add(bytes);
            s.passed_on.add(bytes);
        }
        r.sources[obs.eni.index()].outcomes[d].add(outcome, bytes);
    }
}
