//! End-to-end tests of the `staffprobot` binary: the README's first command on a fresh folder,
//! configuration errors, operator commands and the demo data, serving (logs, supervision,
//! shutdown), what it does when the database is not there, on SQLite and PostgreSQL, and a real
//! Prometheus scraping it (the dashboard's and alert rules' queries).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cache;
mod commands;
mod database;
mod jobs;
mod kill;
mod metrics;
mod monitoring;
mod serving;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_staffprobot");

/// The binary with a clean environment (nothing from the developer's shell leaks in).
pub fn staffprobot(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

pub fn ok(out: Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A serving process (`run`, `api`, `bot`) whose output is collected. Killed if a test fails
/// before stopping it.
pub struct Running {
    child: Option<Child>,
    /// `http://127.0.0.1:<port>`, read from the start-up lines.
    pub base: String,
    /// The start-up lines on stdout, up to "Press Ctrl-C to stop.".
    pub lines: Vec<String>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

/// Starts `run`/`api`/`bot` (on a free port unless `HTTP_ADDR` is given) with stdout and stderr
/// piped, and waits for its start-up lines.
pub fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Running {
    let mut env = env.to_vec();
    if !env.iter().any(|(k, _)| *k == "HTTP_ADDR") {
        env.push(("HTTP_ADDR", "127.0.0.1:0"));
    }
    let mut child = staffprobot(dir, &env)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(String::new()));
    let mut readers = Vec::new();
    let mut err = child.stderr.take().unwrap();
    let sink = stderr.clone();
    readers.push(std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = err.read(&mut chunk) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&chunk[..n]));
        }
    }));
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    let mut base = None;
    let mut line = String::new();
    while out.read_line(&mut line).unwrap_or(0) > 0 {
        let text = line.trim_end().to_owned();
        line.clear();
        if let Some(rest) = text.trim().strip_prefix("Health:") {
            base = rest
                .split_whitespace()
                .next()
                .map(|u| u.trim_end_matches("/health").to_owned());
        }
        let done = text.starts_with("Press Ctrl-C");
        lines.push(text);
        if done {
            break;
        }
    }
    // Keep reading stdout so a late line never meets a closed pipe.
    readers.push(std::thread::spawn(move || {
        let mut rest = Vec::new();
        let _ = out.read_to_end(&mut rest);
    }));
    let running = Running {
        child: Some(child),
        base: base.unwrap_or_default(),
        lines,
        stderr,
        readers,
    };
    let serves_http = !matches!(args.first(), Some(&"worker") | Some(&"scheduler"));
    assert!(
        !serves_http || !running.base.is_empty(),
        "the start-up lines name the health URL: {:?}\n{}",
        running.lines,
        running.stderr()
    );
    running
}

impl Running {
    /// What the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends SIGTERM and expects a graceful exit (status 0) within 10 s; returns stderr.
    pub fn stop(self) -> String {
        let (status, stderr) = self.terminate_and_wait(Duration::from_secs(10));
        assert!(
            status.success(),
            "graceful shutdown exits 0, got {status}\n{stderr}"
        );
        stderr
    }

    /// Kills the process outright (SIGKILL: no shutdown, nothing acked); returns stderr.
    pub fn kill_now(mut self) -> String {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        self.stderr()
    }

    /// Sends SIGTERM and waits for the exit; returns the status and stderr.
    pub fn terminate_and_wait(self, timeout: Duration) -> (ExitStatus, String) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        self.wait_exit(timeout)
    }

    /// Waits for the process to end by itself; returns the status and everything on stderr.
    pub fn wait_exit(mut self, timeout: Duration) -> (ExitStatus, String) {
        let mut child = self.child.take().unwrap();
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "still running {timeout:?} later; stderr:\n{}",
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        (status, self.stderr())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn get(url: &str, token: Option<&str>) -> (u16, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut req = reqwest::Client::new().get(url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    })
}

/// POSTs `body` (JSON text) with the bearer `token`.
pub fn post(url: &str, token: &str, body: &str) -> (u16, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let resp = reqwest::Client::new()
            .post(url)
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    })
}

/// A fresh migrated PostgreSQL database for one test.
pub fn fresh_postgres() -> String {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(store_postgres::test_support::fresh_database())
        .unwrap()
}

/// Issues an API token for a registered Telegram id.
pub fn issue_token(dir: &Path, env: &[(&str, &str)], telegram_id: &str) -> String {
    let out = ok(staffprobot(dir, env)
        .args(["token", "issue", "--telegram-id", telegram_id])
        .output()
        .unwrap());
    out.lines()
        .find(|l| l.starts_with("spb_"))
        .expect("the token is printed")
        .trim()
        .to_owned()
}
