//! pcap files, one per appliance, written whole or not at all: each goes to
//! a temporary name while the run writes it, and is renamed into place
//! only when the run has finished and every file is flushed.

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
    files: BTreeMap<String, (PathBuf, PcapOut<BufWriter<File>>)>,
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

    /// Flushes every file and renames it into place, or removes them all.
    pub fn finish(self) -> Result<Vec<PathBuf>, String> {
        let mut done = Vec::new();
        let mut error = self.error;
        let mut staged = Vec::new();
        for (name, (tmp, out)) in self.files {
            let dest = self.dir.join(format!("{name}.pcap"));
            match out.into_inner().into_inner() {
                Ok(mut f) => {
                    if let Err(e) = f.flush() {
                        error.get_or_insert(format!("cannot write {}: {e}", dest.display()));
                    }
                }
                Err(e) => {
                    error.get_or_insert(format!("cannot write {}: {}", dest.display(), e.error()));
                }
            }
            staged.push((tmp, dest));
        }
        if let Some(e) = error {
            for (tmp, _) in &staged {
                let _ = std::fs::remove_file(tmp);
            }
            return Err(e);
        }
        for (tmp, dest) in staged {
            std::fs::rename(&tmp, &dest)
                .map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
            done.push(dest);
        }
        Ok(done)
    }
}

impl CaptureSink for PcapFiles {
    fn capture(&mut self, appliance: &str, at_ns: u64, frame: &[u8]) {
        if self.error.is_some() {
            return;
        }
        // One lookup per frame in the common case: the file is open.
        if let Some((tmp, out)) = self.files.get_mut(appliance) {
            if let Err(e) = out.record(at_ns, frame) {
                self.error = Some(format!("cannot write {}: {e}", tmp.display()));
            }
            return;
        }
        {
            let tmp = self
                .dir
                .join(format!(".{appliance}.pcap.tmp-{}", std::process::id()));
            let opened = File::create(&tmp).map_err(|e| e.to_string()).and_then(|f| {
                PcapOut::new(BufWriter::with_capacity(WRITE_BUFFER, f), self.epoch_ns)
                    .map_err(|e| e.to_string())
            });
            match opened {
                Ok(out) => {
                    self.files.insert(appliance.to_string(), (tmp, out));
                }
                Err(e) => {
                    self.error = Some(format!("cannot write {}: {e}", tmp.display()));
                    return;
                }
            }
        }
        if let Some((tmp, out)) = self.files.get_mut(appliance)
            && let Err(e) = out.record(at_ns, frame)
        {
            self.error = Some(format!("cannot write {}: {e}", tmp.display()));
        }
    }
}
