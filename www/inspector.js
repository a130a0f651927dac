// The frame inspector: hex or binary captures in (pasted, dropped, chosen, or one of the
// public vectors in examples/), one table of frames per direction out.
import { decodeCapture, detailsCell, el, flagText, looksLikeHex, parseHex, toHex } from './frames.js';

const DIRECTIONS = ['Client → server', 'Server → client'];

export async function setupInspector(root) {
  const select = root.querySelector('#example');
  const status = root.querySelector('#inspect-status');
  const results = root.querySelector('#results');
  const areas = [0, 1].map((d) => root.querySelector(`#hex-${d}`));
  const examples = await (await fetch('examples/index.json')).json();

  for (const ex of examples) select.append(new Option(ex.title, ex.id));
  select.addEventListener('change', async () => {
    const ex = examples.find((e) => e.id === select.value);
    if (!ex) {
      status.textContent = '';
      return;
    }
    const files = await Promise.all(ex.files.map(async (f) => new Uint8Array(await (await fetch(`examples/${f}`)).arrayBuffer())));
    areas.forEach((area, d) => { area.value = files[d] ? toHex(files[d]) : ''; });
    status.textContent = ex.note;
    decode();
  });

  // Files: chosen per direction, or dropped (two at once fill both directions).
  const load = async (file, d) => {
    const bytes = new Uint8Array(await file.arrayBuffer());
    areas[d].value = looksLikeHex(bytes) ? new TextDecoder().decode(bytes) : toHex(bytes);
  };
  [0, 1].forEach((d) => {
    const box = root.querySelector(`#capture-${d}`);
    box.querySelector('input[type=file]').addEventListener('change', async (e) => {
      if (e.target.files[0]) await load(e.target.files[0], d);
      decode();
    });
    box.addEventListener('dragover', (e) => { e.preventDefault(); box.classList.add('over'); });
    box.addEventListener('dragleave', () => box.classList.remove('over'));
    box.addEventListener('drop', async (e) => {
      e.preventDefault();
      box.classList.remove('over');
      const files = [...e.dataTransfer.files].sort((a, b) => a.name.localeCompare(b.name));
      if (files.length >= 2) {
        // The server's capture goes to the second box.
        if (/server-to-client|s2c/i.test(files[0].name)) files.push(files.shift());
        await load(files[0], 0);
        await load(files[1], 1);
      } else if (files.length === 1) {
        await load(files[0], d);
      }
      decode();
    });
  });
  root.querySelector('#decode').addEventListener('click', () => decode());

  function decode() {
    results.replaceChildren();
    const notes = [];
    areas.forEach((area, d) => {
      if (!area.value.trim()) return;
      let bytes;
      try {
        bytes = parseHex(area.value);
      } catch (e) {
        notes.push(`${DIRECTIONS[d]}: ${e.message}`);
        return;
      }
      results.append(table(DIRECTIONS[d], d, bytes, decodeCapture(bytes)));
    });
    if (notes.length) status.textContent = notes.join('; ');
  }
}

function table(title, direction, bytes, rows) {
  const errors = rows.filter((r) => r.error).length;
  const heading = el('h3', null, `${title}: ${rows.length - errors} frames, ${bytes.length} bytes` +
    (errors ? `, ${errors} error${errors > 1 ? 's' : ''}` : ''));
  const body = el('tbody');
  for (const row of rows) {
    const tr = el('tr', row.error ? 'error-row' : null,
      el('td', 'num', String(row.offset)),
      el('td', 'type', row.type),
      el('td', null, flagText(row)),
      el('td', 'num', row.stream === undefined ? '' : String(row.stream)),
      el('td', 'num', row.length === undefined ? '' : String(row.length)),
      detailsCell(row, bytes));
    body.append(tr);
  }
  const head = el('thead', null, el('tr', null, ...['Offset', 'Type', 'Flags', 'Stream', 'Length', 'Details'].map((h) => el('th', null, h))));
  const tableEl = el('table', 'frames', head, body);
  tableEl.dataset.direction = String(direction);
  return el('div', 'result', heading, tableEl);
}
