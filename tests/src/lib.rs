//! Black-box tests live in `tests/`; this library holds what they, the fault suite
//! (`tests/faults/`) and the binaries in `src/bin/` (benchmarks, the fuzzing environment)
//! share: starting the `api` and `jobs` binaries on a fresh database, setting up a claim
//! rush, stand-ins for WeChat and the SMS gateway, and generating input files.

pub mod bench;
pub mod roster_file;
pub mod rush;
pub mod stubs;
