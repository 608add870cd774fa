//! Output files, written whole or not at all: each goes to a temporary file
//! beside its destination and is renamed into place.

use std::fs;
use std::path::Path;

/// Writes every file or none: all go to temporary names first, and are
/// renamed into place only once all are written.
pub fn write_all(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut staged = Vec::new();
    for (name, contents) in files {
        // A name may hold a subdirectory (`charts/x.svg`).
        let dest = dir.join(name);
        let parent = dest.parent().unwrap_or(dir);
        if let Err(e) = fs::create_dir_all(parent) {
            for (t, _) in &staged {
                let _ = fs::remove_file(t);
            }
            return Err(format!("cannot create {}: {e}", parent.display()));
        }
        let base = dest
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = parent.join(format!(".{base}.tmp-{}", std::process::id()));
        if let Err(e) = fs::write(&tmp, contents) {
            for (t, _) in &staged {
                let _ = fs::remove_file(t);
            }
            let _ = fs::remove_file(&tmp);
            return Err(format!("cannot write {}: {e}", dir.join(name).display()));
        }
        staged.push((tmp, dest));
    }
    for (tmp, dest) in &staged {
        fs::rename(tmp, dest).map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
    }
    Ok(())
}

/// Writes the command's output to stdout. A reader that went away (`sim
/// run ... | head`) is not an error: the rest is simply not wanted.
pub(crate) fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write the output: {e}");
    }
}
