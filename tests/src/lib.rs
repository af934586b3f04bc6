//! Black-box tests live in `tests/`; this library holds what the benchmark binaries in
//! `src/bin/` and the fault suite (`tests/faults/`) share: starting the `api` and `jobs`
//! binaries on a fresh database, setting up a claim rush, and generating input files.

pub mod bench;
pub mod roster_file;
pub mod rush;
