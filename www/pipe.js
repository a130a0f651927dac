// One direction of the playground's in-memory connection: bytes are cut into pieces of at
// most `chunk` bytes, sent one after another at `bandwidth` bytes per second (0: no limit),
// and each arrives `latency` ms after it was sent, in order.

export class Lane {
  constructor() {
    this.latency = 40;
    this.chunk = 1400;
    this.bandwidth = 0;
    /** Pieces in flight: { at, bytes }. */
    this.queue = [];
    /** When the link has sent everything queued so far (ms). */
    this.busyUntil = 0;
    this.carried = 0;
  }

  /** Puts a transmit in flight at time `now` (ms). */
  send(bytes, now) {
    let sent = Math.max(now, this.busyUntil);
    for (let i = 0; i < bytes.length; i += this.chunk) {
      const piece = bytes.slice(i, i + this.chunk);
      if (this.bandwidth > 0) sent += (piece.length * 1000) / this.bandwidth;
      this.queue.push({ at: sent + this.latency, bytes: piece });
    }
    this.busyUntil = sent;
    this.carried += bytes.length;
  }

  /** Bytes accepted but not yet on the wire at `now`: the socket's send buffer. */
  backlog(now) {
    return this.bandwidth > 0 ? (Math.max(0, this.busyUntil - now) * this.bandwidth) / 1000 : 0;
  }

  /** When the backlog will have fallen to `bytes` (ms). */
  drainsTo(bytes) {
    return this.busyUntil - (bytes * 1000) / this.bandwidth;
  }

  /** The next piece due by `now`, or undefined. */
  take(now) {
    if (this.queue.length && this.queue[0].at <= now) return this.queue.shift().bytes;
    return undefined;
  }

  /** When the next piece is due (ms), or Infinity. */
  nextDue() {
    return this.queue.length ? this.queue[0].at : Infinity;
  }

  /** Bytes in flight. */
  inFlight() {
    return this.queue.reduce((n, p) => n + p.bytes.length, 0);
  }
}
