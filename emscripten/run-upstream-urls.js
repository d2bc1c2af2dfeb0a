#!/usr/bin/env node
// Emscripten's own socket tests, built with the URLs upstream wrote into them (only hosts and
// ports substituted, see build-upstream-urls.sh), run against the runnable proxy answering at /:
// no subprotocol -> its POSIX proxy, "binary" -> its websockify bridge to --bridge-target.
// The programs' ports are fixed at build time, so the proxies start first (each on a free
// loopback port it binds itself, so no other process can take it meanwhile), then the programs
// are built for those ports, then run. One proxy per bridge target, as with websockify:
//   A  --bridge-target <framed echo>         POSIX programs (ws://localhost:A), echo and close tests
//   B  --bridge-target <closed port>         select-server-down test
//   C  --bridge-target <UDP echo> --bridge-udp   UDP echo client
//   D  --bridge-target <upstream partial server, native> partial-read client
//
//   node run-upstream-urls.js [--proxy-cmd 'CMD'] [--build-dir DIR] [--timeout S] [--only REGEX] [--verbose]
//     --proxy-cmd   starts the runnable proxy; "--listen 127.0.0.1:0 --bridge-target ..." is appended
//                   (default: the runnable proxy as ../scripts/proxy.sh runs it, after ../scripts/build.sh)
//     --build-dir   where the programs are built and their logs go (default: out/upstream-urls)
// Output: "PASS name" / "FAIL name: reason" lines, then exactly "N passed, M failed"; exit code 0
// only if M == 0 and N > 0. Only 127.0.0.1 (and localhost) is used; every process started here is
// stopped before it exits.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { startServers } = require('./echo-servers');
const R = require('./run-all');

const HERE = __dirname;

function parseArgs(argv) {
  const o = { timeout: 60, buildDir: path.join(HERE, 'out', 'upstream-urls') };
  const map = { '--proxy-cmd': 'proxyCmd', '--build-dir': 'buildDir', '--timeout': 'timeout', '--only': 'only' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--verbose') o.verbose = true;
    else if (a === '-h' || a === '--help') o.help = true;
    else if (map[a] && i + 1 < argv.length) o[map[a]] = argv[++i];
    else throw new Error('unknown or incomplete option: ' + a);
  }
  o.timeout = Number(o.timeout);
  o.buildDir = path.resolve(o.buildDir);
  return o;
}

// The runnable proxy as scripts/proxy.sh starts it; built once here, since four proxies start at
// once and scripts/proxy.sh would each run the build.
function defaultProxyCmd() {
  const root = path.join(HERE, '..');
  const b = spawnSync('bash', [path.join(root, 'scripts', 'build.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (b.status !== 0) throw new Error('scripts/build.sh failed');
  const cp = fs.readFileSync(path.join(root, 'proxy-app', 'target', 'classpath.txt'), 'utf8').trim();
  return `java -Xss512k -cp '${path.join(root, 'proxy-app', 'target', 'classes')}:${cp}' dev.sockbridge.app.ProxyMain`;
}

// Upstream's test_sockets_partial_server.c, native: it takes its port at compile time (-DSOCKK), so
// it is built for a free port and started at once, before anything else, and is known to be the one
// listening there because it is still running (a server that cannot bind exits); retried on another port.
async function startPartialServer(opts) {
  const src = '/usr/share/emscripten/tests/sockets/test_sockets_partial_server.c';
  const bin = path.join(opts.buildDir, 'url_partial_server');
  for (let attempt = 1; ; attempt++) {
    const port = await R.freePort();
    const cc = spawnSync('gcc', ['-O1', '-w', `-DSOCKK=${port}`, src, '-o', bin], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error('gcc failed for the partial server: ' + cc.stderr);
    const log = fs.createWriteStream(path.join(opts.buildDir, 'logs', 'url_partial_server.log'));
    const child = R.start(bin, [], process.env, log);
    const up = await Promise.race([R.waitListening(port, 10000), child.done.then(() => false)]);
    const stop = async () => { R.killTree(child, 'SIGTERM'); await child.done; log.end(); };
    if (up && child.exitCode === null && child.signalCode === null) return { port, stop };
    await stop();
    if (attempt === 3) throw new Error(`upstream partial server did not listen: ${child.output.slice(-500)}`);
  }
}

// Starts one runnable proxy on a free loopback port; resolves {port, stop()} once it is ready.
async function startProxy(opts, name, args) {
  const logPath = path.join(opts.buildDir, 'logs', `proxy-${name}.log`);
  const log = fs.createWriteStream(logPath);
  const cmd = `${opts.proxyCmd} --listen 127.0.0.1:0 ${args.join(' ')}`;
  log.write(`$ ${cmd}\n`);
  const child = R.start('/bin/sh', ['-c', 'exec ' + cmd], process.env, log);
  const port = await new Promise((resolve) => {
    const end = Date.now() + 120000;
    const poll = setInterval(() => {
      const m = child.output.match(/^Emscripten POSIX proxy:\s+ws:\/\/127\.0\.0\.1:(\d+)\//m);
      if (m && /^ready in/m.test(child.output)) { clearInterval(poll); resolve(Number(m[1])); }
      else if (child.exitCode !== null || child.signalCode !== null || Date.now() > end) { clearInterval(poll); resolve(0); }
    }, 100);
  });
  const stop = async () => {
    R.killTree(child, 'SIGTERM');
    const t = setTimeout(() => R.killTree(child, 'SIGKILL'), 15000);
    await child.done;
    clearTimeout(t);
    log.end();
  };
  if (!port) {
    await stop();
    throw new Error(`proxy ${name} did not start (log ${logPath}):\n${child.output.slice(-2000)}`);
  }
  return { port, stop };
}

async function main() {
  let opts;
  try { opts = parseArgs(process.argv.slice(2)); } catch (e) { console.error('run-upstream-urls: ' + e.message); return 2; }
  if (opts.help) {
    console.log(fs.readFileSync(__filename, 'utf8').split('\n').slice(1).filter((l, i, a) => a.slice(0, i + 1)
      .every((x) => x.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
    return 0;
  }
  fs.mkdirSync(path.join(opts.buildDir, 'logs'), { recursive: true });
  if (!opts.proxyCmd) opts.proxyCmd = defaultProxyCmd();
  const only = opts.only ? new RegExp(opts.only) : null;
  const servers = await startServers({});
  const ports = servers.ports;
  const closedPort = await R.freePort();
  const proxies = {};
  let passed = 0, failed = 0, partial = null;
  try {
    partial = await startPartialServer(opts);
    console.log(`native servers on 127.0.0.1: ${JSON.stringify(ports)}, closed port ${closedPort}, partial server ${partial.port}`);
    const started = await Promise.allSettled([
      ['A', ['--bridge-target', `127.0.0.1:${ports.framed}`]],
      ['B', ['--bridge-target', `127.0.0.1:${closedPort}`]],
      ['C', ['--bridge-target', `127.0.0.1:${ports.udp}`, '--bridge-udp']],
      ['D', ['--bridge-target', `127.0.0.1:${partial.port}`]],
    ].map(async ([n, a]) => { proxies[n] = await startProxy(opts, n, a); }));
    const bad = started.find((s) => s.status === 'rejected');
    if (bad) throw bad.reason;
    console.log(`proxies on 127.0.0.1: A ${proxies.A.port}, B ${proxies.B.port}, C ${proxies.C.port}, D ${proxies.D.port}`);

    const build = spawnSync('bash', [path.join(HERE, 'build-upstream-urls.sh'), opts.buildDir,
      '--posix-port', proxies.A.port, '--echo-port', ports.tcp, '--sockk-framed', proxies.A.port,
      '--sockk-down', proxies.B.port, '--sockk-udp', proxies.C.port, '--sockk-partial', proxies.D.port]
      .map(String), { encoding: 'utf8', timeout: 600000 });
    fs.writeFileSync(path.join(opts.buildDir, 'logs', 'build.log'), (build.stdout || '') + (build.stderr || ''));
    if (build.status !== 0) throw new Error(`build failed (${build.status}): ${(build.stderr || '').slice(-2000)}`);
    if (opts.verbose) process.stdout.write(build.stdout);

    const byName = Object.fromEntries(R.PROGRAMS.map((p) => [p.name, p]));
    const programs = [
      { name: 'url_tcp_echo_client', check: byName.upstream_tcp_echo_client.check },
      { name: 'url_tcp_in_two_threads', check: byName.upstream_tcp_in_two_threads.check },
      { name: 'url_sockfs_echo_tcp', check: byName.sockfs_echo_tcp.check },
      { name: 'url_sockfs_echo_udp', check: byName.sockfs_echo_udp.check },
      { name: 'url_sockfs_select_server_down', check: byName.sockfs_select_server_down.check },
      { name: 'url_sockfs_select_closes_connection', check: byName.sockfs_select_closes_connection.check },
      { name: 'url_sockfs_partial',
        // upstream expects exit code 165: the sum of every byte of the nine packets, each read whole
        check: (r) => (r.code === 165 && /^sum: 165$/m.test(r.out) ? null : `exit code ${r.code}, expected 165 ("sum: 165")`) },
    ];
    const env = { ...process.env, NODE_PATH: [path.join(HERE, 'node_modules'), process.env.NODE_PATH].filter(Boolean).join(':') };
    delete env.SOCKFS_URL; // the URL is the one the program was built with
    for (const prog of programs) {
      if (only && !only.test(prog.name)) continue;
      let reason = null, res = null;
      try {
        res = await R.runProgram(opts, prog, [], env);
        reason = prog.check(res);
      } catch (e) {
        reason = 'harness error: ' + e.message;
      }
      if (res && res.timedOut) reason = `timeout after ${opts.timeout} s` + (reason ? ` (${reason})` : '');
      if (reason) { failed++; console.log(`FAIL ${prog.name}: ${reason}`); } else { passed++; console.log(`PASS ${prog.name}`); }
    }
  } catch (e) {
    failed++;
    console.log(`FAIL harness: ${e.message}`);
  } finally {
    await Promise.all(Object.values(proxies).map((p) => p.stop()));
    if (partial) await partial.stop();
    await servers.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then((code) => { R.cleanupAll(); process.exit(code); },
  (e) => { console.error('run-upstream-urls: ' + (e && e.stack || e)); R.cleanupAll(); process.exit(2); });
