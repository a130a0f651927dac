#![no_main]
//! Fuzz target `session_server`: a server `Session` fed arbitrary bytes; see
//! `spdy3::testing::fuzz::session`.
use libfuzzer_sys::fuzz_target;
use spdy3::session::Role;

fuzz_target!(|data: &[u8]| spdy3::testing::fuzz::session(Role::Server, data));
