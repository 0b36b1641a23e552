//! The `clearml-sso` binary: everything lives in the library; see `cli`.

fn main() -> std::process::ExitCode {
    clearml_sso::cli::run()
}
