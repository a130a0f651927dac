#![no_main]
//! Fuzz target `header_block`: see `spdy3::testing::fuzz::header_block`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| spdy3::testing::fuzz::header_block(data));
