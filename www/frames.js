// Frame rows: decoding captures with the wasm FrameInspector, hex in and out, and the table
// cells both the inspector and the playground's frame log show.
import { FrameInspector } from './pkg/spdy3.js';

/** Parses hex text (whitespace, `0x` prefixes, commas and colons ignored) into bytes. */
export function parseHex(text) {
  const digits = text.replace(/0x/gi, '').replace(/[\s,:]/g, '');
  const bad = digits.search(/[^0-9a-f]/i);
  if (bad >= 0) throw new Error(`not a hex digit: "${digits[bad]}" at digit ${bad}`);
  if (digits.length % 2) throw new Error('odd number of hex digits');
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.substr(2 * i, 2), 16);
  return out;
}

/** Bytes as hex, 16 to a line. */
export function toHex(bytes) {
  const lines = [];
  for (let i = 0; i < bytes.length; i += 16) {
    lines.push(Array.from(bytes.subarray(i, i + 16), (b) => b.toString(16).padStart(2, '0')).join(' '));
  }
  return lines.join('\n');
}

/** True when a file's bytes look like hex text rather than a binary capture. */
export function looksLikeHex(bytes) {
  if (bytes.length === 0) return false;
  for (const b of bytes.subarray(0, 4096)) {
    const c = String.fromCharCode(b);
    if (!/[0-9a-fA-Fx\s,:]/.test(c)) return false;
  }
  return true;
}

/** Every row of one direction's capture (see src/wasm/inspect.rs for the row fields). */
export function decodeCapture(bytes) {
  const inspector = new FrameInspector();
  try {
    return [...inspector.feed(bytes), ...inspector.end()];
  } finally {
    inspector.free();
  }
}

const FLAG_NAMES = {
  DATA: ['FIN'],
  SYN_STREAM: ['FIN', 'UNIDIRECTIONAL'],
  SYN_REPLY: ['FIN'],
  HEADERS: ['FIN'],
  SETTINGS: ['CLEAR_SETTINGS'],
};

/** `0x01 FIN`-style text for a row's flags. */
export function flagText(row) {
  const names = (FLAG_NAMES[row.type] || []).filter((_, bit) => row.flags & (1 << bit));
  return row.flags ? `0x${row.flags.toString(16).padStart(2, '0')} ${names.join('|')}`.trim() : '';
}

/** A DOM element with a class and children (strings or nodes). */
export function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
}

/** The details cell: summary, headers (one per line, NUL shown as ␀) and the error. */
export function detailsCell(row, bytes) {
  const cell = el('td', 'details');
  if (row.summary) cell.append(el('div', 'summary', row.summary));
  if (row.headers && row.headers.length) {
    const list = el('dl', 'headers');
    for (let i = 0; i < row.headers.length; i += 2) {
      list.append(el('dt', null, row.headers[i]), el('dd', null, row.headers[i + 1].replace(/\0/g, '␀')));
    }
    cell.append(list);
  }
  if (row.error) {
    const e = row.error;
    const text = [e.rule, e.reaction].filter(Boolean).join(' · ');
    cell.append(el('div', 'error', `${text ? text + ' — ' : ''}${e.message}`));
    if (bytes) {
      const at = bytes.subarray(row.offset, row.offset + 16);
      cell.append(el('div', 'bytes', `bytes at ${row.offset}: ${toHex(at)}${bytes.length > row.offset + 16 ? ' …' : ''}`));
    }
  }
  return cell;
}
