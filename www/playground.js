// The playground: a client and a server session in the page, joined by two Lanes (latency,
// chunk size, bandwidth), driven by one event loop; a streams table, the window chart and a
// frame log of every byte that crosses the pipe. `window.playground` exposes the state (and
// the actions the buttons call) for tests.
import { FrameInspector } from './pkg/spdy3.js';
import { Client, Server } from './endpoints.js';
import { WindowChart } from './chart.js';
import { Lane } from './pipe.js';
import { detailsCell, el, flagText } from './frames.js';

/** The pipe's send buffer: past this many unsent bytes, output waits in the session. */
const SEND_BUFFER = 16 * 1024;
const LOG_ROWS_SHOWN = 400;
const LOG_KEPT = 5000;

export function setupPlayground(root) {
  const $ = (sel) => root.querySelector(sel);
  const chart = new WindowChart($('#chart'));
  const kib = (sel) => Math.max(0, Math.round(Number($(sel).value) * 1024));
  const pg = { chart, log: [], counts: {}, notes: [], client: null, server: null, lanes: null };
  let t0 = 0;
  let inspectors = null;
  let rows = new Map();
  const clock = () => performance.now() - t0;

  // ---- the event loop -------------------------------------------------------------------
  let wake = null;
  let wakeAt = Infinity;
  function schedule(at) {
    if (at >= wakeAt) return;
    clearTimeout(wake);
    wakeAt = at;
    wake = setTimeout(tick, Math.max(0, at - clock()));
  }
  const kick = () => schedule(clock());

  function deliver(lane, to, now) {
    let moved = false;
    for (let piece; to.wantsInput && (piece = lane.take(now));) {
      to.handle(to.session.input(piece, now), now);
      moved = true;
    }
    return moved;
  }

  function tick() {
    wake = null;
    wakeAt = Infinity;
    const { client, server, lanes } = pg;
    let active = false;
    for (let round = 0; round < 20; round++) {
      const now = clock();
      active = deliver(lanes.c2s, server, now) | deliver(lanes.s2c, client, now);
      active = client.drain(now, lanes.c2s.backlog(now) > SEND_BUFFER) | active;
      active = server.drain(now, lanes.s2c.backlog(now) > SEND_BUFFER) | active;
      if (!active) break;
    }
    const timer = (ep) => (ep.timer >= 0 ? ep.timer : Infinity);
    const due = (lane, to) => (to.wantsInput ? lane.nextDue() : Infinity);
    const unblocks = (lane, from) => (from.blocked ? lane.drainsTo(SEND_BUFFER) : Infinity);
    sample();
    schedule(active ? clock() : Math.min(due(lanes.c2s, server), due(lanes.s2c, client),
      timer(client), timer(server), unblocks(lanes.c2s, client), unblocks(lanes.s2c, server)));
  }

  // ---- start and restart ----------------------------------------------------------------
  function start() {
    pg.client?.free();
    pg.server?.free();
    inspectors?.c2s.free();
    inspectors?.s2c.free();
    t0 = performance.now();
    pg.lanes = { c2s: new Lane(), s2c: new Lane() };
    setPipe();
    // Each drain hands the pipe at most what its send buffer takes, so frames wait in the
    // session, where the scheduler picks them by priority (as behind a real socket).
    const clientOptions = {
      authority: 'playground.local',
      initialWindowSize: kib('#window'),
      sessionWindowSize: kib('#session-window'),
      maxOutput: SEND_BUFFER,
    };
    pg.client = new Client(clientOptions, 0);
    pg.server = new Server({ maxOutput: SEND_BUFFER }, 0);
    inspectors = { c2s: new FrameInspector(), s2c: new FrameInspector() };
    pg.client.onOutput = (bytes, t) => { pg.lanes.c2s.send(bytes, t); log('C→S', inspectors.c2s.feed(bytes), t); };
    pg.server.onOutput = (bytes, t) => { pg.lanes.s2c.send(bytes, t); log('S→C', inspectors.s2c.feed(bytes), t); };
    pg.client.onNote = pg.server.onNote = note;
    pg.log = [];
    pg.counts = {};
    $('#log tbody').replaceChildren();
    $('#streams tbody').replaceChildren();
    rows = new Map();
    chart.clear();
    note(`started: client grants ${clientOptions.initialWindowSize} B per stream, ` +
      `${clientOptions.sessionWindowSize} B for the session`);
    kick();
  }

  function setPipe() {
    for (const lane of Object.values(pg.lanes)) {
      lane.latency = Number($('#latency').value);
      lane.chunk = Number($('#chunk').value);
      lane.bandwidth = Number($('#bandwidth').value);
    }
    $('#latency-out').textContent = `${$('#latency').value} ms`;
  }

  // ---- actions --------------------------------------------------------------------------
  /** Runs a command; a refusal (GOAWAY, closed session, …) becomes a note, not an error. */
  function act(name, fn) {
    let result;
    try {
      result = fn(clock());
    } catch (e) {
      note(`${name}: ${e.message}`);
    }
    kick();
    render();
    return result;
  }

  const actions = {
    open: (sizeBytes, priority) => act('open', (now) => pg.client.open(sizeBytes, priority, now)),
    pause: (id) => act('pause', () => pg.client.setPaused(id, true)),
    resume: (id) => act('resume', () => pg.client.setPaused(id, false)),
    upload: (id, n = 65536) => act('send data', () => pg.client.upload(id, n)),
    reset: (id) => act('reset', () => pg.client.reset(id)),
    ping: () => act('ping', (now) => note(`client: PING ${pg.client.session.ping(now)} sent`)),
    settings: (initialWindow) => act('settings', () => {
      pg.client.session.settings(-1, initialWindow);
      note(`client: SETTINGS INITIAL_WINDOW_SIZE=${initialWindow} sent`);
    }),
    goaway: () => act('goaway', (now) => pg.server.session.goaway(now)),
    restart: start,
  };
  Object.assign(pg, actions);

  $('#open').addEventListener('click', () => actions.open(kib('#size'), Number($('#priority').value)));
  $('#ping').addEventListener('click', () => actions.ping());
  $('#settings').addEventListener('click', () => actions.settings(kib('#window')));
  $('#goaway').addEventListener('click', () => actions.goaway());
  $('#restart').addEventListener('click', () => actions.restart());
  $('#latency').addEventListener('input', setPipe);
  $('#chunk').addEventListener('change', setPipe);
  $('#bandwidth').addEventListener('change', setPipe);
  $('#show-data').addEventListener('change', (e) => root.classList.toggle('hide-data', !e.target.checked));

  // ---- output: notes, frame log, streams table, chart ---------------------------------------
  function note(text) {
    pg.notes.push(text);
    $('#notes').replaceChildren(...pg.notes.slice(-5).reverse().map((n) => el('div', null, n)));
  }

  function log(dir, frames, t) {
    const body = $('#log tbody');
    for (const row of frames) {
      const entry = { t: Math.round(t), dir, ...row };
      pg.log.push(entry);
      pg.counts[row.type] = (pg.counts[row.type] || 0) + 1;
      const tr = el('tr', row.type === 'DATA' ? 'data' : null,
        el('td', 'num', String(entry.t)), el('td', null, dir), el('td', 'type', row.type),
        el('td', null, flagText(row)), el('td', 'num', row.stream === undefined ? '' : String(row.stream)),
        el('td', 'num', String(row.length)), detailsCell(row));
      if (row.error) tr.classList.add('error-row');
      body.append(tr);
    }
    if (pg.log.length > LOG_KEPT) pg.log.splice(0, pg.log.length - LOG_KEPT);
    while (body.children.length > LOG_ROWS_SHOWN) body.firstChild.remove();
    const wrap = $('.log-wrap');
    wrap.scrollTop = wrap.scrollHeight;
  }

  function streamRow(s) {
    const button = (text, onClick) => {
      const b = el('button', null, text);
      b.addEventListener('click', onClick);
      return b;
    };
    const pause = button('Stop reading', () => (s.paused ? actions.resume(s.id) : actions.pause(s.id)));
    const upload = button('Send 64 KiB', () => actions.upload(s.id));
    const cells = {
      progress: el('progress'), received: el('span'), state: el('td'), recv: el('td', 'num'),
      send: el('td', 'num'), uploaded: el('td', 'num'), pause, upload,
    };
    cells.progress.max = Math.max(1, s.size);
    const tr = el('tr', null, el('td', 'num', String(s.id)), el('td', 'num', String(s.priority)),
      el('td', null, cells.progress, ' ', cells.received), cells.state, cells.recv, cells.send,
      cells.uploaded, el('td', 'actions', pause, upload, button('Reset', () => actions.reset(s.id))));
    tr.dataset.stream = String(s.id);
    $('#streams tbody').append(tr);
    return cells;
  }

  /**
   * Records the client's receive windows (what the server may still send: the reader's
   * backpressure) in the chart's data, after each busy tick and each render.
   */
  let sampledAt = -Infinity;
  function sample() {
    const now = clock();
    if (now - sampledAt < 5) return;
    sampledAt = now;
    const live = [];
    for (const s of pg.client.streams.values()) {
      const cw = pg.client.session.streamWindows(s.id);
      if (cw) live.push({ id: s.id, value: cw[1], label: `stream ${s.id} (priority ${s.priority})` });
    }
    chart.sample(now, pg.client.session.stats().recvWindow, live);
  }

  function render() {
    const { client, server } = pg;
    const now = clock();
    for (const s of client.streams.values()) {
      const cells = rows.get(s.id) ?? rows.set(s.id, streamRow(s)).get(s.id);
      const cw = client.session.streamWindows(s.id);
      const sw = server.session.streamWindows(s.id);
      cells.progress.value = s.received;
      cells.received.textContent = `${s.received} / ${s.size}`;
      cells.state.textContent = (s.paused && s.state !== 'done' ? 'not reading' : s.state) + (s.note ? ` ${s.note}` : '');
      cells.recv.textContent = cw ? String(cw[1]) : '—';
      cells.send.textContent = sw ? String(sw[0]) : '—';
      cells.uploaded.textContent = String(s.uploaded);
      cells.pause.textContent = s.paused ? 'Resume reading' : 'Stop reading';
      cells.pause.disabled = s.state === 'done' || s.state === 'reset';
      cells.upload.disabled = s.finished || s.state === 'reset';
    }
    const cs = client.session.stats();
    const ss = server.session.stats();
    sample();
    chart.render(now);
    $('#stats').textContent = `client: ${cs.streams} streams, ${cs.recvBuffered} B unread · ` +
      `server: ${ss.sendBuffered} B queued, session window ${ss.sendWindow} · in flight: ` +
      `${pg.lanes.c2s.inFlight()} B →, ${pg.lanes.s2c.inFlight()} B ← · frames: ` +
      Object.entries(pg.counts).map(([k, v]) => `${k} ${v}`).join(', ');
  }

  start();
  setInterval(render, 100);
  return pg;
}
