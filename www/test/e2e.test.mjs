// End to end in headless Chromium (playwright-core driving /usr/bin/chromium): serves www/ on
// 127.0.0.1, decodes public vectors in the inspector and checks the rows shown against the
// vectors, runs a playground scenario (a stream that stops reading holds its window at zero
// while another completes) and checks the frame log and the chart's data, saves a
// screenshot to target/www-screenshot.png, and fails on any console error.
//
// Needs the web build (`node js/scripts/build.mjs --web`, run by scripts/test_browser.sh).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from './static-server.mjs';
import { www } from './shared-examples.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SCREENSHOT = join(www, '..', 'target', 'www-screenshot.png');
const KIB = 1024;

let server;
let browser;
let page;
const problems = [];

before(async () => {
  assert.ok(existsSync(join(www, 'pkg', 'spdy3.js')), 'www/pkg missing: run node js/scripts/build.mjs --web');
  server = await serve(www);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    chromiumSandbox: false,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready=true]', { timeout: 20000 });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** The rows of one direction's table as shown: offset, type, stream, length, details text. */
function shownRows(direction) {
  return page.$$eval(`table.frames[data-direction="${direction}"] tbody tr`, (trs) => trs.map((tr) => {
    const td = [...tr.children].map((c) => c.textContent);
    return { offset: +td[0], type: td[1], flags: td[2], stream: td[3] === '' ? null : +td[3], length: +td[4],
      details: td[5], error: tr.classList.contains('error-row') };
  }));
}

async function chooseExample(id) {
  await page.selectOption('#example', id);
  await page.waitForFunction((want) => document.querySelector('#inspect-status').textContent.includes(want),
    id === 'session' ? 'session.json' : id);
}

test('the inspector shows every frame of the session vectors at its offset', async () => {
  await chooseExample('session');
  const vectors = JSON.parse(readFileSync(join(www, '..', '..', 'shared', 'vectors', 'session.json'), 'utf8'));
  for (const [direction, seq] of vectors.sequences.entries()) {
    const rows = await shownRows(direction);
    assert.equal(rows.length, seq.frames.length, seq.name);
    let offset = 0;
    for (const [i, f] of seq.frames.entries()) {
      const d = f.decoded;
      const row = rows[i];
      const what = `${seq.name} frame ${i}`;
      assert.equal(row.offset, offset, what);
      assert.equal(row.type, d.type || 'DATA', what);
      assert.equal(row.length, d.length, what);
      assert.equal(row.stream, d.stream_id ?? null, what);
      assert.equal(row.error, false, what);
      // Inflated headers appear name by name, in order, through one context per direction.
      let at = 0;
      for (const [name, value] of d.headers || []) {
        const found = row.details.indexOf(name + value.replace(/\0/g, '␀'), at);
        assert.ok(found >= at, `${what}: header ${name}`);
        at = found;
      }
      offset += f.hex.length / 2;
    }
  }
});

test('the inspector pins errors to their byte offset with the rule and the reaction', async () => {
  await chooseExample('ping-length-8');
  let rows = await shownRows(0);
  assert.equal(rows.length, 1);
  assert.deepEqual([rows[0].offset, rows[0].type, rows[0].error], [0, 'PING', true]);
  assert.match(rows[0].details, /S-10 · GOAWAY PROTOCOL_ERROR/);
  assert.match(rows[0].details, /bytes at 0: 80 03 00 06 00 00 00 08/);

  // Pasted hex: a block with an empty header name resets stream 1; stream 3's block, on the
  // same zlib context, still inflates (S-33).
  const hex = readFileSync(join(www, 'examples', 'invalid-stream-error-keeps-context.bin')).toString('hex');
  await page.selectOption('#example', '');
  await page.fill('#hex-0', hex.replace(/(..)/g, '$1 '));
  await page.fill('#hex-1', '');
  await page.click('#decode');
  rows = await shownRows(0);
  assert.equal(rows.length, 2);
  assert.equal(rows[0].error, true);
  assert.match(rows[0].details, /S-36 · RST_STREAM 1 PROTOCOL_ERROR/);
  assert.deepEqual([rows[1].type, rows[1].stream, rows[1].error], ['SYN_STREAM', 3, false]);
  assert.match(rows[1].details, /:method/);
});

/** Reads the playground state the test checks. */
function playground() {
  return page.evaluate(() => {
    const pg = window.playground;
    const streams = [...pg.client.streams.values()].map((s) => ({
      ...s,
      serverSend: pg.server.session.streamWindows(s.id)?.[0],
      clientRecv: pg.client.session.streamWindows(s.id)?.[1],
    }));
    return { streams, log: pg.log, chart: pg.chart.data, notes: pg.notes, recvBuffered: pg.client.session.stats().recvBuffered };
  });
}

test('playground: a stream that stops reading holds a zero window while another completes', async () => {
  // 100 ms each way, so stream 1 stops reading well before its first data arrives.
  await page.$eval('#latency', (input) => {
    input.value = '100';
    input.dispatchEvent(new Event('input'));
  });
  await page.fill('#size', '512');
  await page.selectOption('#priority', '3');
  await page.click('#open');
  await page.click('#streams tr[data-stream="1"] button:text("Stop reading")');
  await page.click('#open');

  await page.waitForFunction(() => {
    const pg = window.playground;
    return pg.client.streams.get(3)?.state === 'done' && pg.server.session.streamWindows(1)?.[0] === 0;
  }, null, { timeout: 20000 });
  await page.waitForTimeout(300); // a few more chart samples of the stalled state
  let pg = await playground();
  const [a, b] = pg.streams;
  assert.deepEqual([a.id, a.received, a.paused, a.serverSend, a.clientRecv], [1, 0, true, 0, 0]);
  assert.deepEqual([b.id, b.received, b.state], [3, 512 * KIB, 'done']);
  assert.equal(pg.recvBuffered, 64 * KIB, 'one window of stream 1 waits unread');

  // The chart saw stream 1 fall from its initial window to zero, and stay there.
  const series = pg.chart.streams[1];
  assert.ok(series.length > 3);
  assert.equal(Math.max(...series.map(([, v]) => v)), 64 * KIB);
  assert.deepEqual(series.slice(-3).map(([, v]) => v), [0, 0, 0]);
  assert.ok(pg.chart.streams[3].length > 0 && pg.chart.session.length > 0);

  // The log: both requests, both replies, data for both, window updates only for stream 3.
  const frames = (dir, type, stream) => pg.log.filter((r) => r.dir === dir && r.type === type && r.stream === stream);
  for (const id of [1, 3]) {
    assert.equal(frames('C→S', 'SYN_STREAM', id).length, 1);
    assert.equal(frames('S→C', 'SYN_REPLY', id).length, 1);
    assert.ok(frames('S→C', 'DATA', id).length > 0);
  }
  assert.equal(frames('S→C', 'DATA', 1).reduce((n, r) => n + r.length, 0), 64 * KIB);
  assert.equal(frames('S→C', 'DATA', 3).reduce((n, r) => n + r.length, 0), 512 * KIB);
  assert.equal(frames('C→S', 'WINDOW_UPDATE', 1).length, 0);
  assert.ok(frames('C→S', 'WINDOW_UPDATE', 3).length > 0);
  assert.ok(pg.log.every((r) => !r.error));
  assert.match(await page.textContent('#streams tr[data-stream="1"]'), /not reading/);

  mkdirSync(join(www, '..', 'target'), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  // Reading again releases the window and the stream completes.
  await page.click('#streams tr[data-stream="1"] button:text("Resume reading")');
  await page.waitForFunction(() => window.playground.client.streams.get(1).state === 'done', null, { timeout: 20000 });
  pg = await playground();
  assert.equal(pg.streams[0].received, 512 * KIB);
  assert.ok(pg.log.some((r) => r.dir === 'C→S' && r.type === 'WINDOW_UPDATE' && r.stream === 1));
});

test('playground: PING, SETTINGS, reset and GOAWAY buttons reach the peer', async () => {
  await page.click('#ping');
  await page.waitForFunction(() => window.playground.notes.some((n) => n.includes('PONG')));
  await page.fill('#window', '16');
  await page.click('#settings');
  await page.waitForFunction(() => window.playground.notes.some((n) => n.startsWith('server: SETTINGS received')));
  await page.fill('#size', '4096');
  await page.click('#open');
  await page.click('#streams tr[data-stream="5"] button:text("Reset")');
  await page.waitForFunction(() => window.playground.client.streams.get(5)?.state === 'reset');
  await page.click('#goaway');
  await page.waitForFunction(() => window.playground.notes.some((n) => n.startsWith('client: GOAWAY received')));
  await page.click('#open');
  await page.waitForFunction(() => window.playground.notes.some((n) => n.startsWith('open:')));
  const pg = await playground();
  const types = new Set(pg.log.map((r) => `${r.dir} ${r.type}`));
  for (const t of ['C→S PING', 'S→C PING', 'C→S SETTINGS', 'C→S RST_STREAM', 'S→C GOAWAY']) {
    assert.ok(types.has(t), t);
  }
  const settings = pg.log.filter((r) => r.dir === 'C→S' && r.type === 'SETTINGS').at(-1);
  assert.match(settings.summary, /INITIAL_WINDOW_SIZE=16384/);
});

test('no console errors, failed requests or page errors', () => {
  assert.deepEqual(problems, []);
});
