//! Network namespaces created by a test and removed on drop, and child processes killed (by
//! their own pid) on drop.

use std::path::Path;
use std::process::{Child, Command};

/// A network namespace with its loopback up, deleted (with everything in it) on drop.
pub struct Netns(pub String);

impl Netns {
    /// Create `swp<tag>-<pid>`. Panics with the reason when it cannot (needs root and
    /// iproute2): a test that calls this is `#[ignore = "needs root and network namespaces"]`.
    pub fn new(tag: &str) -> Netns {
        Netns::named(format!("swp{tag}-{}", std::process::id()))
    }

    /// A namespace with exactly this name (unique to the test), loopback up.
    pub fn named(name: String) -> Netns {
        let status = Command::new("ip").args(["netns", "add", &name]).status();
        assert!(
            status.as_ref().is_ok_and(|s| s.success()),
            "cannot create network namespace {name} (needs root and iproute2): {status:?}"
        );
        let ns = Netns(name);
        ip(&["-n", &ns.0, "link", "set", "lo", "up"]);
        ns
    }

    pub fn name(&self) -> &str {
        &self.0
    }

    /// `program` run inside the namespace.
    pub fn cmd(&self, program: impl AsRef<Path>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.0]).arg(program.as_ref());
        c
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

/// `ip ARGS`, which must succeed.
pub fn ip(args: &[&str]) {
    let s = Command::new("ip").args(args).status().expect("run ip");
    assert!(s.success(), "ip {args:?}");
}

/// A child process this test started, killed and reaped when dropped.
pub struct Kid(pub Child);

impl Drop for Kid {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether this process runs as root (uid 0).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
