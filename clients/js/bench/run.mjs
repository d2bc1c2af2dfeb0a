#!/usr/bin/env node
// The browser benchmark's driver: starts a native TCP echo server and the runnable proxy (from the
// reactor build: proxy-app/target/classes + proxy-app/target/classpath.txt), then for each browser
// loads bench/index.html from the proxy and runs, interleaved, the same workloads through
//   raw-ws     a raw browser WebSocket on the proxy's websockify bridge (to the echo server)
//   client-ws  the Sockbridge JS client over WebSocket
//   client-wt  the Sockbridge JS client over WebTransport
// and prints medians as a table.
//
// The browsers are driven by bare protocol clients over the `ws` package: the DevTools protocol
// for Chromium and WebDriver BiDi for Firefox. Neither enables network monitoring (no Network
// domain, no network.* subscription): Playwright does, and a driver that copies every WebSocket
// frame cuts the page's WebSocket throughput 4-5x.
//
//   node bench/run.mjs [--runs N] [--browsers chromium,firefox] [--mib N] [--rows raw-ws,client-ws,client-wt]
//
// Chromium: /usr/bin/chromium (or $CHROMIUM); Firefox: /usr/bin/firefox-esr (or $FIREFOX), skipped
// with a note when absent.

import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, existsSync, mkdtempSync, writeFileSync, rmSync, mkdirSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { echoServers } from '../test/echo.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(opt('runs', 3));
const browsers = opt('browsers', 'chromium,firefox').split(',');
const totalMiB = Number(opt('mib', 32));
const rows = opt('rows', 'raw-ws,client-ws,client-wt').split(',');
const rttCount = Number(opt('rtt-count', 300));
// the size of each write in the bulk workload (64 KiB); small ones show the cost per message
const chunk = Number(opt('chunk', 64 << 10));
// options for session.connect in the client rows, e.g. --socket '{"window":1048576}' (to compare settings)
const socketOptions = JSON.parse(opt('socket', '{}'));
// --profile: instead of the table, one bulk run of each row under the page's CPU profiler (Chromium):
// where the page's main thread spends its time
const profile = args.includes('--profile');
// --browser-log DIR: each browser's stdout and stderr (Chromium with --enable-logging) to DIR/<name>-<pid>.log
const browserLog = opt('browser-log', null);
// one measurement longer than this (the page's own bulk limit is 120 s) counts as failed and the browser is
// started afresh: a hung or crashed page never answers
const measureTimeoutMs = Number(opt('measure-timeout', 180)) * 1000;
// warm-up rounds at most (each row once, 8 MiB): until the proxy's JIT compilers are quiet
const warmupRounds = Number(opt('warmup', 8));
// --proxy-jvm '-XX:StartFlightRecording=...': more JVM options for the proxy (profiling it)
const proxyJvm = (opt('proxy-jvm', '') || '').split(' ').filter(Boolean);
const proxyCpPrefix = opt('proxy-classpath-prefix', null);

const say = (s) => process.stderr.write(`bench: ${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Starts a child and resolves with the first match of `pattern` in its output (stdout and stderr). */
const children = new Set();
// an interrupted run leaves no browser or proxy behind
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of children) c.kill('SIGKILL');
    process.exit(130);
  });
}

/** With --browser-log, appends the child's output to a file of its own. */
function logTo(child, name) {
  if (!browserLog) return;
  mkdirSync(browserLog, { recursive: true });
  const f = join(browserLog, `${name}-${child.pid}.log`);
  const w = (d) => { try { appendFileSync(f, d); } catch { /* best effort */ } };
  child.stdout.on('data', w);
  child.stderr.on('data', w);
}

function startAndWait(cmd, argv, pattern, { timeout = 60000, env = process.env, cwd } = {}) {
  const child = spawn(cmd, argv, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${cmd}: no '${pattern}' in ${timeout} ms:\n${out.slice(-2000)}`)); }, timeout);
    const on = (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ child, match: m, output: () => out });
      }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${cmd} exited with ${code}:\n${out.slice(-2000)}`)); });
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds of a process's threads by name, digits and trailing dashes dropped ('sockbridge-quic-server-',
 * 'C2 CompilerThread', 'GC Thread#' ...): which of the proxy's threads the time went to.
 */
function threadCpu(pid) {
  const out = {};
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      try {
        const f = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
        const name = f.slice(f.indexOf('(') + 1, f.lastIndexOf(')')).replace(/[-#]?\d+/g, '').replace(/-+$/, '');
        const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
        out[name] = (out[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        // the thread ended
      }
    }
  } catch {
    // not Linux
  }
  return out;
}

/** after - before per key, in ms per MiB of `mib`, only the keys above 0.05. */
function perMiB(before, after, mib) {
  return Object.fromEntries(Object.keys(after).map((k) => [k, ((after[k] - (before[k] ?? 0)) * 1000) / mib])
    .filter(([, v]) => v > 0.05).sort((a, b) => b[1] - a[1]));
}

const fmt = (o) => Object.entries(o).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');

/**
 * CPU seconds of a browser's processes by kind, from /proc (Linux): its own process and every descendant,
 * keyed by Chromium's --type (renderer, utility:network, gpu-process; the browser process is 'browser') or
 * Firefox's process type (its last argument, e.g. tab, socket, rdd; the parent is 'browser').
 */
function browserCpu(rootPid) {
  const out = {};
  let stats;
  try {
    stats = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((pid) => {
      try {
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
        return { pid: Number(pid), ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / 100 };
      } catch {
        return null;
      }
    }).filter(Boolean);
  } catch {
    return out;
  }
  const mine = new Set([rootPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const s of stats) if (!mine.has(s.pid) && mine.has(s.ppid)) { mine.add(s.pid); grew = true; }
  }
  for (const s of stats) {
    if (!mine.has(s.pid)) continue;
    let kind = 'browser';
    try {
      // Chromium rewrites its children's command lines into one string: split on spaces too
      const argv = readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').split(/[\0 ]/).filter(Boolean);
      const type = argv.find((a) => a.startsWith('--type='))?.slice(7);
      const sub = argv.find((a) => a.startsWith('--utility-sub-type='))?.slice(19);
      if (type) kind = sub ? `${type}:${sub.replace(/\.mojom\..*$/, '')}` : type;
      else if (argv.includes('-contentproc')) kind = argv[argv.length - 1];
      if (/crashpad|zygote/.test(argv[0] + (type ?? ''))) continue;
    } catch {
      continue;
    }
    out[kind] = (out[kind] ?? 0) + s.cpu;
  }
  return out;
}

async function startProxy(echoTcp) {
  const cpFile = join(root, 'proxy-app/target/classpath.txt');
  if (!existsSync(cpFile)) throw new Error('no proxy-app/target/classpath.txt: build first (scripts/build.sh)');
  // --proxy-classpath-prefix DIR: classes put before the build's (another build of a module, to compare two)
  const cp = `${proxyCpPrefix ? `${proxyCpPrefix}:` : ''}${join(root, 'proxy-app/target/classes')}:${readFileSync(cpFile, 'utf8').trim()}`;
  const { child, output } = await startAndWait('java', [...proxyJvm, '-Xss512k', '-Djava.util.logging.config.file=' + join(root, 'scripts/logging-quiet.properties'),
    '-cp', cp, 'dev.sockbridge.app.ProxyMain', '--listen', '127.0.0.1:0', '--webtransport-listen', '127.0.0.1:0',
    '--bridge-target', echoTcp, '--static', join(root, 'clients/js'), '--idle-timeout', '0'],
  /^ready in/m, { cwd: root });
  const out = output();
  const wsUrl = /^Sockbridge protocol:\s*(\S+)/m.exec(out)?.[1];
  const bridgeUrl = /^websockify bridge:\s*(\S+)/m.exec(out)?.[1];
  if (!wsUrl || !bridgeUrl) throw new Error(`the proxy printed no URLs:\n${out}`);
  const page = `${wsUrl.replace(/^ws/, 'http').replace(/\/sockbridge$/, '')}/bench/index.html`;
  return { child, wsUrl, bridgeUrl, page };
}

/** Ends a browser (it was started here) and removes its profile once it has exited. */
async function stop(child, dir) {
  const exited = new Promise((r) => { if (child.exitCode !== null || child.signalCode) r(); else child.once('exit', r); });
  child.kill('SIGKILL');
  await Promise.race([exited, sleep(5000)]);
  try { rmSync(dir, { recursive: true, force: true, maxRetries: 3 }); } catch { /* left in the temporary folder */ }
}

// ------------------------------------------------------------------ a bare DevTools-protocol client (Chromium)

class Rpc {
  #ws;
  #next = 1;
  #pending = new Map();
  /** @type {(m: object) => void} protocol events (messages without an id) */
  onevent = () => {};
  constructor(ws) {
    this.#ws = ws;
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.id == null && m.method) this.onevent(m);
      const p = m.id != null && this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (m.error || m.type === 'error') p.reject(new Error(JSON.stringify(m.error?.message ?? m.message ?? m.error)));
      else p.resolve(m.result);
    });
    ws.on('close', () => { for (const p of this.#pending.values()) p.reject(new Error('driver connection closed')); });
  }

  static async open(url) {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 << 20 });
    await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
    return new Rpc(ws);
  }

  send(method, params = {}, extra = {}) {
    const id = this.#next++;
    this.#ws.send(JSON.stringify({ id, method, params, ...extra }));
    return new Promise((resolvePromise, reject) => this.#pending.set(id, { resolve: resolvePromise, reject }));
  }

  /** Rejects every call still waiting (the page under them is gone). */
  failPending(e) {
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
  }

  close() { this.#ws.close(); }
}

async function launchChromium(page) {
  const exe = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(exe)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-chromium-'));
  const { child, match } = await startAndWait(exe, ['--headless=new', '--remote-debugging-port=0', `--user-data-dir=${dir}`,
    '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--disable-extensions', '--disable-default-apps', ...(browserLog ? ['--enable-logging=stderr', '--v=0'] : []),
    'about:blank'], /DevTools listening on (ws:\S+)/);
  logTo(child, 'chromium');
  const rpc = await Rpc.open(match[1]);
  // a renderer that crashes never answers the evaluation under way: fail it at once (the run goes on in a
  // fresh browser); Target's discovery events only, still no Network domain
  rpc.onevent = (m) => {
    if (m.method === 'Target.targetCrashed') rpc.failPending(new Error(`renderer crashed (${m.params?.status} ${m.params?.errorCode})`));
  };
  await rpc.send('Target.setDiscoverTargets', { discover: true });
  const { targetId } = await rpc.send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await rpc.send('Target.attachToTarget', { targetId, flatten: true });
  // only Page.navigate and Runtime.evaluate: no domain is enabled, Network least of all
  await rpc.send('Page.navigate', { url: page }, { sessionId });
  const evaluate = async (expression) => {
    const r = await rpc.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, { sessionId });
    if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
    return r.result.value;
  };
  // --profile: the page's main thread sampled during one measurement (the Profiler domain only)
  const profiled = async (fn) => {
    await rpc.send('Profiler.enable', {}, { sessionId });
    await rpc.send('Profiler.setSamplingInterval', { interval: 200 }, { sessionId });
    await rpc.send('Profiler.start', {}, { sessionId });
    const value = await fn();
    const { profile } = await rpc.send('Profiler.stop', {}, { sessionId });
    await rpc.send('Profiler.disable', {}, { sessionId });
    return { value, profile };
  };
  return { name: 'Chromium', pid: child.pid, evaluate, profiled, close: () => { rpc.close(); return stop(child, dir); } };
}

// ------------------------------------------------------------------ a bare WebDriver BiDi client (Firefox)

async function launchFirefox(page) {
  const exe = process.env.FIREFOX || '/usr/bin/firefox-esr';
  if (!existsSync(exe)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-firefox-'));
  // loopback only: no update, telemetry, remote settings or other background requests
  writeFileSync(join(dir, 'user.js'), [
    ['app.update.disabledForTesting', true], ['app.update.auto', false], ['browser.shell.checkDefaultBrowser', false],
    ['datareporting.policy.dataSubmissionEnabled', false], ['datareporting.healthreport.uploadEnabled', false],
    ['toolkit.telemetry.enabled', false], ['toolkit.telemetry.unified', false], ['browser.safebrowsing.malware.enabled', false],
    ['browser.safebrowsing.phishing.enabled', false], ['services.settings.server', 'http://127.0.0.1:9/remote-settings'],
    ['network.captive-portal-service.enabled', false], ['network.connectivity-service.enabled', false],
    ['browser.newtabpage.enabled', false], ['extensions.update.enabled', false], ['browser.startup.homepage', 'about:blank'],
    ['network.dns.disablePrefetch', true], ['network.prefetch-next', false],
    // round trips are well under a millisecond: performance.now() in full precision (default 1 ms)
    ['privacy.reduceTimerPrecision', false],
  ].map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n'));
  const { child, match } = await startAndWait(exe, ['--headless', '--no-remote', '--profile', dir, '--remote-debugging-port', '0', 'about:blank'],
    /WebDriver BiDi listening on (ws:\S+)/, { env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' } });
  logTo(child, 'firefox');
  const rpc = await Rpc.open(`${match[1]}/session`);
  await rpc.send('session.new', { capabilities: {} });
  const tree = await rpc.send('browsingContext.getTree', {});
  const context = tree.contexts[0].context;
  await rpc.send('browsingContext.navigate', { context, url: page, wait: 'complete' });
  const evaluate = async (expression) => {
    const r = await rpc.send('script.evaluate', { expression, target: { context }, awaitPromise: true, resultOwnership: 'none' });
    if (r.type === 'exception') throw new Error(r.exceptionDetails?.text ?? 'exception');
    return r.result.value;
  };
  return {
    name: 'Firefox',
    pid: child.pid,
    evaluate,
    close: () => { rpc.close(); return stop(child, dir); },
  };
}

// ------------------------------------------------------------------ the runs

async function benchBrowser(launch, proxy, echo) {
  let b;
  try {
    b = await launch(proxy.page);
  } catch (e) {
    say(`cannot start the browser: ${e.message.split('\n')[0]}`);
    return { skipped: e.message.split('\n')[0] };
  }
  if (!b) return null;
  try {
    await pageReady(b);
    const ua = await b.evaluate('navigator.userAgent');
    const hasWt = await b.evaluate('typeof WebTransport === "function"');
    say(`${b.name}: ${ua}`);
    const use = rows.filter((r) => r !== 'client-wt' || hasWt);
    const results = Object.fromEntries(use.map((r) => [r, { bulk: [], p50: [], p99: [], proxyCpu: [], browserCpu: [], threadCpu: [], info: null }]));
    const cfg = { bridgeUrl: proxy.bridgeUrl, wsUrl: proxy.wsUrl, echo: echo.tcp, total: totalMiB << 20, chunk, socket: socketOptions };
    const run = async (row, workload, extra = {}) => {
      const c = JSON.stringify({ ...cfg, row, workload, count: rttCount, ...extra });
      let timer;
      try {
        const expired = new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no result in ${measureTimeoutMs / 1000} s (page hung)`)), measureTimeoutMs);
        });
        return JSON.parse(await Promise.race([b.evaluate(`window.sbBench.run(${c}).then(JSON.stringify)`), expired]));
      } catch (e) {
        say(`${b.name} ${row} ${workload} failed: ${e.message.split('\n')[0]}`);
        failures.push(`${b.name} ${row} ${workload}: ${e.message.split('\n')[0]}`);
        if (/renderer crashed|page hung|driver connection closed/.test(e.message)) {
          // the page is gone: the remaining measurements run in a fresh browser
          await b.close();
          b = await launch(proxy.page);
          await pageReady(b);
        }
        return null;
      } finally {
        clearTimeout(timer);
      }
    };
    // warm-up: rounds of every row until the proxy's JIT compilers are quiet (under a fifth of the proxy's CPU
    // in a round), at most --warmup rounds. A fresh proxy runs its QUIC path interpreted or in C1 code for a
    // long while on a busy machine (measured: the compiler threads took 60-100 ms of CPU per MiB echoed over
    // WebTransport after the old single 4 MiB warm-up), which is not the steady state being compared.
    for (let w = 0; w < warmupRounds; w++) {
      const t0 = threadCpu(proxy.child.pid);
      for (const row of use) await run(row, 'bulk', { total: 8 << 20 });
      const d = perMiB(t0, threadCpu(proxy.child.pid), 1);
      const jit = Object.entries(d).filter(([k]) => /Compiler/.test(k)).reduce((a, [, v]) => a + v, 0);
      const all = Object.values(d).reduce((a, v) => a + v, 0);
      say(`${b.name} warm-up ${w + 1}: proxy CPU ${(all / 1000).toFixed(1)} s, JIT compilers ${(jit / 1000).toFixed(1)} s`);
      if (jit < all / 5) break;
    }
    if (profile && b.profiled) {
      for (const row of use) {
        const c = JSON.stringify({ ...cfg, row, workload: 'bulk' });  // eslint-disable-line
        const { value, profile: p } = await b.profiled(() => b.evaluate(`window.sbBench.run(${c}).then(JSON.stringify)`));
        console.log(`\n${b.name} ${row}: ${JSON.parse(value).mibPerSecond.toFixed(1)} MiB/s under the profiler`);
        console.log(summarizeProfile(p));
      }
      return { name: b.name, ua, results: {}, hasWt };
    }
    for (let i = 0; i < runs; i++) {
      // interleaved, and the order rotates so no row always runs first
      const order = use.map((_, k) => use[(k + i) % use.length]);
      for (const row of order) {
        const cpu0 = cpuSeconds(proxy.child.pid);
        const t0 = threadCpu(proxy.child.pid);
        const b0 = browserCpu(b.pid);
        const r = await run(row, 'bulk');
        if (!r) continue;
        // the proxy's CPU per MiB echoed (both directions pass through it)
        results[row].proxyCpu.push(((cpuSeconds(proxy.child.pid) - cpu0) * 1000) / totalMiB);
        // and the browser's, by process kind: which of its processes works hardest for each path
        const per = perMiB(b0, browserCpu(b.pid), totalMiB);
        const threads = perMiB(t0, threadCpu(proxy.child.pid), totalMiB);
        results[row].browserCpu.push(per);
        results[row].threadCpu.push(threads);
        say(`${b.name} run ${i + 1} ${row} browser CPU ms/MiB: ${fmt(per)}`);
        say(`${b.name} run ${i + 1} ${row} proxy CPU ms/MiB by thread: ${fmt(threads)}`);
        results[row].bulk.push(r.mibPerSecond);
        results[row].info = r.features ?? results[row].info;
        say(`${b.name} run ${i + 1} ${row} bulk ${r.mibPerSecond.toFixed(1)} MiB/s (${r.chunks} chunks read)`);
      }
      for (const row of order) {
        const r = await run(row, 'rtt');
        if (!r) continue;
        results[row].p50.push(r.p50);
        results[row].p99.push(r.p99);
        say(`${b.name} run ${i + 1} ${row} rtt p50 ${r.p50.toFixed(3)} ms p99 ${r.p99.toFixed(3)} ms`);
      }
    }
    return { name: b.name, ua, results, hasWt };
  } finally {
    await b.close();
  }
}

async function pageReady(b) {
  for (let i = 0; i < 100 && !(await b.evaluate('window.sbBenchReady === true').catch(() => false)); i++) await sleep(100);
}

/** Self time by function of a CPU profile, the top entries, and how much of the time the thread was idle. */
function summarizeProfile(p) {
  const dt = new Map();
  for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const self = new Map();
  let total = 0;
  for (const n of p.nodes) {
    const t = dt.get(n.id) ?? 0;
    total += t;
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + t);
  }
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 18);
  return top.map(([k, t]) => `  ${(100 * t / total).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(6)} ms  ${k}`).join('\n');
}

const ROW_NAMES = {
  'raw-ws': 'raw browser WebSocket (websockify bridge)',
  'client-ws': 'JS client over WebSocket',
  'client-wt': 'JS client over WebTransport',
};

function table(all) {
  const lines = [];
  lines.push(`| browser | path | bulk MiB/s (${totalMiB} MiB echoed) | runs | 64 B round trip p50 ms | p99 ms | proxy CPU ms/MiB | of it event loops | browser CPU ms/MiB by process | ratio |`);
  lines.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of all) {
    const m = (row, k) => median(r.results[row]?.[k] ?? []);
    for (const row of Object.keys(r.results)) {
      const v = r.results[row];
      let ratio = '';
      if (row === 'client-ws' && r.results['raw-ws']) ratio = `${(m('client-ws', 'bulk') / m('raw-ws', 'bulk')).toFixed(2)}x raw WebSocket (target 0.9)`;
      if (row === 'client-wt' && r.results['client-ws']) ratio = `${(m('client-wt', 'bulk') / m('client-ws', 'bulk')).toFixed(2)}x client over WebSocket (target 0.8)`;
      // the proxy's event loops (threads named sockbridge-*), without its JIT compilers and GC
      const loops = median(v.threadCpu.map((t) => Object.entries(t).filter(([k]) => k.startsWith('sockbridge')).reduce((a, [, x]) => a + x, 0)));
      const kinds = [...new Set(v.browserCpu.flatMap((c) => Object.keys(c)))];
      const bcpu = kinds.map((k) => [k, median(v.browserCpu.map((c) => c[k] ?? 0))]).filter(([, x]) => x >= 1)
        .sort((a, b) => b[1] - a[1]).map(([k, x]) => `${k} ${x.toFixed(0)}`).join(', ');
      lines.push(`| ${r.name} | ${ROW_NAMES[row]} | **${m(row, 'bulk').toFixed(1)}** | ${v.bulk.map((x) => x.toFixed(1)).join(' / ')} | ${m(row, 'p50').toFixed(2)} | ${m(row, 'p99').toFixed(2)} | ${m(row, 'proxyCpu').toFixed(1)} | ${loops.toFixed(1)} | ${bcpu} | ${ratio} |`);
    }
    if (!r.hasWt) lines.push(`| ${r.name} | JS client over WebTransport | (no WebTransport in this browser) | | | | | | | |`);
  }
  for (const r of all) {
    const f = r.results['client-wt']?.info;
    if (f) lines.push(`\n${r.name}: WebTransport datagrams written through ${f.datagramWrite}; stream priorities (sendOrder) ${f.sendOrder ? 'present' : 'absent'}`);
  }
  return lines.join('\n');
}

const failures = [];
const loadBefore = (() => { try { return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '); } catch { return '?'; } })();
const echo = await echoServers();
let proxy;
const all = [];
try {
  proxy = await startProxy(echo.tcp);
  say(`proxy ${proxy.wsUrl}, bridge ${proxy.bridgeUrl}, page ${proxy.page}, echo ${echo.tcp}`);
  for (const name of browsers) {
    const launch = name === 'chromium' ? launchChromium : name === 'firefox' ? launchFirefox : null;
    if (!launch) { say(`unknown browser ${name}`); continue; }
    const r = await benchBrowser(launch, proxy, echo);
    if (r === null) say(`${name}: not installed, skipped`);
    else if (r.skipped) say(`${name}: skipped (${r.skipped})`);
    else all.push(r);
  }
} finally {
  proxy?.child.kill('SIGTERM');
  echo.close();
}
console.log(`\nbrowser benchmark (load average ${loadBefore} before, ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} after): medians of ${runs} interleaved runs, ${totalMiB} MiB echoed through a native TCP echo server in ${chunk}-byte writes, ${rttCount} round trips of 64 bytes\n`);
console.log(table(all));
if (failures.length) console.log(`\nfailed measurements (left out of the medians):\n${failures.map((f) => `- ${f}`).join('\n')}`);
process.exit(0);
