//! Errors of the optimisation engine.

use std::fmt;

/// One problem with the input, located by a JSON-style path such as `channels[2].max_spend`, so
/// that a user can fix every mistake in one pass (the CLI prints one line per issue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Where: `channels[2].max_spend`, `total_budget`, `groups[0].channels[1]`.
    pub path: String,
    /// What is wrong, in words.
    pub message: String,
}

impl Issue {
    /// An issue at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The same issue nested under `prefix` (`k` becomes `channels[0].curve.k`).
    #[must_use]
    pub fn under(mut self, prefix: &str) -> Self {
        self.path = if self.path.is_empty() {
            prefix.to_owned()
        } else if self.path.starts_with('[') {
            format!("{prefix}{}", self.path)
        } else {
            format!("{prefix}.{}", self.path)
        };
        self
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why the engine could not produce an answer. Every variant is the caller's input (there is no
/// internal failure mode: the numerical routines are bracketed and always terminate).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptimizeError {
    /// The input is malformed or the bounds cannot be met; one issue per problem.
    #[error("{}", join(.0))]
    Invalid(Vec<Issue>),
    /// A target (ROAS, response) that no budget within the bounds reaches.
    #[error("{0}")]
    Unreachable(Issue),
    /// Not enough history to fit a channel's curve.
    #[error("{0}")]
    InsufficientData(Issue),
}

impl OptimizeError {
    /// The issues to print, one per line.
    pub fn issues(&self) -> Vec<&Issue> {
        match self {
            Self::Invalid(v) => v.iter().collect(),
            Self::Unreachable(i) | Self::InsufficientData(i) => vec![i],
        }
    }

    pub(crate) fn one(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![Issue::new(path, message)])
    }
}

fn join(issues: &[Issue]) -> String {
    issues
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}
