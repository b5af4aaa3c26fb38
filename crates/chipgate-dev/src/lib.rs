//! chipgate's development tools, never published (`publish = false`): nothing in the
//! program depends on this crate.
//!
//! - `src/bin/screen-quality.rs`: screening quality on the labelled data in
//!   `../shared/data/namematch` (writes `docs/screening-quality.md`);
//! - `src/bin/screen-bench.rs`: screening speed (`docs/benchmarks.md`);
//! - `load/`: the server's load scripts (`wrk`, `docs/benchmarks.md`, section Server);
//! - `tests/architecture.rs`: the architecture's rules that the compiler does not check
//!   (which crate may depend on which, the code map of `ARCHITECTURE.md`, the pure crates'
//!   ban on the clock and the file system).
