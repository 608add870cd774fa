//! Reading a capture taken at an ENI, to replay it: classic pcap or pcapng
//! (Ethernet), every frame classified by the ENI's MAC and addresses.
//!
//! Nothing here trusts the file's lengths for an allocation: records are
//! slices of the file's bytes, whose size the caller bounds.

use std::net::IpAddr;

use etherparse::{LaxNetSlice, LaxSlicedPacket, TransportSlice};
use pcap_file::pcap::PcapParser;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::{Block, PcapNgParser};
use pcap_file::{DataLink, PcapError};
use topology::{Direction, Eni, FlowKey, L3};

/// A frame of the capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapturedFrame {
    /// Time since the capture's first frame.
    pub at_ns: u64,
    /// Where its captured bytes are in the file, and how many.
    pub offset: u32,
    pub len: u32,
    /// Its length on the wire (more than `len` when the snap length cut it).
    pub orig_len: u32,
}

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
}

/// A capture loaded for replay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capture {
    pub name: String,
    pub file: String,
    pub eni: topology::EniIdx,
    pub bytes: Vec<u8>,
    pub frames: Vec<CapturedFrame>,
    pub stats: CaptureStats,
}

impl Capture {
    /// The captured bytes of a frame.
    pub fn frame_bytes(&self, frame: u32) -> &[u8] {
        let f = &self.frames[frame as usize];
        &self.bytes[f.offset as usize..(f.offset + f.len) as usize]
    }
}

/// Reads the records of a classic pcap or a pcapng; an error for what is
/// neither.
pub fn read(bytes: &[u8]) -> Result<(Vec<CapturedFrame>, bool), String> {
    if bytes.len() >= 4 && bytes[..4] == [0x0a, 0x0d, 0x0d, 0x0a] {
        return read_pcapng(bytes);
    }
    let (mut rest, parser) = PcapParser::new(bytes).map_err(|e| format!("not a pcap file: {e}"))?;
    let header = parser.header();
    if header.datalink != DataLink::ETHERNET {
        return Err(format!(
            "link type {:?} is not supported: replay reads Ethernet captures",
            header.datalink
        ));
    }
    let mut frames = Vec::new();
    let mut first: Option<u128> = None;
    let mut truncated = false;
    let big = matches!(header.endianness, pcap_file::Endianness::Big);
    while !rest.is_empty() {
        // A record claiming more bytes than any frame can hold is damage,
        // not a short file: say so (and allocate nothing for it).
        if rest.len() >= 12 {
            let b = [rest[8], rest[9], rest[10], rest[11]];
            let incl = if big {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            };
            if incl > header.snaplen.max(262_144) {
                return Err(format!(
                    "record {} is damaged: it claims {incl} captured bytes, over the snap length {}",
                    frames.len() + 1,
                    header.snaplen
                ));
            }
        }
        match parser.next_packet(rest) {
            Ok((next, packet)) => {
                let ts = packet.timestamp.as_nanos();
                let t0 = *first.get_or_insert(ts);
                let offset = offset_in(bytes, &packet.data)?;
                frames.push(CapturedFrame {
                    at_ns: u64::try_from(ts.saturating_sub(t0)).unwrap_or(u64::MAX),
                    offset: offset as u32,
                    len: packet.data.len() as u32,
                    orig_len: packet.orig_len,
                });
                rest = next;
            }
            Err(PcapError::IncompleteBuffer) => {
                truncated = true;
                break;
            }
            Err(e) => return Err(format!("record {} is damaged: {e}", frames.len() + 1)),
        }
    }
    Ok((frames, truncated))
}

/// Where `data`, a slice the parser borrowed from `file`, starts in it.
fn offset_in(file: &[u8], data: &[u8]) -> Result<usize, String> {
    (data.as_ptr() as usize)
        .checked_sub(file.as_ptr() as usize)
        .filter(|o| o + data.len() <= file.len() && *o <= u32::MAX as usize)
        .ok_or_else(|| "a record's data is not in the file (the reader copied it)".to_string())
}

/// Nanoseconds in `raw` units of an interface's timestamp resolution
/// (`if_tsresol`: 10^-r seconds, or 2^-r with the high bit set; 10^-6 by
/// default). pcap-file hands the raw count over as if it were nanoseconds.
fn pcapng_nanos(raw: u128, tsresol: u8) -> u128 {
    let r = u32::from(tsresol & 0x7f);
    if tsresol & 0x80 != 0 {
        raw.saturating_mul(1_000_000_000) >> r.min(127)
    } else if r <= 9 {
        raw.saturating_mul(10u128.pow(9 - r))
    } else {
        raw / 10u128.pow((r - 9).min(38))
    }
}

/// Reads the Enhanced Packet Blocks of a pcapng (every section, Ethernet
/// interfaces only); blocks with no timestamp (Simple Packet Blocks) cannot
/// be placed in time and are refused with the file.
fn read_pcapng(bytes: &[u8]) -> Result<(Vec<CapturedFrame>, bool), String> {
    let (mut rest, mut parser) =
        PcapNgParser::new(bytes).map_err(|e| format!("not a pcapng file: {e}"))?;
    let mut frames = Vec::new();
    let mut first: Option<u128> = None;
    let mut truncated = false;
    let mut block = 1usize;
    while !rest.is_empty() {
        block += 1;
        let (next, b) = match parser.next_block(rest) {
            Ok(x) => x,
            Err(PcapError::IncompleteBuffer) => {
                truncated = true;
                break;
            }
            Err(e) => return Err(format!("block {block} is damaged: {e}")),
        };
        match b {
            Block::InterfaceDescription(idb) if idb.linktype != DataLink::ETHERNET => {
                return Err(format!(
                    "link type {:?} is not supported: replay reads Ethernet captures",
                    idb.linktype
                ));
            }
            Block::EnhancedPacket(epb) => {
                let tsresol = parser
                    .packet_interface(&epb)
                    .ok_or_else(|| {
                        format!(
                            "block {block} names interface {}, which is not described",
                            epb.interface_id
                        )
                    })?
                    .options
                    .iter()
                    .find_map(|o| match o {
                        InterfaceDescriptionOption::IfTsResol(r) => Some(*r),
                        _ => None,
                    })
                    .unwrap_or(6);
                let ts = pcapng_nanos(epb.timestamp.as_nanos(), tsresol);
                let t0 = *first.get_or_insert(ts);
                let data: &[u8] = &epb.data;
                let offset = offset_in(bytes, data)?;
                frames.push(CapturedFrame {
                    at_ns: u64::try_from(ts.saturating_sub(t0)).unwrap_or(u64::MAX),
                    offset: offset as u32,
                    len: data.len() as u32,
                    orig_len: epb.original_len,
                });
            }
            Block::SimplePacket(_) | Block::Packet(_) => {
                return Err(format!(
                    "block {block} is a Simple or obsolete Packet Block, which has no timestamp: \
                     save the capture with Enhanced Packet Blocks (tcpdump and Wireshark do)"
                ));
            }
            _ => {}
        }
        rest = next;
    }
    Ok((frames, truncated))
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
