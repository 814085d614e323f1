//! End to end: `sweep demo` in a real terminal (tmux), driven by keys, read back with
//! capture-pane. Waits poll the pane for expected text with a deadline; no fixed sleeps.

mod android_support;
mod support;

use std::time::{Duration, Instant};

use support::tmux::Tmux;

#[test]
#[ignore = "needs tmux"]
fn demo_navigate_locate_hide_restore_quit() {
    let cmd = format!("{} demo --speed 60", env!("CARGO_BIN_EXE_sweep"));
    let t = Tmux::start(&cmd);
    t.wait_for("Apple AirTag");
    t.wait_for("this tracker moved with the client");
    // Navigate: down to the SmartTag, open its details, go back.
    t.keys(&["Down", "Enter"]);
    t.wait_for("Signature: tracker.samsung-smarttag");
    t.keys(&["q"]);
    t.wait_for("demonstration");
    // Open the first finding, then locate mode.
    t.keys(&["Up", "l"]);
    t.wait_for("find Apple AirTag");
    t.wait("a trend word", |p| {
        p.contains("WARMER") || p.contains("COLDER") || p.contains("SAME")
    });
    // Escape: nothing of the check is on screen.
    t.keys(&["Escape"]);
    let hidden = t.wait("the neutral screen", |p| p.contains("Shopping"));
    let lower = hidden.to_lowercase();
    for word in [
        "airtag",
        "tracker",
        "smarttag",
        "stalkerware",
        "thetruthspy",
        "sweep",
        "signal",
        "client",
    ] {
        assert!(
            !lower.contains(word),
            "{word:?} visible after Escape:\n{hidden}"
        );
    }
    // Stray keys keep it hidden; the sequence brings it back.
    t.keys(&["q"]);
    t.wait("still hidden", |p| p.contains("Shopping"));
    assert!(t.alive(), "q must not quit while hidden");
    t.keys(&["b", "a", "c", "k"]);
    t.wait_for("find Apple AirTag");
    // Review with the client, then back and quit.
    t.keys(&["q", "r"]);
    t.wait_for("What it may mean");
    t.keys(&["q", "q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while t.alive() {
        assert!(Instant::now() < deadline, "sweep did not quit");
        std::thread::yield_now();
    }
}

#[test]
#[ignore = "needs tmux"]
fn start_screen_reopens_the_last_case_from_its_journal() {
    let home = tempfile::tempdir().expect("tmp");
    let case = home.path().join("cases").join("20261122T100000Z-C-9");
    std::fs::create_dir_all(&case).expect("case dir");
    std::fs::write(case.join("journal.jsonl"), sweep::ui::DEMO_SESSION).expect("journal");
    let cmd = env!("CARGO_BIN_EXE_sweep").to_string();
    let t = Tmux::start_in(&cmd, home);
    t.wait_for("start a check");
    t.wait_for("reopen an earlier case");
    // o lists the cases to choose from; nothing opens by itself.
    t.keys(&["o"]);
    t.wait("the case list", |p| {
        p.contains("reopen a case (read-only)") && p.contains("20261122T100000Z-C-9")
    });
    t.keys(&["Enter"]);
    t.wait_for("Reopened case 20261122T100000Z-C-9");
    t.wait_for("this tracker moved with the client");
    t.keys(&["q"]);
}

/// A tracker whose advertised name carries a line separator (U+2028), zero-width and filler
/// characters: Escape clears the whole terminal, and nothing of the findings is left on it.
#[test]
#[ignore = "needs tmux"]
fn hide_after_a_hostile_name_leaves_nothing_on_screen() {
    let home = tempfile::tempdir().expect("tmp");
    let case = home.path().join("cases").join("20261122T100000Z-C-11");
    std::fs::create_dir_all(&case).expect("case dir");
    let mut journal = String::new();
    for i in 0..30 {
        journal.push_str(&format!(
            "{{\"t\":\"2026-11-22T10:00:{:02}Z\",\"kind\":\"ble\",\"address\":\"C0:FF:EE:00:00:01\",\"rssi\":-60,\"name\":\"TILE\\u2028ZZQX\\u200b\\u3164HIDDENWORD\\u2029END\",\"services\":[\"feed\"]}}\n",
            i * 2
        ));
    }
    std::fs::write(case.join("journal.jsonl"), journal).expect("journal");
    let t = Tmux::start_in(env!("CARGO_BIN_EXE_sweep"), home);
    t.wait_for("start a check");
    t.keys(&["o"]);
    t.wait_for("20261122T100000Z-C-11");
    t.keys(&["Enter"]);
    t.wait("the tracker's row", |p| p.contains("Tile"));
    // Its details show the name cleaned: the separators and fillers are gone, on one line.
    t.keys(&["Enter"]);
    t.wait("the cleaned name", |p| p.contains("TILEZZQXHIDDENWORDEND"));
    t.keys(&["Escape"]);
    let hidden = t.wait("the neutral screen", |p| p.contains("Shopping"));
    for word in ["ZZQX", "HIDDENWORD", "END", "Tile", "tracker", "C0:FF:EE"] {
        assert!(
            !hidden.contains(word),
            "{word:?} left on screen after Escape:\n{hidden}"
        );
    }
    t.keys(&["b", "a", "c", "k"]);
    t.wait("back", |p| p.contains("TILEZZQXHIDDENWORDEND"));
    t.keys(&["q", "q"]);
}

/// The start screen lists the interfaces of a network namespace made by the test: the one
/// that is up is offered first, described (virtual, up, its address), and a traffic check
/// on the one that is down is refused with the reason before anything starts.
#[test]
#[ignore = "needs tmux, root and network namespaces"]
fn start_screen_offers_an_up_interface_and_refuses_a_down_one() {
    let ns = support::netns::Netns::new("ifs");
    let n = ns.name().to_string();
    for args in [
        vec![
            "-n", &n, "link", "add", "aup0", "type", "veth", "peer", "name", "aup1",
        ],
        vec![
            "-n", &n, "link", "add", "bdown0", "type", "veth", "peer", "name", "bdown1",
        ],
        vec!["-n", &n, "addr", "add", "10.77.0.1/24", "dev", "aup0"],
        vec!["-n", &n, "link", "set", "aup0", "up"],
        vec!["-n", &n, "link", "set", "aup1", "up"],
    ] {
        support::netns::ip(&args);
    }
    let home = tempfile::tempdir().expect("tmp");
    let cases = home.path().join("cases");
    let cmd = format!("ip netns exec {n} {}", env!("CARGO_BIN_EXE_sweep"));
    let t = Tmux::start_in(&cmd, home);
    // The up interface is the default, described; nothing says "none found".
    t.wait("the up interface first", |p| {
        p.contains("Network interface (← →): aup0 (virtual, up, 10.77.0.1/24)")
    });
    // Select phone traffic (the third check), move to the interface row (after the two USB
    // checks), pick bdown0.
    t.keys(&["Down", "Down", "Space", "Down", "Down", "Down"]);
    let line = |p: &str| {
        p.lines()
            .find(|l| l.contains("Network interface"))
            .unwrap_or_default()
            .to_string()
    };
    let mut current = line(&t.wait_for("[x] Phone traffic"));
    for _ in 0..4 {
        if current.contains("bdown0 (virtual, down") {
            break;
        }
        t.keys(&["Right"]);
        let before = current.clone();
        current = line(&t.wait("the next interface", |p| line(p) != before));
    }
    assert!(current.contains("bdown0 (virtual, down"), "{current}");
    t.keys(&["s"]);
    t.wait("the refusal", |p| p.contains("bdown0 is down"));
    // Nothing started: no case folder was made.
    assert!(!cases.exists() || std::fs::read_dir(&cases).map(|d| d.count()).unwrap_or(0) == 0);
    t.keys(&["q"]);
}

/// The phone apps check from the start screen: with two phones attached the volunteer is
/// asked which one, only that phone is read, its leads land in the Phone apps pane, and the
/// review asks the clinic's questions with the safety text.
#[test]
#[ignore = "needs tmux"]
fn phone_apps_check_asks_which_phone_and_reviews_its_apps() {
    use android_support::{FakeAdb, phone_from_folder};
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/android");
    let server = FakeAdb::start(vec![
        phone_from_folder("PHONE-A", &fixtures.join("android11")),
        phone_from_folder("PHONE-B", &fixtures.join("android14")),
    ]);
    let home = tempfile::tempdir().expect("tmp");
    let cases = home.path().join("cases");
    let cmd = env!("CARGO_BIN_EXE_sweep").to_string();
    let t = Tmux::start_with(
        &cmd,
        home,
        &[format!("ADB_SERVER_SOCKET={}", server.socket())],
    );
    t.wait_for("start a check");
    // The client worries about their accounts: the review ends with the account checklist.
    t.keys(&["Up", "Enter"]);
    t.wait_for("What is the client worried about?");
    t.keys(&["Down", "Down", "Down", "Space", "Enter"]);
    t.wait_for("Client's concerns: Someone got into my accounts");
    // The phone is chosen when the check is: Down to its row, space.
    t.keys(&["Down", "Down", "Down", "Down"]);
    t.wait_for("› [ ] Phone apps (USB)");
    t.keys(&["Space"]);
    let p = t.wait_for("Which phone?");
    assert!(p.contains("PHONE-A") && p.contains("PHONE-B"), "{p}");
    t.keys(&["Down", "Enter"]);
    t.wait_for("will check Fake Phone (serial PHONE-B)");
    t.wait_for("[x] Phone apps (USB)");
    t.keys(&["s"]);
    // Its findings are in their own pane, not among the traffic's.
    t.wait("the phone's findings", |p| p.contains("Phone apps (10)"));
    t.keys(&["Tab", "Tab", "Tab"]);
    let p = t.wait_for("TheTruthSpy");
    assert!(p.contains("Phone traffic (0)"), "{p}");
    t.keys(&["r"]);
    let p = t.wait_for("Did you know this app was installed?");
    assert!(p.contains("Did you install it?"), "{p}");
    t.wait_for("Do not uninstall the app");
    // After the ten findings, the account checklist: recorded as the client's answers.
    for _ in 0..10 {
        t.keys(&["Right"]);
    }
    t.wait_for("Account access, 1 of 5: Apple Account devices");
    t.keys(&["x"]);
    t.wait_for("Recorded: looked at with the client: something the client does not recognise");
    t.keys(&["Right"]);
    t.wait_for("Account access, 2 of 5: Family Sharing");
    t.keys(&["q", "q"]);
    t.wait("sweep to quit", |_| !t.alive());
    // Only the chosen phone was read; its snapshot is in the case folder.
    let case = support::run::the_case(&cases);
    assert!(case.join("android/PHONE-B/manifest.json").is_file());
    assert!(!case.join("android/PHONE-A").exists());
    let journal = std::fs::read_to_string(case.join("journal.jsonl")).expect("journal");
    assert!(
        journal
            .lines()
            .any(|l| l.contains(r#""kind":"account-check""#)
                && l.contains(r#""item":"apple-account-devices""#)
                && l.contains(r#""answer":"something-unexpected""#)),
        "{journal}"
    );
    let reqs = server.requests();
    assert!(
        !reqs
            .iter()
            .any(|r| r.contains("PHONE-A") && r.contains("transport")),
        "{reqs:?}"
    );
}
