//! Load balancers as mirror targets: which appliance gets an outer flow's
//! copies, given the health of the fleet and the zones, and a Gateway Load
//! Balancer endpoint's capacity.
//!
//! The state they read changes with the timeline (health, zones,
//! listeners): it lives in the [`World`](crate::world::World).

use topology::{EniIdx, Topology};

use crate::budget::Bucket;
use crate::outcome::DropReason;
use crate::settings::Scaling;
use crate::world::LbState;

/// A well-mixed 64-bit hash of two numbers (SplitMix64's finaliser): the
/// flow-hash placement of an outer flow on a target, by highest score
/// (rendezvous hashing, so a target's failure moves only its flows).
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A load balancer's choice for one outer flow: the appliance, or why
/// there is none.
///
/// - The scope is the registered appliances in enabled zones, and in the
///   node's own zone unless cross-zone is on (TGT-06, TGT-07).
/// - A flow already placed stays where it is while its appliance is
///   healthy and in scope (`prior`); otherwise it is placed by its hash
///   among the healthy appliances of the scope (rendezvous hashing, so a
///   failure moves only the failed appliance's flows).
/// - LB-02: when no appliance of the scope is healthy, the load balancer
///   fails open: it places the flow among all of them.
pub fn choose(
    topo: &Topology,
    node_zone: &str,
    targets: &[EniIdx],
    state: &LbState,
    flow_hash: u64,
    prior: Option<EniIdx>,
) -> Result<Choice, DropReason> {
    if !state.zones.iter().any(|z| z == node_zone) {
        return Err(DropReason::LbNodeRemoved);
    }
    let pick = |healthy_only: bool| {
        scope(topo, node_zone, targets, state)
            .filter(|&(_, ok)| ok || !healthy_only)
            .map(|(e, _)| e)
            .max_by_key(|&e| (mix(flow_hash, u64::from(e.0)), e.0))
    };
    if let Some(p) = prior
        && scope(topo, node_zone, targets, state).any(|(e, ok)| e == p && ok)
    {
        return Ok(Choice {
            appliance: p,
            fail_open: false,
        });
    }
    if let Some(e) = pick(true) {
        return Ok(Choice {
            appliance: e,
            fail_open: false,
        });
    }
    pick(false)
        .map(|e| Choice {
            appliance: e,
            fail_open: true,
        })
        .ok_or(DropReason::NoHealthyTarget)
}

/// The appliance a load balancer chose for a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Choice {
    pub appliance: EniIdx,
    /// LB-02: no appliance of the scope was healthy.
    pub fail_open: bool,
}

/// The appliances a node in `node_zone` may send to, with their health as
/// the load balancer judges it: registered, in an enabled zone, and in the
/// node's own zone unless cross-zone is on (TGT-06, 07).
pub fn scope<'a>(
    topo: &'a Topology,
    node_zone: &'a str,
    targets: &'a [EniIdx],
    state: &'a LbState,
) -> impl Iterator<Item = (EniIdx, bool)> + 'a {
    let zone_of = |e: EniIdx| topo.subnet(topo.eni(e).subnet).availability_zone.as_str();
    targets
        .iter()
        .zip(state.healthy.iter().zip(&state.registered))
        .filter(move |&(&e, (_, &registered))| {
            let zone = zone_of(e);
            registered
                && state.zones.iter().any(|z| z == zone)
                && (state.cross_zone || zone == node_zone)
        })
        .map(|(&e, (&ok, _))| (e, ok))
}

/// An endpoint's capacity as it scales.
#[derive(Clone, Debug)]
pub struct Capacity {
    scaling: Scaling,
    bucket: Bucket,
    window_start: u64,
    window_bits: u64,
}

impl Capacity {
    pub fn new(scaling: Scaling) -> Capacity {
        Capacity {
            scaling,
            bucket: Bucket::with_window(scaling.start_bps, 9001 * 8),
            window_start: 0,
            window_bits: 0,
        }
    }

    /// Sampled runs: the window ending at `at` is followed by `span`
    /// skipped. The endpoint's bucket meets the next window as it was;
    /// its scaling (TGT-11) goes on in real time, each scaling window
    /// skipped judged by the demand per nanosecond the sampled part of
    /// the current one showed.
    /// TGT-11: whether `bits` of demand in one scaling window are more
    /// than the threshold's share of what the capacity allowed.
    fn over_threshold(&self, bits: u128) -> bool {
        let s = self.scaling;
        let allowed = u128::from(self.bucket.rate()) * u128::from(s.window_ns) / 1_000_000_000;
        bits * 100 > allowed * u128::from(s.threshold_percent)
    }

    /// TGT-11: a bigger endpoint; its burst allowance grows with it.
    fn grow(&mut self) {
        let s = self.scaling;
        let next = (self.bucket.rate() + s.step_bps).min(s.max_bps);
        self.bucket = Bucket::with_window(next, 9001 * 8);
    }

    /// Sampled runs: when, in the `span` skipped after `at`, the endpoint
    /// first grows at the demand the current scaling window showed (a
    /// scaling window's end), if it does.
    pub fn grows_at(&self, at: u64, span: u64) -> Option<u64> {
        let s = self.scaling;
        let end = self.window_start + s.window_ns;
        if end > at + span || self.bucket.rate() >= s.max_bps {
            return None;
        }
        let seen_ns = at.saturating_sub(self.window_start).max(1);
        let bits = u128::from(self.window_bits) * u128::from(s.window_ns) / u128::from(seen_ns);
        self.over_threshold(bits).then_some(end)
    }

    /// Sampled runs: the capacity now, to tell whether a window saw it
    /// change.
    pub fn rate(&self) -> u64 {
        self.bucket.rate()
    }

    pub fn skip(&mut self, at: u64, span: u64) {
        let s = self.scaling;
        self.bucket.freeze(at, span);
        let (seen_bits, seen_ns) = (
            self.window_bits,
            at.saturating_sub(self.window_start).max(1),
        );
        let demand =
            |ns: u64| (u128::from(seen_bits) * u128::from(ns) / u128::from(seen_ns)) as u64;
        let resume = at + span;
        let (mut bits, mut cursor) = (self.window_bits, at);
        while self.window_start + s.window_ns <= resume {
            let end = self.window_start + s.window_ns;
            bits += demand(end - cursor);
            let grows = self.bucket.rate() < s.max_bps && self.over_threshold(u128::from(bits));
            if grows {
                self.grow();
            }
            self.window_start = end;
            cursor = end;
            bits = 0;
            if !grows {
                // At this demand nothing changes any more: the windows
                // left are alike.
                self.window_start += (resume - end) / s.window_ns * s.window_ns;
                cursor = self.window_start;
                break;
            }
        }
        self.window_bits = bits + demand(resume - cursor);
    }

    /// Whether a copy of `bytes` fits at `now`.
    #[inline]
    pub fn admit(&mut self, now: u64, bytes: u64) -> bool {
        let s = self.scaling;
        while now >= self.window_start + s.window_ns {
            if self.over_threshold(u128::from(self.window_bits)) {
                self.grow();
            }
            self.window_start += s.window_ns;
            self.window_bits = 0;
        }
        let bits = bytes * 8;
        self.window_bits += bits;
        if self.bucket.has(now, bits, 0) {
            self.bucket.take(bits);
            true
        } else {
            false
        }
    }
}
