//! Plain-text tables with aligned columns: text left, numbers right.

/// A table being filled row by row.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// Whether a cell is right-aligned: it reads as a number.
fn numeric(cell: &str) -> bool {
    !cell.is_empty()
        && cell
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '%' | '-'))
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table::new_owned(header.iter().map(|h| h.to_string()).collect())
    }

    /// A table whose header is made at run time (a sweep's parameters).
    pub fn new_owned(header: Vec<String>) -> Table {
        Table {
            header,
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Its rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Renders with two spaces of indent and two between columns. A table
    /// wider than [`MAX_WIDTH`] goes on in further tables below, each
    /// repeating the first column (the row's name).
    pub fn render(&self, out: &mut String) {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        for (k, columns) in column_groups(&widths).iter().enumerate() {
            if k > 0 {
                out.push('\n');
            }
            let line = |out: &mut String, cells: &[String]| {
                let mut s = String::from(" ");
                for &i in columns {
                    let (c, w) = (cells.get(i).map_or("", String::as_str), widths[i]);
                    s.push(' ');
                    let pad = w - c.chars().count();
                    if i > 0 && numeric(c) {
                        s.push_str(&" ".repeat(pad));
                        s.push_str(c);
                    } else {
                        s.push_str(c);
                        s.push_str(&" ".repeat(pad));
                    }
                    s.push(' ');
                }
                out.push_str(s.trim_end());
                out.push('\n');
            };
            line(out, &self.header);
            for r in &self.rows {
                line(out, r);
            }
        }
    }
}

/// The widest a summary line is: tables and paragraphs fit a terminal of
/// 120 columns.
pub const MAX_WIDTH: usize = 120;

/// The columns of each table a table of `widths` is rendered as: all of
/// them when they fit in [`MAX_WIDTH`], else the first column and as many
/// more as fit, again and again.
fn column_groups(widths: &[usize]) -> Vec<Vec<usize>> {
    // A line is one space of indent, then each cell with a space each side.
    let width = |cols: &[usize]| 1 + cols.iter().map(|&i| widths[i] + 2).sum::<usize>();
    let mut groups = Vec::new();
    let mut group = vec![0];
    for i in 1..widths.len() {
        group.push(i);
        if group.len() > 2 && width(&group) > MAX_WIDTH {
            group.pop();
            groups.push(std::mem::replace(&mut group, vec![0, i]));
        }
    }
    if !widths.is_empty() {
        groups.push(group);
    }
    groups
}

/// `text` broken at spaces into lines of at most [`MAX_WIDTH`] characters
/// (a word longer than that stays whole); later lines start with `indent`.
pub fn wrap(text: &str, indent: &str) -> String {
    // The text's own indent stays.
    let body = text.trim_start_matches(' ');
    let mut out = text[..text.len() - body.len()].to_string();
    let mut len = out.len();
    let lead = len;
    for word in body.split(' ') {
        let w = word.chars().count();
        if len > lead && len + 1 + w > MAX_WIDTH {
            out.push('\n');
            out.push_str(indent);
            len = indent.chars().count();
        } else if len > lead {
            out.push(' ');
            len += 1;
        }
        out.push_str(word);
        len += w;
    }
    out
}

impl Table {
    /// Renders as an HTML table; numbers right-aligned (class `num`).
    pub fn render_html(&self, out: &mut String) {
        out.push_str("<table>\n<thead><tr>");
        for h in &self.header {
            out.push_str("<th>");
            out.push_str(&escape(h));
            out.push_str("</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for r in &self.rows {
            out.push_str("<tr>");
            for (i, c) in r.iter().enumerate() {
                out.push_str(if i > 0 && numeric(c) {
                    "<td class=\"num\">"
                } else {
                    "<td>"
                });
                out.push_str(&escape(c));
                out.push_str("</td>");
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
    }
}

/// Text made safe inside HTML elements and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An integer with thousands separators: `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn a_wide_table_goes_on_below_repeating_its_first_column() {
        let mut t = Table::new(&["NAME", "A", "B", "C"]);
        t.row(vec![
            "row-1".into(),
            "x".repeat(50),
            "y".repeat(50),
            "z".repeat(50),
        ]);
        let mut out = String::new();
        t.render(&mut out);
        assert!(out.lines().all(|l| l.chars().count() <= MAX_WIDTH), "{out}");
        // NAME, A and B fit (1 + 7 + 52 + 52 = 112); C goes below, with NAME.
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(lines[0].starts_with("  NAME") && lines[0].contains(" B"));
        assert_eq!(lines[2], "");
        assert!(lines[3].starts_with("  NAME") && lines[3].ends_with(" C"));
        assert!(lines[4].starts_with("  row-1") && lines[4].ends_with(&"z".repeat(50)));
    }

    #[test]
    fn wrap_breaks_at_spaces_within_the_width_and_keeps_the_indent() {
        let text = format!("  {}", "word ".repeat(40).trim_end());
        let w = wrap(&text, "    ");
        let lines: Vec<&str> = w.lines().collect();
        assert!(lines.iter().all(|l| l.len() <= MAX_WIDTH));
        assert!(lines[0].starts_with("  word") && lines[1].starts_with("    word"));
        assert_eq!(w.split_whitespace().count(), 40);
    }
}
