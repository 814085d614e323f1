//! Volunteer-facing texts of the Android app check, in one place so the screens, the reports
//! and the docs say the same thing: the questions to review each app with the client, the
//! safety text, and the guide to turning USB debugging on and off again.

/// Questions to ask the client about each app the check points at (clinic practice, as in
/// ISDi's evidence page and the Cornell/NYU clinic protocol).
pub const REVIEW_QUESTIONS: &[&str] = &[
    "Did you know this app was installed?",
    "Did you install it?",
    "If not, do you know who did?",
    "Has anyone else had your phone in their hands, or known your unlock code?",
];

/// Shown with every phone-app finding and on the review cards.
pub const SAFETY_TEXT: &str = "Do not uninstall the app, reset the phone or change passwords yet. The person who installed it may be alerted, which can put the client at more risk, and removing it destroys evidence. Decide what to do together with the client's advocate, as part of a safety plan: the client decides.";

/// Shorter form for a next-step tick box.
pub const SAFETY_STEP: &str = "Do not uninstall, reset the phone or change passwords yet: it can alert the person and destroys evidence. Decide with the advocate; the client decides.";

/// Next step for a lead (not a match).
pub const REVIEW_STEP: &str = "Go through the app with the client: Did you know this app was installed? Did you install it? If not, do you know who did?";

/// Next step to keep evidence.
pub const EVIDENCE_STEP: &str = "Keep this report and the case folder somewhere the other person cannot reach; photograph the app's screen in Settings with another device if the client wants evidence.";

/// Reminder that no match is not "clean".
pub const NO_MATCH_TEXT: &str = "No match is not proof that the phone is clean: the stalkerware lists are incomplete, and an app can be removed before the check and reinstalled later. Shared accounts, location sharing and known passwords are other common ways to be followed.";

/// When the check cannot reach the phone (also the `fix` of an unavailable source).
pub const UNAVAILABLE_FIX: &str = "Install adb (Debian/Ubuntu: sudo apt install adb), turn on USB debugging on the phone (see the guide), connect it with a data cable, unlock it and accept \"Allow USB debugging\" on its screen. Then run the check again.";

/// A guide step: what to do, and what the client will see.
pub struct GuideStep {
    pub text: &'static str,
}

/// Warning before the guide.
pub const GUIDE_WARNING: &str = "These steps are visible on the phone: the Developer options menu stays in Settings until it is turned off again, and someone who checks the phone may notice it. Talk this through with the client first. On some phones Developer options cannot be hidden again completely.";

/// Turning USB debugging on (stock Android; menu names vary a little by maker).
pub const GUIDE_ON: &[&str] = &[
    "Open Settings, then About phone.",
    "Tap Build number seven times (on Samsung: Software information, then Build number; on Xiaomi: MIUI version). The phone may ask for its unlock code. It then says \"You are now a developer\".",
    "Go back to Settings, then System, then Developer options (on Samsung: Settings, then Developer options at the bottom).",
    "Turn on USB debugging and confirm.",
    "Connect the phone to this computer with a data cable and unlock it.",
    "A message \"Allow USB debugging?\" appears on the phone: tap Allow (do not tick \"Always allow\").",
];

/// Turning it off again after the check.
pub const GUIDE_OFF: &[&str] = &[
    "Unplug the phone.",
    "Open Settings, then System, then Developer options.",
    "Turn off USB debugging, then choose \"Revoke USB debugging authorizations\" if it is shown.",
    "Turn off the Developer options switch at the top of the page, so the menu is hidden again.",
    "Check with the client that the phone looks as it did before.",
];

/// Header and every step as plain text (for a help screen or a report appendix).
pub fn usb_debugging_guide() -> String {
    let mut s = String::new();
    s.push_str(GUIDE_WARNING);
    s.push_str("\n\nTurning USB debugging on:\n");
    for (i, t) in GUIDE_ON.iter().enumerate() {
        s.push_str(&format!("{}. {t}\n", i + 1));
    }
    s.push_str("\nAfterwards, turning it off again:\n");
    for (i, t) in GUIDE_OFF.iter().enumerate() {
        s.push_str(&format!("{}. {t}\n", i + 1));
    }
    s
}

/// Plain words for each power an app can hold.
pub const POWER_ACCESSIBILITY: &str = "can read everything on the screen and press buttons for the user (an accessibility service is turned on)";
pub const POWER_ADMIN: &str =
    "is a device administrator (it can lock or wipe the phone, and is harder to uninstall)";
pub const POWER_LISTENER: &str =
    "can read every notification, including message previews (notification access is turned on)";
pub const POWER_HIDDEN: &str = "has no icon in the app list, so it is easy to miss";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guide_has_both_halves_and_the_warning() {
        let g = usb_debugging_guide();
        assert!(g.starts_with(GUIDE_WARNING));
        assert!(g.contains("Tap Build number seven times"));
        assert!(g.contains("Turn off the Developer options switch"));
        assert!(REVIEW_QUESTIONS.contains(&"Did you install it?"));
    }
}
