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

    /// Renders with two spaces of indent and two between columns.
    pub fn render(&self, out: &mut String) {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.len()).collect();
        for r in &self.rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |out: &mut String, cells: &[String]| {
            let mut s = String::from(" ");
            for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
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
        let header: Vec<String> = self.header.iter().map(|h| h.to_string()).collect();
        line(out, &header);
        for r in &self.rows {
            line(out, r);
        }
    }
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
}
