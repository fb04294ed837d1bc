//! Seeded generator of realistic lead files, for tests and benchmarks.
