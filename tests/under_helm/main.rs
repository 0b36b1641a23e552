//! The tool under real Helm 3 and Helm 4 (`#[ignore = "needs scripts/fetch-test-deps"]`) and a
//! new user's first run: the post-renderer and the plugin end to end, what reaches Helm's stderr
//! (also with `pidfd_getfd` denied), `init`/`explain`/the kubectl line, and the recipes of
//! docs/integrations.md (helmfile, Terraform, Argo CD, Flux).
//!
//! Named `under_helm`, not `helm`: the tool takes a parent process called `helm` and a version
//! for Helm (`says_helm` in src/cli/helm_stderr.rs), and a test binary `helm-<hash>` whose hash
//! began with digits would be taken for it.

#[path = "../harness/mod.rs"]
mod harness;

mod e2e;
mod first_run;
mod integrations;
mod stderr_file;
mod values_merge;
