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

    fn has_net_raw_after_drop() -> bool {
        std::thread::spawn(|| {
            let _ = drop_all();
            has_net_raw()
        })
        .join()
        .unwrap_or(true)
    }
}
