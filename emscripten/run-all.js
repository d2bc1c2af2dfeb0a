#!/usr/bin/env node
// Runs the Emscripten socket test programs built by build.sh and checks their output.
// Only 127.0.0.1 is used. Every program is killed after --timeout seconds; every process this
// script starts (programs, bridges, native servers) is stopped before it exits.
//
//   node run-all.js [options]
//   POSIX-proxy mode (PROXY_POSIX_SOCKETS programs):
//     --posix-url ws://127.0.0.1:P     bridge URL of a running POSIX-socket proxy
//   SOCKFS mode (upstream tests/sockets clients, websockify-style bridge; one or more of):
//     --bridge-cmd 'TEMPLATE'          run-all starts one bridge per program: {port} = a free
//                                      port it picks, {target} = 127.0.0.1:PORT of the server the
//                                      program needs, {target_port} = PORT. Example:
//                                      --bridge-cmd 'websockify 127.0.0.1:{port} {target}'
//     --bridge-port P                  an already running bridge on 127.0.0.1:P that forwards to
//                                      run-all's framed echo server; bind that on --framed-port T
//     --bridge-down-port P             an already running bridge whose target is closed (for
//                                      the select-server-down test; default: a closed port is
//                                      used directly, without a bridge)
//     --sockfs-url-template 'URL'      bridge URL per target, e.g. ws://127.0.0.1:9000/{target}
//     --bridge-udp-cmd 'TEMPLATE' | --bridge-udp-port P | --sockfs-udp-url-template 'URL'
//                                      the same for the UDP echo client (websockify has no UDP;
//                                      without one of these the UDP variant is skipped)
//   Fixed ports for run-all's native servers (default: ephemeral):
//     --framed-port N  --udp-port N  --tcp-port N  --bulk-port N
//   Other: --build-dir DIR (default emscripten/out) --timeout S (default 60) --only REGEX
//          --verbose (print program output) --list
// Output: one line per program, "PASS name" or "FAIL name: reason" (plus "SKIP name: reason"
// lines, not counted), then exactly "N passed, M failed". Exit code 0 only if M == 0 and N > 0.
// Full logs: BUILD_DIR/logs/NAME.log.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');
const { startServers } = require('./echo-servers');
const { runClient } = require('./tcp-client');

const HERE = __dirname;
const LOOP = '127.0.0.1';

// ---------- options ----------
function parseArgs(argv) {
  const o = { timeout: 60, buildDir: path.join(HERE, 'out') };
  const map = {
    '--posix-url': 'posixUrl', '--bridge-cmd': 'bridgeCmd', '--bridge-port': 'bridgePort',
    '--bridge-down-port': 'bridgeDownPort', '--sockfs-url-template': 'sockfsUrlTemplate',
    '--bridge-udp-cmd': 'bridgeUdpCmd', '--bridge-udp-port': 'bridgeUdpPort',
    '--sockfs-udp-url-template': 'sockfsUdpUrlTemplate', '--framed-port': 'framedPort',
    '--udp-port': 'udpPort', '--tcp-port': 'tcpPort', '--bulk-port': 'bulkPort',
    '--build-dir': 'buildDir', '--timeout': 'timeout', '--only': 'only',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--verbose') o.verbose = true;
    else if (a === '--list') o.list = true;
    else if (a === '-h' || a === '--help') o.help = true;
    else if (map[a] && i + 1 < argv.length) o[map[a]] = argv[++i];
    else throw new Error('unknown or incomplete option: ' + a);
  }
  for (const k of ['bridgePort', 'bridgeDownPort', 'bridgeUdpPort', 'framedPort', 'udpPort', 'tcpPort', 'bulkPort', 'timeout']) {
    if (o[k] !== undefined) o[k] = Number(o[k]);
  }
  for (const k of ['posixUrl', 'sockfsUrlTemplate', 'sockfsUdpUrlTemplate']) {
    if (o[k] && !/^wss?:\/\/127\.0\.0\.1[:/]/.test(o[k])) throw new Error(`${k} must be a ws://127.0.0.1:... URL (loopback only)`);
  }
  return o;
}

// ---------- helpers ----------
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen({ host: LOOP, port: 0 }, () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: LOOP, port });
    s.on('connect', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

async function waitListening(port, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await canConnect(port)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

const children = new Set();
function killTree(child, signal = 'SIGKILL') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try { process.kill(-child.pid, signal); } catch (e) { try { child.kill(signal); } catch (e2) { /* gone */ } }
}
function cleanupAll() { for (const c of children) killTree(c); }
process.on('exit', cleanupAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanupAll(); process.exit(130); });

// Spawns a command in its own process group; collects output.
function start(cmd, args, env, log) {
  const child = spawn(cmd, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.output = '';
  const onData = (d) => { child.output += d; if (log) log.write(d); };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.done = new Promise((resolve) => child.on('close', (code, signal) => { children.delete(child); resolve({ code, signal }); }));
  child.on('error', (e) => { child.output += `spawn error: ${e.message}\n`; });
  return child;
}

function fillTemplate(t, vars) {
  return t.replace(/\{(\w+)\}/g, (m, k) => (vars[k] !== undefined ? String(vars[k]) : m));
}

// Starts a bridge from a shell-command template; returns {url, stop()} or throws.
async function startBridge(template, targetPort, logPath) {
  const port = await freePort();
  const cmd = fillTemplate(template, { port, target: `${LOOP}:${targetPort}`, target_port: targetPort, host: LOOP });
  const log = fs.createWriteStream(logPath);
  log.write(`$ ${cmd}\n`);
  const child = start('/bin/sh', ['-c', 'exec ' + cmd], process.env, log);
  const ok = await Promise.race([waitListening(port, 10000), child.done.then(() => false)]);
  if (!ok) {
    killTree(child);
    throw new Error(`bridge did not listen on ${port}: ${cmd} (log ${logPath})`);
  }
  return {
    url: `ws://${LOOP}:${port}/`,
    stop: async () => {
      killTree(child, 'SIGTERM');
      const t = setTimeout(() => killTree(child, 'SIGKILL'), 2000);
      await child.done;
      clearTimeout(t);
      log.end();
    },
  };
}

// ---------- checks ----------
const count = (s, re) => (s.match(re) || []).length;
function ownCheck(r) {
  if (/^RESULT: PASS/m.test(r.out) && r.code === 0) return null;
  const fails = r.out.split('\n').filter((l) => l.startsWith('FAIL ')).map((l) => l.slice(5));
  if (fails.length) return fails.slice(0, 4).join('; ') + (fails.length > 4 ? `; ... (${fails.length} failures)` : '');
  return r.timedOut ? null : `exit code ${r.code}, no RESULT line`;
}
function reportResult(expected) {
  return (r) => {
    const m = r.out.match(/^REPORT_RESULT=(-?\d+)/m);
    if (!m) return r.timedOut ? null : `no REPORT_RESULT line (exit code ${r.code})`;
    if (Number(m[1]) !== expected) return `REPORT_RESULT=${m[1]}, expected ${expected}`;
    // emscripten_force_exit(code): node exits with code & 0xff
    if (r.code !== (expected & 0xff)) return `exit code ${r.code}, expected ${expected & 0xff}`;
    return null;
  };
}

// ---------- programs ----------
const PROGRAMS = [
  { name: 'upstream_tcp_echo_client', mode: 'posix', args: (c) => [c.url, c.ports.tcp],
    check: (r) => {
      if (r.code !== 0) return `exit code ${r.code}`;
      if (!/^REPORT_RESULT=101$/m.test(r.out)) return 'no REPORT_RESULT=101 line';
      const n = count(r.out, /^hell/mg);
      return n === 10 ? null : `${n}/10 echoed "hell" replies`;
    } },
  { name: 'upstream_tcp_in_two_threads', mode: 'posix', args: (c) => [c.url, c.ports.tcp],
    check: (r) => {
      if (r.code !== 0) return `exit code ${r.code}`;
      if (/failed/.test(r.out)) return r.out.split('\n').filter((l) => /failed/.test(l)).join('; ');
      const n = count(r.out, /^hell[a-j]$/mg); // the two threads interleave their lines
      return n === 10 ? null : `${n}/10 echoed replies`;
    } },
  { name: 'posix_udp_echo', mode: 'posix', args: (c) => [c.url, c.ports.udp], check: ownCheck },
  { name: 'posix_getaddrinfo', mode: 'posix', args: (c) => [c.url, c.ports.tcp], check: ownCheck },
  { name: 'posix_tcp_server', mode: 'posix', server: true, args: (c) => [c.url, c.listenPort], check: ownCheck },
  { name: 'posix_nonblocking', mode: 'posix', args: (c) => [c.url, c.ports.tcp, c.closedPort], check: ownCheck },
  { name: 'posix_sockopts', mode: 'posix', args: (c) => [c.url, c.ports.tcp], check: ownCheck },
  { name: 'posix_bulk_transfer', mode: 'posix', args: (c) => [c.url, c.ports.bulk], check: ownCheck },
  { name: 'posix_threads', mode: 'posix', args: (c) => [c.url, c.ports.tcp, c.ports.udp], check: ownCheck },
  { name: 'sockfs_echo_tcp', mode: 'sockfs', target: 'framed', check: reportResult(0) },
  { name: 'sockfs_echo_udp', mode: 'sockfs', target: 'udp', check: reportResult(0) },
  { name: 'sockfs_select_server_down', mode: 'sockfs', target: 'down', check: reportResult(266) },
  { name: 'sockfs_select_closes_connection', mode: 'sockfs', target: 'framed', check: reportResult(266) },
];

// Runs one program; resolves {out, code, timedOut, ms}.
async function runProgram(opts, prog, args, env, onStdout) {
  const js = path.join(opts.buildDir, prog.name + '.js');
  const log = fs.createWriteStream(path.join(opts.buildDir, 'logs', prog.name + '.log'));
  log.write(`$ ${env.SOCKFS_URL ? 'SOCKFS_URL=' + env.SOCKFS_URL + ' ' : ''}node ${[js, ...args].join(' ')}\n`);
  const t0 = Date.now();
  const child = start(process.execPath, [js, ...args.map(String)], env, log);
  if (onStdout) child.stdout.on('data', () => onStdout(child.output));
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; killTree(child); }, opts.timeout * 1000);
  const { code, signal } = await child.done;
  clearTimeout(timer);
  const ms = Date.now() - t0;
  log.write(`\n[exit code ${code}${signal ? ' signal ' + signal : ''}${timedOut ? ' (timeout)' : ''}, ${ms} ms]\n`);
  log.end();
  if (opts.verbose) process.stdout.write(child.output.replace(/^/mg, `  | `) + '\n');
  return { out: child.output, code, timedOut, ms };
}

// Decides how a SOCKFS program reaches its target. Returns {url, note, stop} or {skip}.
async function sockfsRoute(opts, prog, ports, closedPort) {
  const isUdp = prog.target === 'udp';
  const targetPort = isUdp ? ports.udp : prog.target === 'down' ? closedPort : ports.framed;
  const logPath = path.join(opts.buildDir, 'logs', prog.name + '.bridge.log');
  const tpl = isUdp ? opts.sockfsUdpUrlTemplate : opts.sockfsUrlTemplate;
  const cmd = isUdp ? opts.bridgeUdpCmd : opts.bridgeCmd;
  const fixed = isUdp ? opts.bridgeUdpPort : opts.bridgePort;
  if (tpl) return { url: fillTemplate(tpl, { target: `${LOOP}:${targetPort}`, target_port: targetPort, host: LOOP }) };
  if (cmd) return startBridge(cmd, targetPort, logPath);
  if (fixed) {
    if (prog.target === 'down') {
      if (opts.bridgeDownPort) return { url: `ws://${LOOP}:${opts.bridgeDownPort}/` };
      return { url: `ws://${LOOP}:${closedPort}/`, note: 'no bridge: closed port used directly' };
    }
    return { url: `ws://${LOOP}:${fixed}/` };
  }
  if (isUdp && (opts.bridgeCmd || opts.bridgePort || opts.sockfsUrlTemplate)) {
    return { skip: 'no UDP bridge given (--bridge-udp-cmd/--bridge-udp-port/--sockfs-udp-url-template); websockify is TCP-only' };
  }
  return null;
}

async function main() {
  let opts;
  try { opts = parseArgs(process.argv.slice(2)); } catch (e) { console.error('run-all: ' + e.message); process.exit(2); }
  if (opts.help) { console.log(fs.readFileSync(__filename, 'utf8').split('\n').slice(1).filter((l, i, a) => a.slice(0, i + 1).every((x) => x.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n')); return 0; }
  if (opts.list) { for (const p of PROGRAMS) console.log(`${p.mode}\t${p.name}`); return 0; }
  const sockfsWanted = !!(opts.bridgeCmd || opts.bridgePort || opts.sockfsUrlTemplate || opts.bridgeUdpCmd ||
    opts.bridgeUdpPort || opts.sockfsUdpUrlTemplate);
  if (!opts.posixUrl && !sockfsWanted) {
    console.error('run-all: give --posix-url and/or a bridge option (--bridge-cmd, --bridge-port, ...); --help for more');
    console.log('0 passed, 0 failed');
    return 2;
  }
  opts.buildDir = path.resolve(opts.buildDir);
  fs.mkdirSync(path.join(opts.buildDir, 'logs'), { recursive: true });
  const only = opts.only ? new RegExp(opts.only) : null;

  const servers = await startServers({ tcpPort: opts.tcpPort, udpPort: opts.udpPort, bulkPort: opts.bulkPort, framedPort: opts.framedPort });
  const ports = servers.ports;
  const closedPort = await freePort();
  console.log(`native servers on ${LOOP}: ${JSON.stringify(ports)}, closed port ${closedPort}`);

  const env = { ...process.env, NODE_PATH: [path.join(HERE, 'node_modules'), process.env.NODE_PATH].filter(Boolean).join(':') };
  delete env.SOCKFS_URL;
  let passed = 0, failed = 0;
  for (const prog of PROGRAMS) {
    if (only && !only.test(prog.name)) continue;
    if (prog.mode === 'posix' && !opts.posixUrl) continue;
    if (prog.mode === 'sockfs' && !sockfsWanted) continue;
    if (!fs.existsSync(path.join(opts.buildDir, prog.name + '.js'))) {
      console.log(`FAIL ${prog.name}: not built (run ./build.sh ${opts.buildDir})`);
      failed++;
      continue;
    }
    let reason = null, note = '', res = null;
    try {
      if (prog.mode === 'posix') {
        const ctx = { url: opts.posixUrl, ports, closedPort, listenPort: prog.server ? await freePort() : 0 };
        if (prog.server) {
          // start the wasm server, then the native client once it prints LISTENING
          let clientP = null;
          res = await runProgram(opts, prog, prog.args(ctx), env, (out) => {
            if (!clientP && /^LISTENING 127\.0\.0\.1:\d+/m.test(out)) clientP = runClient(ctx.listenPort, 'hello from a native client', 20);
          });
          const client = clientP ? await clientP : { ok: false, msg: 'wasm server never printed LISTENING' };
          reason = prog.check(res);
          if (!client.ok) reason = (reason ? reason + '; ' : '') + 'native client: ' + client.msg;
          note = client.ok ? 'native client: ' + client.msg : '';
        } else {
          res = await runProgram(opts, prog, prog.args(ctx), env);
          reason = prog.check(res);
        }
      } else {
        const route = await sockfsRoute(opts, prog, ports, closedPort);
        if (!route) continue;
        if (route.skip) { console.log(`SKIP ${prog.name}: ${route.skip}`); continue; }
        note = route.note || '';
        try {
          res = await runProgram(opts, prog, [], { ...env, SOCKFS_URL: route.url });
        } finally {
          if (route.stop) await route.stop();
        }
        reason = prog.check(res);
      }
    } catch (e) {
      reason = 'harness error: ' + e.message;
    }
    if (res && res.timedOut) reason = `timeout after ${opts.timeout} s` + (reason ? ` (${reason})` : '');
    if (opts.verbose && res) console.log(`  (${prog.name}: ${(res.ms / 1000).toFixed(1)} s${note ? ', ' + note : ''})`);
    if (reason) { failed++; console.log(`FAIL ${prog.name}: ${reason}${note ? ' [' + note + ']' : ''}`); }
    else { passed++; console.log(`PASS ${prog.name}`); }
  }
  await servers.close();
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

// run-upstream-urls.js runs the same programs built with their upstream URLs, with these checks
module.exports = { PROGRAMS, runProgram, start, killTree, cleanupAll, freePort, waitListening, LOOP };

if (require.main === module) {
  main().then((code) => { cleanupAll(); process.exit(code); },
    (e) => { console.error('run-all: ' + (e && e.stack || e)); cleanupAll(); process.exit(2); });
}
