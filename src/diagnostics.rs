//! Shows a scenario's problems with the offending line underlined.
//!
//! The renderer cannot fail and costs no more than the file once: line
//! starts are found in one pass, and each problem shows one line clipped to
//! a window around its column (a generated scenario may be one line of
//! megabytes). Past [`SHOWN_PER_CODE`] problems of one code, the rest are
//! grouped into one line with their count and locations.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use std::sync::OnceLock;

use sim_core::scenario::Problem;

/// Problems of one code shown with a snippet; the rest are counted.
const SHOWN_PER_CODE: usize = 3;
/// Characters of the line shown before and after the problem's column.
const WINDOW_BEFORE: usize = 40;
const WINDOW_AFTER: usize = 60;
/// Locations listed for the problems that are grouped.
const LISTED: usize = 5;

/// How much the commands say on standard error (`--verbose`, `--quiet`,
/// `--deny-warnings`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    pub verbose: bool,
    pub quiet: bool,
    pub deny_warnings: bool,
}

static STYLE: OnceLock<Style> = OnceLock::new();

/// Sets, once, how much the commands say (`--verbose`, `--quiet`,
/// `--deny-warnings`).
pub fn set_style(style: Style) {
    let _ = STYLE.set(style);
}

/// How much the commands say.
pub fn style() -> Style {
    STYLE.get().copied().unwrap_or_default()
}

/// Renders a scenario's warnings as the style asks: nothing when quiet;
/// with snippets when verbose; else one line per code, the first warning
/// and how many more like it, where.
pub fn render_warnings(file: &str, text: &str, warnings: &[Problem]) -> String {
    let style = style();
    if style.quiet || warnings.is_empty() {
        return String::new();
    }
    if style.verbose {
        return render(file, text, warnings);
    }
    let mut by_code: BTreeMap<&str, Vec<&Problem>> = BTreeMap::new();
    let mut order = Vec::new();
    for w in warnings {
        let group = by_code.entry(w.code).or_default();
        if group.is_empty() {
            order.push(w.code);
        }
        group.push(w);
    }
    let mut out = String::new();
    for code in order {
        let group = &by_code[code];
        let first = group[0];
        let _ = write!(
            out,
            "{file}:{}:{}: warning[{code}]: {}",
            first.position.line,
            first.position.column,
            headline(first)
        );
        if group.len() > 1 {
            let at: Vec<String> = group[1..]
                .iter()
                .take(LISTED)
                .map(|p| format!("{}:{}", p.position.line, p.position.column))
                .collect();
            let more = if group.len() - 1 > LISTED {
                ", ..."
            } else {
                ""
            };
            let _ = write!(
                out,
                " (and {} more like it, at {}{more})",
                group.len() - 1,
                at.join(", ")
            );
        }
        out.push('\n');
    }
    out
}

/// Renders problems as `file:line:col` headers followed by a snippet.
pub fn render(file: &str, text: &str, problems: &[Problem]) -> String {
    let lines = LineIndex::new(text);
    let mut out = String::new();
    let mut seen: BTreeMap<(&str, bool), Vec<&Problem>> = BTreeMap::new();
    for p in problems {
        let error = p.severity == topology::Severity::Error;
        let group = seen.entry((p.code, error)).or_default();
        group.push(p);
        if group.len() <= SHOWN_PER_CODE {
            render_one(&mut out, file, text, &lines, p);
        }
    }
    for ((code, error), group) in &seen {
        if group.len() <= SHOWN_PER_CODE {
            continue;
        }
        let rest = &group[SHOWN_PER_CODE..];
        let at: Vec<String> = rest
            .iter()
            .take(LISTED)
            .map(|p| format!("{}:{}", p.position.line, p.position.column))
            .collect();
        let more = if rest.len() > LISTED { ", ..." } else { "" };
        let _ = writeln!(
            out,
            "{file}: {} more {}[{code}] not shown, at {}{more}\n",
            rest.len(),
            if *error { "error" } else { "warning" },
            at.join(", "),
        );
    }
    out
}

fn render_one(out: &mut String, file: &str, text: &str, lines: &LineIndex, p: &Problem) {
    let level = match p.severity {
        topology::Severity::Error => "error",
        topology::Severity::Warning => "warning",
    };
    let start = floor_char_boundary(text, p.start.min(text.len()));
    let (line_no, line) = lines.line_of(text, start);
    let _ = writeln!(
        out,
        "{file}:{}:{}: {level}[{}]: {}",
        p.position.line,
        p.position.column,
        p.code,
        headline(p)
    );
    // The snippet: the line around the column, with the span underlined.
    let line_start = line.as_ptr() as usize - text.as_ptr() as usize;
    // A problem at a line's `\r\n` is shown at the end of the line's text.
    let line_end = line_start + line.len();
    let start = start.min(line_end);
    let col = start - line_start;
    let end = p.end.clamp(start, line_end);
    let span_len = floor_char_boundary(text, end) - start;
    let (shown, caret_at, caret_len) = window(line, col, span_len);
    let gutter = line_no.to_string();
    let pad = " ".repeat(gutter.len());
    let label = match &p.field {
        Some(f) => format!("`{f}`"),
        None => "here".to_string(),
    };
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{gutter} | {shown}");
    let _ = writeln!(
        out,
        "{pad} | {}{} {label}",
        " ".repeat(caret_at),
        "^".repeat(caret_len.max(1))
    );
    if let Some(h) = &p.help {
        let _ = writeln!(out, "{pad} = help: {}", clip(h, 400));
    }
    out.push('\n');
}

/// The part of `line` to show around byte column `col` (a char boundary),
/// made printable, with where the underline starts and how long it is, in
/// characters of the shown text.
fn window(line: &str, col: usize, span_len: usize) -> (String, usize, usize) {
    let before: Vec<char> = line[..col].chars().rev().take(WINDOW_BEFORE + 1).collect();
    let clipped_left = before.len() > WINDOW_BEFORE;
    let mut shown = String::new();
    if clipped_left {
        shown.push_str("...");
    }
    shown.extend(
        before
            .iter()
            .take(WINDOW_BEFORE)
            .rev()
            .map(|&c| printable(c)),
    );
    let caret_at = shown.chars().count();
    let mut after = line[col..].chars();
    let mut taken = 0;
    let mut caret_len = 0;
    let mut bytes = 0;
    for c in after.by_ref().take(WINDOW_AFTER) {
        shown.push(printable(c));
        taken += 1;
        if bytes < span_len {
            caret_len += 1;
        }
        bytes += c.len_utf8();
    }
    if taken == WINDOW_AFTER && after.next().is_some() {
        shown.push_str("...");
    }
    (shown, caret_at, caret_len)
}

/// Tabs and control characters (a NUL in a broken file) would break the
/// alignment of the underline or the terminal: one visible character each.
fn printable(c: char) -> char {
    match c {
        '\t' => ' ',
        c if c.is_control() => '\u{FFFD}',
        c => c,
    }
}

fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Byte offsets where each line starts, found once.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// The 1-based number and text (without its newline) of the line
    /// holding byte `offset`.
    fn line_of<'t>(&self, text: &'t str, offset: usize) -> (usize, &'t str) {
        let n = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[n - 1];
        let end = self.starts.get(n).map_or(text.len(), |&e| e - 1);
        let line = &text[start..end.max(start)];
        (n, line.strip_suffix('\r').unwrap_or(line))
    }
}

fn headline(p: &Problem) -> String {
    let message = clip(&p.message, 400);
    match (&p.field, &p.resource) {
        (Some(f), Some(r)) => format!("{}: {f}: {message}", clip(r, 80)),
        (Some(f), None) => format!("{f}: {message}"),
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::scenario::locate::Position;

    fn problem(start: usize, end: usize, line: usize, column: usize) -> Problem {
        Problem {
            severity: topology::Severity::Warning,
            code: "Test",
            message: "m".into(),
            help: None,
            resource: None,
            field: Some("f".into()),
            start,
            end,
            position: Position { line, column },
        }
    }

    #[test]
    fn a_problem_far_along_a_long_line_shows_a_clipped_window() {
        let text = format!("{}BAD{}\n", "x".repeat(200_000), "y".repeat(100_000));
        let out = render("f.ron", &text, &[problem(200_000, 200_003, 1, 200_001)]);
        assert!(
            out.starts_with("f.ron:1:200001: warning[Test]: f: m\n"),
            "{out}"
        );
        assert!(out.len() < 500, "{} bytes", out.len());
        let lines: Vec<&str> = out.lines().collect();
        let at = lines[2].find("BAD").unwrap();
        assert_eq!(lines[3].find('^'), Some(at));
        assert!(lines[3].contains("^^^ `f`"));
    }

    #[test]
    fn repeated_problems_of_one_code_are_grouped() {
        let text = "a\nb\nc\nd\ne\nf\n";
        let ps: Vec<Problem> = (0..6)
            .map(|i| problem(2 * i, 2 * i + 1, i + 1, 1))
            .collect();
        let out = render("f.ron", text, &ps);
        assert_eq!(out.matches("warning[Test]").count(), 4, "{out}");
        assert!(out.contains("f.ron: 3 more warning[Test] not shown, at 4:1, 5:1, 6:1"));
    }

    #[test]
    fn control_characters_and_offsets_past_the_end_cannot_break_it() {
        let text = "a\u{0}\tb\u{e9}";
        let out = render(
            "f.ron",
            text,
            &[problem(4, 99, 1, 4), problem(99, 99, 9, 9)],
        );
        assert!(out.contains("a\u{FFFD} b\u{e9}"), "{out}");
    }
}
