//! How much work a run is, worked out before it starts, and the limits past
//! which the command line refuses it (`--max-packets`, `--allow-large`).
//!
//! A typo (`duration: "1000000h"`) must not start a run that never ends or
//! allocate by a number the user did not mean. Metric series hold one value
//! per period, allocated up front, so their length is a hard limit; the
//! packet count is a soft one, raised on request.

use crate::Scenario;
use crate::traffic::FlowPlan;
use crate::units::Rate;

/// Packets offered at sources above which `sim run` asks for
/// `--max-packets` or `--allow-large`: about ten minutes of wall time at
/// the engine's speed.
pub const DEFAULT_MAX_PACKETS: u64 = 5_000_000_000;

/// Metric periods a run may have (duration / metrics_period): every series
/// holds one value per period, allocated before the run.
pub const MAX_PERIODS: u64 = 1_000_000;

/// The work a run will do, estimated at the rates the file declares
/// (timeline rate changes are not counted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Estimate {
    /// Packets offered at sources.
    pub packets: u64,
    /// Metric periods of each series.
    pub periods: u64,
    /// Bytes of pcap files, were `--pcap` given: every packet of a
    /// mirrored ENI, once per session, framed (an upper bound: filters and
    /// budgets are not applied).
    pub pcap_bytes: u64,
}

/// Estimates the run of a scenario.
pub fn estimate(s: &Scenario) -> Estimate {
    let duration = s.duration.as_nanos();
    let topo = &s.topology;
    // Sessions per source ENI, counted once (not once per flow).
    let mut sessions_at = vec![0u64; topo.enis.len()];
    for x in &topo.sessions {
        sessions_at[x.source.index()] += 1;
    }
    let sessions_on = |eni: Option<topology::EniIdx>| eni.map_or(0, |e| sessions_at[e.index()]);
    let mut packets = 0u64;
    let mut pcap_bytes = 0u64;
    for f in &s.flows {
        let n = flow_packets(f, duration);
        packets = packets.saturating_add(n);
        let (lo, hi) = f.sizes.bounds();
        // A copy's frame: the packet, VXLAN's 50 bytes, a pcap record's 16.
        let frame = (u64::from(lo) + u64::from(hi)) / 2 + 66;
        let copies = sessions_on(f.from_eni).saturating_add(sessions_on(f.to_eni));
        pcap_bytes = pcap_bytes.saturating_add(n.saturating_mul(copies).saturating_mul(frame));
    }
    // A sampled run simulates its steady periods' windows only.
    if let Some(schedule) = crate::sampling::Schedule::of(s) {
        let simulated = schedule.simulated_ns();
        packets =
            (u128::from(packets) * u128::from(simulated) / u128::from(duration.max(1))) as u64;
        pcap_bytes =
            (u128::from(pcap_bytes) * u128::from(simulated) / u128::from(duration.max(1))) as u64;
    }
    Estimate {
        packets,
        periods: duration.div_ceil(s.settings.metrics_period_ns.max(1)),
        pcap_bytes,
    }
}

/// The packets a flow offers within the run.
fn flow_packets(f: &FlowPlan, duration: u64) -> u64 {
    let active = f.end_ns.min(duration).saturating_sub(f.start_ns);
    if let Some(r) = &f.replay {
        let per_play = r.packets.len() as u64;
        let plays = if r.period_ns == 0 {
            1
        } else {
            active.div_ceil(r.period_ns).min(u64::from(r.loops.max(1)))
        };
        return per_play.saturating_mul(plays);
    }
    // Thousandths of a packet per second.
    let milli_pps: u128 = match f.rate {
        Rate::MilliPacketsPerSecond(m) => u128::from(m),
        Rate::BitsPerSecond(b) => {
            let (lo, hi) = f.sizes.bounds();
            let mean_bits = (u128::from(lo) + u128::from(hi)) * 4;
            u128::from(b) * 1000 / mean_bits.max(8)
        }
    };
    let n = milli_pps * u128::from(active) / 1_000_000_000_000;
    n.min(u128::from(u64::MAX)) as u64
}

/// Why no run of this scenario can start, whatever the flags: its metric
/// series would be too long.
pub fn over_hard_limit(e: &Estimate) -> Option<String> {
    (e.periods > MAX_PERIODS).then(|| {
        format!(
            "the run has {} metric periods (duration / metrics_period); the limit is {}: \
             lengthen settings.metrics_period or shorten the duration",
            e.periods, MAX_PERIODS
        )
    })
}

/// Why a run is refused under the packet limit `max_packets`, or None.
pub fn over_packet_limit(e: &Estimate, max_packets: u64) -> Option<String> {
    (e.packets > max_packets).then(|| {
        format!(
            "the run would offer about {} packets, over the limit of {}: shorten the duration, \
             or raise the limit with --max-packets N (or --allow-large)",
            e.packets, max_packets
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_name_the_estimate() {
        let e = Estimate {
            packets: 6_000_000_000,
            periods: 2_000_000,
            pcap_bytes: 0,
        };
        assert!(
            over_hard_limit(&e)
                .unwrap()
                .contains("2000000 metric periods")
        );
        assert!(
            over_packet_limit(&e, DEFAULT_MAX_PACKETS)
                .unwrap()
                .contains("about 6000000000 packets")
        );
        assert_eq!(over_packet_limit(&e, u64::MAX), None);
    }
}
