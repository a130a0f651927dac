// A hand-drawn SVG chart of flow-control windows over time: the session window on top, one
// line per stream below, over the last `span` milliseconds. `data` holds every sample
// ([time ms, bytes] pairs) so tests can read what is drawn.

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const MAX_POINTS = 4000;
const W = 900;
const LEFT = 70;
const RIGHT = 20;

export class WindowChart {
  constructor(svg, span = 15000) {
    this.svg = svg;
    this.span = span;
    /** { session: [[t, v]…], streams: { id: [[t, v]…] }, labels: { id: text } } */
    this.data = { session: [], streams: {}, labels: {} };
  }

  clear() {
    this.data = { session: [], streams: {}, labels: {} };
  }

  /** Records the session window and each live stream's window ({ id, value, label }) at `t`. */
  sample(t, session, streams) {
    push(this.data.session, t, session);
    for (const { id, value, label } of streams) {
      push((this.data.streams[id] ??= []), t, value);
      this.data.labels[id] = label;
    }
  }

  render(now) {
    const from = Math.max(0, now - this.span);
    const ids = Object.keys(this.data.streams).map(Number);
    const parts = [
      panel('session receive window of the client', [{ points: this.data.session, color: '#444', width: 2 }], from, now, 22, 80),
      panel('stream receive windows of the client (what the server may still send)', ids.map((id) => ({
        points: this.data.streams[id], color: COLORS[ids.indexOf(id) % COLORS.length], width: 1.5,
      })), from, now, 140, 165),
      timeAxis(from, now, 318),
      ids.map((id, i) => {
        const x = LEFT + (i % 6) * 135;
        const y = 345 + Math.floor(i / 6) * 16;
        return `<rect x="${x}" y="${y - 9}" width="12" height="4" fill="${COLORS[i % COLORS.length]}"/>` +
          `<text x="${x + 16}" y="${y - 4}" class="legend">${this.data.labels[id]}</text>`;
      }).join(''),
    ];
    const height = 350 + Math.ceil(ids.length / 6) * 16;
    this.svg.setAttribute('viewBox', `0 0 ${W} ${height}`);
    this.svg.innerHTML = parts.join('');
  }
}

function push(series, t, v) {
  if (v === undefined || v === null) return;
  series.push([t, v]);
  if (series.length > MAX_POINTS) series.splice(0, series.length - MAX_POINTS);
}

/** KiB/MiB text for an axis label. */
function bytes(n) {
  if (Math.abs(n) >= 1 << 20) return `${+(n / (1 << 20)).toFixed(2)} MiB`;
  if (Math.abs(n) >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** One panel: title, y axis from 0 to the largest visible value, step lines. */
function panel(title, lines, from, now, top, height) {
  const visible = lines.flatMap((l) => l.points.filter(([t]) => t >= from).map(([, v]) => v));
  const max = Math.max(1, ...visible);
  const x = (t) => LEFT + ((t - from) / Math.max(1, now - from)) * (W - LEFT - RIGHT);
  const y = (v) => top + height - (Math.max(0, v) / max) * height;
  let svg = `<text x="${LEFT}" y="${top - 8}" class="title">${title}</text>` +
    `<line x1="${LEFT}" y1="${top + height}" x2="${W - RIGHT}" y2="${top + height}" class="axis"/>` +
    `<line x1="${LEFT}" y1="${top}" x2="${LEFT}" y2="${top + height}" class="axis"/>`;
  for (const f of [0, 0.5, 1]) {
    const yy = y(max * f);
    svg += `<line x1="${LEFT}" y1="${yy}" x2="${W - RIGHT}" y2="${yy}" class="grid"/>` +
      `<text x="${LEFT - 4}" y="${yy + 4}" class="tick" text-anchor="end">${bytes(Math.round(max * f))}</text>`;
  }
  for (const line of lines) {
    const pts = line.points;
    const first = pts.findIndex(([t]) => t >= from);
    const start = first < 0 ? pts.length - 1 : Math.max(0, first - 1);
    const d = [];
    for (let i = start; i < pts.length; i++) {
      const [t, v] = pts[i];
      const px = x(Math.max(t, from)).toFixed(1);
      if (d.length) d.push(`H${px}`);
      d.push(`${d.length ? 'V' : 'M' + px + ','}${y(v).toFixed(1)}`);
    }
    if (d.length) {
      svg += `<path d="${d.join('')}" fill="none" stroke="${line.color}" stroke-width="${line.width}"/>`;
    }
  }
  return svg;
}

function timeAxis(from, now, yy) {
  let svg = '';
  const step = 1000 * Math.max(1, Math.ceil((now - from) / 1000 / 8));
  for (let t = Math.ceil(from / step) * step; t <= now; t += step) {
    const xx = LEFT + ((t - from) / Math.max(1, now - from)) * (W - LEFT - RIGHT);
    svg += `<text x="${xx}" y="${yy}" class="tick" text-anchor="middle">${(t / 1000).toFixed(0)} s</text>`;
  }
  return svg;
}
