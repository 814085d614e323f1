//! Generates sweep's man pages and shell completions from its clap definitions, for the
//! Debian package and for anyone installing by hand:
//!
//! `cargo run --example gen_manual -- OUT_DIR` writes
//! `OUT_DIR/man/sweep.1` (and `sweep-scan.1`, `sweep-signatures-import-echap.1`... one page
//! per subcommand) and `OUT_DIR/completions/{sweep.bash,_sweep,sweep.fish}`.
//!
//! Generated at packaging time, as bottom does, so nothing is added to the shipped binary;
//! an example rather than a build script because the clap definitions live in `src/cli.rs`
//! with the code they run, which a build script cannot compile on its own.

use std::path::PathBuf;

use clap_complete::Shell;

fn main() -> Result<(), String> {
    let out = PathBuf::from(std::env::args().nth(1).ok_or("usage: gen_manual OUT_DIR")?);
    let man = out.join("man");
    let completions = out.join("completions");
    for dir in [&man, &completions] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    clap_mangen::generate_to(sweep::cli::command(), &man)
        .map_err(|e| format!("{}: {e}", man.display()))?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let mut cmd = sweep::cli::command();
        let path = clap_complete::generate_to(shell, &mut cmd, "sweep", &completions)
            .map_err(|e| format!("{}: {e}", completions.display()))?;
        println!("{}", path.display());
    }
    println!("{}", man.display());
    Ok(())
}
