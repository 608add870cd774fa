//! Reading a capture file record by record: classic pcap or pcapng
//! (Ethernet), streamed from any reader, every length and timestamp
//! checked before it is trusted.
//!
//! Only the frames' captured bytes are kept (they are replayed into the
//! mirrored copies); headers and other blocks are read into one reused
//! buffer. A record or block longer than any frame can be is damage, and
//! an error; one longer than what is left of the file is a file cut short.

use std::io::Read;

use pcap_file::pcap::PcapParser;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::{Block, PcapNgParser};
use pcap_file::{DataLink, PcapError};

/// The largest capture replay reads: a capture is kept in memory while it
/// plays.
pub const MAX_CAPTURE_BYTES: u64 = 1 << 30;
/// The most bytes a classic pcap record may capture: the largest snap
/// length tcpdump and Wireshark use (262,144), or the file's own if larger.
const MAX_FRAME_BYTES: u32 = 262_144;
/// The largest pcapng block accepted. An Enhanced Packet Block of the
/// largest frame is 262,176 bytes plus options; no block a capture tool
/// writes comes near 16 MiB, so a longer one is damage.
const MAX_BLOCK_BYTES: u32 = 16 << 20;
/// A frame up to this much earlier than the one before it (captures taken
/// on several queues interleave so) plays at the earlier frame's time.
const MAX_REORDER_NS: u128 = 1_000_000_000;
/// A frame more than a day after the one before it, or more than a year
/// after the first, has a broken timestamp: replay skips it.
const MAX_GAP_NS: u128 = 86_400 * 1_000_000_000;
const MAX_SPAN_NS: u128 = 366 * 86_400 * 1_000_000_000;

/// A capture file opened for reading: a stream and its length, which the
/// opener checked (a regular file, at most [`MAX_CAPTURE_BYTES`]).
pub struct CaptureFile {
    reader: Box<dyn Read>,
    len: u64,
}

impl CaptureFile {
    /// `reader` yields at most `len` bytes.
    pub fn new(reader: Box<dyn Read>, len: u64) -> Self {
        Self { reader, len }
    }
}

impl CaptureFile {
    /// The reader and the length it yields at most (any file a scenario
    /// names is read through the same door: flow logs too).
    pub fn into_parts(self) -> (Box<dyn Read>, u64) {
        (self.reader, self.len)
    }
}

impl From<Vec<u8>> for CaptureFile {
    fn from(bytes: Vec<u8>) -> Self {
        let len = bytes.len() as u64;
        Self::new(Box::new(std::io::Cursor::new(bytes)), len)
    }
}

/// A frame of the capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapturedFrame {
    /// Time since the capture's first frame.
    pub at_ns: u64,
    /// Where its captured bytes are in [`Frames::data`], and how many.
    pub offset: u32,
    pub len: u32,
    /// Its length on the wire (more than `len` when the snap length cut it).
    pub orig_len: u32,
}

/// What reading a capture gave: its frames, their bytes, and what the
/// reader could not place in time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frames {
    pub frames: Vec<CapturedFrame>,
    /// The frames' captured bytes, one after another.
    pub data: Vec<u8>,
    /// Whether the file ended inside a record (what it held is kept).
    pub truncated_end: bool,
    /// Frames whose timestamp is before the first frame's (a wrapped
    /// counter), far before the frame before, or an absurd gap after it:
    /// skipped.
    pub bad_timestamp: u64,
    /// Frames slightly earlier than the frame before: played at its time.
    pub reordered_in_time: u64,
}

/// Reads the records of a classic pcap or a pcapng; an error for what is
/// neither, or is damaged.
pub fn read(file: CaptureFile) -> Result<Frames, String> {
    let mut stream = Stream {
        reader: file.reader,
        left: file.len,
    };
    let mut buf = Vec::new();
    if !stream.fill(&mut buf, 4)? {
        return Err("not a pcap file: it is shorter than a file header".into());
    }
    if buf[..4] == [0x0a, 0x0d, 0x0d, 0x0a] {
        read_pcapng(stream, buf)
    } else {
        read_pcap(stream, buf)
    }
}

/// The file's bytes not yet read, and how many there are.
struct Stream {
    reader: Box<dyn Read>,
    left: u64,
}

impl Stream {
    /// Appends `n` more bytes to `buf`; `false` when the file has fewer.
    fn fill(&mut self, buf: &mut Vec<u8>, n: usize) -> Result<bool, String> {
        if n as u64 > self.left {
            return Ok(false);
        }
        let start = buf.len();
        buf.resize(start + n, 0);
        match self.reader.read_exact(&mut buf[start..]) {
            Ok(()) => {
                self.left -= n as u64;
                Ok(true)
            }
            // The file shrank while it was read: it ends here.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                self.left = 0;
                buf.truncate(start);
                Ok(false)
            }
            Err(e) => Err(format!("cannot read: {e}")),
        }
    }
}

/// Places frames in time, checking each timestamp against the ones before.
#[derive(Default)]
struct Clock {
    first: Option<u128>,
    last: u128,
}

impl Clock {
    /// The frame's time since the first frame, or `None` when its
    /// timestamp is broken.
    fn place(&mut self, ts: u128, out: &mut Frames) -> Option<u64> {
        let first = *self.first.get_or_insert_with(|| {
            self.last = ts;
            ts
        });
        let placed = if ts < first || ts.saturating_add(MAX_REORDER_NS) < self.last {
            None
        } else if ts < self.last {
            out.reordered_in_time += 1;
            Some(self.last)
        } else if ts - self.last > MAX_GAP_NS || ts - first > MAX_SPAN_NS {
            None
        } else {
            self.last = ts;
            Some(ts)
        };
        match placed {
            // Within a year of `first`, so it fits in u64 nanoseconds.
            Some(t) => Some((t - first) as u64),
            None => {
                out.bad_timestamp += 1;
                None
            }
        }
    }
}

/// Keeps a frame's bytes, at its time.
fn keep(out: &mut Frames, at_ns: u64, data: &[u8], orig_len: u32) {
    // The kept bytes are fewer than the file's, itself under 4 GiB.
    let offset = out.data.len() as u32;
    out.data.extend_from_slice(data);
    out.frames.push(CapturedFrame {
        at_ns,
        offset,
        len: data.len() as u32,
        orig_len,
    });
}

fn read_pcap(mut stream: Stream, mut buf: Vec<u8>) -> Result<Frames, String> {
    if !stream.fill(&mut buf, 20)? {
        return Err("not a pcap file: it is shorter than a file header".into());
    }
    let (_, parser) = PcapParser::new(&buf).map_err(|e| format!("not a pcap file: {e}"))?;
    let header = parser.header();
    if header.datalink != DataLink::ETHERNET {
        return Err(format!(
            "link type {:?} is not supported: replay reads Ethernet captures",
            header.datalink
        ));
    }
    let big = matches!(header.endianness, pcap_file::Endianness::Big);
    let most = header.snaplen.max(MAX_FRAME_BYTES);
    let mut out = Frames::default();
    let mut clock = Clock::default();
    let mut record = 0u64;
    while stream.left > 0 {
        record += 1;
        buf.clear();
        if !stream.fill(&mut buf, 16)? {
            out.truncated_end = true;
            break;
        }
        let b = [buf[8], buf[9], buf[10], buf[11]];
        let incl = if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        };
        // More bytes than any frame can hold is damage, not a short file:
        // say so, and allocate nothing for it.
        if incl > most {
            return Err(format!(
                "record {record} is damaged: it claims {incl} captured bytes, over the snap length {}",
                header.snaplen
            ));
        }
        if !stream.fill(&mut buf, incl as usize)? {
            out.truncated_end = true;
            break;
        }
        let (_, packet) = parser
            .next_packet(&buf)
            .map_err(|e| format!("record {record} is damaged: {e}"))?;
        if let Some(at) = clock.place(packet.timestamp.as_nanos(), &mut out) {
            keep(&mut out, at, &packet.data, packet.orig_len);
        }
    }
    Ok(out)
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

const SECTION_HEADER: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// Reads one pcapng block into `buf` (which holds its first 4 bytes when
/// `started`); `Ok(false)` when the file ends inside it. `big` is the
/// section's byte order, which a Section Header Block sets.
fn next_block(
    stream: &mut Stream,
    buf: &mut Vec<u8>,
    big: &mut bool,
    number: u64,
) -> Result<bool, String> {
    if !stream.fill(buf, 8 - buf.len())? {
        return Ok(false);
    }
    if buf[..4] == SECTION_HEADER {
        // The byte-order magic follows the length, and says how to read it.
        if !stream.fill(buf, 4)? {
            return Ok(false);
        }
        *big = match buf[8..12] {
            [0x1a, 0x2b, 0x3c, 0x4d] => true,
            [0x4d, 0x3c, 0x2b, 0x1a] => false,
            _ => {
                return Err(format!(
                    "block {number} is damaged: its byte-order magic is wrong"
                ));
            }
        };
    }
    let b = [buf[4], buf[5], buf[6], buf[7]];
    let len = if *big {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    };
    if !(12..=MAX_BLOCK_BYTES).contains(&len) || len % 4 != 0 || (len as usize) < buf.len() {
        return Err(format!(
            "block {number} is damaged: it claims {len} bytes (a block has 12 to {MAX_BLOCK_BYTES}, \
             a multiple of 4)"
        ));
    }
    stream.fill(buf, len as usize - buf.len())
}

/// Reads the Enhanced Packet Blocks of a pcapng (every section, Ethernet
/// interfaces only); blocks with no timestamp (Simple Packet Blocks) cannot
/// be placed in time and are refused with the file.
fn read_pcapng(mut stream: Stream, mut buf: Vec<u8>) -> Result<Frames, String> {
    let mut big = false;
    if !next_block(&mut stream, &mut buf, &mut big, 1)
        .map_err(|e| format!("not a pcapng file: {e}"))?
    {
        return Err("not a pcapng file: its section header is cut short".into());
    }
    let (_, mut parser) = PcapNgParser::new(&buf).map_err(|e| format!("not a pcapng file: {e}"))?;
    let mut out = Frames::default();
    let mut clock = Clock::default();
    let mut number = 1u64;
    while stream.left > 0 {
        number += 1;
        buf.clear();
        if !next_block(&mut stream, &mut buf, &mut big, number)? {
            out.truncated_end = true;
            break;
        }
        let block = match parser.next_block(&buf) {
            Ok((_, b)) => b,
            Err(PcapError::IncompleteBuffer) => {
                return Err(format!(
                    "block {number} is damaged: its contents overrun its length"
                ));
            }
            Err(e) => return Err(format!("block {number} is damaged: {e}")),
        };
        match block {
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
                            "block {number} names interface {}, which is not described",
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
                if let Some(at) = clock.place(ts, &mut out) {
                    keep(&mut out, at, &epb.data, epb.original_len);
                }
            }
            Block::SimplePacket(_) | Block::Packet(_) => {
                return Err(format!(
                    "block {number} is a Simple or obsolete Packet Block, which has no timestamp: \
                     save the capture with Enhanced Packet Blocks (tcpdump and Wireshark do)"
                ));
            }
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames_at(times: &[u128]) -> Frames {
        let mut out = Frames::default();
        let mut clock = Clock::default();
        for &t in times {
            if let Some(at) = clock.place(t, &mut out) {
                keep(&mut out, at, &[0], 1);
            }
        }
        out
    }

    #[test]
    fn timestamps_that_wrap_or_jump_are_skipped_and_counted() {
        const S: u128 = 1_000_000_000;
        // 100 s, 101 s, then a wrap to 3 s: before the first frame.
        let f = frames_at(&[100 * S, 101 * S, 3 * S, 102 * S]);
        let at: Vec<u64> = f.frames.iter().map(|f| f.at_ns).collect();
        assert_eq!(at, [0, 1_000_000_000, 2_000_000_000]);
        assert_eq!((f.bad_timestamp, f.reordered_in_time), (1, 0));
        // Half a second back plays at the frame before's time; two days on
        // is a broken timestamp.
        let f = frames_at(&[10 * S, 11 * S, 11 * S - S / 2, 11 * S + 2 * 86_400 * S]);
        let at: Vec<u64> = f.frames.iter().map(|f| f.at_ns).collect();
        assert_eq!(at, [0, 1_000_000_000, 1_000_000_000]);
        assert_eq!((f.bad_timestamp, f.reordered_in_time), (1, 1));
    }
}
