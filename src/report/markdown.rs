//! Markdown checklist for the case file (template: `templates/report.md`).

use crate::report::view::View;
use crate::sanitize;

/// Escape text for Markdown (after removing control characters), so names from the air
/// cannot create links, headings, tables or HTML.
pub fn escape(s: &str) -> String {
    let s = sanitize::clean(s, 2000);
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
                | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

const MARKDOWN: &str = include_str!("templates/report.md");
const HTML: &str = include_str!("templates/report.html");

/// Render one of the templates. HTML is auto-escaped by minijinja (every value);
/// Markdown values go through the `md` filter.
pub fn render_template(name: &str, view: &View) -> Result<String, super::ReportError> {
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            minijinja::AutoEscape::Html
        } else {
            minijinja::AutoEscape::None
        }
    });
    env.add_filter("md", |s: String| escape(&s));
    env.add_template("report.md", MARKDOWN)?;
    env.add_template("report.html", HTML)?;
    let tmpl = env.get_template(name)?;
    Ok(tmpl.render(
        minijinja::context! { v => minijinja::Value::from(minijinja::value::Serde(view)) },
    )?)
}

pub fn render(view: &View) -> Result<String, super::ReportError> {
    render_template("report.md", view)
}
