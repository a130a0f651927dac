#![no_main]
//! Fuzz target `ops`: see `spdy3::testing::fuzz::ops`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| spdy3::testing::fuzz::ops(data));
