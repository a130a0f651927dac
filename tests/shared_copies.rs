//! Files the repository ships that come from ../shared must stay byte-identical to it: the
//! zlib dictionary embedded in the crate and the sample captures of the demo.

mod common;

use common::{load_vectors, unhex};

#[test]
fn embedded_dictionary_matches_shared_spec() {
    let shared = std::fs::read(common::shared_dir().join("spec/dictionary.bin")).unwrap();
    assert_eq!(&spdy3::header_block::DICTIONARY[..], &shared[..]);
}

#[test]
fn sample_captures_are_the_session_vectors() {
    let v = load_vectors("session.json");
    for seq in v["sequences"].as_array().unwrap() {
        let name = match seq["sender"].as_str().unwrap() {
            "client" => "client-to-server",
            _ => "server-to-client",
        };
        let want: Vec<u8> = seq["frames"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| unhex(f["hex"].as_str().unwrap()))
            .collect();
        let path =
            concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/").to_string() + name + ".bin";
        assert_eq!(std::fs::read(path).unwrap(), want, "{name}");
    }
}
