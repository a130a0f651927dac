//! The tokio adapter (feature `tokio`): a SPDY/3.1 connection over any
//! `AsyncRead + AsyncWrite` — TCP, TLS, or an upgraded HTTP/1.1 connection.
//!
//! [`client`] and [`server`] split a transport into a cheap, cloneable [`Connection`]
//! handle and a [`Driver`] future that pumps bytes between the socket and the
//! [`crate::session::Session`] and sleeps until its next timer. Spawn the driver;
//! use the handle to open and accept [`Stream`]s, ping, and shut down. All protocol
//! decisions stay in the session; this module only moves bytes, time and wake-ups.
//!
//! ```no_run
//! # async fn demo() -> Result<(), spdy3::net::Error> {
//! use spdy3::net;
//! use spdy3::session::{Config, OpenOptions};
//!
//! let tcp = tokio::net::TcpStream::connect("127.0.0.1:8080").await?;
//! let (conn, driver) = net::client(tcp, Config::default());
//! tokio::spawn(driver);
//! let headers = spdy3::http::request_headers("GET", "http", "127.0.0.1:8080", "/", []);
//! let mut stream = conn.open(headers, OpenOptions { fin: true, ..Default::default() }).await?;
//! let response = stream.response().await?;
//! while let Some(chunk) = stream.recv().await {
//!     let _bytes = chunk?;
//! }
//! # let _ = response; Ok(()) }
//! ```

#[allow(unused_imports)]
use std::prelude::rust_2021::*;

mod connection;
mod driver;
pub mod http;
mod read_blocks;
mod shared;
mod stream;
pub mod upgrade;

use core::fmt;
use std::sync::Arc;

pub use connection::Connection;
pub use driver::Driver;
pub use stream::Stream;

use crate::session::{CommandError, Config, Role, Session, SessionError, StreamError};

/// Why an operation on a connection or stream failed.
#[derive(Clone, Debug)]
pub enum Error {
    /// The session ended.
    Session(SessionError),
    /// The stream ended abnormally (reset, refused, or the session closed under it).
    Stream(StreamError),
    /// The session refused a command.
    Command(CommandError),
    /// The transport failed.
    Io(Arc<std::io::Error>),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Session(e) => write!(f, "session ended: {e}"),
            Error::Stream(e) => write!(f, "{e}"),
            Error::Command(e) => write!(f, "{e}"),
            Error::Io(e) => write!(f, "transport error: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(Arc::new(e))
    }
}

impl From<CommandError> for Error {
    fn from(e: CommandError) -> Self {
        Error::Command(e)
    }
}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Io(io) => std::io::Error::new(io.kind(), io.to_string()),
            Error::Stream(StreamError::Reset { .. }) => {
                std::io::Error::new(std::io::ErrorKind::ConnectionReset, e.to_string())
            }
            other => std::io::Error::other(other.to_string()),
        }
    }
}

/// A client connection over `io`: the handle, and the driver to spawn.
pub fn client<T>(io: T, config: Config) -> (Connection, Driver<T>)
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    connect(io, Role::Client, config, &[])
}

/// A server connection over `io`: the handle (accept streams from it), and the driver.
pub fn server<T>(io: T, config: Config) -> (Connection, Driver<T>)
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    connect(io, Role::Server, config, &[])
}

/// A connection in `role` whose first input bytes were already read (for example behind an
/// HTTP/1.1 upgrade, where they arrived with the 101 response).
pub fn connect<T>(io: T, role: Role, config: Config, already_read: &[u8]) -> (Connection, Driver<T>)
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let base = tokio::time::Instant::now();
    let mut session = Session::new(role, config, crate::time::Instant(0));
    if !already_read.is_empty() {
        session.handle_bytes(already_read, crate::time::Instant(0));
    }
    let shared = shared::Shared::new(session, base);
    (Connection::new(shared.clone()), Driver::new(io, shared))
}
