// The two applications of the playground, each over a WasmSession: a client that opens
// streams asking for N bytes and reads (or stops reading) them, and a server that answers
// every stream with that many bytes, writing only as fast as flow control lets it.
// Event arrays and the drain() result format are documented in src/wasm/mod.rs.
import { WasmSession } from './pkg/spdy3.js';

export const EV = {
  STREAM: 1, REPLY: 2, HEADERS: 3, DATA: 4, END: 5, WRITABLE: 6, RESET: 7,
  STREAM_CLOSED: 8, CAN_OPEN: 9, SETTINGS: 10, PONG: 11, GOAWAY: 12, CLOSED: 13,
};

const RST_NAMES = ['', 'PROTOCOL_ERROR', 'INVALID_STREAM', 'REFUSED_STREAM', 'UNSUPPORTED_VERSION',
  'CANCEL', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'STREAM_IN_USE', 'STREAM_ALREADY_CLOSED',
  'INVALID_CREDENTIALS', 'FRAME_TOO_LARGE'];

const SETTING_NAMES = ['', 'UPLOAD_BANDWIDTH', 'DOWNLOAD_BANDWIDTH', 'ROUND_TRIP_TIME',
  'MAX_CONCURRENT_STREAMS', 'CURRENT_CWND', 'DOWNLOAD_RETRANS_RATE', 'INITIAL_WINDOW_SIZE',
  'CLIENT_CERTIFICATE_VECTOR_SIZE'];

/** 64 KiB of readable filler, so DATA previews in the log show text. */
const FILLER = new TextEncoder().encode('spdy3 playground data '.repeat(3000)).subarray(0, 65536);

/** One end: its session, what its last drain said, and a log of notable events. */
class Endpoint {
  constructor(server, options, now) {
    this.name = server ? 'server' : 'client';
    this.session = new WasmSession(server, options, now);
    this.timer = -1;
    this.wantsInput = true;
    this.blocked = false;
    this.closed = false;
    /** Called with each output chunk (set by the playground). */
    this.onOutput = () => {};
    /** Called with a line for the status bar. */
    this.onNote = () => {};
  }

  /**
   * Drains at `now`. While `blocked` (the pipe's send buffer is full) output stays in the
   * session, where the scheduler orders it by priority, as with a real socket.
   */
  drain(now, blocked) {
    this.blocked = blocked;
    this.session.pauseOutput(blocked);
    return this.handle(this.session.drain(now), now);
  }

  /** Takes a drain()/input() result; returns true if anything happened. */
  handle(result, now) {
    const [out, timer, wantsInput, ...events] = result;
    this.timer = timer;
    this.wantsInput = wantsInput;
    if (out) this.onOutput(out, now);
    for (const ev of events) this.onEvent(ev, now);
    return out !== undefined || events.length > 0 || (!this.blocked && this.session.hasPendingOutput());
  }

  onEvent(ev) {
    const who = this.name;
    switch (ev[0]) {
      case EV.PONG: this.onNote(`${who}: PONG for ping ${ev[1]} after ${ev[2]} ms`); break;
      case EV.SETTINGS: {
        const entries = ev[1].entries.map(([id, value]) => `${SETTING_NAMES[id] || `setting ${id}`}=${value}`);
        this.onNote(`${who}: SETTINGS received ${entries.join(', ')}`);
        break;
      }
      case EV.GOAWAY: this.onNote(`${who}: GOAWAY received (last good stream ${ev[1]}, status ${ev[2]})`); break;
      case EV.CLOSED:
        this.closed = true;
        this.onNote(`${who}: session closed (${ev[4] || 'GOAWAY status ' + ev[1]})`);
        break;
      default:
    }
  }

  free() {
    this.session.free();
  }
}

/** The client application: streams it opened, and how far each got. */
export class Client extends Endpoint {
  constructor(options, now) {
    super(false, options, now);
    /** id → { id, priority, size, received, state, paused, uploadLeft, uploaded, finished, note } */
    this.streams = new Map();
  }

  /** Opens a stream asking for `size` bytes; returns its id. */
  open(size, priority, now) {
    const id = this.session.request([':path', `/bytes/${size}`], priority, false, false, now);
    this.streams.set(id, {
      id, priority, size, received: 0, state: 'waiting', paused: false,
      uploadLeft: 0, uploaded: 0, finished: false, note: '',
    });
    return id;
  }

  /** Stops (or restarts) reading a stream: unread data then holds its window. */
  setPaused(id, paused) {
    const s = this.streams.get(id);
    if (!s) return;
    s.paused = paused;
    if (paused) this.session.pause(id); else this.session.resume(id);
  }

  /** Queues `n` bytes of upload on the stream. */
  upload(id, n) {
    const s = this.streams.get(id);
    if (!s || s.finished) return;
    s.uploadLeft += n;
    this.writeMore(s);
  }

  reset(id) {
    this.session.reset(id, 5);
  }

  writeMore(s) {
    try {
      while (s.uploadLeft > 0) {
        const n = Math.min(s.uploadLeft, FILLER.length);
        const took = this.session.write(s.id, FILLER.subarray(0, n), false);
        if (took < 0) throw new Error('the stream is gone'); // reset or session ended
        s.uploadLeft -= took;
        s.uploaded += took;
        if (took < n) return;
      }
      this.finishIfDone(s);
    } catch (e) {
      s.uploadLeft = 0;
      s.note = e.message;
    }
  }

  /** Our half ends once the response is in and the upload is out. */
  finishIfDone(s) {
    if (s.state === 'done' && s.uploadLeft === 0 && !s.finished) {
      s.finished = true;
      try { this.session.finish(s.id); } catch { /* already ended */ }
    }
  }

  onEvent(ev, now) {
    const s = this.streams.get(ev[1]);
    switch (ev[0]) {
      case EV.REPLY:
        if (s) s.state = ev[3] ? 'done' : 'receiving';
        break;
      case EV.DATA:
        for (let i = 2; s && i < ev.length; i++) s.received += ev[i].length;
        break;
      case EV.END:
        if (s) { s.state = 'done'; this.finishIfDone(s); }
        break;
      case EV.WRITABLE:
        if (s) this.writeMore(s);
        break;
      case EV.RESET:
        if (s) {
          s.state = 'reset';
          s.note = `${RST_NAMES[ev[2]] || ev[2]} (${ev[3]})`;
        }
        break;
      case EV.STREAM_CLOSED:
        if (s) s.finished = true;
        break;
      default:
        super.onEvent(ev, now);
    }
  }
}

/** The server application: answers `/bytes/N` with N bytes. */
export class Server extends Endpoint {
  constructor(options, now) {
    super(true, options, now);
    /** id → { id, size, sent, uploaded, done } */
    this.streams = new Map();
  }

  onEvent(ev, now) {
    const s = this.streams.get(ev[1]);
    switch (ev[0]) {
      case EV.STREAM: {
        const headers = ev[2];
        const path = headers[headers.indexOf(':path') + 1] || '';
        const size = Number(/^\/bytes\/(\d+)$/.exec(path)?.[1] || 0);
        const stream = { id: ev[1], size, sent: 0, uploaded: 0, done: false };
        this.streams.set(stream.id, stream);
        this.session.respond(stream.id, [':status', '200', 'content-length', String(size)], size === 0);
        stream.done = size === 0;
        this.writeMore(stream);
        break;
      }
      case EV.WRITABLE:
        if (s) this.writeMore(s);
        break;
      case EV.DATA:
        for (let i = 2; s && i < ev.length; i++) s.uploaded += ev[i].length;
        break;
      case EV.RESET:
        if (s) s.done = true;
        break;
      case EV.STREAM_CLOSED:
        this.streams.delete(ev[1]);
        break;
      default:
        super.onEvent(ev, now);
    }
  }

  /** Writes as much of the body as windows and the send buffer take. */
  writeMore(s) {
    try {
      while (!s.done && s.sent < s.size) {
        const n = Math.min(s.size - s.sent, FILLER.length);
        const fin = s.sent + n === s.size;
        const took = this.session.write(s.id, FILLER.subarray(0, n), fin);
        if (took < 0) throw new Error('the stream is gone'); // reset or session ended
        s.sent += took;
        if (took < n) return;
        s.done = fin;
      }
    } catch {
      s.done = true;
    }
  }
}
