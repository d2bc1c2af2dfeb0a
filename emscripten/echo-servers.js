#!/usr/bin/env node
// Native loopback servers for the Emscripten socket tests. Everything binds 127.0.0.1.
//   tcp    : TCP echo (echoes every byte until the client closes)
//   udp    : UDP echo (each datagram sent back to its sender unchanged)
//   bulk   : TCP checksum server for bulk_transfer.c: reads u32 LE size N, u32 LE seed, N bytes;
//            replies u32 LE FNV-1a-32 of those bytes, then N bytes of xorshift32(seed ^ 0x5a5a5a5a)
//   framed : TCP, one framed message like Emscripten's test_sockets_echo_server.c with
//            CLOSE_CLIENT_AFTER_ECHO: reads u32 LE length L + L bytes, echoes them, then closes
//            (the target behind the SOCKFS bridge)
// CLI: node echo-servers.js [--tcp-port N] [--udp-port N] [--bulk-port N] [--framed-port N]
//                          [--timeout SECONDS (default 600)]
//   prints {"tcp":P,"udp":P,"bulk":P,"framed":P} on one line, serves until killed or timeout.
// Module: const {startServers} = require('./echo-servers'); const s = await startServers({});
//   s.ports, s.stats (bytes/datagrams seen), await s.close().
'use strict';
const net = require('net');
const dgram = require('dgram');

const HOST = '127.0.0.1';

function fnv1a(h, buf) {
  for (let i = 0; i < buf.length; i++) { h ^= buf[i]; h = Math.imul(h, 16777619) >>> 0; }
  return h >>> 0;
}

function xorshiftStream(seed) {
  let x = seed >>> 0;
  return (n) => { // n multiple of 4
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i += 4) {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      b.writeUInt32LE(x, i);
    }
    return b;
  };
}

function listenTcp(port, onConn, sockets) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
      onConn(s);
    });
    srv.on('error', reject);
    srv.listen({ host: HOST, port: port || 0 }, () => resolve(srv));
  });
}

async function startServers(opts = {}) {
  const sockets = new Set();
  const stats = { tcpBytes: 0, udpDatagrams: 0, bulkConnections: 0, framedConnections: 0 };

  const tcp = await listenTcp(opts.tcpPort, (s) => {
    s.on('data', (d) => { stats.tcpBytes += d.length; s.write(d); });
    s.on('end', () => s.end());
  }, sockets);

  const bulk = await listenTcp(opts.bulkPort, (s) => {
    stats.bulkConnections++;
    let hdr = Buffer.alloc(0), size = -1, seed = 0, got = 0, h = 2166136261;
    s.on('data', (d) => {
      if (size < 0) {
        hdr = Buffer.concat([hdr, d]);
        if (hdr.length < 8) return;
        size = hdr.readUInt32LE(0); seed = hdr.readUInt32LE(4);
        d = hdr.subarray(8);
      }
      const take = Math.min(d.length, size - got);
      h = fnv1a(h, d.subarray(0, take));
      got += take;
      if (got === size) {
        size = -2; got = -1; // done reading; ignore anything else
        const r = Buffer.alloc(4); r.writeUInt32LE(h >>> 0, 0);
        s.write(r);
        const gen = xorshiftStream((seed ^ 0x5a5a5a5a) >>> 0);
        const total = hdr.readUInt32LE(0);
        let sent = 0;
        const pump = () => {
          while (sent < total) {
            const n = Math.min(65536, total - sent);
            sent += n;
            if (!s.write(gen(n))) { s.once('drain', pump); return; }
          }
        };
        pump();
      }
    });
    s.on('end', () => s.end());
  }, sockets);

  const framed = await listenTcp(opts.framedPort, (s) => {
    stats.framedConnections++;
    let buf = Buffer.alloc(0), done = false;
    s.on('data', (d) => {
      if (done) return;
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32LE(0)) {
        done = true;
        s.end(buf.subarray(0, 4 + buf.readInt32LE(0))); // echo, then close
      }
    });
  }, sockets);

  const udp = dgram.createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    stats.udpDatagrams++;
    udp.send(msg, rinfo.port, rinfo.address);
  });
  await new Promise((resolve, reject) => {
    udp.once('error', reject);
    udp.bind({ address: HOST, port: opts.udpPort || 0 }, resolve);
  });

  const ports = {
    tcp: tcp.address().port,
    udp: udp.address().port,
    bulk: bulk.address().port,
    framed: framed.address().port,
  };
  async function close() {
    for (const s of sockets) s.destroy();
    await Promise.all([tcp, bulk, framed].map((srv) => new Promise((r) => srv.close(() => r()))));
    await new Promise((r) => udp.close(() => r()));
  }
  return { ports, stats, close };
}

module.exports = { startServers, fnv1a };

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = (name, def) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : def;
  };
  startServers({
    tcpPort: opt('--tcp-port', 0), udpPort: opt('--udp-port', 0),
    bulkPort: opt('--bulk-port', 0), framedPort: opt('--framed-port', 0),
  }).then((s) => {
    console.log(JSON.stringify(s.ports));
    const stop = () => s.close().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    setTimeout(stop, opt('--timeout', 600) * 1000).unref();
    setInterval(() => {}, 1 << 30); // keep alive until stop
  }, (e) => { console.error('echo-servers: ' + e.message); process.exit(1); });
}
