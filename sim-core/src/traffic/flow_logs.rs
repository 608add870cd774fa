//! VPC Flow Logs as traffic: each record of a flow log file, in the default
//! version-2 format or a custom one whose first line names the fields (as
//! delivered to S3), plain or gzip.
//!
//! Reading is bounded and never panics: a line that cannot be read is
//! skipped and counted (the first few by line number), `NODATA` and
//! `SKIPDATA` records are counted, and the decompressed text is limited.

use std::io::{BufRead, BufReader, Read};
use std::net::IpAddr;

use topology::Direction;

/// The default (version 2) format's fields, in order.
const DEFAULT_FIELDS: [&str; 14] = [
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
];

/// Fields a record needs; the others (`vpc-id`, `tcp-flags`, ...) are
/// read past. `flow-direction` is used when present.
const NEEDED: [&str; 11] = [
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
];

/// Decompressed text read at most: 1 GiB.
pub const MAX_FLOW_LOG_BYTES: u64 = 1 << 30;
/// Bad lines quoted by number; the rest are counted.
const QUOTED: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Accept,
    Reject,
}

/// One record: what crossed one ENI in one aggregation interval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Line in the file, from 1.
    pub line: u32,
    pub interface_id: String,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    pub protocol: u8,
    pub packets: u64,
    pub bytes: u64,
    /// Unix seconds, the interval's first packet and its end.
    pub start: u64,
    pub end: u64,
    pub action: Action,
    /// From `flow-direction` (custom formats of version 5), when given.
    pub direction: Option<Direction>,
}

/// A file read: its records and what could not be used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowLog {
    pub records: Vec<Record>,
    /// `NODATA`: no traffic in the interval.
    pub nodata: u64,
    /// `SKIPDATA`: records AWS could not capture in the interval.
    pub skipdata: u64,
    /// Lines that could not be read: how many, and the first few with why.
    pub bad: u64,
    pub bad_lines: Vec<(u32, String)>,
}

/// Reads a flow log: gzip is recognised by its magic number.
pub fn read(reader: Box<dyn Read>) -> Result<FlowLog, String> {
    let mut buffered = BufReader::new(reader);
    let gzip = buffered
        .fill_buf()
        .map_err(|e| format!("cannot read it: {e}"))?
        .starts_with(&[0x1f, 0x8b]);
    let text: Box<dyn BufRead> = if gzip {
        Box::new(BufReader::new(
            flate2::read::MultiGzDecoder::new(buffered).take(MAX_FLOW_LOG_BYTES),
        ))
    } else {
        Box::new(buffered.take(MAX_FLOW_LOG_BYTES))
    };
    parse(text)
}

/// The position of each needed field, from a header line or the default.
fn columns(names: &[&str]) -> Result<[usize; 11], String> {
    let mut at = [0usize; 11];
    for (k, need) in NEEDED.iter().enumerate() {
        at[k] = names
            .iter()
            .position(|n| n == need)
            .ok_or_else(|| format!("the header names no `{need}` field, which a record needs"))?;
    }
    Ok(at)
}

/// Parses the text of a flow log.
pub fn parse(text: impl BufRead) -> Result<FlowLog, String> {
    let mut log = FlowLog::default();
    let mut layout: Option<([usize; 11], Option<usize>, Option<usize>)> = None;
    let mut line_no = 0u32;
    for line in text.split(b'\n') {
        line_no = line_no.saturating_add(1);
        let line = line.map_err(|e| format!("cannot read it: {e}"))?;
        let line = String::from_utf8_lossy(&line);
        let fields: Vec<&str> = line.split_ascii_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        let (at, status, direction) = match layout {
            Some(l) => l,
            None => {
                // The first line names the fields when it is a header (S3
                // delivery writes one); otherwise the default format.
                let header = fields.contains(&"interface-id");
                let names: Vec<&str> = if header {
                    fields.clone()
                } else {
                    DEFAULT_FIELDS.to_vec()
                };
                let l = (
                    columns(&names)?,
                    names.iter().position(|n| *n == "log-status"),
                    names.iter().position(|n| *n == "flow-direction"),
                );
                layout = Some(l);
                if header {
                    continue;
                }
                l
            }
        };
        match status.and_then(|s| fields.get(s)) {
            Some(&"NODATA") => {
                log.nodata += 1;
                continue;
            }
            Some(&"SKIPDATA") => {
                log.skipdata += 1;
                continue;
            }
            _ => {}
        }
        match record(&fields, &at, direction, line_no) {
            Ok(r) => log.records.push(r),
            Err(why) => {
                log.bad += 1;
                if log.bad_lines.len() < QUOTED {
                    log.bad_lines.push((line_no, why));
                }
            }
        }
    }
    Ok(log)
}

fn record(
    fields: &[&str],
    at: &[usize; 11],
    direction: Option<usize>,
    line: u32,
) -> Result<Record, String> {
    let get = |k: usize| {
        fields
            .get(at[k])
            .copied()
            .ok_or_else(|| format!("{} fields, fewer than the format's", fields.len()))
    };
    fn num<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, String> {
        v.parse()
            .map_err(|_| format!("{name} `{v}` is not a number in range"))
    }
    let addr = |name: &str, v: &str| -> Result<IpAddr, String> {
        v.parse()
            .map_err(|_| format!("{name} `{v}` is not an IP address"))
    };
    let src = addr("srcaddr", get(1)?)?;
    let dst = addr("dstaddr", get(2)?)?;
    if src.is_ipv4() != dst.is_ipv4() {
        return Err(format!("{src} and {dst} are not of one IP family"));
    }
    let packets: u64 = num("packets", get(6)?)?;
    if packets == 0 {
        return Err("0 packets".into());
    }
    let start: u64 = num("start", get(8)?)?;
    let end: u64 = num("end", get(9)?)?;
    if end < start {
        return Err(format!("end {end} is before start {start}"));
    }
    let action = match get(10)? {
        "ACCEPT" => Action::Accept,
        "REJECT" => Action::Reject,
        other => return Err(format!("action `{other}` is not ACCEPT or REJECT")),
    };
    let direction = match direction.and_then(|d| fields.get(d)) {
        Some(&"ingress") => Some(Direction::Ingress),
        Some(&"egress") => Some(Direction::Egress),
        _ => None,
    };
    Ok(Record {
        line,
        interface_id: get(0)?.to_string(),
        src,
        dst,
        src_port: num("srcport", get(3)?)?,
        dst_port: num("dstport", get(4)?)?,
        protocol: num("protocol", get(5)?)?,
        packets,
        bytes: num("bytes", get(7)?)?,
        start,
        end,
        action,
        direction,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_format_a_header_nodata_and_bad_lines() {
        let text = "\
2 123456789012 eni-0a 203.0.113.12 10.0.1.10 49152 443 6 20 8000 1700000000 1700000060 ACCEPT OK
2 123456789012 eni-0a - - - - - - - 1700000000 1700000060 - NODATA
2 123456789012 eni-0a - - - - - - - 1700000000 1700000060 - SKIPDATA
2 123456789012 eni-0a 203.0.113.12 10.0.1.10 x 443 6 20 8000 1700000000 1700000060 ACCEPT OK
2 123456789012 eni-0a 203.0.113.12
";
        let log = parse(text.as_bytes()).unwrap();
        assert_eq!(log.records.len(), 1);
        let r = &log.records[0];
        assert_eq!(
            (r.line, r.packets, r.bytes, r.action),
            (1, 20, 8000, Action::Accept)
        );
        assert_eq!((log.nodata, log.skipdata, log.bad), (1, 1, 2));
        assert_eq!(log.bad_lines[0].0, 4);
        assert!(log.bad_lines[0].1.contains("srcport `x`"));
        // A custom format names its fields on its first line, in any order.
        let custom = "\
interface-id flow-direction action srcaddr dstaddr srcport dstport protocol packets bytes start end
eni-0b egress REJECT 10.0.1.10 198.51.100.7 40000 53 17 3 210 1700000000 1700000010
";
        let log = parse(custom.as_bytes()).unwrap();
        let r = &log.records[0];
        assert_eq!(
            (r.line, r.action, r.direction),
            (2, Action::Reject, Some(Direction::Egress))
        );
        // A header without a needed field is an error, not a panic.
        assert!(parse("interface-id srcaddr\n".as_bytes()).is_err());
    }

    #[test]
    fn gzip_is_read_like_plain_text() {
        use std::io::Write as _;
        let text = "2 1 eni-0a 10.0.0.1 10.0.0.2 1 2 17 5 500 10 20 ACCEPT OK\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        let bytes = gz.finish().unwrap();
        let log = read(Box::new(std::io::Cursor::new(bytes))).unwrap();
        assert_eq!(log, parse(text.as_bytes()).unwrap());
    }
}
