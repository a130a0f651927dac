//! Codec benchmark: DATA decode/encode throughput, SYN_STREAM with a realistic 15-header
//! request (compress + encode, decode + inflate), and the heap held by one pair of zlib
//! contexts. Run with `cargo bench --bench codec`; figures go to BENCHMARKS.md.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use spdy3::frame::{Data, Decoder, DecoderConfig, Frame, SynStream};
use spdy3::header_block::{
    CompressionOptions, HeaderDeflater, HeaderInflater, HeaderList, Limits, Strategy,
};

/// Counts live heap bytes, to measure what the zlib contexts hold.
struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        LIVE.fetch_add(n as isize - l.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const FRAME: usize = 16 * 1024;
const FRAMES: usize = 4096; // 64 MiB per pass

/// Runs `pass` repeatedly for about `budget`, returning the best time per pass.
fn best_of(budget: Duration, mut pass: impl FnMut() -> Duration) -> Duration {
    let start = Instant::now();
    let mut best = Duration::MAX;
    let mut runs = 0;
    while runs < 3 || start.elapsed() < budget {
        best = best.min(pass());
        runs += 1;
    }
    best
}

fn gbps(bytes: usize, t: Duration) -> f64 {
    bytes as f64 / t.as_secs_f64() / 1e9
}

fn data_decode() {
    let payload = Bytes::from(vec![0xa5u8; FRAME]);
    let mut wire = Vec::with_capacity(FRAMES * (FRAME + 8));
    for i in 0..FRAMES {
        Data {
            stream_id: 1 + 2 * (i as u32 % 16),
            fin: false,
            payload: payload.clone(),
        }
        .encode(&mut wire)
        .unwrap();
    }
    let t = best_of(Duration::from_secs(2), || {
        let mut buf = BytesMut::from(&wire[..]);
        let mut decoder = Decoder::new(DecoderConfig::default());
        let start = Instant::now();
        let mut n = 0;
        while let Some(f) = decoder.decode(&mut buf).unwrap() {
            if let Frame::Data(d) = f {
                n += black_box(d.payload).len();
            }
        }
        let t = start.elapsed();
        assert_eq!(n, FRAMES * FRAME);
        t
    });
    println!(
        "DATA decode, 16 KiB frames (zero-copy payloads): {:.1} GB/s ({:.0} ns/frame)",
        gbps(FRAMES * FRAME, t),
        t.as_nanos() as f64 / FRAMES as f64
    );
}

fn data_encode() {
    let payload = Bytes::from(vec![0x5au8; FRAME]);
    let mut out = Vec::with_capacity(FRAMES * (FRAME + 8));
    let t = best_of(Duration::from_secs(2), || {
        out.clear();
        let start = Instant::now();
        for i in 0..FRAMES {
            Data {
                stream_id: 1 + 2 * (i as u32 % 16),
                fin: false,
                payload: payload.clone(),
            }
            .encode(&mut out)
            .unwrap();
        }
        black_box(&out);
        start.elapsed()
    });
    println!(
        "DATA encode into one buffer (copies the payload): {:.1} GB/s",
        gbps(FRAMES * FRAME, t)
    );
    let t = best_of(Duration::from_secs(1), || {
        let start = Instant::now();
        let mut sum = 0u64;
        for i in 0..FRAMES {
            let head = Data::head_bytes(1 + 2 * (i as u32 % 16), false, FRAME).unwrap();
            sum += u64::from(black_box(head)[3]);
        }
        black_box(sum);
        start.elapsed()
    });
    println!(
        "DATA encode, 8-byte head only (payload written as is): {:.1} GB/s of payload ({:.1} ns/frame)",
        gbps(FRAMES * FRAME, t),
        t.as_nanos() as f64 / FRAMES as f64
    );
}

/// A realistic browser request: 15 headers, 5 of them pseudo-headers.
fn request(i: usize) -> HeaderList {
    let mut h = HeaderList::new();
    h.insert(":method", "GET");
    h.insert(":path", format!("/assets/img/photo-{i}.jpg?v=3"));
    h.insert(":version", "HTTP/1.1");
    h.insert(":host", "www.example.com");
    h.insert(":scheme", "https");
    h.insert(
        "accept",
        "image/avif,image/webp,image/apng,image/*,*/*;q=0.8",
    );
    h.insert("accept-encoding", "gzip, deflate, br");
    h.insert("accept-language", "en-US,en;q=0.9,de;q=0.8");
    h.insert("cache-control", "no-cache");
    h.insert(
        "cookie",
        "session=8f2a9c1d4e5b6a7f; theme=dark; _ga=GA1.2.1234567890.1600000000",
    );
    h.insert("pragma", "no-cache");
    h.insert("referer", "https://www.example.com/gallery/index.html");
    h.insert("sec-fetch-dest", "image");
    h.insert("sec-fetch-mode", "no-cors");
    h.insert("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36");
    assert_eq!(h.len(), 15);
    h
}

fn syn_stream(options: CompressionOptions) {
    const N: usize = 5_000;
    let requests: Vec<HeaderList> = (0..N).map(request).collect();
    let encode_pass = || {
        let mut deflater = HeaderDeflater::new(options);
        let mut wire = Vec::new();
        let mut block = Vec::new();
        let start = Instant::now();
        for (i, h) in requests.iter().enumerate() {
            block.clear();
            deflater.encode(h, &mut block).unwrap();
            SynStream {
                stream_id: 1 + 2 * i as u32,
                associated_stream_id: 0,
                priority: 3,
                slot: 0,
                fin: true,
                unidirectional: false,
                header_block: Bytes::copy_from_slice(&block),
            }
            .encode(&mut wire)
            .unwrap();
        }
        (start.elapsed(), wire)
    };
    let wire = encode_pass().1;
    let enc = best_of(Duration::from_secs(2), || encode_pass().0);
    let dec = best_of(Duration::from_secs(2), || {
        let mut buf = BytesMut::from(&wire[..]);
        let mut decoder = Decoder::new(DecoderConfig::default());
        let mut inflater = HeaderInflater::new();
        let limits = Limits::default();
        let start = Instant::now();
        let mut n = 0;
        while let Some(f) = decoder.decode(&mut buf).unwrap() {
            let list = inflater.decode(f.header_block().unwrap(), &limits).unwrap();
            n += black_box(list).len();
        }
        assert_eq!(n, 15 * N);
        start.elapsed()
    });
    let mut nv = Vec::new();
    request(0).encode_block(&mut nv).unwrap();
    println!(
        "SYN_STREAM, 15-header request ({} B uncompressed), level {} {:?}: {} B average on the wire; \
         compress + encode {:.2} µs/frame; decode + inflate + validate {:.2} µs/frame",
        nv.len(),
        options.level,
        options.strategy,
        wire.len() / N,
        enc.as_secs_f64() * 1e6 / N as f64,
        dec.as_secs_f64() * 1e6 / N as f64
    );
}

fn context_memory() {
    let before = LIVE.load(Ordering::Relaxed);
    let mut deflater = HeaderDeflater::default();
    let block = deflater.encode_to_bytes(&request(1)).unwrap();
    let deflater_bytes = LIVE.load(Ordering::Relaxed) - before - block.len() as isize;
    let before = LIVE.load(Ordering::Relaxed);
    let mut inflater = HeaderInflater::new();
    let list = inflater.decode(&block, &Limits::default()).unwrap();
    drop(list);
    let inflater_bytes = LIVE.load(Ordering::Relaxed) - before;
    println!(
        "heap held by one pair of zlib contexts after one block: {} bytes ({:.0} KiB): \
         deflater {} B, inflater {} B",
        deflater_bytes + inflater_bytes,
        (deflater_bytes + inflater_bytes) as f64 / 1024.0,
        deflater_bytes,
        inflater_bytes
    );
    drop((deflater, inflater, block));
    let before = LIVE.load(Ordering::Relaxed);
    let stored = HeaderDeflater::new(CompressionOptions {
        level: 0,
        strategy: Strategy::Dynamic,
    });
    println!(
        "heap held by a level-0 (stored blocks) deflater: {} bytes",
        LIVE.load(Ordering::Relaxed) - before
    );
    drop(stored);
}

/// `cargo bench --bench codec [data|syn|memory]` runs one group; no argument runs all.
fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let run = |group: &str| args.is_empty() || args.iter().any(|a| a == group);
    if run("data") {
        data_decode();
        data_encode();
    }
    if run("syn") {
        for (level, strategy) in [
            (6, Strategy::Dynamic),
            (6, Strategy::Fixed),
            (1, Strategy::Fixed),
            (0, Strategy::Dynamic),
        ] {
            syn_stream(CompressionOptions { level, strategy });
        }
    }
    if run("memory") {
        context_memory();
    }
}
