//! Least privilege: raw sockets need only CAP_NET_RAW (and CAP_NET_ADMIN for some
//! interface settings). Sources open their sockets first (`Source::prepare`), then the
//! process drops every capability before any source thread or the UI starts, so threads
//! created afterwards inherit none. sweep never needs to run as root (`docs/privileges.md`).

use caps::{CapSet, Capability};

/// The exact line that gives the binary what the network checks need.
pub fn setcap_line() -> String {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "$(command -v sweep)".into());
    format!("sudo setcap cap_net_raw,cap_net_admin+eip {exe}")
}

/// Whether this thread can open raw sockets now.
pub fn has_net_raw() -> bool {
    caps::has_cap(None, CapSet::Effective, Capability::CAP_NET_RAW).unwrap_or(false)
}

/// Drop every capability of the calling thread (effective, permitted, inheritable, ambient).
/// Threads spawned after this inherit none. Returns what was held before, for logging.
pub fn drop_all() -> Result<Vec<String>, String> {
    let held: Vec<String> = caps::read(None, CapSet::Permitted)
        .map(|s| s.iter().map(|c| c.to_string()).collect())
        .unwrap_or_default();
    let _ = caps::clear(None, CapSet::Ambient);
    for set in [CapSet::Effective, CapSet::Inheritable, CapSet::Permitted] {
        caps::clear(None, set)
            .map_err(|e| format!("could not drop capabilities ({set:?}): {e}"))?;
    }
    Ok(held)
}

/// Capabilities the calling thread still holds in its permitted set.
pub fn permitted() -> Vec<String> {
    caps::read(None, CapSet::Permitted)
        .map(|s| s.iter().map(|c| c.to_string()).collect())
        .unwrap_or_default()
}

/// A small thread that keeps CAP_NET_RAW only to open raw sockets when the volunteer starts
/// a check from the screens; the UI thread and every source thread run without capabilities.
/// Dropping the `Opener` ends the thread (and its capabilities).
pub struct Opener {
    tx: Option<std::sync::mpsc::Sender<OpenRequest>>,
    handle: Option<std::thread::JoinHandle<()>>,
}

type OpenRequest = (
    String,
    String,
    crate::sources::LinkOptions,
    std::sync::mpsc::Sender<Result<crate::sources::Link, crate::sources::SourceError>>,
);

impl Opener {
    /// Start the opener (it keeps this thread's capabilities), then drop them on the calling
    /// thread and route `sources::open_link` through the opener.
    pub fn start_and_drop() -> Opener {
        let (tx, rx) = std::sync::mpsc::channel::<OpenRequest>();
        let handle = std::thread::Builder::new()
            .name("link-opener".into())
            .spawn(move || {
                for (iface, what, buf, reply) in rx {
                    let _ = reply.send(crate::sources::open_link_here(&iface, &what, buf));
                }
                let _ = drop_all();
            })
            .ok();
        let _ = drop_all();
        let sender = std::sync::Mutex::new(tx.clone());
        crate::sources::set_link_opener(Some(Box::new(
            move |iface: &str, what: &str, buf: crate::sources::LinkOptions| {
                let (rtx, rrx) = std::sync::mpsc::channel();
                let sent = sender
                    .lock()
                    .map(|s| {
                        s.send((iface.to_string(), what.to_string(), buf, rtx))
                            .is_ok()
                    })
                    .unwrap_or(false);
                if !sent {
                    return Err(crate::sources::SourceError::Failed(
                        "the privileged opener has stopped".into(),
                    ));
                }
                rrx.recv().unwrap_or_else(|_| {
                    Err(crate::sources::SourceError::Failed(
                        "the privileged opener has stopped".into(),
                    ))
                })
            },
        )));
        Opener {
            tx: Some(tx),
            handle,
        }
    }
}

impl Drop for Opener {
    fn drop(&mut self) {
        crate::sources::set_link_opener(None);
        self.tx.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
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
            let r = crate::sources::open_link("lo", "listen", 4096);
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

    fn has_net_raw_after_drop() -> bool {
        std::thread::spawn(|| {
            let _ = drop_all();
            has_net_raw()
        })
        .join()
        .unwrap_or(true)
    }
}
