//! Finds where an element or field stands in a scenario's text, so that a
//! problem found after parsing (an unknown id, a duplicate rule number) can
//! name a line and column like a syntax error does.
//!
//! A small scanner that knows RON's strings, comments and brackets: enough
//! to find the element that declares `id: "x"` and a field inside it.

use std::collections::BTreeMap;

/// Where to look for an element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// The element whose `id` field is this string.
    Id(String),
    /// The second element whose `id` field is this string.
    SecondId(String),
    /// The element at `index` of the top-level list `list` (`traffic`,
    /// `timeline`).
    Item { list: &'static str, index: usize },
    /// The element at `index` of the list field `list` of the element
    /// whose id is `parent` (a filter's rules, which need no id).
    Child {
        parent: String,
        list: &'static str,
        index: usize,
    },
    /// The top-level `Scenario(...)`.
    Scenario,
    /// The element that is the value of the top-level field (`settings`).
    Section(&'static str),
}

/// A 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// A token the scanner reports: an identifier with its depth and offset,
/// or a bracket.
#[derive(Clone, Copy, Debug)]
enum Token<'a> {
    Ident(&'a str, usize),
    Str(&'a str),
    Open(usize),
    Close,
    Colon,
}

/// Where the comment starting at `i` (`//` or `/*`) ends: the index just
/// after it, and whether it was closed (a line comment always is). RON's
/// block comments nest. The locator and the recovering parser share it.
pub(super) fn comment_end(b: &[u8], mut i: usize) -> (usize, bool) {
    if b.get(i + 1) == Some(&b'/') {
        while i < b.len() && b[i] != b'\n' {
            i += 1;
        }
        return (i, true);
    }
    let mut depth = 0usize;
    loop {
        match (b.get(i), b.get(i + 1)) {
            (Some(b'/'), Some(b'*')) => {
                depth += 1;
                i += 2;
            }
            (Some(b'*'), Some(b'/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return (i, true);
                }
            }
            (Some(_), _) => i += 1,
            (None, _) => return (b.len(), false),
        }
    }
}

fn tokens(text: &str) -> Vec<Token<'_>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if matches!(b.get(i + 1), Some(b'/' | b'*')) => {
                i = comment_end(b, i).0;
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let end = i.min(b.len());
                out.push(Token::Str(&text[start + 1..end]));
                i += 1;
            }
            b'(' | b'[' | b'{' => {
                out.push(Token::Open(i));
                i += 1;
            }
            b')' | b']' | b'}' => {
                out.push(Token::Close);
                i += 1;
            }
            b':' => {
                out.push(Token::Colon);
                i += 1;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                out.push(Token::Ident(&text[start..i], start));
            }
            _ => i += 1,
        }
    }
    out
}

/// The tokens of one text, with the elements indexed by id, so that many
/// problems can be located without scanning the text for each.
pub struct Locator<'a> {
    text: &'a str,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
    toks: Vec<Token<'a>>,
    /// For each id, the token indexes of its `id: "..."` declarations.
    ids: BTreeMap<&'a str, Vec<usize>>,
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str) -> Locator<'a> {
        let toks = tokens(text);
        let mut ids: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, w) in toks.windows(3).enumerate() {
            if let [Token::Ident("id", _), Token::Colon, Token::Str(s)] = w {
                ids.entry(s).or_default().push(i);
            }
        }
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Locator {
            text,
            line_starts,
            toks,
            ids,
        }
    }

    /// The line and column of a byte offset.
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line - 1];
        Position {
            line,
            column: self.text[start..offset].chars().count() + 1,
        }
    }

    /// Byte offset of a field, or of the element when the field is not
    /// written.
    pub fn locate(&self, anchor: &Anchor, field: &str) -> Option<usize> {
        let toks = &self.toks;
        // Find the token index of the element's opening bracket.
        let open = match anchor {
            Anchor::Scenario => toks.iter().position(|t| matches!(t, Token::Open(_)))?,
            Anchor::Id(id) | Anchor::SecondId(id) => {
                let skip = usize::from(matches!(anchor, Anchor::SecondId(_)));
                let at = *self.ids.get(id.as_str())?.get(skip)?;
                enclosing_open(toks, at)?
            }
            Anchor::Section(name) => {
                let top = toks.iter().position(|t| matches!(t, Token::Open(_)))?;
                let key = field_at_level(toks, top, name)?;
                // `settings: (` or `settings: Settings(`.
                match toks.get(key + 2)? {
                    Token::Open(_) => key + 2,
                    Token::Ident(..) if matches!(toks.get(key + 3)?, Token::Open(_)) => key + 3,
                    _ => return None,
                }
            }
            Anchor::Item { list, index } => {
                let key = toks
                    .windows(2)
                    .position(|w| matches!(w, [Token::Ident(l, _), Token::Colon] if l == list))?;
                nth_child(toks, key + 2, *index)?
            }
            Anchor::Child {
                parent,
                list,
                index,
            } => {
                let at = *self.ids.get(parent.as_str())?.first()?;
                let open = enclosing_open(toks, at)?;
                let key = field_at_level(toks, open, list)?;
                nth_child(toks, key + 2, *index)?
            }
        };
        let open_offset = match toks[open] {
            Token::Open(o) => o,
            _ => return None,
        };
        if let Some(i) = field_at_level(toks, open, field)
            && let Token::Ident(_, off) = toks[i]
        {
            return Some(off);
        }
        // The element's name (`Session(`) reads better than its bracket.
        match open.checked_sub(1).map(|i| toks[i]) {
            Some(Token::Ident(_, off)) => Some(off),
            _ => Some(open_offset),
        }
    }
}

/// Byte offset of a field, or of the element when the field is not written
/// (one problem; for many, make a [`Locator`] once).
pub fn locate(text: &str, anchor: &Anchor, field: &str) -> Option<usize> {
    Locator::new(text).locate(anchor, field)
}

/// The token index of `field` followed by `:` directly inside the element
/// opened at token `open`.
fn field_at_level(toks: &[Token<'_>], open: usize, field: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, w) in toks[open..].windows(2).enumerate() {
        match w[0] {
            Token::Open(_) => depth += 1,
            Token::Close => {
                depth -= 1;
                if depth == 0 {
                    return None;
                }
            }
            Token::Ident(name, _) if depth == 1 && name == field => {
                if matches!(w[1], Token::Colon) {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The token index of the bracket that encloses token `at`.
fn enclosing_open(toks: &[Token<'_>], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    for i in (0..at).rev() {
        match toks[i] {
            Token::Close => depth += 1,
            Token::Open(_) if depth == 0 => return Some(i),
            Token::Open(_) => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The opening bracket of the `n`th element of the list opened at `list`.
fn nth_child(toks: &[Token<'_>], list: usize, n: usize) -> Option<usize> {
    if !matches!(toks.get(list), Some(Token::Open(_))) {
        return None;
    }
    let mut depth = 0usize;
    let mut seen = 0usize;
    for (i, t) in toks.iter().enumerate().skip(list) {
        match t {
            Token::Open(_) => {
                depth += 1;
                if depth == 2 {
                    if seen == n {
                        return Some(i);
                    }
                    seen += 1;
                }
            }
            Token::Close => {
                depth -= 1;
                if depth == 0 {
                    return None;
                }
            }
            _ => {}
        }
    }
    None
}

/// The line and column of a byte offset.
pub fn position(text: &str, offset: usize) -> Position {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Position {
        line,
        column: text[line_start..offset].chars().count() + 1,
    }
}

/// The byte offset of a 1-based line and column.
pub fn offset(text: &str, pos: Position) -> usize {
    let mut line_start = 0;
    for _ in 1..pos.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line = &text[line_start..];
    line.char_indices()
        .nth(pos.column.saturating_sub(1))
        .map_or(text.len(), |(i, _)| line_start + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"Scenario(
    name: "x", // id: "tms-1" in a comment
    traffic_mirror_sessions: [
        Session(id: "tms-0", session_number: 1),
        Session(
            id: "tms-1",
            inner: [(session_number: 9)],
            session_number: 2,
        ),
    ],
    traffic: [
        Flow(from: "a"),
        Connection(client: "b"),
    ],
)"#;

    fn at(anchor: Anchor, field: &str) -> Position {
        position(TEXT, locate(TEXT, &anchor, field).unwrap())
    }

    #[test]
    fn finds_fields_of_the_element_at_its_own_level() {
        assert_eq!(
            at(Anchor::Id("tms-1".into()), "session_number"),
            Position {
                line: 8,
                column: 13
            }
        );
        assert_eq!(
            at(Anchor::Id("tms-0".into()), "session_number"),
            Position {
                line: 4,
                column: 30
            }
        );
        assert_eq!(
            at(Anchor::Id("tms-1".into()), "absent"),
            Position { line: 5, column: 9 }
        );
        assert_eq!(
            at(
                Anchor::Item {
                    list: "traffic",
                    index: 1
                },
                "client"
            ),
            Position {
                line: 13,
                column: 20
            }
        );
        assert_eq!(
            at(Anchor::Scenario, "name"),
            Position { line: 2, column: 5 }
        );
        let child = Anchor::Child {
            parent: "tms-1".into(),
            list: "inner",
            index: 0,
        };
        assert_eq!(
            at(child, "session_number"),
            Position {
                line: 7,
                column: 22
            }
        );
    }

    #[test]
    fn offset_inverts_position() {
        let locator = Locator::new(TEXT);
        for off in [0, 10, 57, 120, TEXT.len()] {
            assert_eq!(offset(TEXT, position(TEXT, off)), off);
            assert_eq!(locator.position(off), position(TEXT, off));
        }
    }
}

/// Sets a field in a scenario's text, as `sim sweep --vary` does: `path` is
/// `ELEMENT.FIELD[.FIELD...]`, where ELEMENT is the `id` or `name` of an
/// element, a load balancer's short name (`ids` for its ARN), or
/// `scenario`, the top level, and each FIELD names a field of
/// the value before it. A field not written is added. The value is RON;
/// a bare word is quoted where the field holds a string (`m5.large`,
/// `"10s"`) and kept as written where it is a number, a list or a
/// structure. Comments and layout elsewhere are kept, so errors in the
/// result still point at the user's lines.
pub fn set_field(text: &str, path: &str, value: &str) -> Result<String, String> {
    let mut parts = path.split('.');
    let element = parts.next().unwrap_or_default();
    let fields: Vec<&str> = parts.collect();
    if element.is_empty() || fields.is_empty() || fields.iter().any(|f| f.is_empty()) {
        return Err(format!(
            "`{path}`: expected ELEMENT.FIELD, where ELEMENT is an id, a traffic name or `scenario`"
        ));
    }
    let toks = tokens(text);
    let mut open = if element == "scenario" {
        toks.iter()
            .position(|t| matches!(t, Token::Open(_)))
            .ok_or("the scenario has no `Scenario(...)`")?
    } else {
        let found: Vec<usize> = toks
            .windows(3)
            .enumerate()
            .filter(|(_, w)| {
                matches!(w, [Token::Ident("id" | "name", _), Token::Colon, Token::Str(s)]
                    if *s == element || topology::short_name(s) == element)
            })
            .map(|(i, _)| i)
            .collect();
        match found.as_slice() {
            [one] => enclosing_open(&toks, *one)
                .ok_or_else(|| format!("`{element}` is not inside an element"))?,
            [] => return Err(format!("no element with id or name `{element}`")),
            _ => return Err(format!("more than one element has id or name `{element}`")),
        }
    };
    let (last, inner) = fields.split_last().unwrap_or((&"", &[]));
    for f in inner {
        let at = field_at_level(&toks, open, f)
            .ok_or_else(|| format!("`{path}`: `{f}` is not written in that element"))?;
        // A structure, named (`Fleet(...)`, `Some(...)`) or not.
        open = match (toks.get(at + 2), toks.get(at + 3)) {
            (Some(Token::Open(_)), _) => at + 2,
            (Some(Token::Ident(..)), Some(Token::Open(_))) => at + 3,
            _ => return Err(format!("`{path}`: `{f}` does not hold a structure")),
        };
    }
    let Token::Open(open_at) = toks[open] else {
        return Err(format!("`{path}`: not a structure"));
    };
    match field_at_level(&toks, open, last) {
        Some(at) => {
            let Token::Ident(_, name_at) = toks[at] else {
                return Err(format!("`{path}`: not a field"));
            };
            let colon = name_at + text[name_at..].find(':').unwrap_or(0);
            let start =
                colon + 1 + (text[colon + 1..].len() - text[colon + 1..].trim_start().len());
            let end = start + value_len(&text[start..]);
            let quoted = text[start..].starts_with('"');
            Ok(format!(
                "{}{}{}",
                &text[..start],
                ron_value(value, quoted),
                &text[end..]
            ))
        }
        None => {
            let quoted = !looks_like_ron(value);
            let at = open_at + 1;
            Ok(format!(
                "{}{last}: {}, {}",
                &text[..at],
                ron_value(value, quoted),
                &text[at..]
            ))
        }
    }
}

/// Bytes of the RON value at the start of `s`: up to a `,` or closing
/// bracket at its own depth, strings and nested brackets skipped.
fn value_len(s: &str) -> usize {
    let b = s.as_bytes();
    let (mut i, mut depth) = (0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth == 0 => break,
            b')' | b']' | b'}' => depth -= 1,
            b',' | b'\n' if depth == 0 => break,
            b'/' if depth == 0 && b.get(i + 1) == Some(&b'/') => break,
            _ => {}
        }
        i += 1;
    }
    s[..i.min(s.len())].trim_end().len()
}

/// A number, `true`/`false`, a list, a structure or a string literal.
fn looks_like_ron(v: &str) -> bool {
    v.parse::<f64>().is_ok()
        || v == "true"
        || v == "false"
        || v.starts_with(['"', '(', '['])
        || v.starts_with(|c: char| c.is_ascii_uppercase())
}

fn ron_value(v: &str, quoted: bool) -> String {
    if quoted && !v.starts_with('"') {
        format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod set_field_tests {
    use super::set_field;

    const TEXT: &str = r#"Scenario(
    name: "s", // the name
    duration: "10s",
    instances: [Instance(id: "i-1", instance_type: "m5.large", network_performance: (pps: 100)),],
    traffic: [Flow(name: "f", rate: "1Gbps", size: Fixed("1500B"))],
)"#;

    #[test]
    fn replaces_quotes_and_adds() {
        let t = set_field(TEXT, "i-1.instance_type", "c5.xlarge").unwrap();
        assert!(t.contains(r#"instance_type: "c5.xlarge", network"#), "{t}");
        let t = set_field(TEXT, "scenario.duration", "2s").unwrap();
        assert!(t.contains(r#"duration: "2s","#), "{t}");
        let t = set_field(TEXT, "i-1.network_performance.pps", "200").unwrap();
        assert!(t.contains("(pps: 200))"), "{t}");
        let t = set_field(TEXT, "f.size", r#"Fixed("9001B")"#).unwrap();
        assert!(t.contains(r#"size: Fixed("9001B"))"#), "{t}");
        let t = set_field(TEXT, "i-1.cluster_placement_group", "pg").unwrap();
        assert!(
            t.contains(r#"Instance(cluster_placement_group: "pg", id: "i-1""#),
            "{t}"
        );
        // Comments survive.
        assert!(t.contains("// the name"));
    }

    #[test]
    fn a_nested_block_comment_hides_what_it_holds() {
        // RON's block comments nest (as the recovering parser reads them):
        // the `id: "i-1"` inside is commented out, so only the real one is
        // found, and set once.
        let text = TEXT.replace(
            "instances: [",
            "/* old: /* Instance(id: \"i-1\") */ still a comment id: \"i-1\" */ instances: [",
        );
        let t = set_field(&text, "i-1.instance_type", "c5.xlarge").unwrap();
        assert!(t.contains(r#"instance_type: "c5.xlarge", network"#), "{t}");
    }

    #[test]
    fn refuses_what_it_cannot_find() {
        assert!(set_field(TEXT, "i-9.instance_type", "x").is_err());
        assert!(set_field(TEXT, "i-1", "x").is_err());
        assert!(set_field(TEXT, "i-1.nothing.deeper", "x").is_err());
        assert!(set_field(TEXT, "i-1.instance_type.deeper", "x").is_err());
    }
}
