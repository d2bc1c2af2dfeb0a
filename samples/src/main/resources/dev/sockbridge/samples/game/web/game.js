// The game page. Its state goes to the game server as UDP datagrams through Sockbridge: as WebTransport
// datagrams where the browser has WebTransport, else as calls over a WebSocket (the same code: connectBest
// picks). Snapshots come back the same way; the chat is a TCP socket. Wire formats: Game.java.
import { connectBest } from '/client/src/sockbridge.js';

const $ = (id) => document.getElementById(id);
const enc = new TextEncoder();
const dec = new TextDecoder();
const KEYS = { ArrowUp: 1, ArrowDown: 2, ArrowLeft: 4, ArrowRight: 8 };
const TICK_MS = 50; // the server's tick

/** An input: u8 1 | u32 seq | u8 keys | u8 n | name. */
export function encodeInput(seq, keys, name) {
  const n = enc.encode(name);
  const b = new Uint8Array(7 + n.length);
  const v = new DataView(b.buffer);
  v.setUint8(0, 1);
  v.setUint32(1, seq);
  v.setUint8(5, keys);
  v.setUint8(6, n.length);
  b.set(n, 7);
  return b;
}

/** A snapshot: u8 2 | u32 tick | u16 yourId | u8 count | count × (u16 id | u16 x | u16 y | u8 n | name); throws if cut short. */
export function decodeSnapshot(b) {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint8(0) !== 2) return null;
  const snap = { tick: v.getUint32(1), you: v.getUint16(5), players: [] };
  let off = 8;
  for (let i = v.getUint8(7); i > 0; i--) {
    const n = v.getUint8(off + 6);
    if (off + 7 + n > b.length) throw new RangeError('snapshot cut short');
    snap.players.push({ id: v.getUint16(off), x: v.getUint16(off + 2), y: v.getUint16(off + 4), name: dec.decode(b.subarray(off + 7, off + 7 + n)) });
    off += 7 + n;
  }
  return snap;
}

let lastTick = -1;
function draw(snap) {
  if (snap.tick <= lastTick) return; // UDP may reorder: never go back in time
  lastTick = snap.tick;
  const g = $('world').getContext('2d');
  g.clearRect(0, 0, g.canvas.width, g.canvas.height);
  const rows = snap.players.map((p) => {
    g.fillStyle = p.id === snap.you ? '#c33' : '#36c';
    g.beginPath();
    g.arc(p.x, p.y, 8, 0, 2 * Math.PI);
    g.fill();
    g.fillText(p.name, p.x + 10, p.y - 10);
    const li = document.createElement('li');
    Object.assign(li.dataset, { name: p.name, x: p.x, y: p.y });
    li.textContent = `${p.name}${p.id === snap.you ? ' (you)' : ''} at ${p.x},${p.y}`;
    return li;
  });
  $('players').replaceChildren(...rows);
}

function showNet(session, udp) {
  const s = udp.stats;
  const why = session.transportKind === 'websocket' ? ` (WebTransport: ${session.fallbackReason?.message ?? 'not in this browser'})` : '';
  $('net').dataset.transport = session.transportKind;
  $('net').textContent = `via ${session.transportKind}${why} · inputs: ${s.datagramsSent} as QUIC datagrams, ${s.sentOnStream} as calls`
    + ` · snapshots: ${s.datagramsReceived} as QUIC datagrams, ${s.receivedOnStream} on the stream`;
}

function fail(e) {
  console.error(e);
  $('net').textContent = `error: ${e.message}`;
}

/** The chat: a TCP socket to the chat port; the first line is our name, each line after it a message. */
async function chat(session, at, name) {
  const sock = await session.connect(at.host, at.port, { noDelay: true });
  await sock.write(`${name}\n`);
  $('say').onsubmit = (e) => {
    e.preventDefault();
    if ($('text').value.trim()) sock.write(`${$('text').value.trim()}\n`).catch(fail);
    $('text').value = '';
  };
  const lines = new TextDecoder();
  let pending = '';
  for await (const chunk of sock) {
    pending += lines.decode(chunk, { stream: true });
    for (let i; (i = pending.indexOf('\n')) >= 0; pending = pending.slice(i + 1)) {
      const li = document.createElement('li');
      li.textContent = pending.slice(0, i);
      $('chat').append(li);
      $('chat').scrollTop = $('chat').scrollHeight;
    }
  }
}

async function main() {
  const name = (new URLSearchParams(location.search).get('name') ?? '').replace(/[^\w-]/g, '').slice(0, 16)
    || `p${Math.floor(Math.random() * 1000)}`;
  const game = await (await fetch('/game.json')).json();
  // WebTransport (with the hash of the server's self-signed certificate) where it opens, else WebSocket. A busy
  // server's first QUIC handshakes can take seconds: wait up to 10 s for WebTransport before falling back.
  const session = await connectBest({ webTransport: game.webTransport, webSocket: `ws://${location.host}/sockbridge` },
    { timeout: 15000, webTransportTimeout: 10000 });
  const udp = await session.udp({ bind: '127.0.0.1:0', datagrams: true });
  udp.onMessage((data) => {
    try {
      const snap = decodeSnapshot(data);
      if (snap) draw(snap);
    } catch (e) {
      console.warn(`bad snapshot: ${e.message}`);
    }
  });
  let keys = 0;
  let seq = 0;
  addEventListener('keydown', (e) => {
    if (KEYS[e.key] && e.target === document.body) {
      keys |= KEYS[e.key];
      e.preventDefault();
    }
  });
  addEventListener('keyup', (e) => { keys &= ~(KEYS[e.key] ?? 0); });
  // the keys held, every tick: a lost datagram is made good by the next one, so none is resent
  const sending = setInterval(() => udp.sendTo(encodeInput(++seq, keys, name), game.udp.host, game.udp.port).catch(fail), TICK_MS);
  const net = setInterval(() => showNet(session, udp), 250);
  showNet(session, udp);
  session.closed.then((why) => {
    clearInterval(sending);
    clearInterval(net);
    $('net').textContent = `disconnected: ${why.message}`;
  });
  await chat(session, game.chat, name);
}

main().catch(fail);
