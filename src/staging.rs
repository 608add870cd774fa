//! No debris: everything a command writes goes first into one temporary
//! directory under its output directory (`.sim-tmp-PID`), and is moved into
//! place only when all of it is written. On any failure the temporary
//! directory goes, and so does an output directory the command created; on
//! SIGINT or SIGTERM a handler removes both and exits 130 or 143. A
//! directory left by a process killed with SIGKILL is removed by the next
//! command that writes there.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const PREFIX: &str = ".sim-tmp-";

/// Directories to remove if a signal ends the process, in order.
static ON_SIGNAL: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Installs the handler that removes the registered directories on SIGINT
/// and SIGTERM, then exits with 128 + the signal's number.
pub fn install_signal_handler() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            if let Ok(mut dirs) = ON_SIGNAL.lock() {
                for d in dirs.drain(..) {
                    let _ = fs::remove_dir_all(d);
                }
            }
            std::process::exit(128 + sig);
        }
    });
}

fn register(dir: &Path) {
    if let Ok(mut dirs) = ON_SIGNAL.lock() {
        dirs.push(dir.to_path_buf());
    }
}

fn unregister(dir: &Path) {
    if let Ok(mut dirs) = ON_SIGNAL.lock() {
        dirs.retain(|d| d != dir);
    }
}

/// The temporary directory of one command's output.
pub struct Staging {
    out: PathBuf,
    tmp: PathBuf,
    created_out: bool,
    committed: bool,
}

impl Staging {
    /// Creates `out` if needed, removes stale temporary directories of dead
    /// processes in it, and opens this process's own.
    pub fn begin(out: &Path) -> Result<Staging, String> {
        let created_out = !out.exists();
        fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
        if created_out {
            register(out);
        }
        remove_stale(out);
        let tmp = out.join(format!("{PREFIX}{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        let staging = Staging {
            out: out.to_path_buf(),
            tmp: tmp.clone(),
            created_out,
            committed: false,
        };
        register(&tmp);
        fs::create_dir(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        Ok(staging)
    }

    /// Where to write.
    pub fn dir(&self) -> &Path {
        &self.tmp
    }

    /// Moves every file written into place (subdirectories kept), then
    /// removes the temporary directory.
    pub fn commit(self) -> Result<(), String> {
        self.commit_files().map(|_| ())
    }

    /// Commits, then removes what the previous command of this `kind`
    /// wrote there and this one did not (charts of a session since
    /// removed, pcaps of a run without --pcap), as listed in the output
    /// directory's `.sim-files-KIND`; files the user put there are never
    /// touched.
    pub fn commit_replacing(self, kind: &str) -> Result<(), String> {
        let out = self.out.clone();
        let manifest = out.join(format!(".sim-files-{kind}"));
        let before = fs::read_to_string(&manifest).unwrap_or_default();
        let written = self.commit_files()?;
        for old in before.lines() {
            let rel = Path::new(old);
            // Only plain relative paths a run writes (`charts/x.svg`).
            let plain = rel
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
            if !plain || written.iter().any(|w| w == old) {
                continue;
            }
            let path = out.join(rel);
            if fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                let _ = fs::remove_file(&path);
                // Its directory, once empty (`charts/`, `pcap/`).
                if let Some(parent) = path.parent().filter(|p| *p != out) {
                    let _ = fs::remove_dir(parent);
                }
            }
        }
        let list: String = written.iter().map(|w| format!("{w}\n")).collect();
        fs::write(&manifest, list).map_err(|e| format!("cannot write {}: {e}", manifest.display()))
    }

    /// Moves the files into place; their paths relative to the output
    /// directory, sorted.
    fn commit_files(mut self) -> Result<Vec<String>, String> {
        let mut files = Vec::new();
        list_files(&self.tmp, &mut files)
            .map_err(|e| format!("cannot read {}: {e}", self.tmp.display()))?;
        files.sort();
        let mut written = Vec::new();
        for f in files {
            let rel = f.strip_prefix(&self.tmp).unwrap_or(&f);
            written.push(rel.to_string_lossy().replace('\\', "/"));
            let dest = self.out.join(rel);
            if let Some(parent) = dest.parent() {
                fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            fs::rename(&f, &dest).map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
        }
        self.committed = true;
        let _ = fs::remove_dir_all(&self.tmp);
        unregister(&self.tmp);
        unregister(&self.out);
        Ok(written)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        let _ = fs::remove_dir_all(&self.tmp);
        unregister(&self.tmp);
        if self.created_out {
            let _ = fs::remove_dir_all(&self.out);
            unregister(&self.out);
        }
    }
}

/// Removes `.sim-tmp-PID` directories whose process is gone.
fn remove_stale(out: &Path) {
    let Ok(entries) = fs::read_dir(out) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let alive = pid != std::process::id() && Path::new(&format!("/proc/{pid}")).exists();
        if !alive {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

fn list_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in fs::read_dir(dir)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            list_files(&e.path(), out)?;
        } else {
            out.push(e.path());
        }
    }
    Ok(())
}
