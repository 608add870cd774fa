//! Classic pcap output (LINKTYPE_ETHERNET, nanosecond timestamps), over any
//! writer: the binary decides where the bytes go.

use std::io::Write;
use std::time::Duration;

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::{DataLink, Endianness, TsResolution};

/// Largest frame recorded whole.
pub const SNAPLEN: u32 = 65_535;

/// One appliance's capture.
pub struct PcapOut<W: Write> {
    writer: PcapWriter<W>,
    /// Wall-clock start of the run, in nanoseconds since the Unix epoch.
    epoch_ns: u64,
}

impl<W: Write> PcapOut<W> {
    pub fn new(w: W, epoch_ns: u64) -> std::io::Result<Self> {
        let header = PcapHeader {
            version_major: 2,
            version_minor: 4,
            ts_correction: 0,
            ts_accuracy: 0,
            snaplen: SNAPLEN,
            datalink: DataLink::ETHERNET,
            ts_resolution: TsResolution::NanoSecond,
            endianness: Endianness::Little,
        };
        let writer = PcapWriter::with_header(w, header).map_err(std::io::Error::other)?;
        Ok(PcapOut { writer, epoch_ns })
    }

    /// Records a frame that arrived at simulated time `at_ns`.
    pub fn record(&mut self, at_ns: u64, frame: &[u8]) -> std::io::Result<()> {
        let ts = Duration::from_nanos(self.epoch_ns.saturating_add(at_ns));
        let len = frame.len().min(SNAPLEN as usize);
        let packet = PcapPacket::new(ts, frame.len() as u32, &frame[..len]);
        self.writer
            .write_packet(&packet)
            .map(|_| ())
            .map_err(std::io::Error::other)
    }

    pub fn into_inner(self) -> W {
        self.writer.into_writer()
    }
}
