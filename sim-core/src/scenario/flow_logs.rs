//! `FlowLogs(file: ...)` traffic: each record of a VPC flow log becomes a
//! one-way flow at the ENI that logged it.
//!
//! - Direction: the record's `flow-direction` when the format has it, else
//!   from the ENI's address (destination: inbound; source: outbound).
//! - Rate and size: the record's packets over [start, end) (a record of
//!   one second when they are equal), at its mean size, bytes / packets;
//!   constant arrivals. Time 0 is the earliest record's start.
//! - `ACCEPT`: the ENI's security group and network ACL admitted it, maybe
//!   as the reply to a connection the ENI opened (security groups are
//!   stateful), so it is not judged again (SRC-05).
//! - `REJECT` inbound: dropped by the ENI's security group or ACL, so never
//!   mirrored (SRC-05; counted as `dropped_by_source_sg`, as a flow log
//!   does not say which). `REJECT` outbound: the outbound security group
//!   dropped it after mirroring saw it (SRC-06): mirrored, never delivered.
//! - The flow is observed at the logging ENI only: the other end's own
//!   records stand for what it saw.
//! - Lines that cannot be read, NODATA and SKIPDATA records, and records of
//!   ENIs the scenario lacks or not at the ENI's address are counted in one
//!   warning (`FlowLogRecordsUnused`), the first by line number.

use std::collections::BTreeMap;

use rand::RngExt;
use topology::{Diagnostic, Direction, ErrorCode, FlowKey, L3, Topology};

use super::FileReader;
use super::context::Problems;
use super::locate::Anchor;
use super::schema::{FlowLogsSpec, ScenarioFile};
use crate::rng;
use crate::traffic::flow_logs::{self, Action};
use crate::traffic::{Arrivals, FlowPlan, PacketSizes};
use crate::units::Rate;

/// The smallest and largest IP packet a mean size may stand for.
const SIZES: std::ops::RangeInclusive<u64> = 20..=9001;

/// Flows of one `FlowLogs` entry.
pub fn build(
    index: usize,
    name: &str,
    spec: &FlowLogsSpec,
    file: &ScenarioFile,
    topo: &Topology,
    read: &FileReader<'_>,
    p: &mut Problems,
) -> Vec<FlowPlan> {
    let anchor = Anchor::Item {
        list: "traffic",
        index,
    };
    let log = read(&spec.file)
        .map(|f| f.into_parts().0)
        .and_then(flow_logs::read);
    let log = match log {
        Ok(l) => l,
        Err(e) => {
            p.error(
                &anchor,
                ErrorCode::InvalidTraffic,
                name,
                "file",
                format!("{}: {e}", spec.file),
            );
            return Vec::new();
        }
    };
    let t0 = log.records.iter().map(|r| r.start).min().unwrap_or(0);
    let mut stream = rng::stream(file.seed, rng::Stream::Traffic(name));
    let mut flows = Vec::new();
    let mut absent: Vec<u32> = Vec::new();
    let mut elsewhere: Vec<u32> = Vec::new();
    let enis: BTreeMap<&str, topology::EniIdx> = (0..topo.enis.len())
        .map(|i| (topo.enis[i].id.as_str(), topology::EniIdx(i as u32)))
        .collect();
    for r in &log.records {
        let Some(&eni) = enis.get(r.interface_id.as_str()) else {
            absent.push(r.line);
            continue;
        };
        let ip = topo.eni(eni).private_ip;
        let direction = r.direction.or(if r.dst == ip {
            Some(Direction::Ingress)
        } else if r.src == ip {
            Some(Direction::Egress)
        } else {
            None
        });
        let Some(direction) = direction else {
            elsewhere.push(r.line);
            continue;
        };
        let ported = matches!(r.protocol, 6 | 17);
        let key = FlowKey {
            l3: L3::Ip,
            src: r.src,
            dst: r.dst,
            protocol: r.protocol,
            src_port: if ported { r.src_port } else { 0 },
            dst_port: if ported { r.dst_port } else { 0 },
        };
        let (from_eni, to_eni) = match direction {
            Direction::Ingress => (None, Some(eni)),
            Direction::Egress => (Some(eni), None),
        };
        let seconds = (r.end - r.start).max(1);
        let size = (r.bytes / r.packets).clamp(*SIZES.start(), *SIZES.end()) as u16;
        let start_ns = (r.start - t0).saturating_mul(1_000_000_000);
        flows.push(FlowPlan {
            name: format!("{name}/{}", r.line),
            key,
            from_eni,
            to_eni,
            // ACCEPT: admitted, not judged again; REJECT inbound: dropped
            // at the source (below, `rejected`).
            reply: r.action == Action::Accept,
            rejected_at_source: r.action == Action::Reject && direction == Direction::Ingress,
            rate: Rate::MilliPacketsPerSecond(r.packets.saturating_mul(1000) / seconds),
            sizes: PacketSizes::Fixed(size),
            arrivals: Arrivals::Constant,
            start_ns,
            end_ns: start_ns.saturating_add(seconds.saturating_mul(1_000_000_000)),
            stagger: (0, 1),
            rng_seed: stream.random(),
            replay: None,
        });
    }
    let lines = |v: &[u32]| {
        let shown: Vec<String> = v.iter().take(5).map(u32::to_string).collect();
        let more = v.len().saturating_sub(5);
        let mut s = shown.join(", ");
        if more > 0 {
            s.push_str(&format!(" and {more} more"));
        }
        s
    };
    let n = |count: usize, one: &str, many: &str| {
        format!("{count} {}", if count == 1 { one } else { many })
    };
    let mut unused = Vec::new();
    if log.bad > 0 {
        let quoted: Vec<String> = log
            .bad_lines
            .iter()
            .map(|(l, why)| format!("line {l}: {why}"))
            .collect();
        unused.push(format!(
            "{} cannot be read ({}{})",
            n(log.bad as usize, "line", "lines"),
            quoted.join("; "),
            if log.bad as usize > quoted.len() {
                "; ..."
            } else {
                ""
            }
        ));
    }
    if log.nodata + log.skipdata > 0 {
        unused.push(format!(
            "{} NODATA and {} SKIPDATA records",
            log.nodata, log.skipdata
        ));
    }
    if !absent.is_empty() {
        unused.push(format!(
            "{} of ENIs the scenario does not declare ({} {})",
            n(absent.len(), "record", "records"),
            if absent.len() == 1 { "line" } else { "lines" },
            lines(&absent)
        ));
    }
    if !elsewhere.is_empty() {
        unused.push(format!(
            "{} not to or from their ENI's address ({} {})",
            n(elsewhere.len(), "record", "records"),
            if elsewhere.len() == 1 {
                "line"
            } else {
                "lines"
            },
            lines(&elsewhere)
        ));
    }
    if !unused.is_empty() {
        p.push(
            anchor,
            Diagnostic::warning(
                ErrorCode::FlowLogRecordsUnused,
                name,
                "file",
                format!(
                    "{}: {} traffic; {}",
                    spec.file,
                    n(flows.len(), "record gives", "records give"),
                    unused.join("; ")
                ),
            ),
        );
    }
    flows
}
