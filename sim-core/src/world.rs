//! The configuration as the timeline changes it, with one owner.
//!
//! A [`World`] holds everything a timeline `Action` can change: sessions
//! (which exist, which are inactive), their targets, filters and rules,
//! deleted resources, load balancers and their targets' health. Every
//! action is applied by [`World::apply`], and nothing else mutates it: the
//! loader applies the timeline to a world to find the calls AWS would
//! refuse ([`World::check`]), and the engine applies the same actions to
//! its own world while it runs. Each applied action opens a new
//! configuration epoch, so counters can say which configuration earned
//! them.

use topology::model::{ApplianceState, LbNode};
use topology::{EniIdx, ErrorCode, FilterIdx, GwlbIdx, NlbIdx, SessionIdx, TargetIdx, Topology};

use crate::time::Instant;
use crate::timeline::{Action, LbRef};
use crate::units::Rate;

/// What the timeline can change about a load balancer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LbState {
    /// The Availability Zones enabled now (SetSubnets replaces the list).
    /// A zone added after the start has targets that count but a node that
    /// gets no copies (TGT-07); a zone removed has neither.
    pub zones: Vec<String>,
    pub cross_zone: bool,
    /// NLB only: a UDP listener on 4789 (TGT-05).
    pub listener: bool,
    /// Each target's health as the load balancer's checks last judged it
    /// (LB-01), in registration order.
    pub healthy: Vec<bool>,
    /// Each target is still registered (a deleted appliance is not).
    pub registered: Vec<bool>,
}

impl LbState {
    fn new(
        nodes: &[LbNode],
        cross_zone: bool,
        listener: bool,
        initial: &[ApplianceState],
    ) -> LbState {
        LbState {
            zones: nodes.iter().map(|n| n.availability_zone.clone()).collect(),
            cross_zone,
            listener,
            healthy: initial.iter().map(|s| s.passes()).collect(),
            registered: vec![true; initial.len()],
        }
    }
}

/// A configuration epoch: from when, and which change opened it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Epoch {
    pub from: Instant,
    /// The API call or event, as `Action::describe` says it; `start` for
    /// epoch 0.
    pub cause: String,
}

/// Why AWS would refuse an action at that point of the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
    pub help: Option<&'static str>,
}

/// Which flows must be decided again after a change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Redecide {
    #[default]
    Nothing,
    /// The flows observed at these ENIs (their sessions changed).
    At(Vec<EniIdx>),
    /// Every flow (a load balancer changed).
    All,
}

/// What an applied action asks of the run beyond the world itself.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Applied {
    /// Sessions that begin a new configuration (target, filter, rules,
    /// packet length or VNI changed).
    pub reconfigured: Vec<SessionIdx>,
    /// Sessions deleted by this action (billing stops).
    pub deleted: Vec<SessionIdx>,
    pub redecide: Redecide,
    /// SES-09: the ENI is gone, and the traffic it carried stops.
    pub traffic_stops_at: Option<EniIdx>,
    /// Flows (by index) that change their rate.
    pub flow_rate: Option<(Vec<u32>, Rate)>,
}

/// The configuration as it stands at one instant of a run.
#[derive(Clone, Debug)]
pub struct World {
    topo: Topology,
    /// Sessions that exist (deleted ones do not).
    exists: Vec<bool>,
    /// TGT-13: sessions left inactive by their shared target's deletion.
    inactive: Vec<bool>,
    /// `DeleteTrafficMirrorTarget` was called.
    target_deleted: Vec<bool>,
    /// SES-10: the resource a target points at is gone.
    target_resource_deleted: Vec<bool>,
    filter_deleted: Vec<bool>,
    eni_deleted: Vec<bool>,
    /// Each ENI's state as an appliance (TGT-06 corrected): a down one
    /// receives nothing.
    appliance_state: Vec<ApplianceState>,
    nlb: Vec<LbState>,
    gwlb: Vec<LbState>,
    epochs: Vec<Epoch>,
}

impl World {
    /// The world at the start of a run.
    pub fn new(topo: &Topology) -> World {
        World {
            exists: vec![true; topo.sessions.len()],
            inactive: vec![false; topo.sessions.len()],
            target_deleted: vec![false; topo.targets.len()],
            target_resource_deleted: vec![false; topo.targets.len()],
            filter_deleted: vec![false; topo.filters.len()],
            eni_deleted: vec![false; topo.enis.len()],
            appliance_state: {
                let mut states = vec![ApplianceState::Healthy; topo.enis.len()];
                let nlbs = topo
                    .network_load_balancers
                    .iter()
                    .map(|n| (&n.targets, &n.initial_state));
                let gwlbs = topo
                    .gateway_load_balancers
                    .iter()
                    .map(|g| (&g.targets, &g.initial_state));
                for (targets, initial) in nlbs.chain(gwlbs) {
                    for (e, &s) in targets.iter().zip(initial) {
                        if s != ApplianceState::Healthy {
                            states[e.index()] = s;
                        }
                    }
                }
                states
            },
            nlb: topo
                .network_load_balancers
                .iter()
                .map(|n| {
                    LbState::new(
                        &n.nodes,
                        n.cross_zone,
                        n.udp_4789_listener,
                        &n.initial_state,
                    )
                })
                .collect(),
            gwlb: topo
                .gateway_load_balancers
                .iter()
                .map(|g| LbState::new(&g.nodes, g.cross_zone, true, &g.initial_state))
                .collect(),
            epochs: vec![Epoch {
                from: Instant::ZERO,
                cause: "start".into(),
            }],
            topo: topo.clone(),
        }
    }

    /// The topology as the timeline has changed it.
    pub fn topology(&self) -> &Topology {
        &self.topo
    }

    /// Which sessions exist, indexed by session (what
    /// [`Topology::decide_at`] takes).
    pub fn sessions_existing(&self) -> &[bool] {
        &self.exists
    }

    pub fn session_exists(&self, s: SessionIdx) -> bool {
        self.exists[s.index()]
    }

    /// TGT-13: the session's shared target was deleted by its owner.
    pub fn session_inactive(&self, s: SessionIdx) -> bool {
        self.inactive[s.index()]
    }

    /// SES-10: the target's resource is gone.
    pub fn target_resource_deleted(&self, t: TargetIdx) -> bool {
        self.target_resource_deleted[t.index()]
    }

    /// Whether an appliance is down (or deleted): it receives nothing.
    pub fn appliance_down(&self, e: EniIdx) -> bool {
        self.appliance_state[e.index()] == ApplianceState::Down || self.eni_deleted[e.index()]
    }

    pub fn appliance_state(&self, e: EniIdx) -> ApplianceState {
        if self.eni_deleted[e.index()] {
            ApplianceState::Down
        } else {
            self.appliance_state[e.index()]
        }
    }

    pub fn nlb(&self, n: NlbIdx) -> &LbState {
        &self.nlb[n.index()]
    }

    pub fn gwlb(&self, g: GwlbIdx) -> &LbState {
        &self.gwlb[g.index()]
    }

    /// The epoch in force now: the number of changes applied so far.
    pub fn epoch(&self) -> u32 {
        (self.epochs.len() - 1) as u32
    }

    /// Every epoch so far, in order.
    pub fn epochs(&self) -> &[Epoch] {
        &self.epochs
    }

    fn lb_mut(&mut self, lb: LbRef) -> &mut LbState {
        match lb {
            LbRef::Nlb(n) => &mut self.nlb[n.index()],
            LbRef::Gwlb(g) => &mut self.gwlb[g.index()],
        }
    }

    /// A live session using something, other than the deleted ones.
    fn user(&self, uses: impl Fn(SessionIdx) -> bool) -> Option<SessionIdx> {
        (0..self.topo.sessions.len())
            .map(|s| SessionIdx(s as u32))
            .find(|&s| self.exists[s.index()] && uses(s))
    }

    /// Whether AWS would accept `action` now, at `at` (said in messages).
    pub fn check(&self, action: &Action, at: Instant) -> Result<(), Refusal> {
        let topo = &self.topo;
        let refuse = |code, message: String, help| {
            Err(Refusal {
                code,
                message,
                help,
            })
        };
        match action {
            Action::DeleteSession(s) if !self.exists[s.index()] => refuse(
                ErrorCode::InvalidTrafficMirrorSessionIdNotFound,
                format!("{} is already deleted", topo.session(*s).id),
                None,
            ),
            Action::DeleteFilter(f) => {
                let id = &topo.filter(*f).id;
                if self.filter_deleted[f.index()] {
                    return refuse(
                        ErrorCode::InvalidTrafficMirrorFilterIdNotFound,
                        format!("{id} is already deleted"),
                        None,
                    );
                }
                // FLT-08
                match self.user(|s| topo.session(s).filter == *f) {
                    Some(s) => refuse(
                        ErrorCode::TrafficMirrorFilterInUse,
                        format!("{id} is used by {} at {at}", topo.session(s).id),
                        Some("delete the sessions that use it first"),
                    ),
                    None => Ok(()),
                }
            }
            Action::DeleteTarget(t) => {
                let target = topo.target(*t);
                if self.target_deleted[t.index()] {
                    return refuse(
                        ErrorCode::InvalidTrafficMirrorTargetIdNotFound,
                        format!("{} is already deleted", target.id),
                        None,
                    );
                }
                // TGT-03: refused while the owner's own sessions use it.
                // TGT-13: other accounts' sessions (of a shared target) do
                // not stop it; they become inactive.
                let owner = target.owner;
                match self.user(|s| topo.session(s).target == *t && topo.session(s).owner == owner)
                {
                    Some(s) => refuse(
                        ErrorCode::TrafficMirrorTargetInUseException,
                        format!("{} is used by {} at {at}", target.id, topo.session(s).id),
                        Some("delete the sessions that use it first"),
                    ),
                    None => Ok(()),
                }
            }
            Action::ModifySession {
                session,
                target,
                filter,
                ..
            } => {
                let not_found = |what: &str, id: &str| format!("no {what} `{id}` is declared");
                if !self.exists[session.index()] {
                    return refuse(
                        ErrorCode::InvalidTrafficMirrorSessionIdNotFound,
                        not_found("live session", &topo.session(*session).id),
                        None,
                    );
                }
                if let Some(t) = target
                    && self.target_deleted[t.index()]
                {
                    return refuse(
                        ErrorCode::InvalidTrafficMirrorTargetIdNotFound,
                        not_found("live target", &topo.target(*t).id),
                        None,
                    );
                }
                // SES-14
                if let Some(t) = target {
                    let source = topo.session(*session).source;
                    let (here, there) = (&topo.vpc_of(source).region, topo.target_region(*t));
                    if here != there {
                        return refuse(
                            ErrorCode::InvalidTrafficMirrorTargetIdNotFound,
                            format!(
                                "{} is in {there}, and the session's source is in {here}",
                                topo.target(*t).id
                            ),
                            Some("a session and its target must be in one Region"),
                        );
                    }
                }
                if let Some(f) = filter
                    && self.filter_deleted[f.index()]
                {
                    return refuse(
                        ErrorCode::InvalidTrafficMirrorFilterIdNotFound,
                        not_found("live filter", &topo.filter(*f).id),
                        None,
                    );
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Applies `action` at `at`, opening a new epoch. The one function
    /// that changes the world; the caller checked it ([`World::check`]).
    pub fn apply(&mut self, action: &Action, at: Instant) -> Applied {
        let mut out = Applied::default();
        match action {
            Action::DeleteSession(s) => self.delete_session(*s, &mut out),
            Action::DeleteFilter(f) => self.filter_deleted[f.index()] = true,
            Action::DeleteTarget(t) => {
                self.target_deleted[t.index()] = true;
                // TGT-13: only other accounts' sessions can still use it:
                // they become inactive.
                for s in 0..self.topo.sessions.len() {
                    if self.topo.sessions[s].target == *t && self.exists[s] {
                        self.inactive[s] = true;
                    }
                }
            }
            Action::DeleteEni(eni) => {
                self.eni_deleted[eni.index()] = true;
                // SES-09: a source ENI's sessions are deleted, and its
                // traffic stops.
                for s in self.topo.sessions_of(*eni).to_vec() {
                    self.delete_session(s, &mut out);
                }
                out.traffic_stops_at = Some(*eni);
                // SES-10: a target's ENI is gone; behind a load balancer,
                // the appliance is gone.
                for t in 0..self.topo.targets.len() {
                    if self.topo.target_eni(TargetIdx(t as u32)) == Some(*eni) {
                        self.target_resource_deleted[t] = true;
                    }
                }
                // Behind a load balancer, the appliance is deregistered at
                // once (and down: LB-03 keeps a GWLB's flows on it).
                let nlbs = self.topo.network_load_balancers.iter().map(|n| &n.targets);
                let gwlbs = self.topo.gateway_load_balancers.iter().map(|g| &g.targets);
                let states = self.nlb.iter_mut().chain(self.gwlb.iter_mut());
                for (targets, state) in nlbs.chain(gwlbs).zip(states) {
                    for (registered, _) in state
                        .registered
                        .iter_mut()
                        .zip(targets)
                        .filter(|(_, e)| **e == *eni)
                    {
                        *registered = false;
                    }
                }
                out.redecide = Redecide::All;
            }
            Action::ModifySession {
                session,
                target,
                filter,
                packet_length,
                virtual_network_id,
            } => {
                let s = &mut self.topo.sessions[session.index()];
                if let Some(t) = target {
                    s.target = *t;
                }
                if let Some(f) = filter {
                    s.filter = *f;
                }
                if let Some(n) = packet_length {
                    s.packet_length = Some(*n);
                }
                if let Some(v) = virtual_network_id {
                    s.virtual_network_id = *v;
                }
                out.reconfigured.push(*session);
                out.redecide = Redecide::At(vec![s.source]);
            }
            Action::ReplaceRules {
                filter,
                ingress,
                egress,
            } => {
                // FLT-09: from this instant, for every session using it.
                let f = &mut self.topo.filters[filter.index()];
                f.ingress_filter_rules = ingress.clone();
                f.egress_filter_rules = egress.clone();
                let users: Vec<SessionIdx> = (0..self.topo.sessions.len())
                    .map(|s| SessionIdx(s as u32))
                    .filter(|&s| self.exists[s.index()] && self.topo.session(s).filter == *filter)
                    .collect();
                let mut enis: Vec<EniIdx> =
                    users.iter().map(|&s| self.topo.session(s).source).collect();
                enis.sort();
                enis.dedup();
                out.reconfigured = users;
                out.redecide = Redecide::At(enis);
            }
            // TGT-06 (corrected): the appliance's own state; the load
            // balancers notice later (a HealthVerdict), so no flow moves.
            Action::SetApplianceState { eni, state } => {
                self.appliance_state[eni.index()] = *state;
            }
            // LB-01: the health checks' verdict; flows are placed again.
            Action::HealthVerdict {
                lb,
                target,
                healthy,
            } => {
                self.lb_mut(*lb).healthy[*target] = *healthy;
                out.redecide = Redecide::All;
            }
            Action::CrossZone { lb, on } => {
                self.lb_mut(*lb).cross_zone = *on;
                out.redecide = Redecide::All;
            }
            Action::SetZones { lb, zones } => {
                self.lb_mut(*lb).zones = zones.clone();
                out.redecide = Redecide::All;
            }
            Action::DeleteListener(n) => {
                self.nlb[n.index()].listener = false;
                out.redecide = Redecide::All;
            }
            // TGT-08: mirroring keeps sending to a node out of DNS: the
            // change is recorded as an epoch and changes nothing else.
            Action::NodeOutOfDns { .. } => {}
            Action::SetFlowRate { flows, rate } => {
                out.flow_rate = Some((flows.clone(), *rate));
            }
        }
        self.epochs.push(Epoch {
            from: at,
            cause: action.describe(&self.topo),
        });
        out
    }

    fn delete_session(&mut self, s: SessionIdx, out: &mut Applied) {
        if !self.exists[s.index()] {
            return;
        }
        self.exists[s.index()] = false;
        out.deleted.push(s);
        let eni = self.topo.session(s).source;
        match &mut out.redecide {
            Redecide::At(enis) => {
                if !enis.contains(&eni) {
                    enis.push(eni);
                }
            }
            r @ Redecide::Nothing => *r = Redecide::At(vec![eni]),
            Redecide::All => {}
        }
    }

    /// Whether a filter is deleted (the loader refuses using it).
    pub fn filter_deleted(&self, f: FilterIdx) -> bool {
        self.filter_deleted[f.index()]
    }
}
