//! The TLS example (ALPN `spdy/3.1`, self-signed certificate) runs and fetches a page.

use std::process::Command;

#[test]
fn tls_example_negotiates_spdy_and_fetches() {
    let mut exe = std::env::current_exe().unwrap();
    exe.pop();
    if exe.ends_with("deps") {
        exe.pop();
    }
    let out = Command::new(
        exe.join("examples")
            .join(format!("tls{}", std::env::consts::EXE_SUFFIX)),
    )
    .output()
    .expect("the tls example is built by cargo test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(":status 200 OK"), "{text}");
    assert!(text.contains("you asked for /tls"), "{text}");
}
