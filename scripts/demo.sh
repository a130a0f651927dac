#!/usr/bin/env bash
# The main job, the reference demo: an origin server and a reverse proxy talking SPDY/3.1,
# with curl as an ordinary HTTP/1.1 client fetching a page, a media file and a Range
# through the proxy. Then the frame dump decodes a recorded SPDY session.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends curl; }

cargo build --quiet --release --examples
bin=target/release/examples

www=$(mktemp -d)
cp examples/www/* "$www/"
# A deterministic 8 MiB "video" to stream and seek in.
python3 -c "import sys; sys.stdout.buffer.write(bytes((i * 2654435761 >> 24) & 255 for i in range(65536)) * 128)" >"$www/video.bin"

spdy_port=19001
http_port=18080
"$bin/reverse_proxy" --spdy 127.0.0.1:$spdy_port --http 127.0.0.1:$http_port &
proxy=$!
"$bin/origin_server" --proxy 127.0.0.1:$spdy_port --dir "$www" &
origin=$!
trap 'kill $proxy $origin 2>/dev/null; rm -rf "$www"' EXIT

base=http://127.0.0.1:$http_port
# Wait until the origin has dialed in and the proxy answers 200.
for _ in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/")" = 200 ] && break
  sleep 0.1
done

echo
echo "== GET / (through the proxy, over one SPDY stream to the origin)"
curl -s -i "$base/" | sed 's/\r$//'
echo
echo "== GET /video.bin: 8 MiB streamed under SPDY flow control"
curl -s -o "$www/fetched.bin" -w 'status %{http_code}, %{size_download} bytes in %{time_total} s\n' "$base/video.bin"
cmp "$www/video.bin" "$www/fetched.bin" && echo "byte-exact: yes"
echo
echo "== GET /video.bin with Range: bytes=1000000-1000015 (a player seeking)"
curl -s -D - -H 'Range: bytes=1000000-1000015' "$base/video.bin" -o "$www/range.bin" | sed 's/\r$//' | grep -Ei '^(HTTP|content-range|content-length)'
cmp <(tail -c +1000001 "$www/video.bin" | head -c 16) "$www/range.bin" && echo "range byte-exact: yes"
echo
echo "== GET /video.bin with If-Modified-Since"
lm=$(curl -s -I "$base/video.bin" | sed 's/\r$//' | grep -i '^last-modified:' | cut -d' ' -f2-)
curl -s -o /dev/null -w 'status %{http_code}\n' -H "If-Modified-Since: $lm" "$base/video.bin"
echo
echo "== POST /echo (request body streamed to the origin and back)"
head -c 100000 "$www/video.bin" | curl -s --data-binary @- -o "$www/echo.bin" -w 'status %{http_code}, %{size_download} bytes\n' "$base/echo"
cmp <(head -c 100000 "$www/video.bin") "$www/echo.bin" && echo "echo byte-exact: yes"

echo
echo "== frame dump of a recorded SPDY/3.1 session (client → server, first frames)"
"$bin/frame_dump" examples/data/client-to-server.bin | head -4 | cut -c1-200
