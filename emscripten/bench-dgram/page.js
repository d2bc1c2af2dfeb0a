// Runs the benchmark's game loop (?mode=sb: linked with the Sockbridge backend, over WebTransport
// datagrams only; ?mode=sockfs: Emscripten's default SOCKFS, its UDP socket a WebSocket to the proxy's
// /websockify-udp bridge) with argv from ?args=PORT,SECONDS; #result says PASS when it exits with 0.
const q = new URLSearchParams(location.search);
const mode = q.get('mode');
const logEl = document.getElementById('log');
const log = (s) => { console.log(s); logEl.textContent += s + '\n'; };
let finished = false;
function finish(code) {
  if (finished) return;
  finished = true;
  const sb = window.Module.SOCKBRIDGE;
  const s = sb && sb.session;
  if (s) {
    const ds = s.datagramStats || {};
    log(`transport: ${s.transportKind}; QUIC datagrams sent ${ds.sent ?? 0} received ${ds.received ?? 0}`);
  }
  document.getElementById('result').textContent = code === 0 ? 'PASS' : `FAIL exit code ${code}`;
}
window.Module = {
  arguments: (q.get('args') || '').split(',').filter(Boolean),
  print: (t) => log(t),
  printErr: (t) => log('[stderr] ' + t),
  onExit: finish,
  onAbort: (w) => { log('abort: ' + w); finished = true; document.getElementById('result').textContent = 'FAIL abort'; },
};
if (mode === 'sb') {
  const client = await import('/src/sockbridge.js');
  window.Module.sockbridge = {
    client,
    url: `ws://${location.host}/sockbridge`,
    webTransport: await client.fetchWebTransportInfo('/webtransport.json'),
    // a fallback to the WebSocket would measure the wrong path: run.js rejects a run whose
    // transport line does not say webtransport
    options: { webTransportTimeout: 20000 },
    datagrams: true,
    onopen: (s) => {
      log(`session open over ${s.transportKind}`);
      const t0 = performance.now();
      s.closed.then((r) => log(`session closed after ${(performance.now() - t0).toFixed(0)} ms: ${r && (r.reason || r.message || r.code) || r}`),
        (e) => log(`session failed after ${(performance.now() - t0).toFixed(0)} ms: ${e && (e.message || e.code) || e}`));
    },
  };
} else {
  // SOCKFS uses this URL for every socket (3.1.6 honours it as given), subprotocol "binary"
  window.Module.websocket = { url: `ws://${location.host}/websockify-udp`, subprotocol: 'binary' };
}
const script = document.createElement('script');
script.src = `/${mode}_game.js`;
document.body.appendChild(script);
