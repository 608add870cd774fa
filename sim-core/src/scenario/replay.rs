//! A `Replay` traffic entry: a capture taken at an ENI, read and split
//! into flows that play its frames at their recorded times.

use std::collections::BTreeMap;

use rand::RngExt;
use topology::{Direction, ErrorCode, FlowKey, Topology};

use super::FileReader;
use super::context::Problems;
use super::locate::Anchor;
use super::schema::{ReplaySpec, ScenarioFile};
use crate::rng;
use crate::traffic::capture_file;
use crate::traffic::replay::{self, Capture, CaptureStats};
use crate::traffic::{Arrivals, FlowPlan, PacketSizes, ReplayedFlow, ReplayedPacket};
use crate::units::Rate;

#[allow(clippy::too_many_arguments)]
pub fn build(
    index: usize,
    name: &str,
    r: &ReplaySpec,
    file: &ScenarioFile,
    topo: &Topology,
    read: &FileReader<'_>,
    captures: &mut Vec<Capture>,
    p: &mut Problems,
) -> Vec<FlowPlan> {
    let anchor = Anchor::Item {
        list: "traffic",
        index,
    };
    let mut err = |field: &'static str, msg: String| {
        p.error(&anchor, ErrorCode::InvalidTraffic, name, field, msg);
    };
    let Some(eni_idx) = topo.eni_by_id(&r.eni) else {
        err("eni", format!("no ENI `{}` is declared", r.eni));
        return Vec::new();
    };
    let speed = u64::from(r.speed.unwrap_or(1));
    let loops = r.loops.unwrap_or(1);
    if speed == 0 || loops == 0 {
        err("speed", "speed and loops are at least 1".into());
        return Vec::new();
    }
    let file_in = match read(&r.file) {
        Ok(f) => f,
        Err(e) => {
            err("file", format!("cannot read {}: {e}", r.file));
            return Vec::new();
        }
    };
    let got = match capture_file::read(file_in) {
        Ok(f) => f,
        Err(e) => {
            err("file", format!("{}: {e}", r.file));
            return Vec::new();
        }
    };
    let (frames, data) = (got.frames, got.data);
    let eni = topo.eni(eni_idx);
    let mut stats = CaptureStats {
        // Frames skipped for their timestamp were in the file too.
        frames: frames.len() as u64 + got.bad_timestamp,
        truncated_end: got.truncated_end,
        bad_timestamp: got.bad_timestamp,
        reordered_in_time: got.reordered_in_time,
        ..CaptureStats::default()
    };
    // Group the frames into one-way flows, in order of first appearance.
    let mut order: Vec<(FlowKey, Direction)> = Vec::new();
    let mut packets: BTreeMap<usize, Vec<ReplayedPacket>> = BTreeMap::new();
    let mut first_seen: BTreeMap<(FlowKey, Direction), usize> = BTreeMap::new();
    let capture_index = captures.len() as u32;
    for (n, f) in frames.iter().enumerate() {
        let bytes = &data[f.offset as usize..(f.offset + f.len) as usize];
        match replay::classify(bytes, eni) {
            Ok((key, size, direction)) => {
                if f.len < f.orig_len {
                    stats.cut_by_snaplen += 1;
                }
                stats.replayed += 1;
                let id = *first_seen.entry((key, direction)).or_insert_with(|| {
                    order.push((key, direction));
                    order.len() - 1
                });
                packets.entry(id).or_default().push(ReplayedPacket {
                    at_ns: f.at_ns / speed,
                    size: size.max(1),
                    frame: n as u32,
                });
            }
            Err(true) => stats.not_at_eni += 1,
            Err(false) => stats.unparsed += 1,
        }
    }
    let span = frames.last().map_or(0, |f| f.at_ns / speed);
    // One play lasts the capture's span plus one mean gap, so the next play
    // starts after it.
    let period = span + span / (frames.len().max(1) as u64) + 1;
    let start = r.start.map_or(0, |s| s.as_nanos());
    let mut stream = rng::stream(file.seed, rng::Stream::Traffic(name));
    let mut flows = Vec::new();
    for (id, (key, direction)) in order.iter().enumerate() {
        let (from_eni, to_eni) = match direction {
            Direction::Ingress => (topo.eni_by_ip(key.src), Some(eni_idx)),
            Direction::Egress => (Some(eni_idx), topo.eni_by_ip(key.dst)),
        };
        // An inbound flow answers the ENI when it sent the reverse first.
        let reply = *direction == Direction::Ingress
            && first_seen
                .get(&(key.reversed(), Direction::Egress))
                .is_some_and(|&e| e < id);
        flows.push(FlowPlan {
            name: format!("{name}/{}", id + 1),
            key: *key,
            from_eni,
            to_eni,
            reply,
            rejected_at_source: false,
            rate: Rate::MilliPacketsPerSecond(1000),
            sizes: PacketSizes::Fixed(0),
            arrivals: Arrivals::Constant,
            start_ns: start,
            end_ns: file.duration.as_nanos(),
            stagger: (0, 1),
            rng_seed: stream.random(),
            replay: Some(ReplayedFlow {
                capture: capture_index,
                packets: packets.remove(&id).unwrap_or_default(),
                period_ns: period,
                loops,
            }),
        });
    }
    captures.push(Capture {
        name: name.to_string(),
        file: r.file.clone(),
        eni: eni_idx,
        data,
        frames,
        stats,
    });
    flows
}
