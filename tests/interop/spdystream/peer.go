// A moby/spdystream peer (the SPDY/3.1 library Kubernetes uses) for spdy3's interop tests
// (tests/interop_spdystream.rs). Built by scripts/setup_spdystream.sh in GOPATH mode from
// Debian's golang-github-docker-spdystream-dev.
//
//	spdystream-peer server [-upgrade] [-protocols p1,p2] [-timeout 20s]
//	spdystream-peer client -addr HOST:PORT -scenario NAME [-upgrade] [-offer "a|b,c"]
//	                       [-expect-protocol p] [-size N] [-pairs N] [-timeout 20s]
//
// Output, one line each on stdout: `LISTEN addr` (server), `PASS what`, `FAIL what`, event
// lines (`STREAM ...`, `ECHOED ...`, `RESET-RECEIVED ...`, `GOAWAY-RECEIVED ...`), and last
// `RESULT PASS` (exit 0) or `RESULT FAIL` (exit 1). Every run is bounded by -timeout.
//
// Server: accepts one TCP connection on 127.0.0.1 (after an HTTP/1.1 `Upgrade: SPDY/3.1`
// request answered with 101, as the kubelet does, with -upgrade), runs
// spdystream.NewConnection(conn, true) and serves each stream according to its `action`
// header:
//
//	echo (default)  SYN_REPLY with no headers (like Kubernetes), echo every byte, FIN after
//	                the peer's FIN
//	reject          RST_STREAM CANCEL and no SYN_REPLY (Kubernetes' rejection)
//	reset-after     echo `reset-after: N` bytes, then RST_STREAM CANCEL
//	headers         SYN_REPLY echoing streamtype/port/requestid as x-streamtype/x-port/
//	                x-requestid, a HEADERS frame `x-phase: after-reply`, every received
//	                HEADERS frame echoed back, then echo
//	goaway          SYN_REPLY, then GOAWAY on the connection, then echo to the end
//
// Client: dials -addr (optionally after the upgrade, offering -offer: `|` separates header
// lines, `,` protocols within a line), opens streams with Kubernetes-style headers
// (streamType, port, requestID; spdystream lower-cases them on the wire), and runs one
// scenario: echo, big, concurrent, resets, goaway-theirs, goaway-ours (see the functions).
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/moby/spdystream"
)

var (
	outMu  sync.Mutex
	failed bool
	// Set once this server sent GOAWAY itself: it then closes the socket on its own.
	sentGoaway int32
)

func say(format string, args ...interface{}) {
	outMu.Lock()
	defer outMu.Unlock()
	fmt.Fprintf(os.Stdout, format+"\n", args...)
}

func pass(format string, args ...interface{}) { say("PASS "+format, args...) }

func fail(format string, args ...interface{}) {
	outMu.Lock()
	failed = true
	outMu.Unlock()
	say("FAIL "+format, args...)
}

func finish() {
	outMu.Lock()
	f := failed
	outMu.Unlock()
	if f {
		say("RESULT FAIL")
		os.Exit(1)
	}
	say("RESULT PASS")
	os.Exit(0)
}

// pattern is the deterministic payload both sides compute: byte i of stream seed s.
func pattern(n int, seed int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte((i*7 + seed*13 + i/251) & 0xff)
	}
	return b
}

// ---------------------------------------------------------------------------------------
// Server role.

// bufConn reads through the buffered reader that parsed the HTTP request, so SPDY bytes
// the client pipelined behind its request are not lost (the kubelet does the same).
type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func splitProtocols(values []string) []string {
	var out []string
	for _, v := range values {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func serverUpgrade(conn net.Conn, supported []string) (net.Conn, bool) {
	br := bufio.NewReader(conn)
	req, err := http.ReadRequest(br)
	if err != nil {
		fail("upgrade: reading the request: %v", err)
		return nil, false
	}
	if !strings.Contains(strings.ToLower(req.Header.Get("Connection")), "upgrade") ||
		!strings.Contains(strings.ToLower(req.Header.Get("Upgrade")), "spdy/3.1") {
		fmt.Fprintf(conn, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
		fail("upgrade: missing upgrade headers: %v", req.Header)
		return nil, false
	}
	offered := splitProtocols(req.Header.Values("X-Stream-Protocol-Version"))
	chosen := ""
	for _, p := range offered {
		for _, s := range supported {
			if p == s && chosen == "" {
				chosen = p
			}
		}
	}
	if chosen == "" && len(supported) > 0 {
		fmt.Fprintf(conn, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
		fail("upgrade: no common protocol: client %v, server %v", offered, supported)
		return nil, false
	}
	resp := "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
	if chosen != "" {
		resp += "X-Stream-Protocol-Version: " + chosen + "\r\n"
	}
	resp += "Date: " + time.Now().UTC().Format(http.TimeFormat) + "\r\n\r\n"
	if _, err := io.WriteString(conn, resp); err != nil {
		fail("upgrade: writing the 101: %v", err)
		return nil, false
	}
	pass("upgrade method=%s path=%s offered=%s protocol=%s", req.Method, req.URL.RequestURI(),
		strings.Join(offered, ","), chosen)
	return &bufConn{Conn: conn, r: br}, true
}

func runServer(args []string) {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	upgrade := fs.Bool("upgrade", false, "expect an HTTP/1.1 Upgrade: SPDY/3.1 request first")
	protocols := fs.String("protocols", "portforward.k8s.io", "supported X-Stream-Protocol-Version values")
	timeout := fs.Duration("timeout", 20*time.Second, "give up after this long")
	fs.Parse(args)
	armTimeout(*timeout)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen: %v", err)
		finish()
	}
	say("LISTEN %s", ln.Addr())
	raw, err := ln.Accept()
	if err != nil {
		fail("accept: %v", err)
		finish()
	}
	ln.Close()
	var conn net.Conn = raw
	if *upgrade {
		var ok bool
		if conn, ok = serverUpgrade(raw, strings.Split(*protocols, ",")); !ok {
			raw.Close()
			finish()
		}
	}
	sc, err := spdystream.NewConnection(conn, true)
	if err != nil {
		fail("NewConnection: %v", err)
		finish()
	}
	goaways := make(chan *spdystream.Stream, 1)
	sc.NotifyClose(goaways, 0)

	var handlers sync.WaitGroup
	sc.Serve(func(st *spdystream.Stream) { serveStream(sc, st, &handlers) })
	// The connection's reader ended (EOF, or a GOAWAY received, which spdystream reports
	// from a goroutine of its own just before Serve returns).
	wait := time.Second
	if atomic.LoadInt32(&sentGoaway) != 0 {
		wait = 100 * time.Millisecond
	}
	select {
	case st := <-goaways:
		say("GOAWAY-RECEIVED last=%d", streamID(st))
	case <-time.After(wait):
		say("NO-GOAWAY")
	}
	// Let the stream handlers finish, then leave.
	done := make(chan struct{})
	go func() { handlers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		fail("stream handlers still running 5 s after the connection ended")
	}
	raw.Close()
	say("SERVER-DONE")
	finish()
}

func streamID(st *spdystream.Stream) uint32 {
	if st == nil {
		return 0
	}
	return st.Identifier()
}

// serveStream runs in spdystream's frame worker: it must answer and return at once (a
// blocked worker stalls every stream of its queue); the data moves in a goroutine.
func serveStream(sc *spdystream.Connection, st *spdystream.Stream, wg *sync.WaitGroup) {
	h := st.Headers()
	id := st.Identifier()
	action := h.Get("action")
	say("STREAM id=%d streamtype=%s port=%s requestid=%s action=%s", id, h.Get("streamtype"),
		h.Get("port"), h.Get("requestid"), action)
	switch action {
	case "reject":
		if err := st.Reset(); err != nil {
			fail("reject id=%d: %v", id, err)
		}
		say("REJECTED id=%d", id)
		return
	case "headers":
		reply := http.Header{}
		for _, n := range []string{"streamtype", "port", "requestid"} {
			reply["x-"+n] = []string{h.Get(n)}
		}
		if err := st.SendReply(reply, false); err != nil {
			fail("reply id=%d: %v", id, err)
			return
		}
		if err := st.SendHeader(http.Header{"x-phase": {"after-reply"}}, false); err != nil {
			fail("headers id=%d: %v", id, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := st.ReceiveHeader()
				if err != nil {
					return
				}
				say("HEADERS-RECEIVED id=%d %v", id, got)
				if err := st.SendHeader(got, false); err != nil {
					return
				}
			}
		}()
	default:
		if err := st.SendReply(http.Header{}, false); err != nil {
			fail("reply id=%d: %v", id, err)
			return
		}
		if action == "goaway" {
			atomic.StoreInt32(&sentGoaway, 1)
			if err := sc.Close(); err != nil {
				fail("GOAWAY id=%d: %v", id, err)
			}
			say("GOAWAY-SENT")
		}
	}
	resetAfter := -1
	if action == "reset-after" {
		n, err := strconv.Atoi(h.Get("reset-after"))
		if err != nil {
			fail("id=%d: bad reset-after header %q", id, h.Get("reset-after"))
			n = 0
		}
		resetAfter = n
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		echo(sc, st, resetAfter)
	}()
}

func echo(sc *spdystream.Connection, st *spdystream.Stream, resetAfter int) {
	id := st.Identifier()
	buf := make([]byte, 32*1024)
	total := 0
	if resetAfter == 0 {
		st.Reset()
		say("RESET-SENT id=%d after=0", id)
		return
	}
	for {
		n, err := st.Read(buf)
		if n > 0 {
			if resetAfter >= 0 && total+n > resetAfter {
				n = resetAfter - total
			}
			if werr := st.WriteData(buf[:n], false); werr != nil {
				say("WRITE-ERROR id=%d after=%d: %v", id, total, werr)
				return
			}
			total += n
			if resetAfter >= 0 && total >= resetAfter {
				st.Reset()
				say("RESET-SENT id=%d after=%d", id, total)
				return
			}
		}
		if err != nil {
			break
		}
	}
	// Read ended: a RST_STREAM from the peer removed the stream from the connection
	// before closing its channels; a FIN did not.
	if sc.FindStream(id) == nil {
		say("RESET-RECEIVED id=%d after=%d", id, total)
		return
	}
	if err := st.WriteData([]byte{}, true); err != nil {
		// spdystream writes a frame in three write() calls; the last one of an empty FIN
		// (zero bytes) fails when the peer closed the socket as soon as the frame head
		// arrived. The peer checks that the FIN came; only note it here.
		say("FIN-WRITE-ERROR id=%d: %v", id, err)
	}
	// Both sides finished: deregister (sends nothing, since our FIN is out), which lets a
	// pending GOAWAY shutdown close the socket.
	st.Reset()
	say("ECHOED id=%d bytes=%d", id, total)
}

// ---------------------------------------------------------------------------------------
// Client role.

type client struct {
	sc      *spdystream.Connection
	goaways chan *spdystream.Stream
	size    int
	pairs   int
}

func clientUpgrade(conn net.Conn, addr, offer, expect string) bool {
	req, err := http.NewRequest("POST", "http://"+addr+"/api/v1/namespaces/default/pods/web-0/portforward", nil)
	if err != nil {
		fail("upgrade: %v", err)
		return false
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "SPDY/3.1")
	req.Header.Set("User-Agent", "spdystream-peer")
	for _, line := range strings.Split(offer, "|") {
		req.Header.Add("X-Stream-Protocol-Version", line)
	}
	if err := req.Write(conn); err != nil {
		fail("upgrade: writing the request: %v", err)
		return false
	}
	// Like client-go: a fresh 4096-byte reader for the response, then the raw connection
	// goes to spdystream (whatever the reader buffered beyond the 101 is dropped).
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 4096), req)
	if err != nil {
		fail("upgrade: reading the response: %v", err)
		return false
	}
	if resp.StatusCode != http.StatusSwitchingProtocols ||
		!strings.Contains(strings.ToLower(resp.Header.Get("Connection")), "upgrade") ||
		!strings.Contains(strings.ToLower(resp.Header.Get("Upgrade")), "spdy/3.1") {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		fail("upgrade: refused: %s %v %q", resp.Status, resp.Header, body)
		return false
	}
	got := resp.Header.Get("X-Stream-Protocol-Version")
	if got != expect {
		fail("upgrade: protocol %q, want %q", got, expect)
		return false
	}
	pass("upgrade protocol=%s", got)
	return true
}

func runClient(args []string) {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	addr := fs.String("addr", "", "server address")
	scenario := fs.String("scenario", "echo", "echo, big, concurrent, resets, goaway-theirs, goaway-ours")
	upgrade := fs.Bool("upgrade", false, "send an HTTP/1.1 Upgrade: SPDY/3.1 request first")
	offer := fs.String("offer", "portforward.k8s.io", "X-Stream-Protocol-Version lines, separated by |")
	expect := fs.String("expect-protocol", "portforward.k8s.io", "protocol the 101 must carry")
	size := fs.Int("size", 1<<20, "bytes per stream (big, concurrent)")
	pairs := fs.Int("pairs", 4, "stream pairs (concurrent)")
	timeout := fs.Duration("timeout", 20*time.Second, "give up after this long")
	fs.Parse(args)
	armTimeout(*timeout)

	conn, err := net.DialTimeout("tcp", *addr, 5*time.Second)
	if err != nil {
		fail("dial %s: %v", *addr, err)
		finish()
	}
	if *upgrade && !clientUpgrade(conn, *addr, *offer, *expect) {
		conn.Close()
		finish()
	}
	sc, err := spdystream.NewConnection(conn, false)
	if err != nil {
		fail("NewConnection: %v", err)
		finish()
	}
	c := &client{sc: sc, goaways: make(chan *spdystream.Stream, 1), size: *size, pairs: *pairs}
	sc.NotifyClose(c.goaways, 0)
	go sc.Serve(func(st *spdystream.Stream) {
		fail("the server opened stream %d", st.Identifier())
		st.Reset()
	})
	switch *scenario {
	case "echo":
		c.echoScenario()
	case "big":
		c.bigScenario()
	case "concurrent":
		c.concurrentScenario()
	case "resets":
		c.resetsScenario()
	case "goaway-theirs":
		c.goawayTheirsScenario()
	case "goaway-ours":
		c.goawayOursScenario()
	default:
		fail("unknown scenario %q", *scenario)
	}
	say("CLIENT-DONE")
	finish()
}

// open creates a stream with kubectl's port-forward headers and waits for its SYN_REPLY.
func (c *client) open(streamType string, requestID int) (*spdystream.Stream, error) {
	h := http.Header{}
	h["streamType"] = []string{streamType}
	h["port"] = []string{"8080"}
	h["requestID"] = []string{strconv.Itoa(requestID)}
	st, err := c.sc.CreateStream(h, nil, false)
	if err != nil {
		return nil, err
	}
	return st, st.WaitTimeout(5 * time.Second)
}

// roundTrip writes data in 32 KiB DATA frames (as io.Copy does) while reading the echo,
// FINs, and returns everything read until the peer's FIN.
func roundTrip(st *spdystream.Stream, data []byte) ([]byte, error) {
	werr := make(chan error, 1)
	go func() {
		for off := 0; off < len(data); off += 32 * 1024 {
			end := off + 32*1024
			if end > len(data) {
				end = len(data)
			}
			if _, err := st.Write(data[off:end]); err != nil {
				werr <- err
				return
			}
		}
		werr <- st.Close()
	}()
	got, rerr := io.ReadAll(st)
	if err := <-werr; err != nil {
		return got, err
	}
	return got, rerr
}

func checkEcho(what string, got, want []byte, err error) bool {
	if err != nil {
		fail("%s: %v (after %d bytes)", what, err, len(got))
		return false
	}
	if !bytes.Equal(got, want) {
		fail("%s: echo differs: got %d bytes, want %d (first difference at %d)", what,
			len(got), len(want), firstDiff(got, want))
		return false
	}
	return true
}

func firstDiff(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) < len(b) {
		return len(a)
	}
	return len(b)
}

// closeConn sends GOAWAY (spdystream's Close) and waits until the socket is closed.
func (c *client) closeConn() {
	if err := c.sc.Close(); err != nil {
		fail("close: %v", err)
		return
	}
	if err := c.sc.Wait(5 * time.Second); err != nil {
		fail("close: waiting for shutdown: %v", err)
		return
	}
	pass("closed")
}

// echo: one port-forward stream echoed, a PING both ways' worth, then GOAWAY and close.
func (c *client) echoScenario() {
	st, err := c.open("data", 0)
	if err != nil {
		fail("open: %v", err)
		return
	}
	msg := []byte("hello from spdystream")
	got, err := roundTrip(st, msg)
	if checkEcho("echo", got, msg, err) {
		pass("echo id=%d bytes=%d", st.Identifier(), len(got))
	}
	rtt := make(chan error, 1)
	go func() { _, err := c.sc.Ping(); rtt <- err }()
	select {
	case err := <-rtt:
		if err != nil {
			fail("ping: %v", err)
		} else {
			pass("ping")
		}
	case <-time.After(5 * time.Second):
		fail("ping: no answer in 5 s")
	}
	c.closeConn()
}

// big: -size bytes each way on one stream, far beyond the 64 KiB initial window; spdystream
// writes without regard to windows and never sends WINDOW_UPDATE.
func (c *client) bigScenario() {
	st, err := c.open("data", 0)
	if err != nil {
		fail("open: %v", err)
		return
	}
	want := pattern(c.size, 1)
	got, err := roundTrip(st, want)
	if checkEcho("big", got, want, err) {
		pass("big id=%d bytes=%d", st.Identifier(), len(got))
	}
	c.closeConn()
}

// concurrent: -pairs port-forward pairs (error then data stream per request id, created
// one after the other like kubectl), then every stream echoes its own payload at once.
func (c *client) concurrentScenario() {
	var streams []*spdystream.Stream
	for i := 0; i < c.pairs; i++ {
		for _, t := range []string{"error", "data"} {
			st, err := c.open(t, i)
			if err != nil {
				fail("open %s %d: %v", t, i, err)
				return
			}
			streams = append(streams, st)
		}
	}
	var wg sync.WaitGroup
	for i, st := range streams {
		wg.Add(1)
		go func(i int, st *spdystream.Stream) {
			defer wg.Done()
			want := pattern(c.size+i, int(st.Identifier()))
			got, err := roundTrip(st, want)
			if checkEcho(fmt.Sprintf("stream %d", st.Identifier()), got, want, err) {
				pass("stream id=%d bytes=%d", st.Identifier(), len(got))
			}
		}(i, st)
	}
	wg.Wait()
	c.closeConn()
}

// waitReset: after Read returned EOF, a RST_STREAM received marks the stream finished
// (a FIN does not); the flag is set right after the read side closes.
func waitReset(st *spdystream.Stream) bool {
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if st.IsFinished() {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

// resets: the server rejects stream 1 (RST before SYN_REPLY), resets stream 3 after
// echoing 1000 bytes; we reset stream 5 after 2000 echoed bytes; stream 7 still echoes.
func (c *client) resetsScenario() {
	_, err := c.open("data", 0)
	if errors.Is(err, spdystream.ErrReset) {
		pass("rejected stream reset before reply")
	} else {
		fail("rejected stream: %v, want %v", err, spdystream.ErrReset)
	}

	st, err := c.open("data", 1)
	if err != nil {
		fail("open: %v", err)
		return
	}
	want := pattern(1000, 3)
	if _, err := st.Write(append(append([]byte{}, want...), pattern(4000, 4)...)); err != nil {
		fail("write: %v", err)
	}
	got, err := io.ReadAll(st)
	if checkEcho("reset by server", got, want, err) {
		if waitReset(st) {
			pass("reset by server after %d bytes", len(got))
		} else {
			fail("stream %d ended without RST_STREAM", st.Identifier())
		}
	}

	st, err = c.open("data", 2)
	if err != nil {
		fail("open: %v", err)
		return
	}
	want = pattern(2000, 5)
	if _, err := st.Write(want); err != nil {
		fail("write: %v", err)
	}
	got = make([]byte, len(want))
	if _, err := io.ReadFull(st, got); checkEcho("before our reset", got, want, err) {
		if err := st.Reset(); err != nil {
			fail("reset: %v", err)
		} else {
			pass("reset sent id=%d after %d bytes", st.Identifier(), len(got))
		}
	}

	st, err = c.open("data", 3)
	if err != nil {
		fail("open after resets: %v", err)
		return
	}
	msg := []byte("still alive after resets")
	got, err = roundTrip(st, msg)
	if checkEcho("echo after resets", got, msg, err) {
		pass("echo after resets id=%d", st.Identifier())
	}
	c.closeConn()
}

// goaway-theirs: we send GOAWAY halfway through a stream, then finish it: the server must
// keep serving it to the end; the socket closes once it is done.
func (c *client) goawayTheirsScenario() {
	st, err := c.open("data", 0)
	if err != nil {
		fail("open: %v", err)
		return
	}
	want := pattern(c.size, 7)
	half := len(want) / 2
	if _, err := st.Write(want[:half]); err != nil {
		fail("write: %v", err)
	}
	got := make([]byte, half)
	if _, err := io.ReadFull(st, got); !checkEcho("first half", got, want[:half], err) {
		return
	}
	if err := c.sc.Close(); err != nil { // GOAWAY, last-good 0
		fail("GOAWAY: %v", err)
		return
	}
	say("GOAWAY-SENT")
	werr := make(chan error, 1)
	go func() {
		if _, err := st.Write(want[half:]); err != nil {
			werr <- err
			return
		}
		werr <- st.Close()
	}()
	rest, err := io.ReadAll(st)
	if e := <-werr; e != nil && err == nil {
		err = e
	}
	if checkEcho("after GOAWAY", append(got, rest...), want, err) {
		pass("stream completed after our GOAWAY bytes=%d", len(want))
	}
	if err := c.sc.Wait(5 * time.Second); err != nil {
		fail("shutdown after GOAWAY: %v", err)
	} else {
		pass("closed")
	}
}

// goaway-ours: the server sends GOAWAY while our stream 1 is open; spdystream stops
// reading at once and reports the last-good stream.
func (c *client) goawayOursScenario() {
	st, err := c.open("data", 0)
	if err != nil {
		fail("open: %v", err)
		return
	}
	msg := []byte("before goaway")
	if _, err := st.Write(msg); err != nil {
		fail("write: %v", err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(st, got); !checkEcho("before GOAWAY", got, msg, err) {
		return
	}
	select {
	case last := <-c.goaways:
		pass("goaway received last-good=%d", streamID(last))
	case <-time.After(5 * time.Second):
		fail("no GOAWAY in 5 s")
		return
	}
	select {
	case <-c.sc.CloseChan():
		pass("connection ended")
	case <-time.After(5 * time.Second):
		fail("connection still open 5 s after GOAWAY")
	}
}

func armTimeout(d time.Duration) {
	time.AfterFunc(d, func() {
		fail("timeout after %v", d)
		finish()
	})
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: spdystream-peer server|client [flags]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "server":
		runServer(os.Args[2:])
	case "client":
		runClient(os.Args[2:])
	default:
		fmt.Fprintf(os.Stderr, "unknown role %q\n", os.Args[1])
		os.Exit(2)
	}
}
