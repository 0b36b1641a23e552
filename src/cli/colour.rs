//! Colour on a terminal: whether stdout and stderr get ANSI colour (`--color`, `NO_COLOR`,
//! whether the stream is a terminal), and painting the text meant for people — findings,
//! their summary line, `FILE:LINE:COLUMN: error:` lines, the unified diff — when it does.
//!
//! It must never colour machine output: the manifests, `values`, `init`, `explain` (copied into
//! shells and files) and every `check --format` but `text` are written without passing here.
//! It paints only text the library already wrote with every control character escaped
//! (`report::escape_lines`), so the codes it adds are the only ones on a painted line, and a
//! line's start (`error[`, `  --> `) is always the tool's own.

use anstream::ColorChoice;
use anstyle::{AnsiColor, Style};
use std::fmt::Write as _;

/// `--color WHEN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum When {
    /// Colour when the stream is a terminal, unless NO_COLOR is set (non-empty) or TERM=dumb;
    /// CLICOLOR=0 and CLICOLOR_FORCE=1 are honoured as well.
    Auto,
    /// Always colour, whatever the stream and the environment (NO_COLOR included).
    Always,
    /// Never colour.
    Never,
}

/// Sets the choice for the whole run: the explicit flag wins over the environment, as with
/// clap's and cargo's `--color`; `auto` leaves it to the environment and the stream.
pub fn set(when: When) {
    match when {
        When::Auto => ColorChoice::Auto,
        When::Always => ColorChoice::Always,
        When::Never => ColorChoice::Never,
    }
    .write_global();
}

/// Whether what goes to stdout is coloured.
pub fn stdout() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != ColorChoice::Never
}

/// Whether what goes to stderr is coloured.
pub fn stderr() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != ColorChoice::Never
}

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const NOTE: Style = AnsiColor::Green.on_default().bold();
const ARROW: Style = AnsiColor::Blue.on_default().bold();
const HELP: Style = AnsiColor::Cyan.on_default().bold();
const BOLD: Style = Style::new().bold();

fn styled(out: &mut String, style: Style, text: &str) {
    let _ = write!(out, "{style}{text}{style:#}");
}

fn severity(word: &str) -> Option<Style> {
    match word {
        "error" => Some(ERROR),
        "warning" => Some(WARNING),
        "note" => Some(NOTE),
        _ => None,
    }
}

/// Findings text (the text report, its summary line, `FILE:LINE:COLUMN: error: …` lines and
/// the tool's other messages) with colour when `on`; unchanged otherwise.
pub fn findings(text: &str, on: bool) -> String {
    by_line(text, on, finding_line)
}

/// `text` with each line written by `paint` when `on`; unchanged otherwise.
fn by_line(text: &str, on: bool, paint: fn(&mut String, &str)) -> String {
    if !on {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        paint(&mut out, line);
    }
    out
}

fn finding_line(out: &mut String, line: &str) {
    // `error[code]: message`: the head in its severity's colour, the message in bold.
    if let Some((head, message)) = line.split_once("]: ") {
        if let Some((word, _)) = head.split_once('[') {
            if let Some(style) = severity(word) {
                styled(out, style, &format!("{head}]"));
                out.push_str(": ");
                styled(out, BOLD, message);
                return;
            }
        }
    }
    // `  --> place` and `  help: text`: the marker styled, the rest as it is.
    for (marker, style) in [("-->", ARROW), ("help:", HELP)] {
        if let Some(rest) = line
            .strip_prefix("  ")
            .and_then(|l| l.strip_prefix(marker))
            .and_then(|l| l.strip_prefix(' '))
        {
            out.push_str("  ");
            styled(out, style, marker);
            out.push(' ');
            out.push_str(rest);
            return;
        }
    }
    if is_summary(line) {
        styled(out, BOLD, line);
        return;
    }
    // `FILE:LINE:COLUMN: error: …` (a policy file) and `clearml-sso: error: …`.
    for word in ["error", "warning", "note"] {
        if let Some((place, rest)) = line.split_once(&format!(": {word}: ")) {
            out.push_str(place);
            out.push_str(": ");
            styled(
                out,
                severity(word).expect("a severity"),
                &format!("{word}:"),
            );
            out.push(' ');
            out.push_str(rest);
            return;
        }
    }
    out.push_str(line);
}

/// `clearml-sso: 2 errors, 1 warning, 0 notes`.
fn is_summary(line: &str) -> bool {
    let Some(counts) = line.strip_prefix("clearml-sso: ") else {
        return false;
    };
    let parts: Vec<&str> = counts.split(", ").collect();
    parts.len() == 3
        && parts
            .iter()
            .zip(["error", "warning", "note"])
            .all(|(p, w)| {
                p.split_once(' ').is_some_and(|(n, word)| {
                    n.bytes().all(|b| b.is_ascii_digit()) && word.trim_end_matches('s') == w
                })
            })
}

/// A unified diff (`diff`'s stdout) with colour when `on`, as `git diff` colours one: headers
/// bold, hunk lines cyan, removed lines red, added lines green.
pub fn diff(text: &str, on: bool) -> String {
    by_line(text, on, diff_line)
}

fn diff_line(out: &mut String, line: &str) {
    let style = if line.starts_with("--- ") || line.starts_with("+++ ") {
        BOLD
    } else if line.starts_with("@@") {
        AnsiColor::Cyan.on_default()
    } else if line.starts_with('-') {
        AnsiColor::Red.on_default()
    } else if line.starts_with('+') {
        AnsiColor::Green.on_default()
    } else {
        out.push_str(line);
        return;
    };
    styled(out, style, line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paints_only_the_tools_own_line_starts() {
        let text = "error[no-target]: nothing matched\n  --> Deployment x\n  help: look\n\
                    clearml-sso: 1 error, 0 warnings, 0 notes\np.toml:1:2: warning: odd\nplain line\n";
        let painted = findings(text, true);
        assert!(
            painted.contains("\u{1b}[1m\u{1b}[31merror[no-target]\u{1b}[0m"),
            "{painted:?}"
        );
        assert!(
            painted.contains("p.toml:1:2: \u{1b}[1m\u{1b}[33mwarning:"),
            "{painted:?}"
        );
        assert!(
            painted.contains("\n  \u{1b}[1m\u{1b}[34m-->\u{1b}[0m Deployment x\n"),
            "{painted:?}"
        );
        assert!(
            painted.contains("\n  \u{1b}[1m\u{1b}[36mhelp:\u{1b}[0m look\n"),
            "{painted:?}"
        );
        assert!(painted.contains("\nplain line\n"), "{painted:?}");
        // Without the codes it is the same text.
        let plain = painted
            .split('\u{1b}')
            .enumerate()
            .map(|(i, s)| {
                if i == 0 {
                    s
                } else {
                    &s[s.find('m').unwrap() + 1..]
                }
            })
            .collect::<String>();
        assert_eq!(plain, text);
        assert_eq!(findings(text, false), text);
    }

    #[test]
    fn diff_lines_are_painted_as_git_paints_them() {
        let text = "--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n same\n";
        assert_eq!(
            diff(text, true),
            "\u{1b}[1m--- a\u{1b}[0m\n\u{1b}[1m+++ b\u{1b}[0m\n\u{1b}[36m@@ -1 +1 @@\u{1b}[0m\n\
             \u{1b}[31m-old\u{1b}[0m\n\u{1b}[32m+new\u{1b}[0m\n same\n"
        );
        assert_eq!(diff(text, false), text);
    }

    #[test]
    fn the_summary_line_is_told_from_other_tool_lines() {
        assert!(is_summary("clearml-sso: 2 errors, 1 warning, 10 notes"));
        assert!(!is_summary(
            "clearml-sso: render refused; nothing was written"
        ));
        assert!(!is_summary("clearml-sso: 2 errors, 1 warning"));
    }
}
