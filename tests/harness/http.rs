//! The one local HTTP server of the tests: a static file server on 127.0.0.1 in the test process
//! itself (a thread; plain `cargo test` has no Python), for the install scripts, the action and
//! Helm 4's plugin install over HTTP. `GET /NAME` answers the file NAME of the directory as it is
//! on disk at that moment (a test may tamper with it after starting the server); anything else,
//! a path with `/` or a name starting with `.`, is 404.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};

pub struct Server {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub url: String,
    pub port: u16,
}

impl Server {
    /// Serves `dir` on a free port until the test process ends.
    pub fn serve(dir: &Path) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let dir = dir.to_path_buf();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let dir: PathBuf = dir.clone();
                std::thread::spawn(move || answer(stream, &dir));
            }
        });
        Server {
            url: format!("http://127.0.0.1:{port}"),
            port,
        }
    }
}

fn answer(mut stream: TcpStream, dir: &Path) {
    let mut line = String::new();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    if reader.read_line(&mut line).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(n) if n > 2 => continue,
            _ => break,
        }
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/");
    let name = path.trim_start_matches('/');
    let file = (!name.is_empty() && !name.contains('/') && !name.starts_with('.'))
        .then(|| std::fs::read(dir.join(name)).ok())
        .flatten();
    let _ = match file {
        Some(body) => stream
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            )
            .and_then(|_| stream.write_all(&body)),
        None => stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    };
}
