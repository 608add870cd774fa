//! Which session mirrors a packet observed at a source ENI.
//!
//! A pure function of the configuration and the packet's header summary:
//! the engine calls it once per flow and observation point and caches the
//! answer.

use crate::evidence::{Evidence, Fact};
use crate::filter::FilterVerdict;
use crate::ids::{EniIdx, SessionIdx};
use crate::model::Topology;
use crate::packet::{Direction, FlowKey};
use crate::reach::SourceBlock;
use crate::services::{self, NeverMirrored};

/// Why a session accepted a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcceptedBy {
    /// The rule at this position of the direction's sorted rule list.
    Rule(u8),
    /// The filter's `amazon-dns` network service (FLT-06).
    AmazonDns,
}

/// A session that mirrors the packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MirrorDecision {
    pub session: SessionIdx,
    pub accepted_by: AcceptedBy,
}

/// The fate of a packet at one source ENI, before any capacity or routing.
///
/// `passed` counts the source's active sessions, in evaluation order, that
/// looked at the packet and found no matching rule, so per-session figures
/// can say how many packets each session saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// SRC-03: a traffic type AWS never mirrors; no session sees it.
    NeverMirrored(NeverMirrored),
    /// SRC-05: the source's network ACL or security group dropped the
    /// inbound packet, so there was nothing to mirror.
    BlockedAtSource(SourceBlock),
    /// The first session with a matching rule accepted it.
    Mirror { mirror: MirrorDecision, passed: u8 },
    /// The first session with a matching rule rejected it (SES-02 model: no
    /// later session sees it). `rule` is its position in the sorted list.
    Rejected {
        session: SessionIdx,
        rule: u8,
        passed: u8,
    },
    /// Amazon DNS traffic, and no session's filter enables `amazon-dns`.
    AmazonDnsNotEnabled { passed: u8 },
    /// Some session had rules for the direction, none matched.
    NoRuleMatched { passed: u8 },
    /// No session's filter has a rule for the direction (FLT-02).
    NoRulesForDirection { passed: u8 },
}

impl Topology {
    /// The fate of a packet crossing a source ENI, the whole way: traffic
    /// never mirrored (SRC-03), then, for inbound packets, the source's own
    /// network ACL and security groups (SRC-05; `sender` is the sending
    /// ENI when it is one of the scenario's, `reply` whether the packet
    /// answers a connection the source opened), then the sessions.
    ///
    /// SRC-06: outbound packets meet no check here: the copies of outbound
    /// traffic are not subject to the source's outbound security group.
    ///
    /// `active` says which sessions exist at the moment (indexed by
    /// session; a session past its end counts as active); deleted sessions
    /// are skipped. Each step is reported to `ev`.
    #[allow(clippy::too_many_arguments)]
    pub fn decide_at<E: Evidence>(
        &self,
        eni: EniIdx,
        direction: Direction,
        packet: &FlowKey,
        sender: Option<EniIdx>,
        reply: bool,
        active: &[bool],
        ev: &mut E,
    ) -> Decision {
        if let Some(kind) = services::never_mirrored(packet) {
            ev.fact(Fact::NeverMirrored(kind));
            return Decision::NeverMirrored(kind);
        }
        ev.fact(Fact::Mirrorable);
        if direction == Direction::Ingress {
            match self.source_admits(eni, packet, sender, reply) {
                Ok(()) => ev.fact(Fact::SourceAdmits),
                Err((block, resource)) => {
                    ev.fact(Fact::SourceBlocked { block, resource });
                    return Decision::BlockedAtSource(block);
                }
            }
        }
        self.decide(eni, direction, packet, active, ev)
    }

    /// Decides the fate of a packet crossing a source ENI in `direction`.
    ///
    /// SES-02: the source's sessions are tried in ascending session number;
    /// the first whose filter has a rule matching the packet decides, accept
    /// or reject, and a packet is mirrored at most once. A session whose
    /// filter has no matching rule for the direction passes the packet on.
    /// FLT-06 (model): Amazon DNS traffic is decided by the network service
    /// alone; a filter without `amazon-dns` never matches it.
    pub fn decide<E: Evidence>(
        &self,
        eni: EniIdx,
        direction: Direction,
        packet: &FlowKey,
        active: &[bool],
        ev: &mut E,
    ) -> Decision {
        if let Some(kind) = services::never_mirrored(packet) {
            return Decision::NeverMirrored(kind);
        }
        let dns = services::is_amazon_dns(packet, self.vpc_of(eni).amazon_dns_resolver());
        let mut any_rules = false;
        let mut passed = 0u8;
        let sessions = self.sessions_of(eni).iter();
        for &s in sessions {
            if !active.get(s.index()).copied().unwrap_or(true) {
                ev.fact(Fact::SessionDeleted(s));
                continue;
            }
            let filter = self.filter(self.session(s).filter);
            if dns {
                ev.fact(Fact::AmazonDns {
                    session: s,
                    enabled: filter.amazon_dns,
                });
                if filter.amazon_dns {
                    let mirror = MirrorDecision {
                        session: s,
                        accepted_by: AcceptedBy::AmazonDns,
                    };
                    return Decision::Mirror { mirror, passed };
                }
            } else {
                if E::ON && !filter.rules(direction).is_empty() {
                    ev.fact(Fact::Rules(s));
                }
                let mut rule = |i: usize, matched: bool| {
                    ev.fact(Fact::Rule {
                        session: s,
                        rule: i as u8,
                        matched,
                    })
                };
                let verdict = if E::ON {
                    filter.evaluate_traced(direction, packet, &mut rule)
                } else {
                    filter.evaluate(direction, packet)
                };
                match verdict {
                    FilterVerdict::Accept(rule) => {
                        let mirror = MirrorDecision {
                            session: s,
                            accepted_by: AcceptedBy::Rule(rule as u8),
                        };
                        return Decision::Mirror { mirror, passed };
                    }
                    FilterVerdict::Reject(rule) => {
                        return Decision::Rejected {
                            session: s,
                            rule: rule as u8,
                            passed,
                        };
                    }
                    FilterVerdict::NoRuleMatched => {
                        ev.fact(Fact::NoRuleMatched(s));
                        any_rules = true
                    }
                    FilterVerdict::NoRulesForDirection => ev.fact(Fact::NoRulesForDirection(s)),
                }
            }
            passed += 1;
        }
        if dns {
            Decision::AmazonDnsNotEnabled { passed }
        } else if any_rules {
            Decision::NoRuleMatched { passed }
        } else {
            Decision::NoRulesForDirection { passed }
        }
    }
}
