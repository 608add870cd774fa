//! `report.html`: the summary's tables and every chart in one file that
//! opens in any browser with no network: styles inline, charts as inline
//! SVG, no script, no external resource.

use std::fmt::Write as _;

use crate::charts::Chart;
use crate::schema::Report;
use crate::table::escape;
use crate::text::{Section, heading, sections};

const STYLE: &str = "
body { font-family: sans-serif; margin: 1.5em 2em; color: #222; }
nav ol { columns: 2; column-gap: 3em; font-size: 0.9em; } nav li { break-inside: avoid; } h3 { font-size: 1em; }
details > summary { cursor: pointer; color: #555; margin: 0.5em 0; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; white-space: nowrap; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
li.ok::marker { content: '\\2713  '; color: #090; }
li.fail::marker { content: '\\2717  '; color: #c00; }
li.fail { color: #a00; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.85em; color: #555; }
.scroll { overflow-x: auto; }
";

/// Tables longer than this fold into `<details>`.
const LONG_TABLE: usize = 40;
/// Groups of more charts than this fold into `<details>`.
const LONG_GROUP: usize = 12;

/// The heading of a group of charts, from their file names' kind.
fn group_title(kind: &str) -> &'static str {
    match kind {
        "session" => "Sessions",
        "source" => "Sources",
        "target" => "Targets",
        "instance" => "Source instances",
        "fleet" => "Appliance fleets",
        _ => "Other",
    }
}

/// The whole page; `network` is the network diagram
/// ([`crate::diagram::svg`]), sessions coloured by the run's fates.
pub fn page(r: &Report, charts: &[Chart], network: Option<&str>) -> String {
    let mut out = String::new();
    let (title, description) = heading(r);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>mirrorsim: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&r.scenario.name),
        escape(&title)
    );
    if let Some(d) = description {
        let _ = writeln!(out, "<p>{}</p>", escape(&d));
    }
    // The body first, gathering the headings for the table of contents.
    let mut body = String::new();
    let mut toc: Vec<(String, String)> = Vec::new();
    let mut headings = 0;
    let mut heading = |body: &mut String, tag: &str, title: &str| {
        headings += 1;
        let id = format!("s{headings}");
        let _ = writeln!(body, "<{tag} id=\"{id}\">{}</{tag}>", escape(title));
        if tag == "h2" {
            toc.push((id, title.to_string()));
        }
    };
    for section in sections(r) {
        match section {
            Section::Table(title, table) => {
                heading(&mut body, "h2", &title);
                // A long table (a fleet of 100 sources) folds away.
                let long = table.len() > LONG_TABLE;
                if long {
                    let _ = writeln!(body, "<details><summary>{} rows</summary>", table.len());
                }
                body.push_str("<div class=\"scroll\">\n");
                table.render_html(&mut body);
                body.push_str("</div>\n");
                if long {
                    body.push_str("</details>\n");
                }
            }
            Section::Paragraph(p) => {
                let _ = writeln!(body, "<p>{}</p>", escape(&p));
            }
            Section::List(title, items) => {
                heading(&mut body, "h2", &title);
                body.push_str("<ul>\n");
                for i in items {
                    let _ = write!(
                        body,
                        "<li class=\"{}\">{}",
                        if i.ok { "ok" } else { "fail" },
                        escape(&i.text)
                    );
                    if !i.detail.is_empty() {
                        body.push_str("<ul>");
                        for d in i.detail {
                            let _ = write!(body, "<li>{}</li>", escape(&d));
                        }
                        body.push_str("</ul>");
                    }
                    body.push_str("</li>\n");
                }
                body.push_str("</ul>\n");
            }
        }
    }
    if let Some(svg) = network {
        let svg = svg
            .trim()
            .trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>");
        heading(&mut body, "h2", "Network");
        let _ = writeln!(
            body,
            "<figure id=\"network\" class=\"scroll\">\n{svg}\n<figcaption>\
             Every resource and how it hangs together (network.svg). Sessions are drawn from \
             their source ENI to their target: green, their copies were delivered; orange, some \
             were dropped on the way; red, all were; gray, they sent none.</figcaption>\n</figure>"
        );
    }
    if !charts.is_empty() {
        heading(&mut body, "h2", "Charts");
        // One group per kind of resource, in the order charts come; a
        // group of many (100 sources) folds away.
        let kind = |c: &Chart| c.file.split('-').next().unwrap_or("").to_string();
        let mut start = 0;
        while start < charts.len() {
            let k = kind(&charts[start]);
            let end = charts[start..]
                .iter()
                .position(|c| kind(c) != k)
                .map_or(charts.len(), |n| start + n);
            let group = &charts[start..end];
            heading(
                &mut body,
                "h3",
                &format!("{} ({})", group_title(&k), group.len()),
            );
            let long = group.len() > LONG_GROUP;
            if long {
                let _ = writeln!(body, "<details><summary>{} charts</summary>", group.len());
            }
            for c in group {
                let id = c.file.trim_end_matches(".svg");
                let _ = writeln!(
                    body,
                    "<figure id=\"{}\">\n{}\n<figcaption>{} (charts/{})</figcaption>\n</figure>",
                    escape(id),
                    c.svg.trim(),
                    escape(&c.title),
                    escape(&c.file)
                );
            }
            if long {
                body.push_str("</details>\n");
            }
            start = end;
        }
    }
    out.push_str("<nav>\n<h2>Contents</h2>\n<ol>\n");
    for (id, title) in &toc {
        let _ = writeln!(out, "<li><a href=\"#{id}\">{}</a></li>", escape(title));
    }
    out.push_str("</ol>\n</nav>\n");
    out.push_str(&body);
    out.push_str("</body>\n</html>\n");
    out
}
