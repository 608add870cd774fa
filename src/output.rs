//! Output files, written whole or not at all: each goes into the command's
//! temporary directory ([`crate::staging`]) and is moved into place only
//! once all are written.

use std::fs;
use std::path::Path;

use crate::staging::Staging;

/// Writes every file into `dir`, or none.
pub fn write_all(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), String> {
    let staging = Staging::begin(dir)?;
    write_into(staging.dir(), files)?;
    staging.commit()
}

/// As [`write_all`], then removes what the previous command of this `kind`
/// wrote in `dir` and this one did not ([`Staging::commit_replacing`]).
pub fn write_all_replacing(
    dir: &Path,
    kind: &str,
    files: &[(&str, Vec<u8>)],
) -> Result<(), String> {
    let staging = Staging::begin(dir)?;
    write_into(staging.dir(), files)?;
    staging.commit_replacing(kind)
}

/// Writes one file at `path`, whole or not at all.
pub fn write_file(path: &Path, contents: Vec<u8>) -> Result<(), String> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let name = path
        .file_name()
        .ok_or_else(|| format!("{} is not a file name", path.display()))?
        .to_string_lossy()
        .into_owned();
    write_all(dir.unwrap_or(Path::new(".")), &[(name.as_str(), contents)])
}

/// Writes files (a name may hold a subdirectory: `charts/x.svg`) under
/// `root`, a staging directory.
pub fn write_into(root: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), String> {
    for (name, contents) in files {
        let dest = root.join(name);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        fs::write(&dest, contents).map_err(|e| format!("cannot write {name}: {e}"))?;
    }
    Ok(())
}

/// Writes the command's output to stdout. A reader that went away (`sim
/// run ... | head`) is not an error: the rest is simply not wanted. Any
/// other failure (`> /dev/full`) is, and the command exits non-zero.
pub(crate) fn emit(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write the output: {e}"))
        }
        _ => Ok(()),
    }
}
