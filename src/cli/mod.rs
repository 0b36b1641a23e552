//! The command line: argument grammar ([`args`]), what each command does ([`commands`]), where
//! the policy comes from ([`policy_file`]), bounded reads ([`files`]), the `--report` file
//! ([`report_file`]), colour on a terminal ([`colour`]), exit codes and failures ([`exit`]),
//! Helm's swallowed stderr ([`helm_stderr`]), and the only `unsafe` code of the binary: the
//! system calls `rustix` lacks (`sys`) and the global allocator ([`alloc`]). It must not judge findings or edit manifests itself:
//! that is the library's, which in turn knows nothing of processes.

#[cfg(any(target_os = "linux", target_os = "macos"))]
pub mod alloc;
mod args;
mod colour;
mod commands;
mod exit;
mod files;
mod helm_stderr;
mod policy_file;
mod report_file;
#[cfg(any(target_os = "linux", target_os = "macos"))]
pub mod sys;

use args::Command;

/// Runs the command line; returns the process exit code (`exit` names them).
pub fn run() -> u8 {
    let mut raw: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let program = if raw.is_empty() {
        "clearml-sso".into()
    } else {
        raw.remove(0)
    };
    let (color, rest) = args::take_color(raw);
    if let Some(when) = color {
        colour::set(when);
    }
    let argv: Vec<std::ffi::OsString> = std::iter::once(program).chain(rest).collect();
    let cli = match args::parse(&argv) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            if code != exit::OK {
                helm_stderr::tell_failure(&e.to_string());
                let raw: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
                return commands::unparsed(args::salvage(&raw), &e.to_string());
            }
            return code;
        }
    };
    match cli.command {
        Some(Command::Render(args)) => commands::render(args),
        Some(Command::Check(args)) => commands::check(args),
        Some(Command::Diff(args)) => commands::diff(args),
        Some(Command::Explain(args)) => commands::explain(args),
        Some(Command::Values(args)) => commands::values(args),
        Some(Command::Init(args)) => commands::init(args),
        Some(Command::Completions(args)) => commands::completions(args.shell),
        Some(Command::Man) => commands::man(),
        Some(Command::Probe(args)) => commands::probe(args),
        None => commands::render(cli.render),
    }
}
