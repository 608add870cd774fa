//! A capture taken at an ENI, to replay it: its frames (read by
//! [`super::capture_file`]) classified by the ENI's MAC and addresses.

use std::net::IpAddr;

use etherparse::{LaxNetSlice, LaxSlicedPacket, TransportSlice};
use topology::{Direction, Eni, FlowKey, L3};

pub use super::capture_file::{CaptureFile, CapturedFrame};

/// What reading a capture found, and what it could not use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaptureStats {
    pub frames: u64,
    /// Frames replayed.
    pub replayed: u64,
    /// Frames that are neither IP nor ARP, or too damaged to read.
    pub unparsed: u64,
    /// Frames neither to nor from the ENI.
    pub not_at_eni: u64,
    /// Frames the capture's snap length cut (replayed at their full size).
    pub cut_by_snaplen: u64,
    /// Whether the file ended inside a record (what it held is replayed).
    pub truncated_end: bool,
    /// Frames whose timestamp is broken (before the first frame's, or an
    /// absurd jump): skipped.
    pub bad_timestamp: u64,
    /// Frames slightly earlier than the frame before: played at its time.
    pub reordered_in_time: u64,
}

/// A capture loaded for replay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capture {
    pub name: String,
    pub file: String,
    pub eni: topology::EniIdx,
    /// The frames' captured bytes, one after another.
    pub data: Vec<u8>,
    pub frames: Vec<CapturedFrame>,
    pub stats: CaptureStats,
}

impl Capture {
    /// The captured bytes of a frame.
    pub fn frame_bytes(&self, frame: u32) -> &[u8] {
        let f = &self.frames[frame as usize];
        &self.data[f.offset as usize..(f.offset + f.len) as usize]
    }
}

/// A frame's header summary, IP packet length and direction at `eni`;
/// `Err(true)` when it is not for the ENI, `Err(false)` when unreadable.
pub fn classify(frame: &[u8], eni: &Eni) -> Result<(FlowKey, u16, Direction), bool> {
    let p = LaxSlicedPacket::from_ethernet(frame).map_err(|_| false)?;
    let Some(link) = &p.link else {
        return Err(false);
    };
    let (src_mac, dst_mac) = match link {
        etherparse::LinkSlice::Ethernet2(e) => (e.source(), e.destination()),
        _ => return Err(false),
    };
    let (key, size) = match &p.net {
        Some(LaxNetSlice::Ipv4(ip)) => {
            let h = ip.header();
            let (sp, dp) = ports(&p.transport);
            let key = FlowKey {
                l3: L3::Ip,
                src: IpAddr::V4(h.source_addr()),
                dst: IpAddr::V4(h.destination_addr()),
                protocol: h.protocol().0,
                src_port: sp,
                dst_port: dp,
            };
            (key, h.total_len())
        }
        Some(LaxNetSlice::Ipv6(ip)) => {
            let h = ip.header();
            let (sp, dp) = ports(&p.transport);
            let key = FlowKey {
                l3: L3::Ip,
                src: IpAddr::V6(h.source_addr()),
                dst: IpAddr::V6(h.destination_addr()),
                protocol: ip.payload().ip_number.0,
                src_port: sp,
                dst_port: dp,
            };
            (key, h.payload_length().saturating_add(40))
        }
        Some(LaxNetSlice::Arp(arp)) => {
            let addr = |b: &[u8]| match b.len() {
                4 => Some(IpAddr::from([b[0], b[1], b[2], b[3]])),
                _ => None,
            };
            let (Some(src), Some(dst)) = (
                addr(arp.sender_protocol_addr()),
                addr(arp.target_protocol_addr()),
            ) else {
                return Err(false);
            };
            let key = FlowKey {
                l3: L3::Arp,
                src,
                dst,
                protocol: 0,
                src_port: 0,
                dst_port: 0,
            };
            (key, 28)
        }
        _ => return Err(false),
    };
    let mine = |ip: IpAddr| ip == eni.private_ip || eni.ipv6_address.map(IpAddr::V6) == Some(ip);
    let direction = if dst_mac == eni.mac.0 || mine(key.dst) {
        Direction::Ingress
    } else if src_mac == eni.mac.0 || mine(key.src) {
        Direction::Egress
    } else {
        return Err(true);
    };
    Ok((key, size, direction))
}

fn ports(t: &Option<TransportSlice<'_>>) -> (u16, u16) {
    match t {
        Some(TransportSlice::Tcp(t)) => (t.source_port(), t.destination_port()),
        Some(TransportSlice::Udp(u)) => (u.source_port(), u.destination_port()),
        _ => (0, 0),
    }
}
