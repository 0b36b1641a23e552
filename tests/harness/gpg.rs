//! Throwaway gpg homes for the release tests: empty (a release job before its key is imported),
//! with one signing key, or a user's default `~/.gnupg`. Each stops the gpg agent it started
//! when dropped, so no agent outlives the test.

use super::{run_in, text, tool};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct GpgHome {
    dir: tempfile::TempDir,
    home: PathBuf,
}

impl GpgHome {
    /// An empty home, mode 0700 as gpg wants it.
    pub fn empty() -> GpgHome {
        let dir = tempfile::Builder::new().prefix("gnupg").tempdir().unwrap();
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        let home = dir.path().to_path_buf();
        GpgHome { dir, home }
    }

    /// A home with one RSA signing key for `uid` and no passphrase.
    pub fn with_key(uid: &str) -> GpgHome {
        let home = GpgHome::empty();
        let out = home.gpg(&[
            "--batch",
            "--passphrase",
            "",
            "--quick-generate-key",
            uid,
            "rsa3072",
            "sign",
            "never",
        ]);
        assert!(
            out.status.success(),
            "gpg key generation: {}",
            text(&out.stderr)
        );
        home
    }

    /// A user's home directory (see [`GpgHome::user_home`]) whose gpg home is the default
    /// `~/.gnupg`, not made yet: gpg makes it on first use, as on a new machine.
    pub fn in_user_home() -> GpgHome {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join(".gnupg");
        GpgHome { dir, home }
    }

    /// The gpg home: GNUPGHOME.
    pub fn path(&self) -> &Path {
        &self.home
    }

    /// The user's home directory of [`GpgHome::in_user_home`]: HOME.
    pub fn user_home(&self) -> &Path {
        self.dir.path()
    }

    /// `gpg ARGS` with this home.
    pub fn gpg(&self, args: &[&str]) -> Output {
        self.gpg_with_stdin(args, b"")
    }

    /// Signs `file` with this home's key into `asc` (detached, armored), as `scripts/release`
    /// signs SHA256SUMS; panics with gpg's message when it fails.
    pub fn detach_sign(&self, file: &Path, asc: &Path) {
        let signed = self.gpg(&[
            "--batch",
            "--yes",
            "--armor",
            "--detach-sign",
            "-o",
            asc.to_str().unwrap(),
            file.to_str().unwrap(),
        ]);
        assert!(signed.status.success(), "{}", text(&signed.stderr));
    }

    /// `gpg ARGS` with this home and `stdin`.
    pub fn gpg_with_stdin(&self, args: &[&str], stdin: &[u8]) -> Output {
        let home = self.path().to_str().unwrap();
        run_in(&tool("GPG_BIN"), args, stdin, None, &[("GNUPGHOME", home)])
    }
}

impl Drop for GpgHome {
    fn drop(&mut self) {
        let gpgconf = tool("GPG_BIN").with_file_name("gpgconf");
        let _ = Command::new(gpgconf)
            .args(["--kill", "all"])
            .env("GNUPGHOME", self.path())
            .output();
    }
}
