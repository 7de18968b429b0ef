//! Fixtures shared by the test suite (`tests/api/`) and the benchmarks (`bench/`, which
//! includes this folder with `#[path]`): a national-scale round and the floor of its
//! results ([`national`]), hostile import workbooks ([`hostile`]).

// Each of the two uses part of what is here.
#![allow(dead_code)]

pub mod hostile;
pub mod national;
