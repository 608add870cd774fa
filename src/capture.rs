//! pcap files, one per appliance, written into the run's staging directory
//! ([`crate::staging`]), which moves them into place only when the run has
//! finished and every file is flushed.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use sim_core::CaptureSink;
use sim_core::wire::pcap::PcapOut;

/// Bytes buffered per file before a write: large writes keep the system
/// calls few (a copy is up to 9 kB; the default 8 kB buffer wrote every
/// frame or two).
const WRITE_BUFFER: usize = 1 << 20;

/// The pcaps of one run.
pub struct PcapFiles {
    dir: PathBuf,
    epoch_ns: u64,
    files: BTreeMap<String, PcapOut<BufWriter<File>>>,
    /// The first error; the run goes on, and finish() reports it.
    error: Option<String>,
}

impl PcapFiles {
    pub fn new(dir: &Path, epoch_ns: u64) -> Result<Self, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(PcapFiles {
            dir: dir.to_path_buf(),
            epoch_ns,
            files: BTreeMap::new(),
            error: None,
        })
    }

    fn path(&self, appliance: &str) -> PathBuf {
        self.dir.join(format!("{appliance}.pcap"))
    }

    /// Flushes every file; the first error of the run or of the flush.
    pub fn finish(self) -> Result<(), String> {
        if let Some(e) = self.error {
            return Err(e);
        }
        for (name, out) in self.files {
            let flushed = match out.into_inner().into_inner() {
                Ok(mut f) => f.flush().map_err(|e| e.to_string()),
                Err(e) => Err(e.error().to_string()),
            };
            flushed.map_err(|e| format!("cannot write {name}.pcap: {e}"))?;
        }
        Ok(())
    }
}

impl CaptureSink for PcapFiles {
    fn capture(&mut self, appliance: &str, at_ns: u64, frame: &[u8]) {
        if self.error.is_some() {
            return;
        }
        // One lookup per frame in the common case: the file is open.
        if let Some(out) = self.files.get_mut(appliance) {
            if let Err(e) = out.record(at_ns, frame) {
                self.error = Some(format!("cannot write {appliance}.pcap: {e}"));
            }
            return;
        }
        let opened = File::create(self.path(appliance))
            .map_err(|e| e.to_string())
            .and_then(|f| {
                let mut out =
                    PcapOut::new(BufWriter::with_capacity(WRITE_BUFFER, f), self.epoch_ns)
                        .map_err(|e| e.to_string())?;
                out.record(at_ns, frame).map_err(|e| e.to_string())?;
                Ok(out)
            });
        match opened {
            Ok(out) => {
                self.files.insert(appliance.to_string(), out);
            }
            Err(e) => self.error = Some(format!("cannot write {appliance}.pcap: {e}")),
        }
    }
}
