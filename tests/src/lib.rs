//! Black-box tests live in `tests/`; this library holds what the benchmark binaries in
//! `src/bin/` share: starting the release binaries on a fresh database, and generating
//! input files.

pub mod bench;
pub mod roster_file;
