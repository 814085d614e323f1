//! `sweep cases`: list case folders with their time range and findings count; delete one.

use std::path::Path;

use crate::case::cases_root;
use crate::sources::Stop;

/// Ctrl-C ends a headless scan cleanly: the sources stop, the journal is synced and reports are written.
pub fn stop_on_ctrl_c(stop: Stop) {
    let _ = ctrlc::set_handler(move || stop.stop());
}

pub fn command(delete: Option<&str>) -> u8 {
    let root = cases_root();
    match delete {
        Some(name) => delete_case(&root, name),
        None => {
            list(&root);
            0
        }
    }
}

fn list(root: &Path) {
    let Ok(rd) = std::fs::read_dir(root) else {
        println!("No case folders in {}.", root.display());
        return;
    };
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for n in names {
        println!("{n}");
    }
}

fn delete_case(root: &Path, name: &str) -> u8 {
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        eprintln!("sweep: {name:?} is not a case folder name (see `sweep cases`)");
        return 2;
    }
    let dir = root.join(name);
    if !dir.is_dir() {
        eprintln!("sweep: no case folder {name:?} in {}", root.display());
        return 2;
    }
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => {
            println!("Deleted {}", dir.display());
            0
        }
        Err(e) => {
            eprintln!("sweep: cannot delete {}: {e}", dir.display());
            1
        }
    }
}
