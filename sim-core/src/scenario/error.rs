//! What is wrong with a scenario file, with where it is.

use std::fmt;

pub use topology::Severity;

use super::locate::Position;

/// One problem, located in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    /// The AWS error code, or `syntax` for a file RON cannot read.
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    /// The id of the element at fault, when there is one.
    pub resource: Option<String>,
    /// The field at fault, in the file's spelling.
    pub field: Option<String>,
    /// Byte range in the file.
    pub start: usize,
    pub end: usize,
    pub position: Position,
}

/// A scenario that cannot be run, with every problem found (warnings too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The name the file was given as (its path).
    pub file: String,
    /// The file's text, for showing snippets.
    pub text: String,
    pub problems: Vec<Problem>,
}

impl ScenarioError {
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}: {level}[{}]: ",
            self.position.line, self.position.column, self.code
        )?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`")?;
            if let Some(r) = &self.resource {
                write!(f, " of `{r}`")?;
            }
            write!(f, ": ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{p}", self.file)?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}
