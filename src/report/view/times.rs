//! Times in the reports: the zone they are shown in, with its UTC offset, and the engine's
//! UTC times in its texts said in that zone.

use super::*;

/// The time zone the reports show times in: the machine's (`TZ`, else /etc/localtime), or
/// a fixed offset (tests, or a caller that knows the clinic's zone). The JSON stays UTC.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Zone {
    #[default]
    System,
    Fixed(chrono::FixedOffset),
}

impl Zone {
    /// The instant in this zone, with its offset (daylight saving time as it was then).
    pub fn at(self, t: &Timestamp) -> chrono::DateTime<chrono::FixedOffset> {
        match self {
            Zone::System => t.with_timezone(&chrono::Local).fixed_offset(),
            Zone::Fixed(o) => t.with_timezone(&o),
        }
    }

    /// "10:42:05 +01:00".
    pub fn time(self, t: &Timestamp) -> String {
        self.at(t).format("%H:%M:%S %:z").to_string()
    }

    /// "2026-11-22 10:42:05 +01:00".
    pub fn datetime(self, t: &Timestamp) -> String {
        self.at(t).format("%Y-%m-%d %H:%M:%S %:z").to_string()
    }
}

/// Times an engine text gives in UTC ("first 10:00:00", "installed 2026-10-21 10:00 UTC")
/// said in `zone` with the offset. `reference` is an instant near them (the evidence's or
/// the finding's), which gives the date of a bare time of day. Only times after the words
/// the engine writes before them are changed, so a name that looks like a time is kept.
pub fn localise(text: &str, reference: &Timestamp, zone: Zone) -> String {
    const BEFORE: [&str; 9] = [
        "first ",
        "last ",
        "between ",
        "and ",
        "until ",
        "from ",
        "at ",
        "installed ",
        "created ",
    ];
    let b = text.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let mut out = String::with_capacity(text.len() + 16);
    let mut i = 0;
    while i < b.len() {
        let prefixed = BEFORE.iter().any(|w| text[..i].ends_with(w));
        // "2026-10-21 10:00 UTC"
        if prefixed
            && b.len() >= i + 20
            && text.is_char_boundary(i + 20)
            && &text[i + 16..i + 20] == " UTC"
            && let Ok(naive) =
                chrono::NaiveDateTime::parse_from_str(&text[i..i + 16], "%Y-%m-%d %H:%M")
        {
            let t = naive.and_utc();
            out.push_str(&zone.at(&t).format("%Y-%m-%d %H:%M %:z").to_string());
            i += 20;
            continue;
        }
        // "10:00:00" not followed by more of an address or a number.
        if prefixed
            && (0..8).all(|k| {
                if k == 2 || k == 5 {
                    b.get(i + k) == Some(&b':')
                } else {
                    digit(i + k)
                }
            })
            && !b.get(i + 8).is_some_and(u8::is_ascii_alphanumeric)
            && !(b.get(i + 8) == Some(&b':') && b.get(i + 9).is_some_and(u8::is_ascii_alphanumeric))
            && let Ok(tod) = chrono::NaiveTime::parse_from_str(&text[i..i + 8], "%H:%M:%S")
        {
            // The day nearest the reference instant.
            let day = reference.date_naive();
            let t = [day.pred_opt(), Some(day), day.succ_opt()]
                .into_iter()
                .flatten()
                .map(|d| d.and_time(tod).and_utc())
                .min_by_key(|t| (*t - *reference).num_seconds().abs())
                .unwrap_or(*reference);
            out.push_str(&zone.time(&t));
            i += 8;
            continue;
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// A time in the machine's time zone, with its UTC offset ("10:42:05 +01:00").
pub fn local_time(t: &Timestamp) -> String {
    t.with_timezone(&chrono::Local)
        .format("%H:%M:%S %:z")
        .to_string()
}

/// A date and time in the machine's time zone with its UTC offset.
pub fn local_datetime(t: &Timestamp) -> String {
    t.with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M:%S %:z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&chrono::Utc)
    }

    fn kolkata() -> Zone {
        Zone::Fixed(chrono::FixedOffset::east_opt(5 * 3600 + 1800).expect("offset"))
    }

    #[test]
    fn engine_times_are_said_in_the_zone_and_names_that_look_like_times_are_kept() {
        let r = t("2026-07-15T09:00:00Z");
        let z = kolkata();
        assert_eq!(
            localise("Seen 3 times (first 09:00:00, last 09:05:58).", &r, z),
            "Seen 3 times (first 14:30:00 +05:30, last 14:35:58 +05:30)."
        );
        assert_eq!(
            localise("7 contacts between 09:01:35 and 09:03:35: 1.2.3.4", &r, z),
            "7 contacts between 14:31:35 +05:30 and 14:33:35 +05:30: 1.2.3.4"
        );
        assert_eq!(
            localise(
                "Profile \"X\", installed 2026-07-01 08:00 UTC, read from f",
                &r,
                z
            ),
            "Profile \"X\", installed 2026-07-01 13:30 +05:30, read from f"
        );
        // Not after the engine's words, part of an address, or a name: unchanged.
        for keep in [
            "Names: clock 09:00:00.local.",
            "Bluetooth address at 12:34:56:78:9A:BC",
            "seen at 09:00:001",
            "Alarm 23:59:59",
        ] {
            assert_eq!(localise(keep, &r, z), keep);
        }
    }

    #[test]
    fn a_bare_time_of_day_takes_the_date_nearest_the_reference() {
        // 23:50 UTC the evening before a reference just after midnight UTC.
        let r = t("2026-07-15T00:05:00Z");
        assert_eq!(
            localise("first 23:50:00", &r, kolkata()),
            "first 05:20:00 +05:30"
        );
        let london_summer = Zone::Fixed(chrono::FixedOffset::east_opt(3600).expect("offset"));
        assert_eq!(
            london_summer.datetime(&t("2026-07-15T09:00:00Z")),
            "2026-07-15 10:00:00 +01:00"
        );
    }
}
