//! The fault suite: production mode (PostgreSQL + Redis) with the real `api` and `jobs`
//! binaries as child processes, each test on a fresh database of the machine's
//! PostgreSQL and a `redis-server` of its own on a free port (restarted or left down as
//! the test needs; the machine's shared Redis and PostgreSQL are never stopped or
//! flushed). Every wait has a deadline.
//!
//! The tests are `#[ignore]`d in the ordinary run; `.ci/run` runs them as a step of
//! their own:
//!
//!     cargo build -p api -p jobs
//!     cargo test -p tests --test faults -- --ignored --test-threads=1
//!
//! `FAULT_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable`)
//! names the server; `FAULT_LOG` (default `off`; `warn` to see why a test failed) is the processes' `RUST_LOG`.

mod claims;
mod cluster;
mod imports;
mod redis_down;
