//! A private Helm home for the tests that run real Helm: all four of Helm's locations in one
//! temporary directory, so no test reads or changes the user's. `HELM_PLUGINS` is
//! `$HELM_DATA_HOME/plugins` because Helm 4.1.4 installs a plugin tarball there whatever
//! `HELM_PLUGINS` says.

use super::{bin, plugin_platform, root, run_in, text, tool};
use std::path::Path;
use std::process::Output;

pub struct HelmHome {
    pub dir: tempfile::TempDir,
}

impl HelmHome {
    pub fn new() -> HelmHome {
        HelmHome {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The variables that point Helm at this home.
    pub fn env(&self) -> Vec<(String, String)> {
        let p = |s: &str| self.dir.path().join(s).display().to_string();
        vec![
            ("HELM_CACHE_HOME".into(), p("cache")),
            ("HELM_CONFIG_HOME".into(), p("config")),
            ("HELM_DATA_HOME".into(), p("data")),
            ("HELM_PLUGINS".into(), p("data/plugins")),
        ]
    }

    /// `helm args` in the repository root with this home.
    pub fn run(&self, helm: &Path, args: &[&str]) -> Output {
        let env = self.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        run_in(helm, args, b"", None, &env)
    }

    /// Installs this build into Helm 4 as a plugin directory: the repository's `plugin.yaml`
    /// and the binary at `bin/<os>-<arch>/clearml-sso`, then `helm plugin install DIR` (the
    /// signed release tarball is tested in tests/release/e2e.rs).
    pub fn install_plugin(&self) {
        let dir = self.dir.path().join("plugin-src");
        let bin_dir = dir.join("bin").join(plugin_platform());
        std::fs::create_dir_all(&bin_dir).unwrap();
        std::fs::copy(root().join("plugin.yaml"), dir.join("plugin.yaml")).unwrap();
        std::fs::copy(bin(), bin_dir.join("clearml-sso")).unwrap();
        let helm4 = tool("HELM4_BIN");
        let out = self.run(&helm4, &["plugin", "install", dir.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "helm plugin install failed: {}",
            text(&out.stderr)
        );
        let list = self.run(&helm4, &["plugin", "list"]);
        assert!(
            text(&list.stdout).contains("clearml-sso"),
            "plugin not listed: {}",
            text(&list.stdout)
        );
    }
}
