#!/usr/bin/env node
// The datagram benchmark's runner. bench-dgram.sh starts it inside a fresh network namespace (only lo),
// so the fixed ports below are free and the iptables rules touch nothing else. For each path (sb:
// the Sockbridge backend over WebTransport datagrams; sockfs: Emscripten's SOCKFS over the proxy's
// /websockify-udp WebSocket bridge) and each loss rate it impairs the browser<->proxy link (the
// proxy's ports 8080/tcp and 8443/udp, both directions): loss by iptables' statistic match (random
// per packet, in the kernel), delay by nfq_delay (every packet held DELAY ms in an NFQUEUE). Then it
// loads the game loop in headless Chromium and a native UDP server on 127.0.0.1:7777 (behind the
// proxy, unimpaired) answers with its own 60 datagrams a second. Prints a table.
//   usage: node run.js --root WEB_ROOT --nfq NFQ_DELAY_BIN --proxy-cmd CMD [--seconds 20] [--delay 20] [--losses 0,1,5]
'use strict';
const { spawn, spawnSync } = require('child_process');
const dgram = require('dgram');
const path = require('path');

const HTTP = 8080, WT = 8443, GAME = 7777;
const UP_MAGIC = 0x53425550, DOWN_MAGIC = 0x5342444e;
const o = { seconds: 20, delay: 20, losses: [0, 1, 5], modes: ['sb', 'sockfs'] };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i], v = process.argv[++i];
  if (a === '--root') o.root = v;
  else if (a === '--nfq') o.nfq = v;
  else if (a === '--proxy-cmd') o.proxyCmd = v;
  else if (a === '--seconds') o.seconds = Number(v);
  else if (a === '--delay') o.delay = Number(v);
  else if (a === '--losses') o.losses = v.split(',').map(Number);
  else if (a === '--modes') o.modes = v.split(',');
  else if (a === '--verbose') { o.verbose = true; i--; }
  else { console.error(`unknown option ${a}`); process.exit(2); }
}
const wall = () => performance.timeOrigin + performance.now();
const children = [];
function start(cmd, args, tag) {
  const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  c.output = '';
  const add = (d) => { c.output += d; if (c.output.length > 200000) c.output = c.output.slice(-100000); };
  c.stdout.on('data', add); c.stderr.on('data', add);
  c.done = new Promise((r) => c.on('exit', (code) => r(code)));
  c.tag = tag;
  children.push(c);
  return c;
}
function stop(c) { try { process.kill(-c.pid, 'SIGTERM'); } catch (e) { /* gone */ } }
function ipt(args) {
  const r = spawnSync('iptables', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`iptables ${args.join(' ')}: ${r.stderr}`);
}
// the link: every packet to or from the proxy's browser-facing ports, both directions (on lo each
// packet passes OUTPUT, then INPUT, once): delayed in OUTPUT, dropped at random in INPUT. Not dropped
// in OUTPUT: there the sender's sendmsg() fails with EPERM, which no real lossy link does (Chromium's
// QUIC closes the connection on that write error).
function impair(lossPct) {
  ipt(['-F', 'OUTPUT']);
  ipt(['-F', 'INPUT']);
  for (const [proto, port] of [['tcp', HTTP], ['udp', WT]]) {
    for (const dir of ['--dport', '--sport']) {
      ipt(['-A', 'OUTPUT', '-o', 'lo', '-p', proto, dir, String(port), '-j', 'NFQUEUE', '--queue-num', '0']);
      if (lossPct > 0) ipt(['-A', 'INPUT', '-i', 'lo', '-p', proto, dir, String(port), '-m', 'statistic', '--mode', 'random', '--probability', String(lossPct / 100), '-j', 'DROP']);
    }
  }
}
function dropCounts() {
  let dropped = 0, queued = 0;
  for (const chain of ['INPUT', 'OUTPUT']) {
    const r = spawnSync('iptables', ['-L', chain, '-v', '-n', '-x'], { encoding: 'utf8' });
    for (const l of r.stdout.split('\n')) {
      const f = l.trim().split(/\s+/);
      if (f[2] === 'DROP') dropped += Number(f[0]);
      if (f[2] === 'NFQUEUE') queued += Number(f[0]);
    }
  }
  return { dropped, queued };
}

// The native game server: answers the first datagram from a client address with its own 60 Hz stream
// to that address, and records what arrives (uplink).
function gameServer() {
  const sock = dgram.createSocket('udp4');
  let st;
  const reset = (total) => {
    if (st && st.timer) clearInterval(st.timer);
    st = { total, seen: new Set(), timed: new Set(), lat: [], last: 0, gap: 0, peer: null, timer: null, sent: 0 };
  };
  sock.on('message', (m, rinfo) => {
    const now = wall();
    if (m.length !== 32 || m.readUInt32LE(0) !== UP_MAGIC) return;
    const seq = m.readUInt32LE(4);
    if (!st.seen.has(seq)) {
      st.seen.add(seq);
    }
    // the first second (connection setup) counts as delivered, not timed: as game.c
    if (seq >= 60 && !st.timed.has(seq)) {
      st.timed.add(seq);
      st.lat.push(now - m.readDoubleLE(8));
      if (st.last) st.gap = Math.max(st.gap, now - st.last);
      st.last = now;
    }
    if (!st.peer) {
      st.peer = rinfo;
      const t0 = wall();
      const tick = () => {
        while (st.sent < st.total && st.sent * (1000 / 60) <= wall() - t0) {
          const b = Buffer.alloc(32);
          b.writeUInt32LE(DOWN_MAGIC, 0); b.writeUInt32LE(st.sent, 4); b.writeDoubleLE(wall(), 8);
          sock.send(b, rinfo.port, rinfo.address);
          st.sent++;
        }
        if (st.sent >= st.total) clearInterval(st.timer);
      };
      st.timer = setInterval(tick, 4);
      tick();
    }
  });
  return new Promise((r) => sock.bind(GAME, '127.0.0.1', () => r({ reset, state: () => st, close: () => sock.close() })));
}

const pct = (a, q) => (a.length ? a[Math.min(a.length - 1, Math.floor(a.length * q))] : NaN);

async function runOne(server, mode, loss) {
  const total = o.seconds * 60;
  server.reset(total);
  impair(loss);
  const url = `http://127.0.0.1:${HTTP}/page.html?mode=${mode}&args=${GAME},${o.seconds}`;
  const bt = start(process.execPath, [path.join(__dirname, '..', '..', 'clients', 'js', 'test', 'browser-test.mjs'), url,
    '--timeout', String((o.seconds + 30) * 1000)], 'browser');
  const code = await bt.done;
  const { dropped, queued } = dropCounts();
  const st = server.state();
  if (st.timer) clearInterval(st.timer);
  const m = bt.output.match(/DGRAM_DOWN (\{.*\})/);
  let why = code !== 0 ? `browser-test exit ${code}` : !m ? 'no DGRAM_DOWN line' : null;
  const t = bt.output.match(/transport: (\w+); QUIC datagrams sent (\d+) received (\d+)/);
  if (!why && mode === 'sb' && (!t || t[1] !== 'webtransport' || Number(t[2]) === 0)) why = `not over WebTransport datagrams (${t ? t[0] : 'no transport line'})`;
  if (why) {
    console.error(`--- ${mode} ${loss}%: ${why}\n${bt.output.split('\n').slice(-30).join('\n')}`);
    return { mode, loss, why };
  }
  if (o.verbose) console.error(`--- ${mode} ${loss}%\n${bt.output.split('\n').filter((l) => !/errno \d+$/.test(l)).slice(-40).join('\n')}`);
  const down = JSON.parse(m[1]);
  const lat = st.lat.slice().sort((a, b) => a - b);
  return {
    mode, loss, dropped, queued, quic: t ? `${t[2]}/${t[3]}` : '',
    up: { received: st.seen.size, sent: total, p50: pct(lat, 0.5), p99: pct(lat, 0.99), stall: st.gap, late: lat.filter((x) => x > 100).length / lat.length },
    down: { received: down.received, sent: st.sent, p50: down.p50, p99: down.p99, stall: down.stall, late: down.late / down.timed },
  };
}

async function main() {
  spawnSync('ip', ['link', 'set', 'lo', 'up']);
  const nfq = start(o.nfq, ['0', String(o.delay)], 'nfq_delay');
  const server = await gameServer();
  const proxy = start('/bin/sh', ['-c', `exec ${o.proxyCmd} --listen 127.0.0.1:${HTTP} --webtransport-listen 127.0.0.1:${WT} --static '${o.root}' --bridge-target udp://127.0.0.1:${GAME}`], 'proxy');
  const deadline = Date.now() + 60000;
  while (!/^WebTransport:/m.test(proxy.output)) {
    if (proxy.exitCode !== null || Date.now() > deadline) throw new Error(`proxy did not start: ${proxy.output.slice(-1500)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const load0 = require('os').loadavg();
  const rows = [];
  for (const loss of o.losses) {
    for (const mode of o.modes) {
      const r = await runOne(server, mode, loss);
      rows.push(r);
      console.error(`bench-dgram: ${mode} at ${loss}% done${r.why ? ': FAILED ' + r.why : ''}`);
    }
  }
  ipt(['-F', 'OUTPUT']);
  ipt(['-F', 'INPUT']);
  const name = { sb: 'Sockbridge backend, WebTransport datagrams', sockfs: 'SOCKFS, WebSocket to /websockify-udp' };
  const f = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
  console.log(`\nDatagram benchmark: ${o.seconds * 60} datagrams each way at 60/s, ${o.delay} ms delay each way on the browser<->proxy link`);
  console.log('(loss: iptables statistic, random per packet, kernel; delay: nfq_delay, userspace NFQUEUE; no sch_netem in this kernel)');
  console.log(`(latency and stalls from the 2nd second on; ${new Date().toISOString().slice(0, 16)} UTC, ${require('os').cpus().length} cores, niceness ${require('os').getPriority()}, load average ${load0.map((x) => x.toFixed(1)).join(' ')} at the start, ${require('os').loadavg().map((x) => x.toFixed(1)).join(' ')} at the end)\n`);
  console.log('| path | loss | delivered up | delivered down | one-way up p50 / p99 ms | one-way down p50 / p99 ms | longest stall up / down ms | later than 100 ms up / down | packets dropped on the link |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    if (r.why) { console.log(`| ${name[r.mode]} | ${r.loss}% | FAILED: ${r.why} | | | | | | |`); continue; }
    const d = (x) => `${(100 * x.received / x.sent).toFixed(1)}% (${x.received}/${x.sent})`;
    console.log(`| ${name[r.mode]} | ${r.loss}% | ${d(r.up)} | ${d(r.down)} | ${f(r.up.p50)} / ${f(r.up.p99)} | ${f(r.down.p50)} / ${f(r.down.p99)} | ${f(r.up.stall)} / ${f(r.down.stall)} | ${(100 * r.up.late).toFixed(1)}% / ${(100 * r.down.late).toFixed(1)}% | ${r.dropped} of ${r.queued} |`);
  }
  // the impairment's own failures: packets the delay queue could not hold would be losses not in the table
  if (/ENOBUFS/.test(nfq.output)) console.log(`\nWARNING nfq_delay: ${nfq.output.match(/ENOBUFS/g).length} netlink ENOBUFS (packets lost by the delay queue itself)`);
  if (nfq.exitCode !== null) console.log(`\nWARNING nfq_delay ended early: ${nfq.output.slice(-300)}`);
  server.close();
  stop(proxy); stop(nfq);
  await Promise.race([Promise.all([proxy.done, nfq.done]), new Promise((r) => setTimeout(r, 5000))]);
  process.exit(rows.some((r) => r.why) ? 1 : 0);
}
main().catch((e) => { console.error(e); for (const c of children) stop(c); process.exit(1); });
