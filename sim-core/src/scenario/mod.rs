//! The scenario file: parse RON, check it, and build the topology and the
//! flows a run needs.
//!
//! - [`schema`]: the file's types, field for field.
//! - [`build`] and `traffic`: resolution and the API's rules.
//! - [`locate`]: line and column of an element or field.
//! - [`fleet`]: the `fleet` shorthand, written out as appliances first.
//! - `flow_logs`: VPC Flow Logs records as flows at their ENIs.
//! - [`recover`]: after a parse error, set the entry aside and go on, so
//!   every problem shows at once.
//! - [`error`]: problems with their place in the file.

pub mod build;
mod build_compute;
mod build_expect;
mod build_lb;
mod build_mirror;
mod build_network;
mod build_timeline;
mod checks;
mod context;
pub mod error;
pub mod fleet;
mod flow_logs;
pub mod locate;
pub mod recover;
mod replay;
pub mod schema;
mod traffic;

pub use crate::resolved::Scenario;
pub use error::{Problem, ScenarioError};
pub use traffic::MAX_FLOWS;

use ron::extensions::Extensions;
use topology::Severity;

use crate::traffic::replay::CaptureFile;
use crate::units::Duration;

/// Reads a file a scenario names (a capture to replay), relative to the
/// scenario: the caller decides how, so the library touches no files.
pub type FileReader<'a> = dyn Fn(&str) -> Result<CaptureFile, String> + 'a;

/// Settings given on the command line, which win over the file's.
#[derive(Clone, Copy, Debug, Default)]
pub struct Overrides {
    pub seed: Option<u64>,
    pub duration: Option<Duration>,
}

/// A scenario and the warnings found while loading it.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub scenario: Scenario,
    pub warnings: Vec<Problem>,
}

/// Code given to problems RON itself reports (syntax, unknown or missing
/// fields, wrong types, values our unit parsers refuse).
pub const PARSE_ERROR: &str = "InvalidScenarioFile";

/// The byte offset of the outermost `/*` that is never closed (block
/// comments nest in RON), skipping strings and line comments.
fn unclosed_comment(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let (mut i, mut open) = (0, Vec::new());
    while i < b.len() {
        match (b[i], b.get(i + 1)) {
            (b'/', Some(b'*')) => {
                open.push(i);
                i += 2;
            }
            (b'*', Some(b'/')) if !open.is_empty() => {
                open.pop();
                i += 2;
            }
            (b'/', Some(b'/')) if open.is_empty() => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            (b'"', _) if open.is_empty() => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    open.first().copied()
}

/// RON's message for a value, made specific where it is vague: a CIDR
/// block with a prefix too long is not "invalid IP address syntax" (EC2
/// answers InvalidParameterValue, "not a valid CIDR block").
fn parse_error_message(ron: &str, written: &str) -> (&'static str, String) {
    let literal = written.trim().trim_matches('"');
    if ron.contains("invalid IP address syntax")
        && let Some((addr, len)) = literal.split_once('/')
    {
        let max = if addr.contains(':') { 128 } else { 32 };
        let why = match len.parse::<u32>() {
            Ok(n) if n > max => format!("the prefix length /{n} is longer than /{max}"),
            Ok(_) => format!("`{addr}` is not an IP address"),
            Err(_) => format!("`/{len}` is not a prefix length"),
        };
        return (
            "InvalidParameterValue",
            format!("{literal} is not a valid CIDR block: {why}"),
        );
    }
    (PARSE_ERROR, ron.to_string())
}

/// Parse errors reported before giving up: each costs a parse of the file.
const MAX_PARSE_ATTEMPTS: usize = 100;

/// A problem RON reports, located in `text`.
fn parse_problem(text: &str, e: &ron::error::SpannedError) -> Problem {
    let start = locate::offset(
        text,
        locate::Position {
            line: e.span.start.line,
            column: e.span.start.col,
        },
    );
    let end = locate::offset(
        text,
        locate::Position {
            line: e.span.end.line,
            column: e.span.end.col,
        },
    )
    .max(start);
    // RON reports an unclosed comment where the file ends; the place to
    // fix is where it opens.
    let (start, end) = match unclosed_comment(text) {
        Some(open) if e.code.to_string().contains("Unclosed block comment") => (open, open + 2),
        _ => (start, end),
    };
    let (code, message) = parse_error_message(&e.code.to_string(), &text[start..end]);
    Problem {
        severity: Severity::Error,
        code,
        message,
        help: None,
        resource: None,
        field: None,
        start,
        end,
        position: locate::position(text, start),
    }
}

/// Parses and builds a scenario that reads no other file. `file` names it
/// in messages.
pub fn load(file: &str, text: &str, overrides: &Overrides) -> Result<Loaded, ScenarioError> {
    load_with(file, text, overrides, &|name: &str| {
        Err(format!("{name}: this caller reads no capture files"))
    })
}

/// The file's values as written, for a text that [`load`] accepts (what
/// `sim export` carries over as the user wrote it, such as a VNI left for
/// AWS to choose); `None` when it does not parse.
pub fn parse(text: &str) -> Option<schema::ScenarioFile> {
    ron::Options::default()
        .with_default_extension(Extensions::IMPLICIT_SOME | Extensions::UNWRAP_VARIANT_NEWTYPES)
        .from_str(text)
        .ok()
}

/// Parses and builds a scenario; `read` fetches the files it names.
pub fn load_with(
    file: &str,
    text: &str,
    overrides: &Overrides,
    read: &FileReader<'_>,
) -> Result<Loaded, ScenarioError> {
    let fail = |problems| ScenarioError {
        file: file.to_string(),
        text: text.to_string(),
        problems,
    };
    let options = ron::Options::default()
        .with_default_extension(Extensions::IMPLICIT_SOME | Extensions::UNWRAP_VARIANT_NEWTYPES);
    // Every problem at once: a parse error sets its entry aside (blanked,
    // offsets kept) and the rest is parsed again.
    let mut work = std::borrow::Cow::Borrowed(text);
    let mut parse_problems: Vec<Problem> = Vec::new();
    let mut set_aside_ids: Vec<String> = Vec::new();
    let mut blanked_fields: Vec<String> = Vec::new();
    let mut unreliable: Vec<std::ops::Range<usize>> = Vec::new();
    let mut parsed: Option<schema::ScenarioFile> = None;
    for _ in 0..MAX_PARSE_ATTEMPTS {
        let e = match options.from_str::<schema::ScenarioFile>(&work) {
            Ok(p) => {
                parsed = Some(p);
                break;
            }
            Err(e) => e,
        };
        let problem = parse_problem(&work, &e);
        // A required field set aside is then missing: not a new problem;
        // the element holding it goes aside too.
        let consequence = matches!(&e.code, ron::Error::MissingStructField { field, .. }
            if blanked_fields.iter().any(|f| f == field));
        let at = problem.start;
        if !consequence {
            parse_problems.push(problem);
        }
        let Some(all) = recover::entries(&work) else {
            break;
        };
        // The entry at fault goes aside: the field (a typo, a wrong value),
        // so that the rest of its element is read too; a required field then
        // missing takes its element.
        let target = if consequence {
            recover::innermost_element(&all, at).or_else(|| recover::innermost(&all, at))
        } else {
            recover::innermost(&all, at)
        };
        let Some(t) = target.cloned() else {
            break;
        };
        if let Some(f) = &t.field {
            blanked_fields.push(f.clone());
        }
        // The elements around it lost a part: what is said in them, or of
        // the innermost by its id, would follow from this fault.
        let around: Vec<&recover::Entry> = all
            .iter()
            .filter(|x| x.field.is_none() && x.start <= t.start && t.end <= x.end)
            .collect();
        unreliable.extend(around.iter().map(|x| x.start..x.end));
        if let Some(inner) = around.iter().max_by_key(|x| x.depth) {
            set_aside_ids.extend(recover::id_of(&work, inner, &all));
        }
        // A misspelt field stood for the one it resembles: that one missing
        // is the same mistake.
        if let ron::Error::NoSuchStructField {
            expected, found, ..
        } = &e.code
        {
            blanked_fields.extend(
                expected
                    .iter()
                    .filter(|x| strsim::damerau_levenshtein(x, found) <= 2)
                    .map(|x| x.to_string()),
            );
        }
        recover::blank(work.to_mut(), t.start..t.through);
    }
    let Some(mut parsed) = parsed else {
        if parse_problems.len() >= MAX_PARSE_ATTEMPTS
            && let Some(last) = parse_problems.last()
        {
            let mut note = last.clone();
            note.severity = Severity::Warning;
            note.code = "TooManyErrors";
            note.message = format!(
                "stopped after {MAX_PARSE_ATTEMPTS} errors RON reports; the rest of the file \
                 was not read: mend these and check again"
            );
            parse_problems.push(note);
        }
        return Err(fail(parse_problems));
    };
    if let Some(seed) = overrides.seed {
        parsed.seed = seed;
    }
    if let Some(d) = overrides.duration {
        parsed.duration = d;
    }
    let mut problems = context::Problems::default();
    let built = build::build(parsed, read, &mut problems);
    // The locator scans the whole text (a token per word and bracket: at
    // fleet scale, more memory than the scenario itself): only for a file
    // with something to locate.
    let locator = std::cell::OnceCell::new();
    let locator = || locator.get_or_init(|| locate::Locator::new(&work));
    let mut located: Vec<Problem> = problems
        .0
        .into_iter()
        .map(|(d, anchor)| {
            let locator = locator();
            let start = locator.locate(&anchor, d.field).unwrap_or(0);
            let at_field = text[start..].starts_with(d.field);
            let end = start + if at_field { d.field.len() } else { 1 };
            Problem {
                severity: d.severity,
                code: d.code.as_str(),
                message: d.message,
                help: Some(d.help.unwrap_or_else(|| d.code.default_help().to_string())),
                resource: Some(d.resource),
                field: Some(d.field.to_string()),
                start,
                end: end.min(text.len()),
                position: locator.position(start),
            }
        })
        .collect();
    // What is said of an element set aside (not found, not inside it)
    // follows from its fault, already reported.
    located.retain(|p| {
        !set_aside_ids
            .iter()
            .any(|id| recover::mentions(&p.message, id))
            && !unreliable.iter().any(|r| r.contains(&p.start))
    });
    if !parse_problems.is_empty() {
        located.extend(parse_problems);
        located.sort_by_key(|p| (p.position, p.severity));
        return Err(fail(located));
    }
    located.sort_by_key(|p| (p.position, p.severity));
    match built {
        Some(scenario) => Ok(Loaded {
            scenario,
            warnings: located,
        }),
        None => Err(fail(located)),
    }
}
