//! A local OCI registry for `scripts/release --push` and Helm 4's install from `oci://`:
//! Debian's docker-registry (`DOCKER_REGISTRY_BIN`) on 127.0.0.1 with its storage in a temporary
//! directory; stopped on drop.

use super::tool;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Registry {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// Starts the registry on a free port and waits (up to 20 s) until `/v2/` answers.
    pub fn start() -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
                dir.path().join("data").display()
            ),
        )
        .unwrap();
        let child = Command::new(tool("DOCKER_REGISTRY_BIN"))
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docker-registry");
        let registry = Registry {
            child,
            port,
            _dir: dir,
        };
        let started = Instant::now();
        while !registry.ready() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "docker-registry did not answer on 127.0.0.1:{port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        registry
    }

    fn ready(&self) -> bool {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = s.write_all(b"GET /v2/ HTTP/1.0\r\n\r\n");
        let mut reply = String::new();
        let _ = s.read_to_string(&mut reply);
        reply.starts_with("HTTP/1.0 200") || reply.starts_with("HTTP/1.1 200")
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
