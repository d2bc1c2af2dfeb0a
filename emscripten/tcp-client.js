#!/usr/bin/env node
// Native TCP client for the wasm-server test (posix_tcp_server).
//   usage: node tcp-client.js PORT [MESSAGE] [TIMEOUT_SECONDS]
// Connects to 127.0.0.1:PORT (retrying while refused, up to the timeout), sends MESSAGE plus
// '\n', reads until the same bytes came back, closes, and prints "PASS ..." (exit 0) or
// "FAIL ..." (exit 1).
'use strict';
const net = require('net');

function runClient(port, message = 'hello from a native client', timeoutS = 20) {
  const payload = Buffer.from(message + '\n');
  const deadline = Date.now() + timeoutS * 1000;
  return new Promise((resolve) => {
    const attempt = () => {
      const s = net.connect({ host: '127.0.0.1', port });
      let got = Buffer.alloc(0), done = false;
      const finish = (ok, msg) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        s.end();
        s.destroy();
        resolve({ ok, msg });
      };
      const timer = setTimeout(() => finish(false, `timeout: got ${got.length}/${payload.length} bytes`),
        Math.max(1, deadline - Date.now()));
      s.on('connect', () => s.write(payload));
      s.on('data', (d) => {
        got = Buffer.concat([got, d]);
        if (got.length >= payload.length) {
          if (got.equals(payload)) finish(true, `echo of ${payload.length} bytes matches`);
          else finish(false, `echo differs: ${JSON.stringify(got.toString())}`);
        }
      });
      s.on('error', (e) => {
        if (done) return;
        if (e.code === 'ECONNREFUSED' && Date.now() + 100 < deadline && got.length === 0) {
          done = true;
          clearTimeout(timer);
          setTimeout(attempt, 100);
        } else {
          finish(false, e.message);
        }
      });
      s.on('end', () => finish(false, `closed early after ${got.length} bytes`));
    };
    attempt();
  });
}

module.exports = { runClient };

if (require.main === module) {
  const port = Number(process.argv[2]);
  if (!port) { console.error('usage: node tcp-client.js PORT [MESSAGE] [TIMEOUT_SECONDS]'); process.exit(2); }
  runClient(port, process.argv[3], Number(process.argv[4] || 20)).then((r) => {
    console.log(`${r.ok ? 'PASS' : 'FAIL'} native client 127.0.0.1:${port}: ${r.msg}`);
    process.exit(r.ok ? 0 : 1);
  });
}
