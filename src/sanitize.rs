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
        if c.is_control() || is_bidi_control(c) {
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

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
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
    fn caps_length() {
        assert_eq!(clean("abcdef", 3), "abc…");
    }
}
