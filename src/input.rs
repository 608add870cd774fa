//! Reading what the user gives: scenario files (bounded in size), the
//! captures they name, and loading them with their problems shown.

use std::io::Read;
use std::path::Path;

use sim_core::scenario::Problem;
use sim_core::{CaptureFile, Loaded, MAX_CAPTURE_BYTES, Overrides, ScenarioError};

use crate::{EXIT_BAD_INPUT, diagnostics};

/// Scenario files larger than this are refused before reading them whole.
const MAX_SCENARIO_BYTES: u64 = 64 << 20;

pub(crate) fn read_scenario(path: &Path) -> Result<String, String> {
    let f =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    f.take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(format!(
            "{} is larger than {} MiB; a scenario file is expected",
            path.display(),
            MAX_SCENARIO_BYTES >> 20
        ));
    }
    text_of(bytes).map_err(|(line, column, why)| {
        format!(
            "{}:{line}:{column}: error[InvalidScenarioFile]: {why}",
            path.display()
        )
    })
}

/// A scenario's bytes as text, or where and why they are not: a scenario is
/// UTF-8 text without a byte-order mark or NUL bytes (a binary file given
/// by mistake).
fn text_of(bytes: Vec<u8>) -> Result<String, (usize, usize, String)> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err((
            1,
            1,
            "the file starts with a byte-order mark (U+FEFF); save it as UTF-8 without one"
                .to_string(),
        ));
    }
    let (valid, bad) = match std::str::from_utf8(&bytes) {
        Ok(_) => (bytes.len(), None),
        Err(e) => (e.valid_up_to(), Some(bytes[e.valid_up_to()])),
    };
    let nul = bytes[..valid].iter().position(|&b| b == 0);
    let at = |offset: usize| {
        // Only the valid prefix is read, so this is text.
        let before = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    };
    if let Some(i) = nul {
        let (l, c) = at(i);
        return Err((
            l,
            c,
            "a NUL byte: this is a binary file, not a scenario (RON text)".to_string(),
        ));
    }
    if let Some(b) = bad {
        let (l, c) = at(valid);
        return Err((
            l,
            c,
            format!("byte 0x{b:02X} is not UTF-8: a scenario is UTF-8 text"),
        ));
    }
    String::from_utf8(bytes).map_err(|_| (1, 1, "not UTF-8 text".to_string()))
}

/// Opens a capture to replay, streamed: a regular file (a pipe or a device
/// would never end, or never start), whose size is checked before reading.
pub(crate) fn open_capture(path: &Path) -> Result<CaptureFile, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err(format!(
            "it is {}, not a regular file: replay reads a capture saved to disk",
            file_kind(&meta.file_type())
        ));
    }
    if meta.len() > MAX_CAPTURE_BYTES {
        return Err(format!(
            "it is {} MiB, larger than the {} MiB replay keeps in memory; cut it with \
             `editcap -c` or `tcpdump -r ... -w ... -C`",
            meta.len() >> 20,
            MAX_CAPTURE_BYTES >> 20
        ));
    }
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    // Read no more than the size checked, should the file grow meanwhile.
    let reader = std::io::BufReader::new(f.take(meta.len()));
    Ok(CaptureFile::new(Box::new(reader), meta.len()))
}

/// What a path that is not a regular file is, in words.
fn file_kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

/// Loads a scenario, printing its warnings when `warn`, or prints its
/// problems.
pub(crate) fn load(path: &Path, overrides: &Overrides, warn: bool) -> Result<Loaded, u8> {
    read_and_load(path, overrides, warn).map_err(|(code, _)| code)
}

/// As [`load`] with its warnings printed, giving back the problems of a
/// refused scenario too (for `sim check --format json`; none when the file
/// could not be read).
pub(crate) fn load_keeping_problems(
    path: &Path,
    overrides: &Overrides,
) -> Result<Loaded, (u8, Vec<Problem>)> {
    read_and_load(path, overrides, true)
}

fn read_and_load(
    path: &Path,
    overrides: &Overrides,
    warn: bool,
) -> Result<Loaded, (u8, Vec<Problem>)> {
    let text = read_scenario(path).map_err(|e| {
        if e.contains(": error[") {
            eprintln!("{e}");
        } else {
            eprintln!("error: {e}");
        }
        (EXIT_BAD_INPUT, Vec::new())
    })?;
    load_text_keeping_problems(path, &text, overrides, warn)
}

/// Loads a scenario's text (as read, or as a sweep changed it); prints
/// its problems, and its warnings when `warn`.
pub(crate) fn load_text(
    path: &Path,
    text: &str,
    overrides: &Overrides,
    warn: bool,
) -> Result<Loaded, u8> {
    load_text_keeping_problems(path, text, overrides, warn).map_err(|(code, _)| code)
}

fn load_text_keeping_problems(
    path: &Path,
    text: &str,
    overrides: &Overrides,
    warn: bool,
) -> Result<Loaded, (u8, Vec<Problem>)> {
    let name = path.display().to_string();
    // Files a scenario names (captures to replay) are relative to it.
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let read = |file: &str| open_capture(&base.join(file));
    match sim_core::load_with(&name, text, overrides, &read) {
        Ok(loaded) => {
            if diagnostics::style().deny_warnings && !loaded.warnings.is_empty() {
                eprint!("{}", diagnostics::render(&name, text, &loaded.warnings));
                let n = loaded.warnings.len();
                eprintln!(
                    "{name}: {n} warning{} denied (--deny-warnings); nothing was run",
                    if n == 1 { "" } else { "s" }
                );
                return Err((EXIT_BAD_INPUT, loaded.warnings));
            }
            if warn {
                eprint!(
                    "{}",
                    diagnostics::render_warnings(&name, text, &loaded.warnings)
                );
            }
            Ok(loaded)
        }
        Err(ScenarioError {
            file,
            text,
            problems,
        }) => {
            eprint!("{}", diagnostics::render(&file, &text, &problems));
            let errors = problems
                .iter()
                .filter(|p| p.severity == topology::Severity::Error)
                .count();
            eprintln!(
                "{file}: {errors} error{} found; nothing was run",
                if errors == 1 { "" } else { "s" }
            );
            Err((EXIT_BAD_INPUT, problems))
        }
    }
}

/// A text file of at most `max` bytes, read whole: `what` names what it
/// should be ("a plan"), for the error of a larger one. No more than the
/// size checked is read, should the file grow meanwhile.
pub(crate) fn read_bounded(path: &Path, max: u64, what: &str) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > max {
        return Err(format!("{} bytes is more than {what}", meta.len()));
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(max).read_to_string(&mut text))
        .map_err(|e| e.to_string())?;
    Ok(text)
}
