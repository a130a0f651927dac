// Presentation of a summary (built by run.mjs): an aligned text table, a Markdown table and
// a self-contained SVG bar chart of throughput relative to raw net.

import { LABELS } from './transports.mjs';
import { byteCase } from './workloads.mjs';

const ORDER = ['raw', 'spdy3', 'spdy3-variant', 'spdy-transport'];

const fmt = (x) => {
  if (x >= 100) return Math.round(x).toLocaleString('en-US');
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
};

/** A transport's figure in a case: "median (min–max)", or its failure. */
function cell(t, runs) {
  if (!t) return '—';
  if (t.status !== 'ok') return t.status;
  return runs > 1 ? `${fmt(t.median)} (${fmt(t.min)}–${fmt(t.max)})` : fmt(t.median);
}

/** a / b of the medians in one case; null when either is missing. */
function ratio(kase, a, b) {
  const x = kase?.transports[a];
  const y = kase?.transports[b];
  if (x?.status !== 'ok' || y?.status !== 'ok') return null;
  return x.median / y.median;
}
const pct = (r) => (r === null ? '—' : `${Math.round(r * 100)}%`);
const times = (r) => (r === null ? '—' : `${r.toFixed(r < 10 ? 2 : 1)}×`);

/** The table's rows: a header, then one row of strings per line. */
function rows(summary) {
  const present = ORDER.filter((name) => summary.transports.includes(name));
  const header = ['case', ...present.map((n) => LABELS[n]), 'spdy3/raw', 'spdy3/spdy-transport'];
  const out = [];
  const row = (label, c, value, ratioOf) => out.push([label, ...present.map((n) => value(c.transports[n])),
    pct(ratioOf(c, 'spdy3', 'raw')), times(ratioOf(c, 'spdy3', 'spdy-transport'))]);
  for (const [name, c] of Object.entries(summary.cases)) {
    row(`${c.label} (${c.unit})`, c, (t) => cell(t, summary.runs), ratio);
    const unit = byteCase(name) ? 's/GiB' : 'µs/stream';
    row(`   CPU ${unit}: client+server`, c, cpuCell, cpuRatio);
    if (byteCase(name)) row('   page faults per MiB: client/server', c, faultsCell, () => null);
    if (name === 'bulk') row('   peak RSS MiB: client/server', c, rssCell, () => null);
    if (name === 'churn') row('   body KiB the server queued per stream (write())', c, wroteCell, () => null);
  }
  return [header, ...out];
}

const ok = (t) => t?.status === 'ok';

function cpuCell(t) {
  if (!ok(t)) return t ? t.status : '—';
  const { client, server } = t.cpu;
  return `${fmt(client + server)} (${fmt(client)}+${fmt(server)})`;
}

function cpuRatio(c, a, b) {
  const [x, y] = [c.transports[a], c.transports[b]];
  if (!ok(x) || !ok(y)) return null;
  const total = (t) => t.cpu.client + t.cpu.server;
  return total(x) / total(y);
}

function rssCell(t) {
  if (!t?.rss) return '—';
  const mib = (b) => (b ? Math.round(b / 2 ** 20) : '?');
  return `${mib(t.rss.client)}/${mib(t.rss.server)}`;
}

function faultsCell(t) {
  if (!ok(t) || !t.faultsPerMiB) return ok(t) ? '—' : (t ? t.status : '—');
  return `${fmt(t.faultsPerMiB.client)}/${fmt(t.faultsPerMiB.server)}`;
}

function wroteCell(t) {
  return ok(t) ? fmt(t.serverWrotePerStream / 1024) : '—';
}

/** Goal lines: the ratios asked for, without judging them. */
function goals(summary) {
  const bulk = ratio(summary.cases.bulk, 'spdy3', 'raw');
  const churn = ratio(summary.cases.churn, 'spdy3', 'spdy-transport');
  return [
    `spdy3 bulk / raw net bulk (same run): ${pct(bulk)}   (goal ≥ 80%)`,
    `spdy3 churn / spdy-transport churn: ${times(churn)}   (goal ≥ 4×)`,
  ];
}

function failures(summary) {
  const out = [];
  for (const c of Object.values(summary.cases)) {
    for (const [name, t] of Object.entries(c.transports)) {
      if (t.status !== 'ok') out.push(`${LABELS[name]}, ${c.label}: ${t.status}: ${t.message}`);
    }
  }
  return out;
}

export function text(summary) {
  const table = rows(summary);
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  const line = (r) => r.map((s, i) => (i === 0 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join('  ');
  return [
    summary.title,
    '',
    line(table[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...table.slice(1).map(line),
    '',
    ...goals(summary),
    ...section('failures', failures(summary)),
    ...section('notes', summary.notes),
  ].join('\n');
}

export function markdown(summary) {
  const table = rows(summary);
  const esc = (s) => String(s).replace(/\|/g, '\\|');
  return [
    summary.title,
    '',
    `| ${table[0].map(esc).join(' | ')} |`,
    `|${table[0].map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...table.slice(1).map((r) => `| ${[r[0].replace(/^ +/, '↳ '), ...r.slice(1)].map(esc).join(' | ')} |`),
    '',
    ...goals(summary).map((g) => `- ${g}`),
    ...section('Failures', failures(summary)),
    ...section('Notes', summary.notes),
  ].join('\n');
}

function section(title, lines) {
  return lines.length ? ['', `${title}:`, ...lines.map((l) => `- ${l}`)] : [];
}

// --- SVG --------------------------------------------------------------------------------------

const COLORS = { raw: '#9e9e9e', spdy3: '#1f77b4', 'spdy-transport': '#ff7f0e' };
const xml = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Grouped bars: each case's medians as a percentage of raw net's in the same run. */
export function svg(summary) {
  const present = ORDER.filter((n) => summary.transports.includes(n));
  const cases = Object.values(summary.cases);
  const rel = (c, n) => {
    const r = ratio(c, n, 'raw');
    return r === null ? null : r * 100;
  };
  const top = Math.max(100, ...cases.flatMap((c) => present.map((n) => rel(c, n) ?? 0)));
  const W = 760; const H = 390; const left = 60; const right = 20; const plotTop = 62; const plotH = 240;
  const groupW = (W - left - right) / Math.max(1, cases.length);
  const barW = Math.min(48, (groupW - 30) / present.length);
  const y = (v) => plotTop + plotH - (v / top) * plotH;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${xml('Throughput relative to raw net (median, same run)')}</text>`,
    `<text x="${W / 2}" y="38" text-anchor="middle" fill="#666" font-size="10">${xml(summary.subtitle)}</text>`,
  ];
  for (const v of [0, 25, 50, 75, 100, 150, 200, 300, 400].filter((t) => t <= top)) {
    parts.push(`<line x1="${left}" x2="${W - right}" y1="${y(v)}" y2="${y(v)}" stroke="${v === 100 ? '#555' : '#ddd'}"${v === 100 ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v}%</text>`);
  }
  cases.forEach((c, i) => {
    const x0 = left + i * groupW + (groupW - barW * present.length) / 2;
    present.forEach((n, j) => {
      const v = rel(c, n);
      const x = x0 + j * barW;
      const t = c.transports[n];
      if (v === null) {
        parts.push(`<text x="${x + barW / 2}" y="${y(0) - 6}" text-anchor="middle" font-size="10" transform="rotate(-90 ${x + barW / 2} ${y(0) - 6})">${xml(t?.status ?? 'n/a')}</text>`);
        return;
      }
      parts.push(`<rect x="${x + 2}" y="${y(v)}" width="${barW - 4}" height="${y(0) - y(v)}" fill="${COLORS[n]}"><title>${xml(`${LABELS[n]}: ${fmt(t.median)} ${c.unit}`)}</title></rect>`,
        `<text x="${x + barW / 2}" y="${y(v) - 4}" text-anchor="middle" font-size="10">${Math.round(v)}%</text>`);
    });
    if (c === summary.cases.bulk) { // the goal: spdy3 bulk ≥ 80% of raw net
      const w = barW * present.length;
      parts.push(`<line x1="${x0}" x2="${x0 + w}" y1="${y(80)}" y2="${y(80)}" stroke="#d62728" stroke-dasharray="3 2"/>`,
        `<text x="${x0 + w}" y="${y(80) - 3}" text-anchor="end" fill="#d62728" font-size="10">goal 80%</text>`);
    }
    const cx = left + i * groupW + groupW / 2;
    parts.push(`<text x="${cx}" y="${plotTop + plotH + 18}" text-anchor="middle">${xml(c.short)}</text>`,
      `<text x="${cx}" y="${plotTop + plotH + 33}" text-anchor="middle" fill="#666" font-size="10">${xml(c.unit)}</text>`);
  });
  present.forEach((n, j) => {
    const x = left + j * 150;
    parts.push(`<rect x="${x}" y="${H - 30}" width="12" height="12" fill="${COLORS[n]}"/>`,
      `<text x="${x + 18}" y="${H - 20}">${xml(LABELS[n])}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
