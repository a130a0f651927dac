// Benchmark: spdy3 against node-spdy's engine (spdy-transport, SPDY/3.1) and a raw
// net.Socket baseline, in one run on loopback. Not a test: nothing is asserted.
//
//   node bench/run.mjs [--quick] [--runs N] [--settle MIB] [--json FILE] [--markdown]
//                      [--svg FILE] [--cases bulk,multi,rr,churn]
//                      [--transports raw,spdy3,spdy-transport] [--cpu-prof DIR]
//
// Cases: 1. bulk: one stream, 256 MiB download (MB/s); 2. multi: 16 concurrent 16 MiB
// streams (aggregate MB/s); 3. rr: 1 KiB GETs, 100 in flight (req/s); 4. churn: open, read
// 64 KiB, reset (CANCEL), 10 in flight (streams/s); and, for bulk, CPU seconds per GiB
// (client + server processes) and peak RSS.
//
// Every transport runs as two child processes per case (bench/child.mjs: server, client),
// so CPU and memory are attributed to one side of one transport. Each pair warms up
// (checking every byte), then settles: unrecorded runs of the measured plan (in turn with
// the other transports) until it has moved 1 GiB (--settle), at least one run. Then the
// measured runs alternate between transports and each case reports the median of N. A
// pair that stops making progress is reported as "stalled" and the run goes on.

import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { median, GiB, MiB } from './common.mjs';
import { CASES, plan, byteCase } from './workloads.mjs';
import { TRANSPORTS, ANALOGUES, TUNING } from './transports.mjs';
import * as report from './report.mjs';

const CHILD = fileURLToPath(new URL('./child.mjs', import.meta.url));

const USAGE = `usage: node bench/run.mjs [options]
  --quick              small sizes, one run: a smoke run of about 10 s
  --runs N             measured runs per case and transport (default 3; 1 with --quick)
  --settle MIB         before them, unrecorded runs until each transport has moved this
                       much (default 1024; at least one run; none with --quick)
  --json FILE          write the results as JSON
  --markdown           print a Markdown table instead of the text table
  --svg FILE           write an SVG bar chart of throughput relative to raw net
  --cases LIST         some of bulk,multi,rr,churn (default all)
  --transports LIST    some of raw,spdy3,spdy-transport (default all)
  --defaults           no tuning at all (see the notes printed with the results)
  --cpu-prof DIR       run the spdy3 processes under node --cpu-prof, profiles in DIR
environment:
  SPDY3_BENCH_VARIANT=JSON   adds transport spdy3-variant: spdy3 with these options on both
                             ends, for an A/B in one run (--transports spdy3,spdy3-variant)
  SPDY3_BENCH_VARIANT_PACKAGE=DIR  the same with the spdy3 package in DIR as the variant`;

function parseArgs(argv) {
  const o = { quick: false, runs: null, settleMiB: 1024, json: null, markdown: false, svg: null, cases: CASES,
    transports: Object.keys(TRANSPORTS), cpuProf: null, defaults: false };
  const list = (s, known) => {
    const names = s.split(',').filter(Boolean);
    const bad = names.filter((n) => !known.includes(n));
    if (bad.length) usage(`unknown: ${bad.join(', ')}`);
    return names;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === '--quick') o.quick = true;
    else if (a === '--runs') o.runs = Number(value());
    else if (a === '--settle') o.settleMiB = Number(value());
    else if (a === '--json') o.json = value();
    else if (a === '--markdown') o.markdown = true;
    else if (a === '--svg') o.svg = value();
    else if (a === '--cases') o.cases = list(value(), CASES);
    else if (a === '--transports') o.transports = list(value(), Object.keys(TRANSPORTS));
    else if (a === '--cpu-prof') o.cpuProf = value();
    else if (a === '--defaults') o.defaults = true;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown option ${a}`);
  }
  o.runs ??= o.quick ? 1 : 3;
  if (!(o.runs >= 1)) usage('--runs needs a number ≥ 1');
  if (!(o.settleMiB >= 0)) usage('--settle needs a number ≥ 0');
  o.stallMs = o.quick ? 3000 : 10_000; // no progress this long: "stalled"
  o.runTimeoutMs = o.quick ? 30_000 : 180_000; // one run (or warm-up) longer: "timeout"
  return o;
}

function usage(error) {
  console.error(error ? `${error}\n${USAGE}` : USAGE);
  process.exit(error ? 2 : 0);
}

// --- child processes ------------------------------------------------------------------------

class Failure extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind; // 'stalled', 'timeout' or 'error'
  }
}

/** A forked child.mjs, answering one command at a time. */
class Peer {
  constructor(role, args, execArgv = []) {
    this.role = role;
    this.output = '';
    this.waiter = null;
    this.failure = null;
    this.proc = fork(CHILD, [role, ...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv });
    const keep = (d) => { this.output = (this.output + d).slice(-2000); };
    this.proc.stdout.on('data', keep);
    this.proc.stderr.on('data', keep);
    this.proc.on('message', (msg) => this.deliver(msg));
    this.proc.on('exit', (code, signal) => {
      this.exited = true;
      this.deliver({ type: 'failed', kind: 'error', message: `the ${role} exited (${signal || code})` });
    });
  }

  deliver(msg) {
    if (msg.type === 'failed') {
      this.failure ??= new Failure(msg.kind, `${this.role}: ${msg.message}${this.tail()}`);
      this.waiter?.reject(this.failure);
    } else if (this.waiter?.type === msg.type) {
      this.waiter.resolve(msg);
    }
  }

  tail() {
    const out = this.output.trim().split('\n').slice(-5).join('\n    ');
    return out ? `\n    ${out}` : '';
  }

  /** Sends `cmd` (if any) and waits for a message of `type`, at most `ms`. */
  ask(cmd, type, ms) {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Failure('timeout', `${this.role}: no answer in ${ms} ms`)), ms);
      const done = (f) => (x) => { clearTimeout(timer); this.waiter = null; f(x); };
      this.waiter = { type, resolve: done(resolve), reject: done(reject) };
      if (cmd) this.proc.send({ cmd });
    });
  }

  /** Ends the child: politely (it exits when IPC closes, writing any --cpu-prof), then by force. */
  async stop(politely) {
    if (this.exited) return;
    if (politely) {
      const exited = new Promise((resolve) => this.proc.once('exit', resolve));
      this.proc.disconnect();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    }
    this.kill();
  }

  kill() {
    if (!this.exited) this.proc.kill('SIGKILL');
  }
}

const cpuSeconds = (c) => (c.user + c.system) / 1e6;

/** A server and a client of one transport for one case, warmed up. */
async function startPair(name, caseName, o) {
  const execArgv = o.cpuProf && name === 'spdy3' ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProf] : [];
  const server = new Peer('server', [name, caseName, '0', JSON.stringify({ defaults: o.defaults })], execArgv);
  let client = null;
  try {
    const { port } = await server.ask(null, 'ready', 10_000);
    const config = JSON.stringify({ quick: o.quick, stallMs: o.stallMs, defaults: o.defaults });
    client = new Peer('client', [name, caseName, String(port), config], execArgv);
    await client.ask(null, 'ready', o.runTimeoutMs);
    return { name, server, client };
  } catch (err) {
    server.kill();
    client?.kill();
    err.message = `warm-up: ${err.message}`;
    throw err;
  }
}

/** One measured run: the client's figures and both processes' CPU seconds. */
async function measure(pair, o) {
  const before = await pair.server.ask('cpu', 'cpu', 10_000);
  const r = await pair.client.ask('run', 'result', o.runTimeoutMs);
  const after = await pair.server.ask('cpu', 'cpu', 10_000);
  const server = { user: after.cpu.user - before.cpu.user, system: after.cpu.system - before.cpu.system };
  return { seconds: r.seconds, bytes: r.bytes, streams: r.streams, serverWrote: after.written - before.written,
    cpu: { client: cpuSeconds(r.cpu), server: cpuSeconds(server) },
    faults: { client: r.faults, server: after.faults - before.faults },
    cpuMicros: { client: r.cpu, server } }; // user and system apart, in µs
}

/** Ends a pair; with `stats`, first asks both sides for their peak RSS. */
async function stopPair(pair, stats) {
  let rss = null;
  if (stats) {
    const ask = (p) => p.ask('stats', 'stats', 5000).then((m) => m.maxRss, () => null);
    rss = { client: await ask(pair.client), server: await ask(pair.server) };
  }
  await Promise.all([pair.client.stop(stats), pair.server.stop(stats)]);
  return rss;
}

// --- the cases ---------------------------------------------------------------------------------

/** The figure of one run, in the case's unit. */
function figure(caseName, run) {
  if (byteCase(caseName)) return run.bytes / run.seconds / 1e6;
  return run.streams / run.seconds;
}

function describe(caseName, quick) {
  const p = plan(caseName, quick);
  const size = (b) => (b >= MiB ? `${b / MiB} MiB` : `${b / 1024} KiB`);
  switch (caseName) {
    case 'bulk': return { label: `1. bulk: 1 stream × ${size(p.size)}`, short: 'bulk, 1 stream', unit: 'MB/s' };
    case 'multi': return { label: `2. ${p.count} streams × ${size(p.size)} at once`, short: `${p.count} streams`, unit: 'MB/s aggregate' };
    case 'rr': return { label: `3. ${p.count} GETs of 1 KiB, ${p.concurrency} in flight`, short: '1 KiB GETs', unit: 'req/s' };
    default: return { label: `4. churn: ${p.count} × (open, read 64 KiB, reset), ${p.concurrency} in flight`, short: 'open/read/reset', unit: 'streams/s' };
  }
}

/** Runs one case on every transport, runs interleaved; returns its summary. */
async function runCase(caseName, o) {
  const results = {};
  const pairs = [];
  // Start-up and warm-up are not measured: all transports at once.
  await Promise.all(o.transports.map(async (name) => {
    results[name] = { status: 'ok', runs: [] };
    try {
      pairs.push(await startPair(name, caseName, o));
    } catch (err) {
      fail(results[name], err);
    }
  }));
  pairs.sort((a, b) => o.transports.indexOf(a.name) - o.transports.indexOf(b.name));
  // Then unrecorded runs of the measured plan, in turn (settleRuns). Not with --quick.
  const settle = o.quick ? 0 : settleRuns(caseName, o.settleMiB);
  for (let i = -settle; i < o.runs; i++) {
    // Rotate the order, so that no transport always runs first.
    for (const pair of rotate(pairs, Math.max(i, 0))) {
      const res = results[pair.name];
      if (res.status !== 'ok') continue;
      try {
        const run = await measure(pair, o);
        if (i >= 0) res.runs.push(run);
      } catch (err) {
        fail(res, err);
        await stopPair(pair, false);
      }
    }
  }
  for (const pair of pairs) {
    if (results[pair.name].status === 'ok') results[pair.name].rss = await stopPair(pair, true);
  }
  for (const res of Object.values(results)) if (res.status === 'ok') summarise(caseName, res);
  const p = plan(caseName, o.quick);
  if (p.size === Infinity) p.size = 'endless';
  return { ...describe(caseName, o.quick), plan: p, transports: results };
}

/**
 * Unrecorded runs before the measured ones: enough for `settleMiB` of bodies in the byte
 * cases (at least one). The warm-ups run all at once with every byte checked; after them
 * spdy3's CPU per GiB kept falling for about 1 GiB (its JIT and wasm tiers), from 0.56 to
 * 0.40-0.47 s/GiB on its client in a 10-run bulk case, while raw net's showed no trend.
 * The other cases move little data: one run each.
 */
function settleRuns(caseName, settleMiB) {
  if (!byteCase(caseName)) return 1;
  const p = plan(caseName, false);
  return Math.max(1, Math.ceil((settleMiB * MiB) / (p.size * p.count)));
}

const rotate = (list, k) => list.slice(k % list.length).concat(list.slice(0, k % list.length));

function fail(res, err) {
  res.status = err.kind || 'error';
  res.message = err.message;
  process.stderr.write(`  ${res.status}: ${err.message}\n`);
}

function summarise(caseName, res) {
  const figures = res.runs.map((r) => figure(caseName, r));
  res.figures = figures;
  res.median = median(figures);
  res.min = Math.min(...figures);
  res.max = Math.max(...figures);
  // CPU per unit of work: seconds per GiB for the byte cases, µs per stream for the others.
  const bulky = byteCase(caseName);
  const per = (side) => median(res.runs.map((r) => (bulky ? r.cpu[side] / (r.bytes / GiB) : r.cpu[side] * 1e6 / r.streams)));
  res.cpu = { client: per('client'), server: per('server'), unit: bulky ? 's/GiB' : 'µs/stream' };
  // Minor page faults per MiB moved: memory mapped afresh for the data (bulk cases).
  const faults = (side) => median(res.runs.map((r) => r.faults[side] / (r.bytes / MiB)));
  if (bulky) res.faultsPerMiB = { client: faults('client'), server: faults('server') };
  res.serverWrotePerStream = median(res.runs.map((r) => r.serverWrote / r.streams));
}

// --- main --------------------------------------------------------------------------------------

function settleNote(o) {
  if (o.quick) return 'none with --quick';
  return o.cases.map((c) => `${c} ${settleRuns(c, o.settleMiB)}`).join(', ');
}

function notes(o) {
  const tuned = TUNING.filter((t) => !o.defaults && o.transports.includes(t.transport))
    .map((t) => ({ ...t, cases: t.cases.filter((c) => o.cases.includes(c)) }))
    .filter((t) => t.cases.length > 0)
    .map((t) => `${t.why} [${t.cases.join(', ')}]`);
  return [
    'MB = 10^6 bytes; KiB/MiB/GiB are binary. Figures are medians of the runs (min–max in brackets).',
    `servers write 64 KiB chunks, waiting for 'drain' when write() returns false; clients read in flowing mode ('data'); bodies are checked (every byte during warm-up, first and last byte of each chunk after); after the warm-up, each transport settles with unrecorded runs of the measured plan in turn (runs per case: ${settleNote(o)}).`,
    'high-water marks: spdy3 streams 64 KiB (its fixed value), spdy-transport streams 16 KiB (its default), raw net sockets set to 64 KiB; SPDY sockets keep Node\'s defaults.',
    'each transport runs as a server process and a client process per case; CPU = process.cpuUsage() (user+system) of both over the measured runs; page faults = resourceUsage().minorPageFault of each over the measured runs, per MiB moved; peak RSS = resourceUsage().maxRSS of each process over the case (warm-up included).',
    ...(o.quick ? ['--quick: small sizes and short warm-ups (JIT not settled): a smoke run, not a measurement.'] : []),
    `spdy3 and spdy-transport run with their default options${tuned.length ? ', except:' : o.defaults ? ' (--defaults: nothing tuned).' : '.'}`,
    ...tuned.map((t) => `tuned: ${t}`),
    ...o.cases.map((c) => `raw net analogue, ${c}: ${ANALOGUES[c]}`),
    'raw net sockets use TCP_NODELAY, and their writes are corked per \'data\' event, so each batch leaves in one syscall (as the SPDY sessions batch frames per event-loop turn).',
  ];
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const cases = {};
  for (const caseName of o.cases) {
    process.stderr.write(`${describe(caseName, o.quick).label} …\n`);
    cases[caseName] = await runCase(caseName, o);
  }
  const cpu = os.cpus();
  const summary = {
    title: `spdy3 benchmark: node ${process.version}, ${os.platform()} ${os.arch()}, ${cpu.length} × ${cpu[0]?.model?.trim()}, `
      + `loopback 127.0.0.1, ${o.runs} run${o.runs > 1 ? 's' : ''}${o.quick ? ', --quick' : ''}`,
    subtitle: `${new Date().toISOString().slice(0, 16)}Z, node ${process.version}, ${cpu.length} CPUs, `
      + `${o.runs} run${o.runs > 1 ? 's' : ''}${o.quick ? ' (--quick sizes)' : ''}`,
    date: new Date().toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    runs: o.runs,
    quick: o.quick,
    transports: o.transports,
    cases,
    notes: notes(o),
  };
  console.log(o.markdown ? report.markdown(summary) : report.text(summary));
  if (o.json) writeFileSync(o.json, `${JSON.stringify(summary, null, 2)}\n`);
  if (o.svg) writeFileSync(o.svg, report.svg(summary));
  process.stderr.write(`done in ${summary.durationSeconds.toFixed(1)} s\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
