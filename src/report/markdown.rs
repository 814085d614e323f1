//! Markdown checklist for the case file.

use crate::report::Report;
use crate::sanitize;

/// Escape text for Markdown (after removing control characters).
pub fn escape(s: &str) -> String {
    let s = sanitize::clean(s, 200);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '('
                | ')'
                | '#'
                | '+'
                | '!'
                | '|'
                | '<'
                | '>'
                | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub fn render(r: &Report) -> String {
    let mut s = String::new();
    s.push_str("# Device check findings\n\n");
    for f in &r.findings {
        s.push_str(&format!(
            "## {}\n\n{}\n\n",
            escape(&f.title),
            escape(&f.meaning)
        ));
        for step in &f.next_steps {
            s.push_str(&format!("- [ ] {}\n", escape(step)));
        }
        s.push('\n');
    }
    s
}
