// The example captures the page ships are byte-identical to the public vectors in
// ../shared/vectors, and the example menu lists exactly them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES, index, sharedBytes, www } from './shared-examples.mjs';

test('every example capture equals its vector in ../shared', () => {
  for (const ex of EXAMPLES) {
    for (const [name, source] of Object.entries(ex.files)) {
      assert.deepEqual(readFileSync(join(www, 'examples', name)), sharedBytes(source), name);
    }
  }
});

test('the session example is the sample capture of examples/data', () => {
  for (const dir of ['client-to-server', 'server-to-client']) {
    assert.deepEqual(readFileSync(join(www, 'examples', `session-${dir}.bin`)),
      readFileSync(join(www, '..', 'examples', 'data', `${dir}.bin`)));
  }
});

test('the example menu lists exactly the shipped captures', () => {
  const listed = JSON.parse(readFileSync(join(www, 'examples', 'index.json'), 'utf8'));
  assert.deepEqual(listed, index());
  const files = readdirSync(join(www, 'examples')).filter((f) => f.endsWith('.bin')).sort();
  assert.deepEqual(files, listed.flatMap((e) => e.files).sort());
});
