//! Names from the air and the network are untrusted: strip control characters
//! and terminal escape sequences before they reach a screen or a report.

/// Remove ANSI/VT escape sequences and every control character (C0, DEL, C1),
/// and bidirectional overrides; cap the length in characters (adding `…`).
///
/// ```
/// assert_eq!(sweep::sanitize::clean("\u{1b}[31mTag\u{1b}[0m\u{202e}!", 64), "Tag!");
/// assert_eq!(sweep::sanitize::clean("abcdef", 3), "abc…");
/// ```
pub fn clean(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars * 4));
    let mut chars = s.chars().peekable();
    let mut n = 0;
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // ESC [ ... final byte (CSI), ESC ] ... BEL/ST (OSC), or ESC + one char.
            match chars.peek() {
                Some('[') => {
                    chars.next();
                    while let Some(&d) = chars.peek() {
                        chars.next();
                        if ('\u{40}'..='\u{7e}').contains(&d) {
                            break;
                        }
                    }
                }
                Some(']') | Some('P') | Some('_') | Some('^') => {
                    chars.next();
                    while let Some(d) = chars.next() {
                        if d == '\u{7}' {
                            break;
                        }
                        if d == '\u{1b}' {
                            if chars.peek() == Some(&'\\') {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                Some(_) => {
                    chars.next();
                }
                None => {}
            }
            continue;
        }
        if c.is_control() || is_layout_changing(c) {
            continue;
        }
        if n == max_chars {
            out.push('…');
            break;
        }
        out.push(c);
        n += 1;
    }
    out
}

/// Characters that change how wide text is drawn, where it goes or what it looks like
/// without being visible themselves: line and paragraph separators, zero-width and filler
/// characters, bidirectional controls, invisible operators, tags and variation selectors.
fn is_layout_changing(c: char) -> bool {
    matches!(c,
        '\u{2028}' | '\u{2029}'                       // line / paragraph separator
        | '\u{200b}'..='\u{200f}'                     // zero-width space, (non-)joiner, marks
        | '\u{202a}'..='\u{202e}'                     // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}'                     // word joiner, invisible operators
        | '\u{2066}'..='\u{206f}'                     // bidi isolates, deprecated format chars
        | '\u{feff}'                                  // zero-width no-break space (BOM)
        | '\u{061c}'                                  // Arabic letter mark
        | '\u{00ad}'                                  // soft hyphen
        | '\u{034f}'                                  // combining grapheme joiner
        | '\u{115f}' | '\u{1160}'                     // Hangul choseong/jungseong fillers
        | '\u{3164}' | '\u{ffa0}'                     // Hangul fillers
        | '\u{17b4}' | '\u{17b5}'                     // Khmer inherent vowels (invisible)
        | '\u{180b}'..='\u{180f}'                     // Mongolian variation selectors, vowel separator
        | '\u{fe00}'..='\u{fe0f}'                     // variation selectors
        | '\u{fff9}'..='\u{fffb}'                     // interlinear annotation
        | '\u{e0000}'..='\u{e007f}'                   // tag characters
        | '\u{e0100}'..='\u{e01ef}'                   // variation selectors supplement
    )
}

/// A message for the terminal that may echo untrusted input (a source's reason, an error
/// naming what it read): cleaned like a name, with a longer cap.
pub fn message(s: &str) -> String {
    clean(s, 2000)
}

/// Default length cap for device names.
pub const NAME_MAX: usize = 64;

/// A device name ready for display.
pub fn name(s: &str) -> String {
    clean(s, NAME_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escapes_and_controls() {
        assert_eq!(clean("\u{1b}[2J\u{1b}[31mTag\u{1b}[0m\r\n", 64), "Tag");
        assert_eq!(clean("a\u{1b}]0;title\u{7}b", 64), "ab");
        assert_eq!(clean("x\u{202e}y\u{9b}z", 64), "xyz");
    }

    #[test]
    fn strips_characters_that_change_layout_or_width() {
        let hostile =
            "A\u{2028}B\u{2029}C\u{200b}D\u{feff}E\u{115f}F\u{3164}G\u{2066}H\u{fe0f}I\u{e0041}J";
        assert_eq!(clean(hostile, 64), "ABCDEFGHIJ");
        // Ordinary scripts stay as they are.
        assert_eq!(clean("Ключ מפתח مفتاح 钥匙", 64), "Ключ מפתח مفتاح 钥匙");
    }

    #[test]
    fn caps_length() {
        assert_eq!(clean("abcdef", 3), "abc…");
    }
}
