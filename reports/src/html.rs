//! `report.html`: the summary's tables and every chart in one file that
//! opens in any browser with no network: styles inline, charts as inline
//! SVG, no script, no external resource.

use std::fmt::Write as _;

use crate::charts::Chart;
use crate::schema::Report;
use crate::table::escape;
use crate::text::{Section, heading, sections};

const STYLE: &str = "
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
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
    for section in sections(r) {
        match section {
            Section::Table(title, table) => {
                let _ = writeln!(out, "<h2>{}</h2>\n<div class=\"scroll\">", escape(&title));
                table.render_html(&mut out);
                out.push_str("</div>\n");
            }
            Section::Paragraph(p) => {
                let _ = writeln!(out, "<p>{}</p>", escape(&p));
            }
            Section::List(title, items) => {
                let _ = writeln!(out, "<h2>{}</h2>\n<ul>", escape(&title));
                for i in items {
                    let _ = write!(
                        out,
                        "<li class=\"{}\">{}",
                        if i.ok { "ok" } else { "fail" },
                        escape(&i.text)
                    );
                    if !i.detail.is_empty() {
                        out.push_str("<ul>");
                        for d in i.detail {
                            let _ = write!(out, "<li>{}</li>", escape(&d));
                        }
                        out.push_str("</ul>");
                    }
                    out.push_str("</li>\n");
                }
                out.push_str("</ul>\n");
            }
        }
    }
    if let Some(svg) = network {
        let svg = svg
            .trim()
            .trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>");
        let _ = writeln!(
            out,
            "<h2>Network</h2>\n<figure id=\"network\" class=\"scroll\">\n{svg}\n<figcaption>\
             Every resource and how it hangs together (network.svg). Sessions are drawn from \
             their source ENI to their target: green, their copies were delivered; orange, some \
             were dropped on the way; red, all were; gray, they sent none.</figcaption>\n</figure>"
        );
    }
    if !charts.is_empty() {
        out.push_str("<h2>Charts</h2>\n");
        for c in charts {
            let id = c.file.trim_end_matches(".svg");
            let _ = writeln!(
                out,
                "<figure id=\"{}\">\n{}\n<figcaption>{} (charts/{})</figcaption>\n</figure>",
                escape(id),
                c.svg.trim(),
                escape(&c.title),
                escape(&c.file)
            );
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}
