//! Least privilege: raw sockets need only CAP_NET_RAW. Sources open their sockets first
//! (`Source::prepare`), then the process drops every capability before any source thread or
//! the UI starts, so threads created afterwards inherit none; started as root, it also
//! empties the bounding set and sets no-new-privileges. sweep never needs to run as root
//! (`docs/privileges.md`). This module uses `sources` (to open links); `sources` does not
//! use it.

use caps::{CapSet, Capability, CapsHashSet};

pub use crate::sources::setcap_line;
use crate::sources::{LinkOpener, LinkOptions};

/// Whether this thread can open raw sockets now.
pub fn has_net_raw() -> bool {
    caps::has_cap(None, CapSet::Effective, Capability::CAP_NET_RAW).unwrap_or(false)
}

/// Whether the process runs as root (it need not: see [`ROOT_NOT_NEEDED`]).
pub fn running_as_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Said once when sweep is started as root.
pub fn root_not_needed() -> String {
    format!(
        "sweep does not need to run as root. It opened what it needs and gave up root's powers; next time run it as the volunteer's user after: {}",
        setcap_line()
    )
}

/// Capabilities that could not be given up.
#[derive(Debug, thiserror::Error)]
pub enum PrivilegeError {
    #[error("could not drop capabilities ({set}): {source}")]
    Drop {
        set: &'static str,
        source: caps::errors::CapsError,
    },
    #[error("could not set no-new-privileges: {0}")]
    NoNewPrivs(#[from] nix::Error),
}

/// Drop every capability of the calling thread except `keep` (effective, permitted,
/// inheritable, ambient). When the thread may (root: CAP_SETPCAP), the bounding set is
/// emptied too, and no-new-privileges is set, so nothing it runs can regain any. Threads
/// spawned after this inherit the same. Returns what was held before.
fn drop_except(keep: Option<Capability>) -> Result<Vec<String>, PrivilegeError> {
    let held_set = caps::read(None, CapSet::Permitted).unwrap_or_default();
    let held: Vec<String> = held_set.iter().map(|c| c.to_string()).collect();
    let err = |set: &'static str, source| PrivilegeError::Drop { set, source };
    if caps::has_cap(None, CapSet::Effective, Capability::CAP_SETPCAP).unwrap_or(false) {
        for c in caps::read(None, CapSet::Bounding).unwrap_or_default() {
            if Some(c) != keep {
                caps::drop(None, CapSet::Bounding, c).map_err(|e| err("bounding", e))?;
            }
        }
    }
    caps::clear(None, CapSet::Ambient).map_err(|e| err("ambient", e))?;
    caps::clear(None, CapSet::Inheritable).map_err(|e| err("inheritable", e))?;
    let only: CapsHashSet = keep.filter(|k| held_set.contains(k)).into_iter().collect();
    caps::set(None, CapSet::Effective, &only).map_err(|e| err("effective", e))?;
    caps::set(None, CapSet::Permitted, &only).map_err(|e| err("permitted", e))?;
    nix::sys::prctl::set_no_new_privs()?;
    Ok(held)
}

/// Drop every capability of the calling thread; see [`drop_except`].
pub fn drop_all() -> Result<Vec<String>, PrivilegeError> {
    drop_except(None)
}

/// Capabilities the calling thread still holds in its permitted set.
pub fn permitted() -> Vec<String> {
    caps::read(None, CapSet::Permitted)
        .map(|s| s.iter().map(|c| c.to_string()).collect())
        .unwrap_or_default()
}

/// A small thread that keeps CAP_NET_RAW only (nothing else) to open raw sockets when the
/// volunteer starts a check from the screens; the UI thread and every source thread run
/// without capabilities. Dropping the `Opener` ends the thread (and its capability).
pub struct Opener {
    tx: Option<std::sync::mpsc::Sender<OpenRequest>>,
    handle: Option<std::thread::JoinHandle<()>>,
    link: LinkOpener,
    /// Why the capabilities could not be dropped as they should (said to the volunteer).
    pub problem: Option<String>,
}

type OpenRequest = (
    String,
    String,
    LinkOptions,
    std::sync::mpsc::Sender<Result<crate::sources::Link, crate::sources::SourceError>>,
);

impl Opener {
    /// Start the opener (it keeps CAP_NET_RAW of this thread's capabilities), then drop
    /// every capability on the calling thread. Hand [`Opener::link`] to the sessions.
    pub fn start_and_drop() -> Opener {
        let (tx, rx) = std::sync::mpsc::channel::<OpenRequest>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Option<String>>();
        let handle = std::thread::Builder::new()
            .name("link-opener".into())
            .spawn(move || {
                let _ = ready_tx.send(
                    drop_except(Some(Capability::CAP_NET_RAW))
                        .err()
                        .map(|e| e.to_string()),
                );
                for (iface, what, opts, reply) in rx {
                    let _ = reply.send(crate::sources::open_link_here(&iface, &what, opts));
                }
            })
            .ok();
        let opener_problem = ready_rx.recv().ok().flatten();
        let problem = drop_all().err().map(|e| e.to_string()).or(opener_problem);
        let sender = std::sync::Mutex::new(tx.clone());
        let link = LinkOpener(std::sync::Arc::new(
            move |iface: &str, what: &str, opts: LinkOptions| {
                let stopped = || {
                    crate::sources::SourceError::Failed("the privileged opener has stopped".into())
                };
                let (rtx, rrx) = std::sync::mpsc::channel();
                let sent = sender
                    .lock()
                    .map(|s| {
                        s.send((iface.to_string(), what.to_string(), opts, rtx))
                            .is_ok()
                    })
                    .unwrap_or(false);
                if !sent {
                    return Err(stopped());
                }
                rrx.recv().unwrap_or_else(|_| Err(stopped()))
            },
        ));
        Opener {
            tx: Some(tx),
            handle,
            link,
            problem,
        }
    }

    /// Opens links through the opener thread (for `SessionSpec::opener`).
    pub fn link(&self) -> LinkOpener {
        self.link.clone()
    }
}

impl Drop for Opener {
    /// The thread ends once no session holds its [`LinkOpener`] any more (it is not
    /// joined: a session may outlive the screens' `Opener` by a moment).
    fn drop(&mut self) {
        self.tx.take();
        self.handle.take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropping_leaves_no_capability_on_this_thread_and_its_children() {
        // Run on a fresh thread so the test harness's other threads keep theirs.
        let (before, after, child) = std::thread::spawn(|| {
            let before = permitted();
            drop_all().expect("drop");
            let after = permitted();
            let child = std::thread::spawn(permitted).join().expect("child");
            (before, after, child)
        })
        .join()
        .expect("thread");
        assert!(after.is_empty(), "still holds {after:?} (had {before:?})");
        assert!(
            child.is_empty(),
            "a thread spawned after dropping holds {child:?}"
        );
        assert!(!has_net_raw_after_drop());
    }

    #[test]
    fn the_screens_thread_drops_everything_and_the_opener_still_opens_links() {
        std::thread::spawn(|| {
            let could = has_net_raw();
            let opener = Opener::start_and_drop();
            assert!(permitted().is_empty(), "the UI thread kept capabilities");
            let r = crate::sources::open_link_with(
                "lo",
                "listen",
                LinkOptions::new(4096),
                Some(&opener.link()),
            );
            if could {
                assert!(
                    r.is_ok(),
                    "the opener thread could not open a link: {:?}",
                    r.err()
                );
            } else {
                assert!(r.is_err());
            }
            drop(opener);
        })
        .join()
        .expect("thread");
    }

    /// `NoNewPrivs:` of this thread, from /proc.
    fn no_new_privs() -> bool {
        let tid = nix::unistd::gettid();
        std::fs::read_to_string(format!("/proc/self/task/{tid}/status"))
            .unwrap_or_default()
            .lines()
            .any(|l| l.starts_with("NoNewPrivs:") && l.trim_end().ends_with('1'))
    }

    #[test]
    #[ignore = "needs root (checks what sweep gives up when started as root)"]
    fn started_as_root_the_bounding_set_is_emptied_and_no_new_privs_set() {
        assert!(running_as_root(), "run this test as root");
        let (bounding, nnp, child_bounding) = std::thread::spawn(|| {
            assert!(
                !caps::read(None, CapSet::Bounding)
                    .unwrap_or_default()
                    .is_empty()
            );
            drop_all().expect("drop");
            let child =
                std::thread::spawn(|| caps::read(None, CapSet::Bounding).unwrap_or_default())
                    .join()
                    .expect("child");
            (
                caps::read(None, CapSet::Bounding).unwrap_or_default(),
                no_new_privs(),
                child,
            )
        })
        .join()
        .expect("thread");
        assert!(bounding.is_empty(), "bounding set still holds {bounding:?}");
        assert!(
            child_bounding.is_empty(),
            "a child thread holds {child_bounding:?}"
        );
        assert!(nnp, "no-new-privileges is not set");
        // The opener thread keeps CAP_NET_RAW and nothing else.
        let kept = std::thread::spawn(|| {
            drop_except(Some(Capability::CAP_NET_RAW)).expect("drop");
            (
                caps::read(None, CapSet::Permitted).unwrap_or_default(),
                caps::read(None, CapSet::Effective).unwrap_or_default(),
                caps::read(None, CapSet::Bounding).unwrap_or_default(),
            )
        })
        .join()
        .expect("thread");
        let only: CapsHashSet = [Capability::CAP_NET_RAW].into_iter().collect();
        assert_eq!(kept.0, only);
        assert_eq!(kept.1, only);
        assert_eq!(kept.2, only);
    }

    fn has_net_raw_after_drop() -> bool {
        std::thread::spawn(|| {
            let _ = drop_all();
            has_net_raw()
        })
        .join()
        .unwrap_or(true)
    }
}
