//! The reverse proxy of the reference pair: HTTP/1.1 clients in front, the origin's SPDY
//! connection behind.
//!
//! ```text
//! cargo run --example reverse_proxy -- --spdy 127.0.0.1:9001 --http 127.0.0.1:8080
//! ```

#[path = "reference/proxy.rs"]
mod proxy;

#[tokio::main]
async fn main() {
    let mut spdy = "127.0.0.1:9001".to_string();
    let mut http = "127.0.0.1:8080".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--spdy" => spdy = args.next().expect("--spdy HOST:PORT"),
            "--http" => http = args.next().expect("--http HOST:PORT"),
            _ => {
                eprintln!("usage: reverse_proxy [--spdy HOST:PORT] [--http HOST:PORT]");
                std::process::exit(2);
            }
        }
    }
    let origin = proxy::Origin::default();
    let spdy_listener = tokio::net::TcpListener::bind(&spdy)
        .await
        .expect("bind the SPDY port");
    let http_listener = tokio::net::TcpListener::bind(&http)
        .await
        .expect("bind the HTTP port");
    eprintln!("proxy: origins connect to {spdy}, HTTP clients to http://{http}/");
    tokio::spawn(proxy::accept_origins(
        spdy_listener,
        origin.clone(),
        spdy3::session::Config::default(),
    ));
    proxy::serve_http(http_listener, origin).await;
}
