//! The Kubernetes-style HTTP/1.1 `Upgrade: SPDY/3.1` handshake (see
//! ../shared/spec/KUBERNETES.md), both ways.

#[allow(unused_imports)]
use std::prelude::rust_2021::*;
