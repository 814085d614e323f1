//! Conversion of Echap's `ioc.yaml` into `signatures/stalkerware.toml`.

use std::path::Path;

/// `sweep signatures import-echap IOC_YAML --out DIR`.
pub fn import_command(_ioc: &Path, _out: &Path, _commit: Option<&str>) -> Result<String, String> {
    Err("the Echap import is not built yet".into())
}
