//! Small JavaScript helpers that each do in one call across the boundary what would
//! otherwise take several: a call from WebAssembly into JavaScript costs about as much as
//! the work of a short helper, and a socket read or a drain made a dozen of them. Each
//! helper returns a number or nothing where it can, so no JavaScript object has to be
//! given a slot in wasm-bindgen's reference table.
//!
//! The snippet is plain ES-module syntax (`export function` declarations only): the Node
//! package's build (`js/scripts/build.mjs`) turns it into CommonJS for the `nodejs` target.

use js_sys::{Array, Function, Uint8Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
export function head_word(chunk, at) {
  return ((chunk[at] << 24) | (chunk[at + 1] << 16) | (chunk[at + 2] << 8) | chunk[at + 3]) >>> 0;
}
export function buffer_length(chunk) {
  return chunk.buffer.byteLength;
}
export function new_result() {
  return [undefined, -1, true];
}
export function set_state(result, timer, wantsInput) {
  result[1] = timer;
  result[2] = wantsInput;
}
export function new_list() {
  return [];
}
export function push_event1(list, code) {
  list.push([code]);
}
export function push_event2(list, code, id) {
  list.push([code, id]);
}
export function push_event3(list, code, id, n) {
  list.push([code, id, n]);
}
export function push_view(list, data, start, end) {
  list.push(data.subarray(start, end));
}
export function push_view_to_last(list, data, start, end) {
  list[list.length - 1].push(data.subarray(start, end));
}
export function push_to_last(list, item) {
  list[list.length - 1].push(item);
}
export function allocate(f, len) {
  const a = f === undefined ? undefined : f(len);
  return a instanceof Uint8Array && a.length === len ? a : new Uint8Array(len);
}
"#)]
extern "C" {
    /// The big-endian `u32` at byte `at` of `chunk` (at least 4 before its end).
    pub fn head_word(chunk: &Uint8Array, at: u32) -> u32;
    /// Bytes in the `ArrayBuffer` behind `chunk`.
    pub fn buffer_length(chunk: &Uint8Array) -> u32;
    /// A drain result with nothing in it yet: `[undefined, -1, true]`.
    pub fn new_result() -> Array;
    /// Sets a drain result's timer (ms, −1 for none) and whether input is wanted.
    pub fn set_state(result: &Array, timer: f64, wants_input: bool);
    /// An empty array.
    pub fn new_list() -> Array;
    /// Appends the event `[code]` to `list`.
    pub fn push_event1(list: &Array, code: u32);
    /// Appends the event `[code, id]` to `list`.
    pub fn push_event2(list: &Array, code: u32, id: u32);
    /// Appends the event `[code, id, n]` to `list`.
    pub fn push_event3(list: &Array, code: u32, id: u32, n: u32);
    /// Appends `data.subarray(start, end)` to `list`.
    pub fn push_view(list: &Array, data: &Uint8Array, start: u32, end: u32);
    /// Appends `data.subarray(start, end)` to the last element of `list` (an array).
    pub fn push_view_to_last(list: &Array, data: &Uint8Array, start: u32, end: u32);
    /// Appends `item` to the last element of `list` (an array).
    pub fn push_to_last(list: &Array, item: &Uint8Array);
    /// `f(len)` when `f` is a function returning a `Uint8Array` of that length (Node's
    /// `Buffer.allocUnsafe`, say), else `new Uint8Array(len)`.
    pub fn allocate(f: Option<&Function>, len: u32) -> Uint8Array;
}
