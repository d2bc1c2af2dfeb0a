#!/usr/bin/env node
// Diagnostic: the benchmark's 64-byte round trips, spoken directly in Emscripten's
// PROXY_POSIX_SOCKETS wire protocol from plain node (one WebSocket, one call at a time, no wasm,
// no pthreads, no hop to a main thread). Against a proxy this measures what the proxy (and one
// node WebSocket client) costs per call, so that it can be subtracted from what the Emscripten
// client sees.
//   usage: node raw-posix-client.js ws://127.0.0.1:PROXY[/path] ECHO_PORT [ROUNDS=5000] [WARMUP=1000]
//   prints: RAW rt count=N seconds=S rate=R p50_us=X p99_us=Y send_p50_us=A recv_p50_us=B
// Wire format: shared/emscripten-protocol.md (all i32 little-endian; SOCKET 1, CONNECT 5,
// SHUTDOWN 3, SEND 10, RECV 11; replies start with callId, ret, errno).
'use strict';
const WebSocket = require('ws');

const [url, echoPortArg, roundsArg, warmupArg] = process.argv.slice(2);
if (!url || !echoPortArg) {
  console.error('usage: node raw-posix-client.js ws://127.0.0.1:PROXY ECHO_PORT [ROUNDS] [WARMUP]');
  process.exit(2);
}
const echoPort = Number(echoPortArg), rounds = Number(roundsArg || 5000), warmup = Number(warmupArg || 1000);

const ws = new WebSocket(url);
ws.binaryType = 'nodebuffer';
let nextId = 1;
const pending = new Map();
ws.on('message', (data) => {
  const id = data.readInt32LE(0);
  const p = pending.get(id);
  if (p) { pending.delete(id); p(data); }
});
ws.on('error', (e) => { console.log('RAW error ' + e.message); process.exit(1); });

function call(fn, fields, payload) {
  const id = nextId++;
  const head = Buffer.alloc(8 + 4 * fields.length);
  head.writeInt32LE(id, 0);
  head.writeInt32LE(fn, 4);
  fields.forEach((v, i) => head.writeInt32LE(v, 8 + 4 * i));
  const msg = payload ? Buffer.concat([head, payload]) : head;
  return new Promise((resolve) => { pending.set(id, resolve); ws.send(msg); });
}
const ret = (r) => ({ ret: r.readInt32LE(4), errno: r.readInt32LE(8), data: r.subarray(12) });
const pct = (v, p) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(p / 100 * v.length) - 1))];

ws.on('open', async () => {
  const s = ret(await call(1, [2, 1, 0])); // socket(AF_INET, SOCK_STREAM, 0)
  if (s.ret < 0) { console.log('RAW error socket errno ' + s.errno); process.exit(1); }
  const fd = s.ret;
  const sa = Buffer.alloc(16);
  sa.writeUInt16LE(2, 0); sa.writeUInt16BE(echoPort, 2); sa.writeUInt32BE(0x7f000001, 4);
  const c = ret(await call(5, [fd, 16], sa));
  if (c.ret < 0) { console.log('RAW error connect errno ' + c.errno); process.exit(1); }
  const out = Buffer.alloc(64);
  const total = [], sends = [], recvs = [];
  let t0 = 0;
  for (let i = 0; i < warmup + rounds; i++) {
    if (i === warmup) t0 = performance.now();
    out.fill(i & 255);
    const a = performance.now();
    const sr = ret(await call(10, [fd, 64, 0], out));
    const b = performance.now();
    if (sr.ret !== 64) { console.log('RAW error send ret ' + sr.ret + ' errno ' + sr.errno); process.exit(1); }
    let got = 0;
    while (got < 64) {
      const rr = ret(await call(11, [fd, 64 - got, 0]));
      if (rr.ret <= 0) { console.log('RAW error recv ret ' + rr.ret + ' errno ' + rr.errno); process.exit(1); }
      got += rr.ret;
    }
    const e = performance.now();
    if (i >= warmup) { total.push((e - a) * 1000); sends.push((b - a) * 1000); recvs.push((e - b) * 1000); }
  }
  const secs = (performance.now() - t0) / 1000;
  [total, sends, recvs].forEach((v) => v.sort((x, y) => x - y));
  console.log(`RAW rt count=${rounds} seconds=${secs.toFixed(3)} rate=${(rounds / secs).toFixed(1)} ` +
    `p50_us=${pct(total, 50).toFixed(0)} p99_us=${pct(total, 99).toFixed(0)} ` +
    `send_p50_us=${pct(sends, 50).toFixed(0)} recv_p50_us=${pct(recvs, 50).toFixed(0)}`);
  await call(3, [fd, 2]); // shutdown(fd, SHUT_RDWR)
  ws.close();
  setTimeout(() => process.exit(0), 50).unref();
});
setTimeout(() => { console.log('RAW error timeout'); process.exit(1); }, 120000).unref();
