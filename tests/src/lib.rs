//! Black-box tests live in `tests/`; this library holds what they and the binaries in
//! `src/bin/` (benchmarks, the fuzzing environment) share: starting the binaries on a
//! fresh database, a small data set made over HTTP, stand-ins for WeChat and the SMS
//! gateway, and generating input files.

pub mod bench;
pub mod roster_file;
pub mod scenario;
pub mod stubs;
