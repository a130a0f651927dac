// The public test vectors the inspector offers as examples: www/examples/*.bin are copies of
// frames from ../shared/vectors (the page cannot read outside www/). examples.test.mjs checks
// the copies still match; `node www/test/shared-examples.mjs --write` regenerates them and
// www/examples/index.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const www = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const vectors = resolve(www, '..', '..', 'shared', 'vectors');

const sequence = (file, name) => ({ file, sequence: name });
const invalid = (name) => ({ file: 'invalid.json', invalidCase: name });

export const EXAMPLES = [
  {
    id: 'session',
    title: 'A whole session, both directions (spdy-transport 3.0.0)',
    note: 'session.json: requests, replies, pushes, data, trailers, window updates, a ping, GOAWAY',
    files: { 'session-client-to-server.bin': sequence('session.json', 'session/client-to-server'),
      'session-server-to-client.bin': sequence('session.json', 'session/server-to-client') },
  },
  {
    id: 'python-zlib',
    title: 'An independent encoder, both directions (CPython zlib)',
    note: 'python-zlib.json: unidirectional pushes, FIN on replies and HEADERS, NUL-joined values, a 15-bit window',
    files: { 'python-client-to-server.bin': sequence('python-zlib.json', 'python/client-to-server'),
      'python-server-to-client.bin': sequence('python-zlib.json', 'python/server-to-client') },
  },
  {
    id: 'stored-blocks',
    title: 'Header blocks in stored (level 0) zlib blocks',
    note: 'python-zlib.json: python/stored-blocks',
    files: { 'python-stored-blocks.bin': sequence('python-zlib.json', 'python/stored-blocks') },
  },
  {
    id: 'frames',
    title: 'Every frame without a header block (37 standalone frames)',
    note: 'frames.json, concatenated: RST_STREAM statuses, GOAWAY, PING, WINDOW_UPDATE, DATA, SETTINGS',
    files: { 'standalone-frames.bin': { file: 'frames.json', all: true } },
  },
  ...[
    ['ping-length-8', 'Invalid: PING with length 8 (S-10, session error)'],
    ['header-uppercase-name', 'Invalid: upper-case header name (S-37, stream error)'],
    ['stream-error-keeps-context', 'Invalid: a bad block, then a good one on the same context (S-33)'],
    ['header-block-wrong-dictionary', 'Invalid: header block compressed with another dictionary (S-45)'],
    ['window-update-delta-0', 'Invalid: WINDOW_UPDATE with delta 0 (S-54, stream error)'],
    ['unknown-type-credential-10', 'Skipped: a CREDENTIAL frame (type 10) before a PING (S-9)'],
  ].map(([name, title]) => ({
    id: name,
    title,
    note: `invalid.json: ${name}`,
    files: { [`invalid-${name}.bin`]: invalid(name) },
  })),
];

const unhex = (hex) => Buffer.from(hex, 'hex');

/** The bytes a source names, from ../shared/vectors. */
export function sharedBytes(source) {
  const json = JSON.parse(readFileSync(join(vectors, source.file), 'utf8'));
  if (source.invalidCase) {
    const c = json.cases.find((x) => x.name === source.invalidCase);
    return Buffer.concat(c.frames_hex.map(unhex));
  }
  const seqs = source.all ? json.sequences : json.sequences.filter((s) => s.name === source.sequence);
  if (!seqs.length) throw new Error(`no sequence ${source.sequence} in ${source.file}`);
  return Buffer.concat(seqs.flatMap((s) => s.frames.map((f) => unhex(f.hex))));
}

/** www/examples/index.json: what the page's example menu lists. */
export function index() {
  return EXAMPLES.map(({ id, title, note, files }) => ({ id, title, note, files: Object.keys(files) }));
}

if (process.argv[2] === '--write') {
  for (const ex of EXAMPLES) {
    for (const [name, source] of Object.entries(ex.files)) {
      writeFileSync(join(www, 'examples', name), sharedBytes(source));
    }
  }
  writeFileSync(join(www, 'examples', 'index.json'), `${JSON.stringify(index(), null, 2)}\n`);
}
