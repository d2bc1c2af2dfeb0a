// Runs one Emscripten program (?prog=NAME, its argv from ?args=a,b) linked with the Sockbridge backend
// and says PASS in #result when it exits with ?exit= (default 0) and printed REPORT_RESULT=?report= (if
// given). ?transport=webtransport insists on WebTransport (no fallback), ?transport=websocket on
// WebSocket; ?map=PORT=HOST:PORT routes a compiled-in port as the backend's mapAddress hook; ?coi=1
// (pthread programs) makes the page cross-origin isolated first (coi-sw.js).
import * as client from '/src/sockbridge.js';

const q = new URLSearchParams(location.search);
const logEl = document.getElementById('log');
const log = (s) => { console.log(s); logEl.textContent += s + '\n'; };
const result = (s) => { document.getElementById('result').textContent = s; };
const map = {};
for (const e of (q.get('map') || '').split(',').filter(Boolean)) {
  const [from, to] = e.split('=');
  const i = to.lastIndexOf(':');
  map[from] = { host: to.slice(0, i), port: Number(to.slice(i + 1)) };
}
// ?coi=1 (pthread programs): cross-origin isolation through coi-sw.js, then a reload under it
if (q.get('coi') && !self.crossOriginIsolated) {
  const why = 'FAIL the page is not cross-origin isolated';
  if (!navigator.serviceWorker) { result(`${why}: no service workers`); throw new Error(why); }
  await navigator.serviceWorker.register('/coi-sw.js', { scope: '/' });
  await navigator.serviceWorker.ready;
  if (sessionStorage.getItem('coi-reloaded')) { result(`${why} even under coi-sw.js`); throw new Error(why); }
  sessionStorage.setItem('coi-reloaded', '1');
  location.reload();
  await new Promise(() => {});
}
const want = q.get('transport');
let out = '';
let finished = false;

function finish(code) {
  if (finished) return;
  finished = true;
  const sb = window.Module.SOCKBRIDGE;
  const s = sb && sb.session;
  const ds = s ? s.datagramStats : {};
  const ts = s && s.transport && s.transport.stats ? s.transport.stats : {};
  log(`transport: ${s ? s.transportKind : 'none'}; QUIC datagrams sent ${ds.sent ?? 0} received ${ds.received ?? 0}; ` +
      `streams opened ${ts.streamsOpened ?? 0}; ` +
      `backend: udp sent ${sb ? sb.stats.datagramsSent : 0} received ${sb ? sb.stats.datagramsReceived : 0}, tcp connects ${sb ? sb.stats.connects : 0}`);
  const exp = Number(q.get('exit') ?? 0);
  const rep = q.get('report');
  const why = [];
  if (code !== exp) why.push(`exit code ${code}, expected ${exp}`);
  if (rep !== null && !new RegExp(`^REPORT_RESULT=${rep}$`, 'm').test(out)) why.push(`no REPORT_RESULT=${rep}`);
  if (want && s && s.transportKind !== want) why.push(`transport ${s.transportKind}, wanted ${want}`);
  result(why.length ? `FAIL ${why.join('; ')}` : 'PASS');
}

const wt = want === 'websocket' ? null : await client.fetchWebTransportInfo('/webtransport.json');
window.Module = {
  arguments: (q.get('args') || '').split(',').filter(Boolean),
  print: (t) => { out += t + '\n'; log(t); },
  printErr: (t) => log('[stderr] ' + t),
  onExit: finish,
  onAbort: (w) => { log('abort: ' + w); if (!finished) { finished = true; result('FAIL abort: ' + w); } },
  sockbridge: {
    client,
    url: `ws://${location.host}/sockbridge`,
    webTransport: wt,
    prefer: want === 'websocket' ? 'websocket' : undefined,
    options: want === 'webtransport' ? { webTransportTimeout: 10000 } : {},
    mapAddress: (host, port) => map[port] || null,
    onopen: (s) => log(`session open over ${s.transportKind}${s.fallbackReason ? ' (fell back: ' + s.fallbackReason + ')' : ''}`),
  },
};
const script = document.createElement('script');
script.src = `/${q.get('prog')}.js`;
document.body.appendChild(script);
