//! The origin server of the reference pair: dials the proxy and serves a directory over SPDY.
//!
//! ```text
//! cargo run --example origin_server -- --proxy 127.0.0.1:9001 --dir examples/www
//! ```

#[allow(dead_code)] // shared with tests/reference_pair.rs, which uses other parts
#[path = "reference/origin.rs"]
mod origin;

#[tokio::main]
async fn main() {
    let mut proxy = "127.0.0.1:9001".to_string();
    let mut dir = std::path::PathBuf::from("examples/www");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--proxy" => proxy = args.next().expect("--proxy HOST:PORT"),
            "--dir" => dir = args.next().expect("--dir PATH").into(),
            _ => {
                eprintln!("usage: origin_server [--proxy HOST:PORT] [--dir PATH]");
                std::process::exit(2);
            }
        }
    }
    eprintln!("origin: serving {} to the proxy at {proxy}", dir.display());
    origin::run(proxy, dir, spdy3::session::Config::default()).await;
}
