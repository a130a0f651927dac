// One side of one transport for one case, in its own process so that its CPU time and
// memory are its own. Forked by run.mjs and driven over IPC:
//
//   node child.mjs server <transport> <case> 0 <config JSON>
//       → {type: 'ready', port}; 'cpu' → {type: 'cpu', cpu, faults, written};
//       'stats' → {type: 'stats', ...}
//   node child.mjs client <transport> <case> <port> <config JSON>
//       warms up → {type: 'ready'}; 'run' → {type: 'result', ...}; 'stats' as the server
//
// Failures answer {type: 'failed', kind: 'stalled' | 'error', message}.

import { TRANSPORTS } from './transports.mjs';
import { bodyBytesWritten } from './common.mjs';
import { plan, warmupPlan, runPlan, StallError } from './workloads.mjs';

const [role, name, caseName, port, config] = process.argv.slice(2);
const send = (msg) => process.send(msg);

function fail(err) {
  const kind = err instanceof StallError ? 'stalled' : 'error';
  send({ type: 'failed', kind, message: err?.message || String(err) });
}

/** Minor page faults of this process so far (memory the kernel had to map on first touch). */
const minorFaults = () => process.resourceUsage().minorPageFault;

/** Peak RSS in bytes (the kernel's high-water mark for this process). */
const stats = () => ({ type: 'stats', maxRss: process.resourceUsage().maxRSS * 1024 });

async function server() {
  const { port: p } = await TRANSPORTS[name].serve(caseName, JSON.parse(config));
  process.on('message', (msg) => {
    if (msg.cmd === 'cpu') {
      send({ type: 'cpu', cpu: process.cpuUsage(), faults: minorFaults(), written: bodyBytesWritten() });
    }
    else if (msg.cmd === 'stats') send(stats());
  });
  send({ type: 'ready', port: p });
}

async function client() {
  const { quick, stallMs, defaults } = JSON.parse(config);
  let rejectFatal;
  const fatal = new Promise((_, reject) => { rejectFatal = reject; });
  fatal.catch(() => {});
  const c = await TRANSPORTS[name].connect(Number(port), caseName, (err) => rejectFatal(err), { defaults });
  const p = plan(caseName, quick);
  await runPlan(c, warmupPlan(p), { stallMs, fatal });
  process.on('message', async (msg) => {
    if (msg.cmd === 'stats') return send(stats());
    if (msg.cmd !== 'run') return;
    try {
      const before = process.cpuUsage();
      const faults = minorFaults();
      const result = await runPlan(c, p, { stallMs, fatal });
      send({ type: 'result', ...result, cpu: process.cpuUsage(before), faults: minorFaults() - faults });
    } catch (err) {
      fail(err);
    }
  });
  send({ type: 'ready' });
}

process.on('uncaughtException', (err) => {
  fail(err);
  setTimeout(() => process.exit(1), 100);
});
process.on('disconnect', () => process.exit(0));
(role === 'server' ? server() : client()).catch(fail);
