#!/usr/bin/env node
// Emscripten programs linked with the Sockbridge backend (clients/js/emscripten/library_sockbridge.js),
// run under node against a running proxy's Sockbridge endpoint over WebSocket, with native servers on
// loopback. Emscripten's own tests/sockets clients are built unchanged (build-sockbridge.sh); their
// compiled-in port (-DSOCKK) is routed to this run's server by the backend's mapAddress hook, set by
// sockbridge/pre-node.js from SOCKBRIDGE_MAP.
//   usage: node run-sockbridge.js --url ws://127.0.0.1:P/sockbridge [--build-dir DIR] [--timeout S] [--only a,b] [--verbose]
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
  const o = { url: null, buildDir: path.join(__dirname, 'out', 'sockbridge'), timeout: 60, only: null, verbose: false };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--url') o.url = argv[++i];
    else if (a === '--build-dir') o.buildDir = path.resolve(argv[++i]);
    else if (a === '--timeout') o.timeout = Number(argv[++i]);
    else if (a === '--only') o.only = argv[++i].split(',');
    else if (a === '--verbose') o.verbose = true;
    else { console.error(`unknown option ${a}`); process.exit(2); }
  }
  if (!o.url) { console.error('usage: node run-sockbridge.js --url ws://127.0.0.1:PORT/sockbridge [--build-dir DIR]'); process.exit(2); }
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
  { name: 'sb_upstream_echo_tcp', map: (c) => c.ports.framed, check: reportResult(0) },
  { name: 'sb_upstream_echo_udp', map: (c) => c.ports.udp, check: reportResult(0) },
  { name: 'sb_upstream_partial', map: (c) => c.partialPort, check: exitCode(165) },
  { name: 'sb_upstream_select_server_down', map: (c) => c.closedPort, check: reportResult(266) },
  { name: 'sb_upstream_select_closes_connection', map: (c) => c.ports.framed, check: reportResult(266) },
  // our own
  { name: 'sb_udp_game', args: (c) => [c.ports.udp, 3], check: ownCheck },
  { name: 'sb_nonblocking', args: (c) => [c.ports.tcp, c.closedPort, c.listenPort], server: true, check: ownCheck },
  { name: 'sb_blocking', args: (c) => [c.ports.tcp, c.closedPort, c.listenPort2], server2: true, check: ownCheck },
];

async function main() {
  const opts = parseArgs(process.argv);
  fs.mkdirSync(path.join(opts.buildDir, 'logs'), { recursive: true });
  const servers = await startServers({});
  const partial = await startPartialServer(opts);
  const closedPort = await R.freePort();
  let passed = 0, failed = 0;
  try {
    console.log(`native servers on 127.0.0.1: ${JSON.stringify(servers.ports)}, partial ${partial.port}, closed port ${closedPort}`);
    for (const prog of PROGRAMS) {
      if (opts.only && !opts.only.includes(prog.name)) continue;
      if (!fs.existsSync(path.join(opts.buildDir, prog.name + '.js'))) {
        console.log(`FAIL ${prog.name}: not built (build-sockbridge.sh)`);
        failed++;
        continue;
      }
      const c = { ports: servers.ports, partialPort: partial.port, closedPort, listenPort: await R.freePort(), listenPort2: await R.freePort() };
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
        const m = out.match(/^LISTENING 127\.0\.0\.1:(\d+)/m);
        if (m && !client) client = runClient(Number(m[1]), 'hello from a native client', 20);
      } : null;
      const r = await R.runProgram(opts, prog, args, env, onStdout);
      let why = prog.check(r);
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
    await partial.stop();
    await servers.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

main().catch((e) => { console.error(e); R.cleanupAll(); process.exit(1); });
