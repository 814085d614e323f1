//! A program in a real terminal (tmux on a private socket), driven by keys and read back
//! with capture-pane. Waits poll the pane for expected text with a deadline; no fixed sleeps.

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
    _home: tempfile::TempDir,
}

impl Tmux {
    pub fn start(cmd: &str) -> Tmux {
        Self::start_in(cmd, tempfile::tempdir().expect("tmp"))
    }

    /// Panics when tmux is missing: the tests here are `#[ignore = "needs tmux"]`.
    pub fn start_in(cmd: &str, home: tempfile::TempDir) -> Tmux {
        Self::start_with(cmd, home, &[])
    }

    /// With more environment variables for the program (`NAME=value`).
    pub fn start_with(cmd: &str, home: tempfile::TempDir, env: &[String]) -> Tmux {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let socket = format!(
            "sweep-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-x",
                "100",
                "-y",
                "30",
                "-e",
            ])
            .arg(format!("SWEEP_HOME={}", home.path().display()))
            .args(env.iter().flat_map(|e| ["-e", e.as_str()]))
            .arg(cmd)
            .status()
            .expect("tmux is needed (apt-get install tmux)");
        assert!(status.success());
        Tmux {
            socket,
            _home: home,
        }
    }

    pub fn pane(&self) -> String {
        let o = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p"])
            .output()
            .expect("capture");
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let s = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys"])
            .args(keys)
            .status()
            .expect("send-keys");
        assert!(s.success());
    }

    /// Poll until the pane satisfies `pred`, with a deadline.
    pub fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let p = self.pane();
            if pred(&p) {
                return p;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{p}"
            );
            std::thread::yield_now();
        }
    }

    pub fn wait_for(&self, text: &str) -> String {
        self.wait(text, |p| p.contains(text))
    }

    pub fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["-L", &self.socket, "has-session"])
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}
