// The demo's steps from Node against a real Sockbridge proxy, with native echo servers started
// here on 127.0.0.1. Runs only when SOCKBRIDGE_URL names the proxy's WebSocket endpoint, e.g.
//   SOCKBRIDGE_URL=ws://127.0.0.1:8080/sockbridge node --test test/proxy.test.js
// (skipped otherwise; the browser runs the same steps through test/browser-test.mjs).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { run } from '../demo/demo.js';
import { connect } from '../src/sockbridge.js';
import { echoServers } from './echo.js';

const url = process.env.SOCKBRIDGE_URL;

test('demo steps through the real proxy', { skip: !url && 'SOCKBRIDGE_URL not set', timeout: 60000 }, async () => {
  const echo = await echoServers();
  try {
    const lines = [];
    await run({ proxy: url, tcp: echo.tcp, udp: echo.udp, timeout: 45000 }, (l) => lines.push(l), { WebSocket });
    assert.ok(lines.some((l) => l.startsWith('tcp: 3 MiB echoed intact')), lines.join('\n'));
    console.log(lines.map((l) => `# ${l}`).join('\n'));
  } finally {
    echo.close();
  }
});

test('low-level calls through the real proxy', { skip: !url && 'SOCKBRIDGE_URL not set', timeout: 30000 }, async () => {
  const echo = await echoServers();
  const session = await connect(url, { WebSocket });
  try {
    const [host, port] = echo.tcp.split(':');
    const fd = (await session.call('socket', 2, 1, 0)).value;
    await session.call('connect', fd, { host, port: Number(port) });
    const sent = await session.call('send', fd, 0, 'abc');
    assert.equal(sent.value, 3);
    const r = await session.call('recv', fd, 10, 0);
    assert.ok(r.data.length > 0 && r.data.length <= 3);
    const peer = await session.call('getpeername', fd);
    assert.equal(peer.address.port, Number(port));
    const err = await session.call('getsockopt', fd, 1, 4);
    assert.equal(err.value, 0);
    await assert.rejects(session.call('close', 9999), (e) => e.code === 'EBADF');
    await assert.rejects(session.call('getaddrinfo', 'no-such-host.invalid', null, 0, 0, 1, 0), (e) => e.errno < 0);
    const p = await session.call('poll', [{ fd, events: 4 }], 1000);
    assert.equal(p.ready[0].fd, fd);
    await session.call('close', fd);
  } finally {
    await session.close();
    echo.close();
  }
});

test('backpressure: an unread socket holds at most its window in the client', { skip: !url && 'SOCKBRIDGE_URL not set', timeout: 60000 }, async (t) => {
  const net = await import('node:net');
  const total = 8 << 20;
  const block = new Uint8Array(64 << 10).map((_, i) => i & 0xff);
  // a server that sends `total` bytes as fast as the connection takes them, then ends
  const server = net.createServer((s) => {
    s.on('error', () => {});
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += block.length;
        if (!s.write(block)) return s.once('drain', pump);
      }
      s.end();
    };
    pump();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  let received = 0;
  class CountingWebSocket extends WebSocket {
    constructor(...a) {
      super(...a);
      this.on('message', (d) => { received += d.byteLength ?? d.length; });
    }
  }
  const session = await connect(url, { WebSocket: CountingWebSocket });
  try {
    const window = 128 << 10;
    const sock = await session.connect('127.0.0.1', server.address().port, { window });
    await new Promise((r) => setTimeout(r, 1000));
    const before = received;
    // nothing read yet: the proxy may push the window, no more (plus a little framing)
    assert.ok(before <= window + 1024, `received ${before} bytes before reading, window ${window}`);
    assert.ok(before >= window / 2, `only ${before} bytes pushed before reading`);
    t.diagnostic(`${before} bytes arrived while nothing was read (window ${window})`);
    let got = 0;
    for await (const chunk of sock) got += chunk.length;
    assert.equal(got, total);
    assert.ok(received >= total);
    await sock.close();
  } finally {
    await session.close();
    server.close();
  }
});
