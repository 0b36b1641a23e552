//! What is wrong with a policy file: [`PolicyError`] (every problem in the file) and
//! [`Problem`] (one, at its `FILE:LINE:COLUMN`, with help), and how both are printed.
//!
//! It must not decide what is a problem (the loader does) nor turn one into a finding (the
//! CLI and `correct` do); it holds and formats them, one format for errors, warnings and notes.

use std::fmt;

/// Everything wrong with a policy file.
#[derive(Debug, Clone)]
pub struct PolicyError {
    /// The file, as named to the user.
    pub source: String,
    /// One entry per problem, in file order.
    pub problems: Vec<Problem>,
}

/// One problem at a place in the policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line (0: the file as a whole).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

/// One problem as printed: `FILE:LINE:COLUMN: LEVEL: message`, then `  help: …`.
pub(super) fn format_problem(source: &str, level: &str, p: &Problem) -> String {
    let mut out = if p.line == 0 {
        format!("{source}: {level}: {}", p.message)
    } else {
        format!("{source}:{}:{}: {level}: {}", p.line, p.column, p.message)
    };
    if let Some(help) = &p.help {
        out.push_str(&format!("\n  help: {help}"));
    }
    out
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            f.write_str(&format_problem(&self.source, "error", p))?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyError {}
