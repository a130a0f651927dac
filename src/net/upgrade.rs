//! The Kubernetes-style HTTP/1.1 `Upgrade: SPDY/3.1` handshake, both ways (see
//! ../shared/spec/KUBERNETES.md): `X-Stream-Protocol-Version` negotiation (every line read,
//! comma lists split), the chosen protocol echoed in the 101, bytes after the 101 belong
//! to SPDY, and the server silent until the client's first frame. Both ends run raw
//! (non-HTTP) streams with lenient flow control, as moby/spdystream peers need.

#[allow(unused_imports)]
use std::prelude::rust_2021::*;

use core::fmt;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::{connect, Connection, Driver};
use crate::session::{Config, Role};

/// Largest HTTP head accepted in a handshake.
const MAX_HEAD: usize = 64 * 1024;
/// The header carrying Kubernetes' sub-protocol negotiation.
pub const PROTOCOL_HEADER: &str = "X-Stream-Protocol-Version";

/// Why a handshake failed.
#[derive(Debug)]
pub enum UpgradeError {
    /// The transport failed or closed during the handshake.
    Io(std::io::Error),
    /// The peer's HTTP was malformed or larger than 64 KiB.
    BadHttp(&'static str),
    /// The server answered something other than a SPDY/3.1 101 (status and body).
    Refused(u16, String),
    /// The request lacked `Connection: upgrade` / `Upgrade: SPDY/3.1` (answered 400).
    NotAnUpgrade,
    /// No `X-Stream-Protocol-Version` in the request (answered 400).
    NoProtocol,
    /// No protocol both sides support (answered 403).
    NoCommonProtocol,
}

impl fmt::Display for UpgradeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpgradeError::Io(e) => write!(f, "upgrade failed: {e}"),
            UpgradeError::BadHttp(what) => write!(f, "upgrade failed: {what}"),
            UpgradeError::Refused(status, body) => {
                write!(f, "upgrade refused with {status}: {body}")
            }
            UpgradeError::NotAnUpgrade => f.write_str("missing upgrade headers in request"),
            UpgradeError::NoProtocol => {
                write!(f, "header {PROTOCOL_HEADER} does not exist in request")
            }
            UpgradeError::NoCommonProtocol => f.write_str("unable to negotiate protocol"),
        }
    }
}

impl std::error::Error for UpgradeError {}

impl From<std::io::Error> for UpgradeError {
    fn from(e: std::io::Error) -> Self {
        UpgradeError::Io(e)
    }
}

/// A finished handshake: the SPDY connection and the negotiated sub-protocol.
pub struct Upgraded<T> {
    /// The connection handle.
    pub connection: Connection,
    /// Its driver, to spawn.
    pub driver: Driver<T>,
    /// The `X-Stream-Protocol-Version` both sides agreed on (empty if none was offered).
    pub protocol: String,
}

/// Reads an HTTP head (through the blank line); returns it and the bytes read after it.
async fn read_head<T: AsyncRead + Unpin>(io: &mut T) -> Result<(BytesMut, BytesMut), UpgradeError> {
    let mut buf = BytesMut::with_capacity(4096);
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buf.split_off(end + 4);
            return Ok((buf, rest));
        }
        if buf.len() > MAX_HEAD {
            return Err(UpgradeError::BadHttp("HTTP head larger than 64 KiB"));
        }
        if io.read_buf(&mut buf).await? == 0 {
            return Err(UpgradeError::BadHttp(
                "connection closed during the handshake",
            ));
        }
    }
}

fn contains_token(value: Option<&str>, token: &str) -> bool {
    value.is_some_and(|v| v.to_ascii_lowercase().contains(token))
}

/// Client side: sends `POST path` with `Connection: Upgrade`, `Upgrade: SPDY/3.1` and one
/// `X-Stream-Protocol-Version` line per offered protocol (most preferred first), checks the
/// 101, and starts a client session; bytes that came with the 101 are its first input.
pub async fn client<T>(
    mut io: T,
    host: &str,
    path: &str,
    protocols: &[&str],
    extra_headers: &[(&str, &str)],
    config: Config,
) -> Result<Upgraded<T>, UpgradeError>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let mut req = format!("POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\n");
    for (n, v) in extra_headers {
        req += &format!("{n}: {v}\r\n");
    }
    req += "Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\n";
    for p in protocols {
        req += &format!("{PROTOCOL_HEADER}: {p}\r\n");
    }
    req += "\r\n";
    io.write_all(req.as_bytes()).await?;
    let (head, rest) = read_head(&mut io).await?;
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    resp.parse(&head)
        .map_err(|_| UpgradeError::BadHttp("malformed HTTP response"))?;
    let status = resp.code.unwrap_or(0);
    let find = |name: &str| {
        resp.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
    };
    let upgraded = status == 101
        && contains_token(find("connection"), "upgrade")
        && contains_token(find("upgrade"), "spdy/3.1");
    if !upgraded {
        return Err(UpgradeError::Refused(
            status,
            String::from_utf8_lossy(&rest).into_owned(),
        ));
    }
    let protocol = find(PROTOCOL_HEADER).unwrap_or("").trim().to_string();
    let (connection, driver) = connect(io, Role::Client, config, &rest);
    Ok(Upgraded {
        connection,
        driver,
        protocol,
    })
}

/// Server side: reads the upgrade request from `io`, negotiates the sub-protocol (the first
/// one the client lists that `supported` has), answers 101 and starts a server session that
/// stays silent until the client's first frame. Failed negotiations are answered (400 or
/// 403, with the reason) before the error is returned.
pub async fn server<T>(
    mut io: T,
    supported: &[&str],
    mut config: Config,
) -> Result<Upgraded<T>, UpgradeError>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let (head, rest) = read_head(&mut io).await?;
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    req.parse(&head)
        .map_err(|_| UpgradeError::BadHttp("malformed HTTP request"))?;
    let values = |name: &str| -> Vec<String> {
        req.headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .filter_map(|h| std::str::from_utf8(h.value).ok())
            .map(str::to_string)
            .collect()
    };
    let joined = |name: &str| Some(values(name).join(","));
    if !contains_token(joined("connection").as_deref(), "upgrade")
        || !contains_token(joined("upgrade").as_deref(), "spdy/3.1")
    {
        refuse(
            &mut io,
            400,
            &[],
            "unable to upgrade: missing upgrade headers in request",
        )
        .await?;
        return Err(UpgradeError::NotAnUpgrade);
    }
    let offered: Vec<String> = values(PROTOCOL_HEADER)
        .iter()
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    let protocol = if supported.is_empty() {
        offered.first().cloned().unwrap_or_default()
    } else if offered.is_empty() {
        let msg = format!("unable to upgrade: header {PROTOCOL_HEADER} does not exist in request");
        refuse(&mut io, 400, &[], &msg).await?;
        return Err(UpgradeError::NoProtocol);
    } else {
        match offered.iter().find(|p| supported.contains(&p.as_str())) {
            Some(p) => p.clone(),
            None => {
                let accepted: Vec<(&str, &str)> = supported
                    .iter()
                    .map(|p| ("X-Accepted-Stream-Protocol-Versions", *p))
                    .collect();
                let msg = format!(
                    "unable to upgrade: unable to negotiate protocol: client supports {offered:?}, server accepts {supported:?}"
                );
                refuse(&mut io, 403, &accepted, &msg).await?;
                return Err(UpgradeError::NoCommonProtocol);
            }
        }
    };
    let mut resp = String::from(
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n",
    );
    if !protocol.is_empty() {
        resp += &format!("{PROTOCOL_HEADER}: {protocol}\r\n");
    }
    resp += "\r\n";
    io.write_all(resp.as_bytes()).await?;
    config.send_settings_at_start = false;
    let (connection, driver) = connect(io, Role::Server, config, &rest);
    Ok(Upgraded {
        connection,
        driver,
        protocol,
    })
}

async fn refuse<T: AsyncWrite + Unpin>(
    io: &mut T,
    status: u16,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(), UpgradeError> {
    let mut resp = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n",
        crate::http::reason_phrase(status),
        body.len()
    );
    for (n, v) in headers {
        resp += &format!("{n}: {v}\r\n");
    }
    resp += "\r\n";
    resp += body;
    io.write_all(resp.as_bytes()).await?;
    io.shutdown().await?;
    Ok(())
}
