//! The `clearml-sso` binary: the command line around the library's `render`. Process concerns
//! (arguments, files, exit codes, Helm's stderr) live here, so the library stays free of them.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
