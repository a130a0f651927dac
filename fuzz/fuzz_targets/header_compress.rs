#![no_main]
//! Fuzz target `header_compress`: see `spdy3::testing::fuzz::header_compress`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| spdy3::testing::fuzz::header_compress(data));
