//! SPDY/3.1 over TLS with ALPN `spdy/3.1`: a server with a self-signed certificate and a
//! client that trusts it, on loopback; the client fetches `/` and prints the response.
//!
//! ```text
//! cargo run --example tls
//! ```

use std::sync::Arc;

use bytes::Bytes;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use spdy3::net;
use spdy3::session::{Config, OpenOptions};
use tokio::net::{TcpListener, TcpStream};

/// The ALPN id of SPDY/3.1 (SPDY31.md §2.1).
const ALPN: &[u8] = b"spdy/3.1";

/// A self-signed certificate for `localhost`, and TLS configurations for both ends.
fn tls_configs() -> (rustls::ServerConfig, rustls::ClientConfig) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
        .expect("generate a certificate");
    let der = CertificateDer::from(cert.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![der.clone()], key)
        .expect("certificate and key");
    server.alpn_protocols = vec![ALPN.to_vec()];
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der).expect("trust the certificate");
    let mut client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    client.alpn_protocols = vec![ALPN.to_vec()];
    (server, client)
}

/// Serves one TLS connection: every request gets a small text body.
async fn serve(listener: TcpListener, tls: tokio_rustls::TlsAcceptor) {
    let (tcp, _) = listener.accept().await.expect("accept");
    let stream = tls.accept(tcp).await.expect("TLS handshake");
    assert_eq!(
        stream.get_ref().1.alpn_protocol(),
        Some(ALPN),
        "ALPN chose spdy/3.1"
    );
    let (conn, driver) = net::server(stream, Config::default());
    tokio::spawn(driver);
    while let Some(mut s) = conn.accept().await {
        let path = s
            .headers()
            .and_then(|h| h.get_str(":path"))
            .unwrap_or("/")
            .to_string();
        s.reply(spdy3::http::response_headers(200), false)
            .expect("reply");
        let _ = s
            .send(
                Bytes::from(format!("hello over TLS + SPDY/3.1, you asked for {path}\n")),
                true,
            )
            .await;
    }
}

/// Connects, checks ALPN, and fetches `path`.
pub async fn fetch(
    addr: std::net::SocketAddr,
    client: Arc<rustls::ClientConfig>,
    path: &str,
) -> (String, String) {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let tls = tokio_rustls::TlsConnector::from(client)
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
        .expect("TLS handshake");
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(ALPN));
    let (conn, driver) = net::client(tls, Config::default());
    tokio::spawn(driver);
    let req = spdy3::http::request_headers("GET", "https", "localhost", path, []);
    let mut s = conn
        .open(
            req,
            OpenOptions {
                fin: true,
                ..Default::default()
            },
        )
        .await
        .expect("open");
    let head = s.response().await.expect("response");
    let mut body = Vec::new();
    while let Some(chunk) = s.recv().await {
        body.extend_from_slice(&chunk.expect("body"));
    }
    (
        head.get_str(":status").unwrap_or("").to_string(),
        String::from_utf8_lossy(&body).into_owned(),
    )
}

#[tokio::main]
async fn main() {
    let (server, client) = tls_configs();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(serve(
        listener,
        tokio_rustls::TlsAcceptor::from(Arc::new(server)),
    ));
    let (status, body) = fetch(addr, Arc::new(client), "/tls").await;
    println!(":status {status}\n{body}");
    assert_eq!(status, "200 OK");
}
