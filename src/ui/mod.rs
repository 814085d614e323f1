//! The terminal UI (ratatui + crossterm). It only reads the engine's state.

/// Options for the interactive UI.
#[derive(Debug, Clone, Default)]
pub struct UiOptions {
    pub signatures: Option<std::path::PathBuf>,
    pub case: Option<String>,
    pub operator: Option<String>,
    /// `sweep demo`: replay the embedded clinic session at this speed.
    pub demo_speed: Option<f64>,
}

/// Run the UI until the volunteer quits. Returns the process exit code.
pub fn run(_opts: UiOptions) -> anyhow::Result<u8> {
    anyhow::bail!("the terminal UI is not built yet; use `sweep scan`")
}
