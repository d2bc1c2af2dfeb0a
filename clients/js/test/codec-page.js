// Checks every golden vector in the browser: encode gives the Java codec's bytes, decode gives the
// message back. Reports to #result (PASS / FAIL ...) like the demo page.
import { encodeMessage, decodeMessage } from '../src/codec.js';
import { messages } from './golden/messages.js';

const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (h) => new Uint8Array(h.match(/../g)?.map((x) => parseInt(x, 16)) ?? []);
const same = (a, b) => JSON.stringify(a, (k, v) => (v instanceof Uint8Array ? hex(v) : v))
  === JSON.stringify(b, (k, v) => (v instanceof Uint8Array ? hex(v) : v));

const result = document.getElementById('result');
const log = (l) => { console.log(l); document.getElementById('log').textContent += `${l}\n`; };
try {
  const vectors = await (await fetch('./golden/vectors.json')).json();
  const bad = [];
  for (const [name, m] of Object.entries(messages)) {
    const enc = hex(encodeMessage(m));
    if (enc !== vectors[name]) bad.push(`${name}: encoded ${enc.slice(0, 60)}, want ${vectors[name].slice(0, 60)}`);
    const dec = decodeMessage(unhex(vectors[name]));
    if (!same(dec, m)) bad.push(`${name}: decoded ${JSON.stringify(dec).slice(0, 80)}`);
    if (m.data && !(dec.data instanceof Uint8Array)) bad.push(`${name}: data is ${dec.data?.constructor?.name}`);
  }
  for (const b of bad) log(b);
  log(`${Object.keys(messages).length} vectors, ${bad.length} failures`);
  result.textContent = bad.length ? `FAIL ${bad.length} vectors` : 'PASS';
} catch (e) {
  log(String(e?.stack ?? e));
  result.textContent = `FAIL ${e}`;
}
