#!/usr/bin/env node
// Native TCP echo server for the benchmark, on 127.0.0.1 only. Every connection gets its bytes
// back unchanged, with TCP_NODELAY on and backpressure (pipe), so the echo server itself adds
// neither Nagle delays nor unbounded buffering. The same server serves every proxy in a run.
//   usage: node echo-server.js [--port N] [--timeout SECONDS (default 600)]
//   prints {"tcp":PORT} on one line once listening; exits on SIGTERM/SIGINT or after the timeout.
'use strict';
const net = require('net');

const args = process.argv.slice(2);
let port = 0, timeout = 600;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--port') port = Number(args[++i]);
  else if (args[i] === '--timeout') timeout = Number(args[++i]);
  else { console.error('usage: node echo-server.js [--port N] [--timeout SECONDS]'); process.exit(2); }
}

const sockets = new Set();
const srv = net.createServer({ noDelay: true }, (s) => {
  sockets.add(s);
  s.setNoDelay(true);
  s.on('error', () => {});
  s.on('close', () => sockets.delete(s));
  s.pipe(s); // echo, pausing reads while the write side is backed up; ends when the client ends
});
srv.on('error', (e) => { console.error('echo-server: ' + e.message); process.exit(1); });
srv.listen({ host: '127.0.0.1', port }, () => {
  console.log(JSON.stringify({ tcp: srv.address().port }));
});
function stop() {
  srv.close();
  for (const s of sockets) s.destroy();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, timeout * 1000).unref();
