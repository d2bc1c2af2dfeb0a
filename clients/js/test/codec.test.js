// Codec tests: the client's bytes equal the Java codec's (golden vectors made by
// test/golden/GenerateVectors.java from dev.sockbridge.api.internal.codec.CborMessageCodec, and
// the hex vectors of docs/protocol.md when that file has them), and every message round-trips.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import {
  encodeMessage, decodeMessage, decodeFrame, parseMessage, ProtocolError,
} from '../src/codec.js';
import { MessageType } from '../src/constants.js';
import { parseIPv6, formatIPv6, toWireAddress, fromWireAddress, parseHostPort } from '../src/address.js';
import { LengthPrefixedFramer } from '../src/transport.js';
import { messages, bytes, v4, v6, v6scope } from './golden/messages.js';

const vectors = JSON.parse(readFileSync(new URL('./golden/vectors.json', import.meta.url)));
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (h) => new Uint8Array(Buffer.from(h, 'hex'));

/** Decoded data fields are views; compare as plain Uint8Arrays. */
function plain(m) {
  const out = { ...m };
  if (out.data) out.data = new Uint8Array(out.data);
  return out;
}

test('every golden vector has a message here and vice versa', () => {
  assert.deepEqual(Object.keys(messages).sort(), Object.keys(vectors).sort());
});

for (const [n, m] of Object.entries(messages)) {
  test(`golden ${n}: encodes to the Java codec's bytes`, () => {
    assert.equal(hex(encodeMessage(m)), vectors[n]);
  });
  test(`golden ${n}: decodes from the Java codec's bytes`, () => {
    assert.deepEqual(plain(decodeMessage(unhex(vectors[n]))), m);
  });
}

test('decoded data is a view into the frame, not a copy', () => {
  const frame = unhex(vectors.send_256);
  const m = decodeMessage(frame);
  assert.equal(m.data.buffer, frame.buffer);
  assert.equal(m.data.length, 256);
});

test('encoded frames are not overwritten by later encodes', () => {
  const a = encodeMessage(messages.send_256);
  const copy = new Uint8Array(a);
  for (let i = 0; i < 2000; i++) encodeMessage(messages.send);
  encodeMessage(messages.send_70000);
  assert.deepEqual(new Uint8Array(a), copy);
});

test('user-friendly inputs: "host:port", strings as UTF-8, other views, BigInt', () => {
  const a = encodeMessage({ kind: 'CONNECT', callId: 5, fd: 3, address: '127.0.0.1:7' });
  assert.equal(hex(a), hex(encodeMessage({ kind: 'CONNECT', callId: 5, fd: 3, address: v4 })));
  const s = decodeMessage(encodeMessage({ kind: 'SEND', callId: 1, fd: 3, flags: 0, data: 'hé' }));
  assert.deepEqual([...s.data], [0x68, 0xc3, 0xa9]);
  const u16 = new Uint16Array([0x0102]);
  const d = decodeMessage(encodeMessage({ kind: 'SEND', callId: 1, fd: 3, flags: 0, data: u16 }));
  assert.equal(d.data.length, 2);
  assert.equal(hex(encodeMessage({ kind: 'CREDIT', fd: 3, bytes: 2n ** 33n })), vectors.credit_big);
  assert.equal(hex(encodeMessage({ kind: 'CREDIT', fd: 3, bytes: 65536n })), vectors.credit);
});

test('Node Buffers are byte strings, never tagged', () => {
  const m = { ...messages.send, data: Buffer.from(bytes(3)) };
  assert.equal(hex(encodeMessage(m)), vectors.send);
});

test('bad input is refused before anything is sent', () => {
  assert.throws(() => encodeMessage({ kind: 'CLOSE', callId: 1, fd: 2 ** 31 }), TypeError);
  assert.throws(() => encodeMessage({ kind: 'CLOSE', callId: 1, fd: 1.5 }), TypeError);
  assert.throws(() => encodeMessage({ kind: 'NOPE', callId: 1 }), TypeError);
  assert.throws(() => encodeMessage({ kind: 'CONNECT', callId: 1, fd: 3, address: { host: 'x', port: 70000 } }), RangeError);
});

test('malformed frames are ProtocolErrors', () => {
  for (const h of ['', 'ff', '01', '8101', '820201', '83ff0102', '8218410405', '84184005186f']) {
    assert.throws(() => decodeFrame(unhex(h)), ProtocolError, h);
  }
  assert.throws(() => parseMessage(decodeFrame(unhex('8308f6f6'))), ProtocolError);
});

test('IPv6 parsing and RFC 5952 formatting', () => {
  const cases = [
    ['::', '::'], ['::1', '::1'], ['2001:db8::1', '2001:db8::1'], ['2001:DB8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['::ffff:1.2.3.4', '::ffff:102:304'], ['fe80::1%3', 'fe80::1'], ['[::1]', '::1'],
  ];
  for (const [input, want] of cases) assert.equal(formatIPv6(parseIPv6(input).bytes), want, input);
  assert.equal(parseIPv6('fe80::1%3').scopeId, 3);
  for (const bad of ['1:2:3:4:5:6:7:8:9', '1::2::3', 'g::1', '12345::', 'example.org', '1:2:3:4:5:6:7']) {
    assert.equal(parseIPv6(bad), null, bad);
  }
  assert.deepEqual(toWireAddress({ host: 'fe80::1:2%3', port: 8080 }), toWireAddress(v6scope));
  assert.deepEqual(fromWireAddress(toWireAddress('[::1]:443')), v6);
  assert.deepEqual(parseHostPort('[::1]:443'), { host: '::1', port: 443 });
  assert.deepEqual(toWireAddress({ host: 'localhost', port: 1 }), [0, 'localhost', 1]);
});

test('length-prefixed framing (WebTransport session stream)', () => {
  const f = new LengthPrefixedFramer();
  const a = LengthPrefixedFramer.encode(unhex(vectors.ok_reply));
  const b = LengthPrefixedFramer.encode(unhex(vectors.send_256));
  const all = new Uint8Array([...a, ...b]);
  const got = [];
  for (let i = 0; i < all.length; i += 7) got.push(...f.push(all.subarray(i, i + 7)));
  assert.deepEqual(got.map(hex), [vectors.ok_reply, vectors.send_256]);
  assert.throws(() => new LengthPrefixedFramer(10).push(new Uint8Array([0, 0, 1, 0])), RangeError);
});

// docs/protocol.md section 13: the golden vectors (every one decodes and re-encodes to the same
// bytes) and the bad-input vectors (every one is refused, reporting the call id and type the table
// says). Skipped while the file or its tables are missing.
const doc = new URL('../../../docs/protocol.md', import.meta.url);
const docText = existsSync(doc) ? readFileSync(doc, 'utf8') : '';

/** Rows of the markdown table between `<!-- NAME:begin -->` and `<!-- NAME:end -->`, cells unquoted. */
export function docTable(text, name) {
  const m = new RegExp(`<!-- ${name}:begin -->([\\s\\S]*?)<!-- ${name}:end -->`).exec(text);
  if (!m) return [];
  const rows = m[1].trim().split('\n').filter((l) => l.startsWith('|')).map((l) => l.split(/(?<!\\)\|/).slice(1, -1)
    .map((c) => c.trim().replace(/^`|`$/g, '')));
  const [head, , ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}

const golden = docTable(docText, 'golden-vectors');
const bad = docTable(docText, 'bad-vectors');

test('docs/protocol.md golden vectors are here', (t) => {
  if (!golden.length) return t.skip('docs/protocol.md has no golden-vectors table');
  assert.ok(golden.length >= 40, `only ${golden.length} rows`);
  t.diagnostic(`${golden.length} golden and ${bad.length} bad-input vectors from docs/protocol.md`);
});

for (const row of golden) {
  test(`docs vector ${row.name}: decodes and re-encodes to the same bytes`, () => {
    const m = decodeMessage(unhex(row.hex));
    assert.equal(hex(encodeMessage(m)), row.hex);
    // the diagnostic's first numbers are the type code and (for calls) the call id
    const [, type, second] = /^\[(\d+)(?:, (-?\d+))?/.exec(row.diagnostic).map(Number);
    assert.equal(MessageType[m.kind], type);
    if (m.callId !== undefined) assert.equal(m.callId, second);
  });
}

for (const row of bad) {
  test(`docs bad vector ${row.name}: refused with callId ${row.callId}, type ${row.type}`, () => {
    assert.throws(() => decodeMessage(unhex(row.hex)), (e) => {
      assert.ok(e instanceof ProtocolError, `${e}`);
      assert.equal(e.callId, Number(row.callId), 'callId');
      assert.equal(e.type, Number(row.type), 'type');
      return true;
    });
  });
}

test('GOING_AWAY (version 2): [5, reason] both ways, as the Java codec writes it', () => {
  const wire = new Uint8Array([0x82, 0x05, 0x6a, ...new TextEncoder().encode('going away')]);
  assert.deepEqual(decodeMessage(wire), { kind: 'GOING_AWAY', reason: 'going away' });
  assert.deepEqual([...encodeMessage({ kind: 'GOING_AWAY', reason: 'going away' })], [...wire]);
});
