#!/usr/bin/env node
// Emscripten programs linked with the Sockbridge backend (clients/js/emscripten/library_sockbridge.js),
// run under node against a running proxy's Sockbridge endpoint over WebSocket, with native servers on
// loopback. Emscripten's own tests/sockets clients are built unchanged (build-sockbridge.sh); their
// compiled-in port (-DSOCKK) is routed to this run's server by the backend's mapAddress hook, set by
// sockbridge/pre-node.js from SOCKBRIDGE_MAP.
//   usage: node run-sockbridge.js --url ws://127.0.0.1:P/sockbridge [--build-dir DIR] [--timeout S] [--only a,b] [--verbose]
// --browser --proxy-cmd CMD: the same programs built for the web (TARGET=web build-sockbridge.sh) in
// headless Chromium (clients/js/test/browser-test.mjs) over WebTransport: this script assembles a web
// root (the client, cbor-x, sockbridge/web/page.*, the programs), starts the proxy as
// `CMD --listen 127.0.0.1:0 --webtransport-listen 127.0.0.1:0 --static ROOT` and loads one page per program.
// Prints PASS/FAIL per program and "N passed, M failed"; exit code 0 only when M is 0 and N > 0.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { startServers } = require('./echo-servers');
const { runClient } = require('./tcp-client');
const R = require('./run-all');

const SOCKK = 49160; // build-sockbridge.sh compiles upstream's clients with this port
const UP = '/usr/share/emscripten/tests/sockets';

function parseArgs(argv) {
  const o = { url: null, buildDir: null, timeout: 60, only: null, verbose: false, browser: false, proxyCmd: null, transport: 'webtransport' };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--url') o.url = argv[++i];
    else if (a === '--build-dir') o.buildDir = path.resolve(argv[++i]);
    else if (a === '--timeout') o.timeout = Number(argv[++i]);
    else if (a === '--only') o.only = argv[++i].split(',');
    else if (a === '--verbose') o.verbose = true;
    else if (a === '--browser') o.browser = true;
    else if (a === '--proxy-cmd') o.proxyCmd = argv[++i];
    else if (a === '--transport') o.transport = argv[++i];
    else { console.error(`unknown option ${a}`); process.exit(2); }
  }
  if (o.browser ? !o.proxyCmd : !o.url) {
    console.error('usage: node run-sockbridge.js --url ws://127.0.0.1:PORT/sockbridge [--build-dir DIR]\n' +
      '       node run-sockbridge.js --browser --proxy-cmd CMD [--transport webtransport|websocket] [--build-dir DIR]');
    process.exit(2);
  }
  o.buildDir ??= path.join(__dirname, 'out', o.browser ? 'sockbridge-web' : 'sockbridge');
  return o;
}

function reportResult(expected) {
  return (r) => {
    const m = r.out.match(/^REPORT_RESULT=(-?\d+)/m);
    if (!m) return `no REPORT_RESULT line (exit code ${r.code}${r.timedOut ? ', timed out' : ''})`;
    if (Number(m[1]) !== expected) return `REPORT_RESULT=${m[1]}, expected ${expected}`;
    if (r.code !== (expected & 0xff)) return `exit code ${r.code}, expected ${expected & 0xff}`;
    return null;
  };
}
function exitCode(expected) {
  return (r) => (r.code === expected ? null : `exit code ${r.code}${r.timedOut ? ' (timed out)' : ''}, expected ${expected}`);
}
function ownCheck(r) {
  if (/^RESULT: PASS/m.test(r.out) && r.code === 0) return null;
  const fails = r.out.split('\n').filter((l) => l.startsWith('FAIL ')).map((l) => l.slice(5));
  if (fails.length) return fails.slice(0, 6).join('; ');
  return `exit code ${r.code}${r.timedOut ? ' (timed out)' : ''}, no RESULT line`;
}

// upstream's partial server takes its port at compile time: built natively for SOCKK's stand-in
async function startPartialServer(opts) {
  const bin = path.join(opts.buildDir, 'partial_server_native');
  for (let attempt = 1; ; attempt++) {
    const port = await R.freePort();
    const cc = spawnSync('gcc', ['-O1', '-w', `-DSOCKK=${port}`, `${UP}/test_sockets_partial_server.c`, '-o', bin], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error('gcc failed for the partial server: ' + cc.stderr);
    const log = fs.createWriteStream(path.join(opts.buildDir, 'logs', 'partial_server_native.log'));
    const child = R.start(bin, [], process.env, log);
    const up = await Promise.race([R.waitListening(port, 10000), child.done.then(() => false)]);
    const stop = async () => { R.killTree(child, 'SIGTERM'); await child.done; log.end(); };
    if (up && child.exitCode === null && child.signalCode === null) return { port, stop };
    await stop();
    if (attempt === 3) throw new Error(`partial server did not listen: ${child.output.slice(-500)}`);
  }
}

const PROGRAMS = [
  // Emscripten's tests/sockets clients, unchanged
  { name: 'sb_upstream_echo_tcp', map: (c) => c.ports.framed, check: reportResult(0), page: { report: 0 } },
  { name: 'sb_upstream_echo_udp', map: (c) => c.ports.udp, check: reportResult(0), page: { report: 0 }, udp: true },
  { name: 'sb_upstream_echo_tcp_async', map: (c) => c.ports.framed, check: reportResult(0), page: { report: 0 } },
  { name: 'sb_upstream_echo_udp_async', map: (c) => c.ports.udp, check: reportResult(0), page: { report: 0 }, udp: true },
  // upstream's "expect fail" run: a refused connect must reach the error callback with SO_ERROR's value
  { name: 'sb_upstream_echo_async_refused', map: (c) => c.closedPort, check: reportResult(0), page: { report: 0 } },
  { name: 'sb_upstream_partial', map: (c) => c.partialPort, check: exitCode(165), page: { exit: 165 } },
  { name: 'sb_upstream_select_server_down', map: (c) => c.closedPort, check: reportResult(266), page: { report: 266, exit: 266 } },
  { name: 'sb_upstream_select_closes_connection', map: (c) => c.ports.framed, check: reportResult(266), page: { report: 266, exit: 266 } },
  // our own
  { name: 'sb_udp_game', args: (c) => [c.ports.udp, 3], check: ownCheck, udp: true },
  { name: 'sb_nonblocking', args: (c) => [c.ports.tcp, c.closedPort, c.listenPort], server: true, check: ownCheck },
  { name: 'sb_blocking', args: (c) => [c.ports.tcp, c.closedPort, c.listenPort2], server2: true, check: ownCheck },
  { name: 'sb_backpressure', args: (c) => [c.sourcePort], check: ownCheck },
  { name: 'sb_nonblocking_pthread', args: (c) => [c.ports.tcp, c.closedPort, c.listenPort], server: true, check: ownCheck, nodeOnly: true },
  // blocking calls in pthreads, main() on the main thread and with PROXY_TO_PTHREAD
  // (in the browser on a page made cross-origin isolated by sockbridge/web/coi-sw.js)
  { name: 'sb_threads', args: (c) => [c.ports.tcp, c.ports.udp, c.closedPort, c.listenPort], server: true, check: ownCheck, udp: true, page: { coi: 1 } },
  { name: 'sb_blocking_pthread_build', args: (c) => [c.ports.tcp, c.closedPort, c.listenPort2], server2: true, check: ownCheck, nodeOnly: true },
  { name: 'sb_threads_proxied', args: (c) => [c.ports.tcp, c.ports.udp, c.closedPort, c.listenPort], server: true, check: ownCheck, udp: true, page: { coi: 1 } },
];

// The web root the proxy serves in --browser mode: links to the client, cbor-x, the page, the programs.
function webRoot(opts) {
  const root = fs.mkdtempSync(path.join(require('os').tmpdir(), 'sockbridge-web-'));
  const js = path.join(__dirname, '..', 'clients', 'js');
  const link = (from, to) => { fs.mkdirSync(path.dirname(to), { recursive: true }); fs.symlinkSync(from, to); };
  for (const f of fs.readdirSync(path.join(js, 'src'))) link(path.join(js, 'src', f), path.join(root, 'src', f));
  const cbor = path.join(js, 'node_modules', 'cbor-x');
  for (const f of fs.readdirSync(cbor)) if (f.endsWith('.js')) link(path.join(cbor, f), path.join(root, 'node_modules', 'cbor-x', f));
  for (const f of ['page.html', 'page.js', 'coi-sw.js']) link(path.join(__dirname, 'sockbridge', 'web', f), path.join(root, f));
  for (const f of fs.readdirSync(opts.buildDir)) if (/\.(js|wasm)$/.test(f)) link(path.join(opts.buildDir, f), path.join(root, f));
  return root;
}

async function startProxy(opts, root) {
  const log = fs.createWriteStream(path.join(opts.buildDir, 'logs', 'proxy.log'));
  const cmd = `${opts.proxyCmd} --listen 127.0.0.1:0 --webtransport-listen 127.0.0.1:0 --static '${root}'`;
  log.write(`$ ${cmd}\n`);
  const child = R.start('/bin/sh', ['-c', 'exec ' + cmd], process.env, log);
  const deadline = Date.now() + 60000;
  for (;;) {
    const m = child.output.match(/^Sockbridge protocol:\s+ws:\/\/([\d.]+:\d+)\/sockbridge/m);
    if (m && /^WebTransport:/m.test(child.output)) {
      return { base: `http://${m[1]}`, stop: async () => { R.killTree(child, 'SIGTERM'); await child.done; log.end(); } };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      R.killTree(child);
      throw new Error(`proxy did not start: ${child.output.slice(-1500)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

// One page load in headless Chromium per program; the page decides PASS from the exit code.
async function runInBrowser(opts, proxy, prog, c, onStdout) {
  const q = new URLSearchParams({ prog: prog.name, transport: opts.transport });
  if (prog.args) q.set('args', prog.args(c).join(','));
  if (prog.map) q.set('map', `${SOCKK}=127.0.0.1:${prog.map(c)}`);
  for (const [k, v] of Object.entries(prog.page || {})) q.set(k, String(v));
  const url = `${proxy.base}/page.html?${q}`;
  const js = path.join(__dirname, '..', 'clients', 'js');
  const log = fs.createWriteStream(path.join(opts.buildDir, 'logs', prog.name + '.log'));
  log.write(`$ node test/browser-test.mjs ${url}\n`);
  const t0 = Date.now();
  const child = R.start(process.execPath, [path.join(js, 'test', 'browser-test.mjs'), url, '--timeout', String(opts.timeout * 1000)], process.env, log);
  if (onStdout) child.stdout.on('data', () => onStdout(child.output));
  const { code } = await child.done;
  log.end();
  const r = { out: child.output, code, ms: Date.now() - t0 };
  let why = code === 0 ? null : (r.out.match(/browser-test: (FAIL.*)/) || [, `browser-test exit code ${code}`])[1];
  if (!why && opts.transport === 'webtransport') {
    const m = r.out.match(/transport: webtransport; QUIC datagrams sent (\d+) received (\d+); streams opened (\d+); .*tcp connects (\d+)/);
    if (!m) why = 'no WebTransport session line';
    else if (prog.udp && (Number(m[1]) === 0 || Number(m[2]) === 0)) why = `UDP not carried by QUIC datagrams (${m[0]})`;
    // every TCP connect had a QUIC stream of its own
    else if (Number(m[3]) < Number(m[4])) why = `fewer streams than TCP connects (${m[0]})`;
  }
  r.why = why;
  return r;
}

// Sends the xorshift stream sb_backpressure.c checks: a 4-byte little-endian length, then that many
// bytes as fast as the connection takes them (respecting 'drain'), then FIN.
function startSource() {
  const net = require('net');
  const sockets = new Set();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let hdr = Buffer.alloc(0);
    s.on('data', (d) => {
      if (hdr === null) return;
      hdr = Buffer.concat([hdr, d]);
      if (hdr.length < 4) return;
      const total = hdr.readUInt32LE(0);
      hdr = null;
      let x = 0x12345678, sent = 0;
      const pump = () => {
        while (sent < total) {
          const n = Math.min(65536, total - sent);
          const b = Buffer.allocUnsafe(n);
          for (let i = 0; i < n; i += 4) {
            x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
            b.writeUInt32LE(x, i);
          }
          sent += n;
          if (!s.write(b)) { s.once('drain', pump); return; }
        }
        s.end();
      };
      pump();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: server.address().port,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  })));
}

async function main() {
  const opts = parseArgs(process.argv);
  fs.mkdirSync(path.join(opts.buildDir, 'logs'), { recursive: true });
  const servers = await startServers({});
  const partial = await startPartialServer(opts);
  const closedPort = await R.freePort();
  const source = await startSource();
  let passed = 0, failed = 0, proxy = null;
  try {
    if (opts.browser) {
      proxy = await startProxy(opts, webRoot(opts));
      console.log(`proxy at ${proxy.base} (WebTransport on)`);
    }
    console.log(`native servers on 127.0.0.1: ${JSON.stringify(servers.ports)}, partial ${partial.port}, closed port ${closedPort}`);
    for (const prog of PROGRAMS) {
      if (opts.only && !opts.only.includes(prog.name)) continue;
      if (opts.browser && prog.nodeOnly) continue;
      if (!fs.existsSync(path.join(opts.buildDir, prog.name + '.js'))) {
        console.log(`FAIL ${prog.name}: not built (build-sockbridge.sh)`);
        failed++;
        continue;
      }
      const c = { ports: servers.ports, partialPort: partial.port, closedPort, sourcePort: source.port, listenPort: await R.freePort(), listenPort2: await R.freePort() };
      const env = Object.assign({}, process.env, {
        SOCKBRIDGE_URL: opts.url,
        SOCKBRIDGE_CLIENT: path.join(__dirname, '..', 'clients', 'js', 'src', 'sockbridge.js'),
        NODE_PATH: path.join(__dirname, 'node_modules'),
      });
      if (prog.map) env.SOCKBRIDGE_MAP = `${SOCKK}=127.0.0.1:${prog.map(c)}`;
      const args = prog.args ? prog.args(c) : [];
      // listen/accept with a native client: started once the program says it listens
      let client = null;
      const onStdout = (prog.server || prog.server2) ? (out) => {
        const m = out.match(/LISTENING 127\.0\.0\.1:(\d+)/);
        if (m && !client) client = runClient(Number(m[1]), 'hello from a native client', 20);
      } : null;
      const r = opts.browser ? await runInBrowser(opts, proxy, prog, c, onStdout) : await R.runProgram(opts, prog, args, env, onStdout);
      let why = opts.browser ? r.why : prog.check(r);
      if (!why && (prog.server || prog.server2)) {
        if (!client) why = 'never printed LISTENING';
        else {
          const cr = await client;
          if (!cr.ok) why = 'native client: ' + cr.msg;
        }
      }
      if (why) { failed++; console.log(`FAIL ${prog.name}: ${why} (log ${path.join(opts.buildDir, 'logs', prog.name + '.log')})`); }
      else { passed++; console.log(`PASS ${prog.name} (${r.ms} ms)`); }
      if (opts.verbose || why) process.stdout.write(r.out.split('\n').slice(-40).map((l) => '  | ' + l).join('\n') + '\n');
    }
  } finally {
    if (proxy) await proxy.stop();
    await partial.stop();
    await source.close();
    await servers.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

main().catch((e) => { console.error(e); R.cleanupAll(); process.exit(1); });
