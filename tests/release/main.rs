//! Making and installing a release: `scripts/release` with a throwaway gpg key and Helm 4
//! installing the signed plugin (from a file, over HTTP, from an OCI registry), the install
//! scripts and `action.yml` against a local HTTP server and a hostile network, the workflows
//! (actionlint, ShellCheck, what they upload), the README's first steps and CI jobs, and the files a release
//! ships (`plugin.yaml`, LICENSE, the scripts); the container images, built, pushed, pulled and run
//! with podman.

#[path = "../harness/mod.rs"]
mod harness;

mod e2e;
mod first_steps;
mod images;
mod install_binary;
mod install_cli;
mod install_hostile;
mod readme_ci;
mod release_files;
mod rollback;
mod signatures;
mod workflows;
