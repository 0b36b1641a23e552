//! What users expect of a command line besides its commands: shell completions and the man page
//! generated from the same clap definition, colour on a terminal only (never in machine output
//! or pipes; `--color`, `NO_COLOR`), and an empty input that says where it probably came from.
//! Terminals are real: a pseudo-terminal from rustix, with the binary's stdout and/or stderr on
//! it.

use crate::harness::*;
use std::io::Read as _;
use std::path::Path;
use std::process::{Command, Stdio};

const EXAMPLE: &str = "examples/rendered/clearml.yaml";
const POLICY: &str = "--policy=policies/keycloak.toml";
const ESC: char = '\u{1b}';

/// The subcommands `--help` lists (so a new one is checked without an edit here).
fn subcommands() -> Vec<String> {
    let out = run(&["--help"], b"");
    assert!(out.status.success());
    let help = text(&out.stdout);
    let listed: Vec<String> = help
        .split_once("Commands:\n")
        .expect("a Commands: section")
        .1
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    for must in [
        "render",
        "check",
        "diff",
        "explain",
        "values",
        "init",
        "completions",
    ] {
        assert!(listed.iter().any(|c| c == must), "{must} in {listed:?}");
    }
    assert!(
        !listed.iter().any(|c| c == "man"),
        "man is hidden: {listed:?}"
    );
    listed
}

#[test]
fn completions_are_printed_for_each_shell_and_name_every_subcommand() {
    let commands = subcommands();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(&["completions", shell], b"");
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out.stderr));
        assert!(out.stderr.is_empty(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        assert!(!script.contains(ESC), "{shell}: no colour in a script");
        for c in &commands {
            assert!(script.contains(c.as_str()), "{shell} completes {c}");
        }
    }
    assert!(text(&run(&["completions", "zsh"], b"").stdout).starts_with("#compdef clearml-sso"));
    assert!(text(&run(&["completions", "fish"], b"").stdout).contains("complete -c clearml-sso"));
    let out = run(&["completions", "tcsh"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

/// The bash script, loaded into a real bash, completes subcommands and `--format` values.
#[test]
fn bash_completion_completes_subcommands_and_formats() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("clearml-sso.bash");
    std::fs::write(&script, run(&["completions", "bash"], b"").stdout).unwrap();
    let complete = |words: &str| {
        let program = format!(
            "source '{}'; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             spec=$(complete -p clearml-sso); fn=${{spec##* -F }}; fn=${{fn%% *}}; \
             \"$fn\" clearml-sso \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let out = run_in(&bash(), &["-c", &program], b"", None, &[]);
        assert!(out.status.success(), "{words}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let replies = complete("clearml-sso ch");
    assert_eq!(replies.trim(), "check", "{replies}");
    let formats = complete("clearml-sso check --format ''");
    for f in ["text", "json", "github", "gitlab", "sarif", "junit"] {
        assert!(formats.lines().any(|l| l == f), "{f} in {formats}");
    }
    // A subcommand's own options, and the values of a global one after it.
    let options = complete("clearml-sso diff --exit");
    assert_eq!(options.trim(), "--exit-code", "{options}");
    let shells = complete("clearml-sso completions ''");
    assert!(shells.lines().any(|l| l == "fish"), "{shells}");
}

#[test]
fn the_man_page_is_roff_naming_every_subcommand_and_option() {
    let out = run(&["man"], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let page = text(&out.stdout);
    // A roff man page: the .TH header for section 1, NAME and SYNOPSIS sections, no colour.
    assert!(
        page.lines().any(|l| l.starts_with(".TH clearml-sso 1 ")),
        "{page}"
    );
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(page.lines().any(|l| l == section), "{section}: {page}");
    }
    assert!(!page.contains(ESC));
    // roff escapes `-` as `\-` in names.
    for c in subcommands() {
        let name = format!("clearml\\-sso\\-{}(1)", c.replace('-', "\\-"));
        assert!(page.contains(&name), "{name}: {page}");
    }
    for option in ["policy", "report", "quiet", "color"] {
        assert!(
            page.contains(&format!("\\fB\\-\\-{option}\\fR")),
            "--{option}"
        );
    }
    // Every line is text or a request (`.XX`), never a stray control character.
    assert!(
        page.chars().all(|c| c == '\n' || !c.is_control()),
        "{page:?}"
    );
}

/// Runs the binary with stdout and/or stderr on a pseudo-terminal (the others to files), with
/// a plain environment for colour (`TERM=xterm`, no NO_COLOR/CLICOLOR*) plus `env`. Returns the
/// exit code, what the terminal showed, and the stdout and stderr that went to files.
fn on_terminal(
    args: &[&str],
    stdin: Option<&Path>,
    stdout_tty: bool,
    stderr_tty: bool,
    env: &[(&str, &str)],
) -> (Option<i32>, String, String, String) {
    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let open_slave = || {
        // NOCTTY: the terminal must not become the test process's controlling terminal.
        let fd = rustix::fs::open(
            name.as_c_str(),
            rustix::fs::OFlags::RDWR | rustix::fs::OFlags::NOCTTY | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .unwrap();
        Stdio::from(fd)
    };
    let dir = tempfile::tempdir().unwrap();
    let file = |n: &str| Stdio::from(std::fs::File::create(dir.path().join(n)).unwrap());
    let mut cmd = command(&bin());
    cmd.args(args)
        .env("TERM", "xterm")
        .stdin(match stdin {
            Some(p) => Stdio::from(std::fs::File::open(root().join(p)).unwrap()),
            None => Stdio::null(),
        })
        .stdout(if stdout_tty {
            open_slave()
        } else {
            file("out")
        })
        .stderr(if stderr_tty {
            open_slave()
        } else {
            file("err")
        });
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    // The Command holds the terminal's other end open: dropped, the master reads EOF (EIO)
    // once the child has exited.
    drop(cmd);
    let mut shown = Vec::new();
    let mut master = std::fs::File::from(master);
    let mut buf = [0u8; 8192];
    loop {
        match master.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => shown.extend_from_slice(&buf[..n]),
            Err(e) if e.raw_os_error() == Some(rustix::io::Errno::IO.raw_os_error()) => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => panic!("reading the terminal: {e}"),
        }
    }
    let status = child.wait().unwrap();
    let read = |n: &str| std::fs::read_to_string(dir.path().join(n)).unwrap_or_default();
    (status.code(), text(&shown), read("out"), read("err"))
}

#[test]
fn findings_are_coloured_on_a_terminal_and_machine_output_never() {
    // Both on the terminal: the findings are coloured (the manifests are in the same view, so
    // they are checked below with stdout to a file).
    let (code, shown, _, _) = on_terminal(&[POLICY, EXAMPLE], None, true, true, &[]);
    assert_eq!(code, Some(0), "{shown}");
    assert!(
        shown.contains("\u{1b}[1m\u{1b}[32mnote[missing-variable]"),
        "{shown:?}"
    );
    // Findings on the terminal, manifests to a file: no code in the manifests.
    let (code, shown, out, _) = on_terminal(&[POLICY, EXAMPLE], None, false, true, &[]);
    assert_eq!(code, Some(0));
    assert!(shown.contains(ESC) && !out.contains(ESC) && out.contains("kind: Deployment"));
    // Machine output on a terminal: values, init, explain, check --format json/sarif.
    for args in [
        vec!["values", POLICY],
        vec!["explain", POLICY],
        vec!["init", "keycloak"],
        vec!["check", POLICY, "--format", "json", EXAMPLE],
        vec!["check", POLICY, "--format", "sarif", EXAMPLE],
        vec!["completions", "bash"],
        vec!["man"],
    ] {
        let (code, shown, _, _) = on_terminal(&args, None, true, false, &[]);
        assert!(matches!(code, Some(0 | 1)), "{args:?}: {shown}");
        assert!(
            !shown.is_empty() && !shown.contains(ESC),
            "{args:?}: {shown:?}"
        );
    }
    // check's text on a terminal is coloured; NO_COLOR (non-empty) and --color never turn it off.
    let check = ["check", POLICY, EXAMPLE];
    assert!(on_terminal(&check, None, true, false, &[]).1.contains(ESC));
    let (_, shown, _, _) = on_terminal(&check, None, true, false, &[("NO_COLOR", "1")]);
    assert!(
        !shown.contains(ESC) && shown.contains("note[missing-variable]"),
        "{shown:?}"
    );
    // An empty NO_COLOR is unset, by its definition (no-color.org).
    assert!(on_terminal(&check, None, true, false, &[("NO_COLOR", "")])
        .1
        .contains(ESC));
    let never = ["--color", "never", "check", POLICY, EXAMPLE];
    let (_, shown, _, _) = on_terminal(&never, None, true, false, &[]);
    assert!(
        !shown.contains(ESC) && shown.contains("note[missing-variable]"),
        "{shown:?}"
    );
    // TERM=dumb: no colour in auto.
    let (_, shown, _, _) = on_terminal(&check, None, true, false, &[("TERM", "dumb")]);
    assert!(!shown.contains(ESC), "{shown:?}");
    // clap's own help follows --color too.
    assert!(on_terminal(&["--help"], None, true, false, &[])
        .1
        .contains(ESC));
    let (_, shown, _, _) = on_terminal(&["--color=never", "--help"], None, true, false, &[]);
    assert!(
        !shown.contains(ESC) && shown.contains("Usage:"),
        "{shown:?}"
    );
}

#[test]
fn color_always_never_and_auto_through_pipes() {
    let input = std::fs::read(root().join(EXAMPLE)).unwrap();
    let no_env = [("NO_COLOR", ""), ("CLICOLOR_FORCE", ""), ("CLICOLOR", "")];
    // Piped, auto: nothing coloured anywhere.
    for args in [vec![POLICY], vec!["check", POLICY], vec!["diff", POLICY]] {
        let out = run_in(&bin(), &args, &input, None, &no_env);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}");
        assert!(
            !text(&out.stdout).contains(ESC) && !text(&out.stderr).contains(ESC),
            "{args:?}"
        );
    }
    // --color always, before or after the subcommand: the text has colour, json none, and the
    // manifests none. The explicit flag wins over NO_COLOR (as clap's and cargo's --color).
    for env in [&no_env[..], &[("NO_COLOR", "1")]] {
        for args in [
            vec!["--color", "always", "check", POLICY],
            vec!["check", "--color=always", POLICY],
        ] {
            let out = run_in(&bin(), &args, &input, None, env);
            assert_eq!(out.status.code(), Some(0), "{args:?}");
            let shown = text(&out.stdout);
            assert!(
                shown.contains("\u{1b}[1m\u{1b}[32mnote[missing-variable]\u{1b}[0m"),
                "{shown:?}"
            );
            assert!(
                shown.contains("\u{1b}[1mclearml-sso: 0 errors, 0 warnings, 11 notes\u{1b}[0m"),
                "{shown:?}"
            );
        }
        let out = run_in(
            &bin(),
            &["check", "--color", "always", "--format", "json", POLICY],
            &input,
            None,
            env,
        );
        assert!(!text(&out.stdout).contains(ESC));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("valid JSON");
        let out = run_in(&bin(), &["--color=always", POLICY], &input, None, env);
        assert_eq!(out.status.code(), Some(0));
        assert!(
            !text(&out.stdout).contains(ESC),
            "manifests are never coloured"
        );
        assert!(text(&out.stderr).contains(ESC), "findings on stderr are");
        let out = run_in(
            &bin(),
            &["diff", "--color=always", POLICY],
            &input,
            None,
            env,
        );
        assert!(
            text(&out.stdout).contains("\u{1b}[32m+            - name: CLEARML__"),
            "diff"
        );
    }
    // CLICOLOR_FORCE=1 colours a pipe in auto (the convention anstream and clap follow);
    // --color never still wins.
    let force = [("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")];
    let out = run_in(&bin(), &["check", POLICY], &input, None, &force);
    assert!(text(&out.stdout).contains(ESC));
    let out = run_in(
        &bin(),
        &["check", "--color", "never", POLICY],
        &input,
        None,
        &force,
    );
    assert!(!text(&out.stdout).contains(ESC));
    // A policy error (FILE:LINE:COLUMN: error: …) is coloured as well; the text is unchanged.
    let dir = tempfile::tempdir().unwrap();
    let bad = temp_file(
        &dir,
        "bad.toml",
        "version = 1\n[enforce]\nmode = \"sometimes\"\n",
    );
    let policy = format!("--policy={}", bad.display());
    let plain = run_in(&bin(), &[&policy], &input, None, &no_env);
    let painted = run_in(&bin(), &["--color=always", &policy], &input, None, &no_env);
    assert_eq!(plain.status.code(), Some(2));
    let painted_err = text(&painted.stderr);
    assert!(
        painted_err.contains(": \u{1b}[1m\u{1b}[31merror:\u{1b}[0m "),
        "{painted_err:?}"
    );
    assert_eq!(strip_ansi(&painted_err), text(&plain.stderr));
    // An invalid WHEN is a usage error listing the valid ones.
    let out = run(&["--color", "sometimes", POLICY], &input);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("[possible values: auto, always, never]"));
}

/// `text` without SGR sequences (`ESC [ … m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(ESC) {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        rest = &after[after.find('m').expect("an SGR sequence") + 1..];
    }
    out.push_str(rest);
    out
}

const PIPE_HINT: &str = "help: the input is empty: nothing came through the pipe, so the command feeding it (such as `helm template …`) probably failed";

/// An empty input says what probably happened, by where it came from; never `--output-dir`
/// outside Helm.
#[test]
fn an_empty_input_says_where_it_came_from() {
    // A failing command feeding a pipe, for render and check: the pipe's writer failed, and
    // `set -o pipefail` is what makes a script notice.
    for command in ["", "check"] {
        let script = format!("false | \"$0\" {command} {POLICY}; exit $?");
        let out = run_in(
            &system_tool("sh"),
            &["-c", &script, bin().to_str().unwrap()],
            b"",
            None,
            &[],
        );
        assert_eq!(out.status.code(), Some(1), "{command}");
        // check prints its findings on stdout.
        let err = text(&out.stderr) + &text(&out.stdout);
        assert!(err.contains(PIPE_HINT), "{command}: {err}");
        assert!(err.contains("`set -o pipefail`"), "{err}");
        assert!(!err.contains("--output-dir"), "not under Helm: {err}");
    }
    // The JSON report holds the same help.
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let out = run(
        &["check", POLICY, "--report", report.to_str().unwrap()],
        b"---\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let json = std::fs::read_to_string(&report).unwrap();
    assert!(json.contains("nothing came through the pipe"), "{json}");
    // An empty file named as INPUT: named, with what probably wrote it.
    let empty = temp_file(&dir, "rendered.yaml", "# Source: nothing\n");
    let out = run(&["check", POLICY, empty.to_str().unwrap()], b"");
    let err = text(&out.stdout);
    assert!(
        err.contains(&format!(
            "help: the input is empty: {} holds no document; if a command wrote it (`helm template … > {0}`), that command probably failed",
            empty.display()
        )),
        "{err}"
    );
    // stdin from /dev/null or a file: no pipe to blame.
    let out = Command::new(bin())
        .args([POLICY])
        .current_dir(root())
        .env_remove("CLEARML_SSO_POLICY")
        .stdin(std::fs::File::open(&empty).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("help: the input is empty: stdin holds no document"),
        "{err}"
    );
    // Documents without a workload keep the other help.
    let out = run(
        &[POLICY],
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
    );
    assert!(!text(&out.stderr).contains("the input is empty"));
}

/// stdin on a terminal nobody types into (`docker run -t` without `-i`, or the command typed at
/// a shell without a pipe) is refused at once with how to feed the manifests, nothing on
/// stdout, instead of waiting forever (found by atk21 with the clearml-sso-cli image).
#[test]
fn a_terminal_on_stdin_is_refused_at_once() {
    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
    for command in ["render", "check", "diff"] {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let name = ptsname(&master, Vec::new()).unwrap();
        let slave = rustix::fs::open(
            name.as_c_str(),
            rustix::fs::OFlags::RDWR | rustix::fs::OFlags::NOCTTY | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .unwrap();
        let mut child = Command::new(bin())
            .args([command, POLICY])
            .current_dir(root())
            .env_remove("CLEARML_SSO_POLICY")
            .stdin(Stdio::from(slave))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The master stays open (nobody writes): a read of the terminal would block forever.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{command}: still waiting on a terminal stdin after 20 s");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let out = child.wait_with_output().unwrap();
        drop(master);
        assert_eq!(
            out.status.code(),
            Some(3),
            "{command}: {}",
            text(&out.stderr)
        );
        if command == "render" {
            assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
        }
        let said = text(&out.stderr) + &text(&out.stdout);
        assert!(said.contains("stdin is a terminal"), "{command}: {said}");
        assert!(said.contains("docker run -i"), "{command}: {said}");
    }
}
