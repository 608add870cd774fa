//! Shows a scenario's problems with the offending line underlined.

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, Severity};
use sim_core::scenario::Problem;

/// Renders problems as `file:line:col` headers followed by a snippet.
pub fn render(file: &str, text: &str, problems: &[Problem]) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for p in problems {
        let (level, severity) = match p.severity {
            topology::Severity::Error => ("error", Severity::Error),
            topology::Severity::Warning => ("warning", Severity::Warning),
        };
        out.push_str(&format!(
            "{file}:{}:{}: {level}[{}]: {}\n",
            p.position.line,
            p.position.column,
            p.code,
            headline(p)
        ));
        let label = match &p.field {
            Some(f) => format!("`{f}`"),
            None => "here".to_string(),
        };
        // The header line above already says what is wrong; the snippet
        // only shows where.
        let mut diag = MietteDiagnostic::new(p.code)
            .with_severity(severity)
            .with_label(LabeledSpan::at(
                p.start..p.end.max(p.start + 1).min(text.len().max(1)),
                label,
            ));
        if let Some(h) = &p.help {
            diag = diag.with_help(h.clone());
        }
        let report = miette::Report::new(diag)
            .with_source_code(miette::NamedSource::new(file, text.to_string()));
        let mut s = String::new();
        if handler.render_report(&mut s, report.as_ref()).is_ok() {
            out.push_str(&s);
        }
        out.push('\n');
    }
    out
}

fn headline(p: &Problem) -> String {
    match (&p.field, &p.resource) {
        (Some(f), Some(r)) => format!("{r}: {f}: {}", p.message),
        (Some(f), None) => format!("{f}: {}", p.message),
        _ => p.message.clone(),
    }
}
