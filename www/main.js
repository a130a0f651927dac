// Loads the WebAssembly core (the `--target web` module built into pkg/ by
// `node js/scripts/build.mjs --web`), then starts the inspector and the playground.
import init from './pkg/spdy3.js';
import { setupInspector } from './inspector.js';
import { setupPlayground } from './playground.js';

await init();
await setupInspector(document.getElementById('inspector'));
window.playground = setupPlayground(document.getElementById('playground'));
document.body.dataset.ready = 'true';
