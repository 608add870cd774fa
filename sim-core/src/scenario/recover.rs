//! Every problem at once: after RON refuses a file, the entry at fault is
//! set aside and the rest parsed again, so one bad element does not hide
//! the next, nor the semantic problems of the elements that did parse.
//!
//! A scanner splits the text into entries (the comma-separated items of
//! every bracket), each with its byte range and field name. The entry at
//! fault is the innermost one holding the error: a field (`name: value`),
//! else a list element. It is blanked: its bytes become spaces (newlines
//! stay), so every offset, line and column of the rest is unchanged. When
//! a blanked field was required, RON then misses it; that is not reported
//! again, and the element holding it is blanked in turn.

/// One comma-separated item of a bracket group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its text, trimmed: `start..end`.
    pub start: usize,
    pub end: usize,
    /// Through its comma, when one follows: what blanking it removes.
    pub through: usize,
    /// Brackets around it (1 for the scenario's own fields).
    pub depth: usize,
    /// `name` of `name: value`; `None` for a list or tuple element.
    pub field: Option<String>,
}

/// The entries of `text`, or `None` when its brackets, strings or
/// comments do not close (nothing can be set aside safely then).
pub fn entries(text: &str) -> Option<Vec<Entry>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    // Per open bracket: where its current entry starts.
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    let finish = |out: &mut Vec<Entry>, from: usize, to: usize, through: usize, depth: usize| {
        let s = &text[from..to];
        let lead = s.len() - s.trim_start().len();
        let (start, end) = (from + lead, from + s.trim_end().len());
        if start < end {
            out.push(Entry {
                start,
                end,
                through,
                depth,
                field: field_name(&text[start..end]),
            });
        }
    };
    while i < b.len() {
        match b[i] {
            b'/' if matches!(b.get(i + 1), Some(b'/' | b'*')) => {
                let (end, closed) = super::locate::comment_end(b, i);
                if !closed {
                    return None;
                }
                i = end;
            }
            b'"' => {
                i += 1;
                loop {
                    match b.get(i) {
                        Some(b'\\') => i += 2,
                        Some(b'"') => break,
                        Some(_) => i += 1,
                        None => return None,
                    }
                }
                i += 1;
            }
            b'r' if matches!(b.get(i + 1), Some(b'"' | b'#'))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                // A raw string: r"...", r#"..."#.
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                if b.get(i + 1 + hashes) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close: Vec<u8> = std::iter::once(b'"')
                    .chain(std::iter::repeat_n(b'#', hashes))
                    .collect();
                let from = i + 2 + hashes;
                let at = b[from..].windows(close.len()).position(|w| w == close)?;
                i = from + at + close.len();
            }
            b'\'' => {
                // A char: 'x' or '\''.
                i += if b.get(i + 1) == Some(&b'\\') { 4 } else { 3 };
            }
            b'(' | b'[' | b'{' => {
                open.push(i + 1);
                i += 1;
            }
            b')' | b']' | b'}' => {
                let from = open.pop()?;
                finish(&mut out, from, i, i, open.len() + 1);
                i += 1;
            }
            b',' if !open.is_empty() => {
                let depth = open.len();
                let from = open[depth - 1];
                finish(&mut out, from, i, i + 1, depth);
                open[depth - 1] = i + 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    open.is_empty().then_some(out)
}

/// `name` when an entry is `name: value` (comments before it skipped).
fn field_name(entry: &str) -> Option<String> {
    let mut s = entry;
    loop {
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix("//") {
            s = rest.split_once('\n').map_or("", |(_, r)| r);
        } else if s.starts_with("/*") {
            s = s.split_once("*/").map_or("", |(_, r)| r);
        } else {
            break;
        }
    }
    let len = s
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
        .count();
    let rest = s[len..].trim_start();
    (len > 0 && rest.starts_with(':') && !rest.starts_with("::")).then(|| s[..len].to_string())
}

/// The innermost entry holding byte `at`: a field before an element of the
/// same depth cannot happen, so depth alone decides.
pub fn innermost(entries: &[Entry], at: usize) -> Option<&Entry> {
    entries
        .iter()
        .filter(|e| e.start <= at && at < e.end.max(e.start + 1))
        .max_by_key(|e| e.depth)
}

/// The innermost list element (not a field) holding byte `at`.
pub fn innermost_element(entries: &[Entry], at: usize) -> Option<&Entry> {
    entries
        .iter()
        .filter(|e| e.field.is_none() && e.start <= at && at < e.end.max(e.start + 1))
        .max_by_key(|e| e.depth)
}

/// The string value of the element's own `id` or `name` field, for
/// problems that only say it is missing.
pub fn id_of(text: &str, e: &Entry, all: &[Entry]) -> Option<String> {
    all.iter()
        .filter(|f| f.start > e.start && f.end <= e.end && f.depth == e.depth + 1)
        .find(|f| matches!(f.field.as_deref(), Some("id" | "name")))
        .and_then(|f| {
            let v = text[f.start..f.end].split_once(':')?.1.trim();
            Some(v.strip_prefix('"')?.strip_suffix('"')?.to_string())
        })
}

/// Whether `message` names `id` as a whole word (`subnet-1`, not
/// `subnet-10`).
pub fn mentions(message: &str, id: &str) -> bool {
    let part =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    message.match_indices(id).any(|(i, _)| {
        !part(message[..i].chars().next_back()) && !part(message[i + id.len()..].chars().next())
    })
}

/// Blanks `range` of `text`: a space per byte, newlines kept, so every
/// offset, line and column after it holds.
pub fn blank(text: &mut String, range: std::ops::Range<usize>) {
    let spaces: String = text.as_bytes()[range.clone()]
        .iter()
        .map(|&b| match b {
            b'\n' => '\n',
            b'\r' => '\r',
            _ => ' ',
        })
        .collect();
    text.replace_range(range, &spaces);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_fields_and_elements_with_their_depths() {
        let t = r#"Scenario(name: "a, (b)", // c, d
    vpcs: [Vpc(id: "v", cidr: 'x'), Vpc(id: "w")], /* e, ( */ seed: 1)"#;
        let e = entries(t).unwrap();
        let shown: Vec<(usize, Option<&str>, &str)> = e
            .iter()
            .map(|e| (e.depth, e.field.as_deref(), &t[e.start..e.end]))
            .collect();
        assert!(shown.contains(&(1, Some("name"), "name: \"a, (b)\"")));
        assert!(shown.contains(&(2, None, "Vpc(id: \"w\")")));
        assert!(shown.contains(&(3, Some("cidr"), "cidr: 'x'")));
        assert!(shown.contains(&(1, Some("seed"), "/* e, ( */ seed: 1")));
        assert!(entries("Scenario(a: [1, 2)").is_none());
    }

    #[test]
    fn mentions_whole_ids_only() {
        assert!(mentions(
            "10.0.1.10 is not inside subnet subnet-1",
            "subnet-1"
        ));
        assert!(mentions("no subnet `subnet-1` is declared", "subnet-1"));
        assert!(!mentions("no subnet `subnet-10` is declared", "subnet-1"));
    }

    #[test]
    fn blanking_keeps_every_offset() {
        let mut t = "a: \"é\",\nb: 1".to_string();
        blank(&mut t, 0..8);
        // Eight bytes (é is two) become eight spaces.
        assert_eq!(t, "        \nb: 1");
    }
}
