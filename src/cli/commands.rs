//! What each command does, between parsed arguments and an exit code.
//!
//! The output contract: stdout carries only the command's output (the manifests for `render`)
//! and nothing at all when the command fails; findings and errors go to stderr; `--report`
//! is written before anything reaches stdout, and never to stdout itself. `check` is the one
//! command whose output *is* the findings: its stdout holds the report in the chosen format on
//! every exit (with `--format text`, an error that stops the run before any finding — exit 2 or
//! 3 — is on stderr only).
//!
//! A run stopped by a usage, policy or input error ([`Stop`]) still writes `--report` (the error
//! as a finding), unless the `--report` path itself is what is wrong.

use super::args::{
    CheckArgs, DiffArgs, InitArgs, PolicyArgs, ProbeArgs, ProbeFormat, RenderArgs, ValuesArgs,
};
use super::exit::{self, fail, print, print_with, Stop};
use super::{colour, helm_stderr, policy_file, report_file};
use clearml_sso::{diff, explain, merge, render_with, report, Outcome, RenderOptions};
use std::io::Write;
use std::path::Path;

/// The name an input is shown by: its path, or `stdin`.
fn input_name(input: Option<&Path>) -> String {
    input
        .filter(|p| *p != Path::new("-"))
        .map_or("stdin".to_string(), |p| p.display().to_string())
}

/// What probably made the input empty, by where it came from: Helm 3's `helm template
/// --output-dir` (measured with Helm 3.17: it hands the post-renderer an empty stream and
/// writes the templates uncorrected), a pipe whose writer failed (`helm template … |
/// clearml-sso check` with a failing helm, which the shell does not report without
/// `pipefail`), or a file that was written empty.
fn empty_input_help(input: Option<&Path>) -> String {
    let name = input.filter(|p| *p != Path::new("-"));
    if let Some(path) = name {
        return format!(
            "{} holds no document; if a command wrote it (`helm template … > {0}`), that command probably failed: look for its error",
            path.display()
        );
    }
    if helm_stderr::under_helm() {
        return "under `helm template --output-dir`, Helm 3 writes the templates to that directory uncorrected and gives the post-renderer an empty stream: render to stdout instead (`helm template … --post-renderer clearml-sso > rendered.yaml`), or pipe `helm template` without --output-dir into `clearml-sso check`".to_string();
    }
    let piped = rustix::fs::fstat(std::io::stdin()).is_ok_and(|st| {
        matches!(
            rustix::fs::FileType::from_raw_mode(st.st_mode),
            rustix::fs::FileType::Fifo | rustix::fs::FileType::Socket
        )
    });
    if piped {
        "nothing came through the pipe, so the command feeding it (such as `helm template …`) probably failed: look for its error above. Put `set -o pipefail` in the script (bash, zsh, ksh; with `set -e`: `set -euo pipefail`) so that any failing command fails its pipeline, not only the last one".to_string()
    } else {
        "stdin holds no document".to_string()
    }
}

/// Checks the `--report` path, loads the policy, reads the input and renders: the shared first
/// half of `render`, `check` and `diff`. `Err` says why the run stopped, and whether the
/// `--report` path can take a report about it (not when the path itself is the problem).
/// `deny_warnings` is `--deny-warnings`; `quiet` keeps the policy's notes off stderr.
fn prepare(
    report: Option<&Path>,
    policy: Option<&Path>,
    input: Option<&Path>,
    deny_warnings: bool,
    quiet: bool,
) -> Result<(Vec<u8>, Outcome), (Stop, bool)> {
    check_report(report, input, policy).map_err(|stop| (stop, false))?;
    let mut policy = policy_file::load(policy, quiet).map_err(|stop| (stop, true))?;
    if deny_warnings {
        policy.enforce.warnings = clearml_sso::policy::Warnings::Deny;
    }
    let name = input_name(input);
    let bytes = super::files::read(input, super::files::MAX_INPUT).map_err(|e| {
        let stop = Stop::in_file(exit::INPUT, format!("clearml-sso: {e:#}"), &name);
        (stop, true)
    })?;
    // Every command exits right after this one render: freeing the parsed documents (many
    // small nodes on a large stream) would only delay the exit. Each writes the output once,
    // if at all: it is kept by document, not as a second copy of the input.
    let why_empty = empty_input_help(input);
    let options = RenderOptions {
        leak_parsed: true,
        empty_input_help: Some(&why_empty),
        output_by_document: true,
    };
    let outcome = render_with(&bytes, &policy, options);
    // Not freed: the process exits after this render (see `leak_parsed` above).
    std::mem::forget(policy);
    let outcome = outcome.map_err(|e| {
        let message = format!("input is not a readable manifest stream: {e}");
        let finding =
            report::Finding::new(report::UNREADABLE_INPUT, message.clone()).in_file(report::Spot {
                path: name.clone(),
                line: e.line,
                column: e.column,
            });
        let stop = Stop {
            code: exit::INPUT,
            message: format!("clearml-sso: {name}: {message}"),
            findings: vec![finding],
        };
        (stop, true)
    })?;
    Ok((bytes, outcome))
}

/// Ends a run [`prepare`] stopped: the report (when its path can take one), then, for `check`
/// in a machine-readable format, the same error as a document on stdout, then the message on
/// stderr. A report that cannot be written makes it exit 2, as everywhere.
fn stopped(
    (stop, report_usable): (Stop, bool),
    report_path: Option<&Path>,
    document: Option<(report::Format, &report::Style)>,
) -> u8 {
    let style = report::Style::default();
    let Stop {
        mut code,
        mut message,
        mut findings,
    } = stop;
    if report_usable {
        if let Err(e) = report_file::write(report_path, &findings, &style) {
            let why = format!("clearml-sso: {e:#}");
            code = exit::USAGE;
            findings.push(exit::usage_finding(&why));
            message.push('\n');
            message.push_str(&why);
        }
    }
    if let Some((format, style)) = document.filter(|(f, _)| *f != report::Format::Text) {
        let _ = std::io::stdout().write_all(report::format(&findings, format, style).as_bytes());
    }
    fail(code, &message)
}

/// A command line clap refused (already printed, exit 2): the error as a `usage-error` finding
/// in `--report` and, for `check` in a machine-readable format, on stdout — whatever of the
/// two could be read from the arguments. A `--report` path that names another argument's file
/// (or stdout) is left alone.
pub fn unparsed(salvaged: super::args::Salvaged, clap_error: &str) -> u8 {
    let message = clap_error
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ");
    let finding = report::Finding::new(report::USAGE_ERROR, message)
        .help("see `clearml-sso --help`, or `clearml-sso COMMAND --help`");
    let findings = [finding];
    let style = report::Style::default();
    let others: Vec<Option<std::path::PathBuf>> = salvaged.others.into_iter().map(Some).collect();
    let report = salvaged.report.as_deref();
    if report_file::check_path(report, &others).is_ok() {
        if let Err(e) = report_file::write(report, &findings, &style) {
            let _ = writeln!(std::io::stderr(), "clearml-sso: {e:#}");
        }
    }
    if let Some(format) = salvaged
        .format
        .filter(|f| salvaged.check && *f != report::Format::Text)
    {
        let _ = std::io::stdout().write_all(report::format(&findings, format, &style).as_bytes());
    }
    exit::USAGE
}

/// The `--report` path checks every command that writes one runs first (see `report_file`).
fn check_report(
    report: Option<&Path>,
    input: Option<&Path>,
    policy: Option<&Path>,
) -> Result<(), Stop> {
    let inputs = [input.map(Path::to_path_buf), policy_file::find(policy).ok()];
    report_file::check_path(report, &inputs).map_err(|e| Stop::usage(format!("clearml-sso: {e:#}")))
}

pub fn render(args: RenderArgs) -> u8 {
    match prepare(
        args.report.as_deref(),
        args.policy.as_deref(),
        args.input.as_deref(),
        args.deny_warnings,
        args.quiet,
    ) {
        Ok((input, outcome)) => {
            let code = finish(
                &args,
                &outcome,
                "render refused; nothing was written",
                true,
                |out| outcome.write_output(&input, out),
            );
            if code == exit::OK && !args.quiet {
                tell_helm_summary(&args, &outcome);
            }
            // Everything is written; the process exits next, which frees the input, the output
            // by document and the findings at once, so they are not freed one by one here.
            std::mem::forget((input, outcome));
            code
        }
        Err(stop) => stopped(stop, args.report.as_deref(), None),
    }
}

/// What stderr shows of a refused run: the findings that stand whatever render would
/// correct (its errors, and what it reports without correcting), the summary of those, and
/// `refusal`, with how many corrections were not made. The corrections themselves are not
/// listed: none of them happened (`check` lists them, saying what render would do).
fn refusal_text(outcome: &Outcome, refusal: &str) -> String {
    let standing: Vec<report::Finding> = outcome
        .findings
        .iter()
        .filter(|f| !f.fixed)
        .cloned()
        .collect();
    let not_made = outcome.findings.len() - standing.len();
    let mut text = report::format(&standing, report::Format::Text, &report::Style::default());
    text.push_str(&format!("clearml-sso: {refusal}"));
    if not_made > 0 {
        let s = if not_made == 1 { "" } else { "s" };
        text.push_str(&format!(
            " ({not_made} correction{s} it would also make: `clearml-sso check` lists them)"
        ));
    }
    text
}

/// Under Helm, which drops our stderr on success, the summary of what the render did goes to
/// Helm's own stderr (`helm_stderr`); elsewhere the findings on our stderr say it already.
fn tell_helm_summary(args: &RenderArgs, outcome: &Outcome) {
    // Made only for Helm: elsewhere it would be thrown away.
    if !helm_stderr::under_helm() {
        return;
    }
    let policy = policy_file::find(args.policy.as_deref())
        .map_or_else(|_| "FILE".to_string(), |p| p.display().to_string());
    if let Some(text) = report::helm_summary(outcome, &policy) {
        helm_stderr::tell_success(&text);
    }
}

/// The second half `render` and `diff` share: write the report (even on failure, and before
/// any byte reaches stdout), refuse on any error saying `refusal`, else print the findings to
/// stderr and what `output` writes to stdout. A report that cannot be written fails the run with
/// `exit::USAGE` (the command line asked for it), also when the render fails anyway: the
/// findings and the reason both go to stderr, stdout gets nothing. `writes`: the output is
/// the corrected manifests (`render`); else (`diff`) the findings say what render would do.
fn finish(
    args: &RenderArgs,
    outcome: &Outcome,
    refusal: &str,
    writes: bool,
    output: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> u8 {
    let style = report::Style {
        proposed: outcome.has_errors() || !writes,
        ..Default::default()
    };
    let report_error = report_file::write(args.report.as_deref(), &outcome.findings, &style)
        .err()
        .map(|e| format!("clearml-sso: {e:#}\n"));
    match (outcome.has_errors(), report_error) {
        (true, None) => fail(exit::VIOLATION, &refusal_text(outcome, refusal)),
        (true, Some(e)) => fail(
            exit::USAGE,
            &format!("{}\n{e}", refusal_text(outcome, refusal)),
        ),
        (false, Some(e)) => fail(
            exit::USAGE,
            &format!(
                "{}{e}clearml-sso: nothing was written",
                findings_text(outcome, &style)
            ),
        ),
        (false, None) => {
            if !args.quiet {
                let text = colour::findings(&findings_text(outcome, &style), colour::stderr());
                let _ = std::io::stderr().write_all(text.as_bytes());
            }
            print_with(output)
        }
    }
}

/// Findings as text with the summary line (empty when there are none).
fn findings_text(outcome: &Outcome, style: &report::Style) -> String {
    if outcome.findings.is_empty() {
        String::new()
    } else {
        report::format(&outcome.findings, report::Format::Text, style)
    }
}

pub fn check(args: CheckArgs) -> u8 {
    let style = report::Style {
        proposed: true,
        chart_root: args.chart_root.clone(),
        input: Some(input_name(args.input.as_deref())),
    };
    let (_, outcome) = match prepare(
        args.report.as_deref(),
        args.policy.as_deref(),
        args.input.as_deref(),
        args.deny_warnings,
        false,
    ) {
        Ok(r) => r,
        Err(stop) => return stopped(stop, args.report.as_deref(), Some((args.format, &style))),
    };
    if let Err(e) = report_file::write(args.report.as_deref(), &outcome.findings, &style) {
        // Exit 2 (the report asked for is missing); the document says so too.
        let why = format!("clearml-sso: {e:#}");
        let text = report::format(&outcome.findings, report::Format::Text, &style);
        let mut findings = outcome.findings;
        findings.push(exit::usage_finding(&why));
        let stop = Stop {
            code: exit::USAGE,
            message: format!("{text}{why}"),
            findings,
        };
        return stopped((stop, false), None, Some((args.format, &style)));
    }
    let document = report::format(&outcome.findings, args.format, &style);
    let printed = if args.format == report::Format::Text {
        print(&colour::findings(&document, colour::stdout()))
    } else {
        print(&document)
    };
    if outcome.has_errors() || (args.strict && outcome.changed) {
        if args.strict && outcome.changed && !outcome.has_errors() {
            let _ = writeln!(
                std::io::stderr(),
                "clearml-sso: --strict: render would change the manifests"
            );
        }
        return exit::VIOLATION;
    }
    printed
}

/// `diff`: the diff on stdout, what it means on stderr. A refused render shows no diff — and
/// says so, with the errors, so that an empty stdout never reads as "no changes" (exit 1, as
/// `render`'s). With `--exit-code`, a render that would change something exits 1 as well.
pub fn diff(args: DiffArgs) -> u8 {
    let (input, outcome) = match prepare(
        args.render.report.as_deref(),
        args.render.policy.as_deref(),
        args.render.input.as_deref(),
        args.render.deny_warnings,
        args.render.quiet,
    ) {
        Ok(r) => r,
        Err(stop) => return stopped(stop, args.render.report.as_deref(), None),
    };
    let errors = outcome
        .findings
        .iter()
        .filter(|f| f.severity == report::Severity::Error)
        .count();
    let refusal = format!(
        "render would refuse ({errors} error{} above), so there is no diff to show; this is not \"no changes\"",
        if errors == 1 { "" } else { "s" }
    );
    let input = String::from_utf8(input).expect("render accepted it as UTF-8");
    let code = finish(&args.render, &outcome, &refusal, false, |out| {
        let diff = diff::unified(&input, &outcome.output_text(&input));
        out.write_all(colour::diff(&diff, colour::stdout()).as_bytes())
    });
    if code != exit::OK {
        return code;
    }
    let documents = outcome.changed_documents(&input);
    if !args.render.quiet {
        let _ = writeln!(
            std::io::stderr(),
            "clearml-sso: {}",
            match documents {
                0 => "render would change nothing".to_string(),
                1 => "render would change 1 document".to_string(),
                n => format!("render would change {n} documents"),
            }
        );
    }
    // The documents whose text differs: exactly when the output is not the input.
    if args.exit_code && documents > 0 {
        exit::VIOLATION
    } else {
        code
    }
}

/// `explain` and `values` refuse a policy `render` would refuse in any manifests: its
/// findings and why on stderr, exit 1, nothing on stdout.
fn refused_policy(findings: &[report::Finding]) -> u8 {
    let mut text = report::format(findings, report::Format::Text, &report::Style::default());
    text.push_str("clearml-sso: render refuses this policy whatever the manifests; fix it first");
    fail(exit::VIOLATION, &text)
}

/// The policy's warnings (`FILE:LINE:COLUMN: warning: …`) on stderr.
fn warn(text: &str) {
    let _ = write!(
        std::io::stderr(),
        "{}",
        colour::findings(text, colour::stderr())
    );
}

/// `explain` reads a policy still being written: its placeholders are not refused but listed
/// first, as to-do items (exit 0: the explanation is what was asked for).
pub fn explain(args: PolicyArgs) -> u8 {
    match policy_file::load_draft(args.policy.as_deref()) {
        Ok(policy) => match explain::explain(&policy) {
            Ok(text) => {
                // No findings are printed on success: the policy's warnings as the parser's.
                warn(&policy.warnings_text());
                print(&text)
            }
            Err(findings) => refused_policy(&findings),
        },
        Err(stop) => fail(stop.code, &stop.message),
    }
}

pub fn values(args: ValuesArgs) -> u8 {
    let policy = match policy_file::load(args.policy.policy.as_deref(), false) {
        Ok(policy) => policy,
        Err(stop) => return fail(stop.code, &stop.message),
    };
    let Some(path) = args.merge_with.as_deref() else {
        return match explain::values(&policy) {
            Ok(text) => {
                // No findings are printed on success: the policy's warnings as the parser's.
                warn(&policy.warnings_text());
                print(&text)
            }
            Err(findings) => refused_policy(&findings),
        };
    };
    // The policy first: a policy render refuses is the first thing to fix, whatever FILE holds.
    if let Err(findings) = explain::check(&policy) {
        return refused_policy(&findings);
    }
    let name = input_name(Some(path));
    // `values --merge-with FILE > FILE`: the shell emptied FILE before it could be read, and
    // an empty values file merges to the policy's list alone, the user's entries lost.
    if super::report_file::same_file_as_stdout(path) {
        return fail(
            exit::USAGE,
            &format!(
                "clearml-sso: {name} is also this command's standard output (`> {name}` empties it before it is read: restore it; `>> {name}` would give it a second `apiserver:`); the merged list goes in a second values file, given to Helm after this one"
            ),
        );
    }
    let text = match super::files::read(Some(path), super::files::MAX_POLICY) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                return fail(
                    exit::USAGE,
                    &format!("clearml-sso: {name}: not a values file Helm can read: not UTF-8"),
                )
            }
        },
        Err(e) => return fail(exit::USAGE, &format!("clearml-sso: {e:#}")),
    };
    match merge::merge_with(&policy, &name, &text) {
        Ok(merged) => {
            let style = report::Style::default();
            let mut notes = policy.warnings_text();
            notes.push_str(&merge::summary(&name, &merged));
            if !merged.findings.is_empty() {
                notes.push_str(&report::format(
                    &merged.findings,
                    report::Format::Text,
                    &style,
                ));
            }
            warn(&report::escape_lines(&notes));
            print(&merged.text)
        }
        Err(merge::MergeError::File(spot, message)) => fail(
            exit::USAGE,
            &format!("clearml-sso: {}: {message}", spot.describe()),
        ),
        Err(merge::MergeError::Policy(findings)) => refused_policy(&findings),
        Err(merge::MergeError::Refused(findings)) => {
            let mut text =
                report::format(&findings, report::Format::Text, &report::Style::default());
            text.push_str(&format!(
                "clearml-sso: render would refuse these entries of {name}; fix them first"
            ));
            fail(exit::VIOLATION, &text)
        }
    }
}

/// `init`: the starter on stdout, or into `--output FILE`, which must not exist yet unless
/// `--force` (a policy someone edited is not overwritten by accident).
pub fn init(args: InitArgs) -> u8 {
    let text = match explain::init(&args.providers) {
        Ok(text) => text,
        Err(e) => return fail(exit::USAGE, &format!("clearml-sso: {e}")),
    };
    // `--output -` is stdout, as `-` is stdin for INPUT.
    let Some(path) = args.output.as_deref().filter(|p| *p != Path::new("-")) else {
        return print(&text);
    };
    let shown = path.display();
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if args.force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let written = super::files::open(path, &mut options)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|_| f.flush()));
    match written {
        Ok(()) => {
            let to_fill =
                clearml_sso::policy::parse_draft(&text, "init").map_or(0, |p| p.placeholders.len());
            let then = if to_fill > 0 {
                format!(" (it lists the {to_fill} <…> value(s) to fill in first: until then every other command refuses the policy)")
            } else {
                String::new()
            };
            let _ = writeln!(
                std::io::stderr(),
                "clearml-sso: wrote {shown}; next: clearml-sso explain --policy {shown}{then}"
            );
            exit::OK
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => fail(
            exit::USAGE,
            &format!(
                "clearml-sso: {shown} exists; nothing was written (add --force to overwrite it)"
            ),
        ),
        Err(e) => fail(
            exit::USAGE,
            &format!("clearml-sso: cannot write {shown}: {e}"),
        ),
    }
}

/// `completions SHELL`: the completion script clap_complete generates from the same grammar.
pub fn completions(shell: clap_complete::Shell) -> u8 {
    let mut command = super::args::full_command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "clearml-sso", &mut script);
    let mut script = String::from_utf8_lossy(&script).into_owned();
    if shell == clap_complete::Shell::Bash {
        // clap_complete 4.6 spells the state of a subcommand of a hyphenated program two ways in
        // bash: the loop that walks the words arrives at `clearml__sso__subcmd__check`, the
        // case arms are labelled `clearml__subcmd__sso__subcmd__check`, so no option of a
        // subcommand ever completed. The arms are respelled as the loop spells them
        // (tests/offline/cli_extras.rs completes `check --format` in a real bash).
        script = script.replace("clearml__subcmd__sso", "clearml__sso");
    }
    print(&script)
}

/// `man`: the man page clap_mangen renders from the same grammar (scripts/release ships it).
pub fn man() -> u8 {
    let command = super::args::full_command();
    let mut page = Vec::new();
    match clap_mangen::Man::new(command).render(&mut page) {
        Ok(()) => print(&String::from_utf8_lossy(&page)),
        Err(e) => fail(
            exit::USAGE,
            &format!("clearml-sso: cannot render the man page: {e}"),
        ),
    }
}

/// `probe`: loads the policy, the `--secrets` files and `--ca-file`, then asks each provider.
/// A usage, policy or file error exits 2 with nothing on stdout; otherwise the results go to
/// stdout in `--format` and the exit code is the results' (0, 1 or 4).
pub fn probe(args: ProbeArgs) -> u8 {
    use clearml_sso::probe;
    let policy = match policy_file::load(args.policy.as_deref(), false) {
        Ok(p) => p,
        Err(stop) => return fail(stop.code, &stop.message),
    };
    let mut store = probe::secrets::Store::new();
    for path in &args.secrets {
        let shown = path.display().to_string();
        let bytes = match super::files::read(Some(path), super::files::MAX_POLICY) {
            Ok(b) => b,
            Err(e) => return fail(exit::USAGE, &format!("clearml-sso: {shown}: {e:#}")),
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return fail(exit::USAGE, &format!("clearml-sso: {shown}: not UTF-8"));
        };
        if let Err(e) = store.add_text(&text, &shown) {
            return fail(exit::USAGE, &format!("clearml-sso: {e}"));
        }
    }
    let mut metadata = Vec::new();
    for given in &args.metadata {
        // `PROVIDER=FILE` when the part before `=` is a SAML provider the policy declares.
        let (provider, path) = match given.split_once('=') {
            Some((key, path)) if clearml_sso::catalogue::provider(key).is_some() => {
                let declared = policy.providers.iter().any(|p| {
                    p.spec.key == key && p.spec.client == clearml_sso::catalogue::Client::Saml
                });
                if !declared {
                    return fail(
                        exit::USAGE,
                        &format!("clearml-sso: --metadata {given}: the policy declares no SAML provider `{key}`"),
                    );
                }
                (Some(key.to_string()), path)
            }
            _ => (None, given.as_str()),
        };
        if provider.is_none() {
            let saml = policy
                .providers
                .iter()
                .filter(|p| p.spec.client == clearml_sso::catalogue::Client::Saml)
                .count();
            if saml != 1 {
                return fail(
                    exit::USAGE,
                    &format!("clearml-sso: --metadata {given}: the policy declares {saml} SAML providers; write --metadata PROVIDER=FILE"),
                );
            }
        }
        let bytes = match super::files::read(Some(Path::new(path)), super::files::MAX_POLICY) {
            Ok(b) => b,
            Err(e) => {
                return fail(
                    exit::USAGE,
                    &format!("clearml-sso: --metadata {path}: {e:#}"),
                )
            }
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return fail(
                exit::USAGE,
                &format!("clearml-sso: --metadata {path}: not UTF-8"),
            );
        };
        metadata.push(probe::Metadata {
            provider,
            source: path.to_string(),
            text,
        });
    }
    let ca = match &args.ca_file {
        None => None,
        Some(path) => match super::files::read(Some(path), super::files::MAX_POLICY) {
            Ok(b) => Some(b),
            Err(e) => {
                return fail(
                    exit::USAGE,
                    &format!("clearml-sso: --ca-file {}: {e:#}", path.display()),
                )
            }
        },
    };
    let roots = match probe::http::roots(ca.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            let shown = args
                .ca_file
                .as_ref()
                .map_or(String::new(), |p| p.display().to_string());
            return fail(exit::USAGE, &format!("clearml-sso: --ca-file {shown}: {e}"));
        }
    };
    let mut transport = probe::http::Ureq::new(std::time::Duration::from_secs(args.timeout), roots);
    let results = probe::run(
        &policy,
        &store,
        &metadata,
        &mut transport,
        probe::Options::default(),
    );
    let text = match args.format {
        ProbeFormat::Text => probe::text(&results),
        ProbeFormat::Json => probe::json(&results),
    };
    let printed = print(&text);
    if printed != exit::OK {
        return printed;
    }
    let code = probe::exit_code(&results);
    debug_assert!(matches!(
        code,
        exit::OK | exit::VIOLATION | exit::INCONCLUSIVE
    ));
    code
}
