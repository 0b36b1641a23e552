//! The tool's readings against the readers it stands in for, through the Python scripts beside
//! this file: HOCON values against pyhocon (`hocon_values.py`), plain scalars against PyYAML's
//! YAML 1.1 (`yaml11_readback.py`), and ClearML config files against ClearML's own loader on
//! pyhocon (`config_files.py`). They need `CLEARML_SSO_PYTHON`, so they are
//! `#[ignore = "needs scripts/fetch-test-deps"]` and run under scripts/test.

#[path = "../harness/mod.rs"]
mod harness;

mod config_files;
mod hocon;
mod yaml11;
