#![no_main]
//! Fuzz target `frame_decode`: see `spdy3::testing::fuzz::frame_decode`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| spdy3::testing::fuzz::frame_decode(data));
