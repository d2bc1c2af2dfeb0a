#!/usr/bin/env node
// Minimal WebSocket -> UDP bridge, only to exercise the SOCKFS UDP test (websockify has no UDP).
// Same command-line shape as websockify:  node udp-bridge.js 127.0.0.1:LISTEN 127.0.0.1:TARGET
// Each WebSocket gets its own UDP socket; each binary message is one datagram to TARGET, each
// datagram from TARGET goes back as one binary message. A leading 10-byte port announcement
// (FF FF FF FF 'p' 'o' 'r' 't' hi lo, sent by bound SOCKFS sockets) is dropped. Selects the
// "binary" subprotocol when offered. Loopback only; exits after --timeout seconds (default 600).
'use strict';
const dgram = require('dgram');
const { WebSocketServer } = require('ws');

const [listen, target] = process.argv.slice(2, 4);
const m1 = /^127\.0\.0\.1:(\d+)$/.exec(listen || ''), m2 = /^127\.0\.0\.1:(\d+)$/.exec(target || '');
if (!m1 || !m2) {
  console.error('usage: node udp-bridge.js 127.0.0.1:LISTEN_PORT 127.0.0.1:TARGET_PORT [--timeout S]');
  process.exit(2);
}
const ti = process.argv.indexOf('--timeout');
setTimeout(() => process.exit(0), (ti > 0 ? Number(process.argv[ti + 1]) : 600) * 1000).unref();

const wss = new WebSocketServer({
  host: '127.0.0.1', port: Number(m1[1]),
  handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
});
wss.on('connection', (ws) => {
  const udp = dgram.createSocket('udp4');
  let first = true;
  udp.on('message', (msg) => { if (ws.readyState === ws.OPEN) ws.send(msg, { binary: true }); });
  udp.on('error', () => ws.close());
  udp.bind({ address: '127.0.0.1', port: 0 }, () => udp.connect(Number(m2[1]), '127.0.0.1'));
  ws.on('message', (data, isBinary) => {
    const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data);
    const announce = first && buf.length === 10 && buf.readUInt32BE(0) === 0xffffffff && buf.toString('latin1', 4, 8) === 'port';
    first = false;
    if (!isBinary || announce || buf.length === 0) return;
    const sendIt = () => udp.send(buf);
    try { udp.remoteAddress(); sendIt(); } catch (e) { udp.once('connect', sendIt); }
  });
  ws.on('close', () => udp.close());
  ws.on('error', () => udp.close());
});
wss.on('listening', () => console.log(`udp-bridge: ws://${listen}/ -> udp ${target}`));
process.on('SIGTERM', () => process.exit(0));
