// Session logic against a scripted in-memory peer: handshake, call ids and replies, errors,
// outstanding-call limit, push mode with credit (TCP, UDP, listener), end of session.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, SockbridgeError, Posix } from '../src/sockbridge.js';
import { fakePeer, WELCOME } from './fake-peer.js';

async function open(welcome = WELCOME) {
  const peer = fakePeer();
  const pending = connect('unused', { transport: peer.transport, timeout: 2000 });
  await peer.next('HELLO');
  peer.send(welcome);
  const session = await pending;
  return { peer, session };
}

/** Answers SOCKET → fd, then OK to CONNECT/BIND/PUSH/SETSOCKOPT as they come. */
function serveSocketSetup(peer, fd, { connectError } = {}) {
  peer.answer('SOCKET', () => ({ kind: 'VALUE_REPLY', value: fd }));
  for (const k of ['CONNECT', 'BIND', 'PUSH', 'SETSOCKOPT', 'LISTEN']) {
    peer.answer(k, () => (k === 'CONNECT' && connectError
      ? { kind: 'ERROR_REPLY', code: connectError, reason: 'refused' } : { kind: 'OK_REPLY' })).catch(() => {});
  }
}

test('handshake: HELLO [1,[1,2],agent], WELCOME gives the limits', async () => {
  const peer = fakePeer();
  const pending = connect('unused', { transport: peer.transport, agent: 'test-agent' });
  const hello = await peer.next('HELLO');
  assert.deepEqual(hello.versions, [1, 2], 'version 1, and 2 (1 with GOING_AWAY)');
  assert.equal(hello.agent, 'test-agent');
  peer.send(WELCOME);
  const s = await pending;
  assert.equal(s.welcome.maxFrameSize, 65536);
  assert.equal(s.welcome.maxOutstandingCalls, 64);
  assert.equal(s.welcome.agent, 'fake');
  await s.close();
});

test('handshake: GOODBYE rejects with its code and reason', async () => {
  const peer = fakePeer();
  const pending = connect('unused', { transport: peer.transport });
  await peer.next('HELLO');
  peer.send({ kind: 'GOODBYE', code: 4001, reason: 'protocol versions [1] not supported' });
  peer.drop(1000);
  await assert.rejects(pending, (e) => e instanceof SockbridgeError && e.code === 'SESSION_CLOSED'
    && e.closeCode === 4001 && /not supported/.test(e.reason));
});

test('handshake: no answer times out, closed transport rejects', async () => {
  const peer = fakePeer();
  await assert.rejects(connect('unused', { transport: peer.transport, timeout: 50 }), (e) => e.code === 'TIMEOUT');
  assert.ok(peer.closed);
  const peer2 = fakePeer();
  const p2 = connect('unused', { transport: peer2.transport });
  await peer2.next('HELLO');
  peer2.drop(1006);
  await assert.rejects(p2, (e) => e.code === 'SESSION_CLOSED' && e.closeCode === 1006);
});

test('handshake: a wrong first message is a protocol error', async () => {
  const peer = fakePeer();
  const p = connect('unused', { transport: peer.transport });
  await peer.next('HELLO');
  peer.send({ kind: 'OK_REPLY', callId: 1 });
  await assert.rejects(p, (e) => e.code === 'PROTOCOL');
});

test('calls: distinct positive ids, replies matched in any order, errors with errno names', async () => {
  const { peer, session } = await open();
  const a = session.call('getsockname', 3);
  const b = session.call('getsockopt', 3, 1, 4);
  const c = session.call('connect', 3, { host: '127.0.0.1', port: 1 });
  const d = session.call('getaddrinfo', 'nope.invalid', null, 0, 0, 1, 0);
  const [ma, mb, mc, md] = await Promise.all(['GETSOCKNAME', 'GETSOCKOPT', 'CONNECT', 'GETADDRINFO'].map((k) => peer.next(k)));
  const ids = [ma, mb, mc, md].map((m) => m.callId);
  assert.equal(new Set(ids).size, 4);
  assert.ok(ids.every((i) => i > 0));
  assert.deepEqual(mc.address, { family: 2, host: '127.0.0.1', port: 1 });
  peer.send({ kind: 'ERROR_REPLY', callId: md.callId, code: -2, reason: 'Name or service not known' });
  peer.send({ kind: 'ERROR_REPLY', callId: mc.callId, code: 111, reason: 'Connection refused' });
  peer.send({ kind: 'VALUE_REPLY', callId: mb.callId, value: 0 });
  peer.send({ kind: 'ADDRESS_REPLY', callId: ma.callId, address: { host: '127.0.0.1', port: 5 } });
  assert.deepEqual((await a).address, { family: 2, host: '127.0.0.1', port: 5 });
  assert.equal((await b).value, 0);
  await assert.rejects(c, (e) => e instanceof SockbridgeError && e.errno === 111 && e.code === 'ECONNREFUSED'
    && e.call === 'connect' && e.reason === 'Connection refused');
  await assert.rejects(d, (e) => e.errno === -2 && e.code === 'EAI_NONAME');
  await assert.rejects(session.call('welcome'), TypeError);
  await assert.rejects(session.call('close'), TypeError); // missing field
  await session.close();
});

test('calls: at most maxOutstandingCalls in flight, the rest queued', async () => {
  const { peer, session } = await open({ ...WELCOME, maxOutstandingCalls: 2 });
  const calls = [1, 2, 3, 4, 5].map((fd) => session.call('close', fd));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(peer.received.filter((m) => m.kind === 'CLOSE').length, 2);
  for (let i = 0; i < 5; i++) await peer.answer('CLOSE', () => ({ kind: 'OK_REPLY' }));
  await Promise.all(calls);
  assert.equal(session.outstandingCalls, 0);
  await session.close();
});

test('session end: pending calls and sockets fail with SESSION_CLOSED; closed resolves', async () => {
  const { peer, session } = await open();
  serveSocketSetup(peer, 3);
  const sock = await session.connect('127.0.0.1', 9);
  const pending = session.call('recv', 3, 10, 0);
  const reading = sock.read();
  peer.send({ kind: 'GOODBYE', code: 1001, reason: 'proxy stopping' });
  await assert.rejects(pending, (e) => e.code === 'SESSION_CLOSED' && e.closeCode === 1001);
  await assert.rejects(reading, (e) => e.code === 'SESSION_CLOSED');
  const why = await session.closed;
  assert.equal(why.reason, 'proxy stopping');
  assert.ok(session.isClosed);
  await assert.rejects(session.call('close', 3), (e) => e.code === 'SESSION_CLOSED');
  await assert.rejects(sock.write('x'), (e) => e instanceof SockbridgeError);
});

test('session: garbage from the proxy ends the session with PROTOCOL and a GOODBYE 1002', async () => {
  const { peer, session } = await open();
  peer.sendRaw(new Uint8Array([0xff, 0x00]));
  const why = await session.closed;
  assert.equal(why.code, 'PROTOCOL');
  const bye = await peer.next('GOODBYE');
  assert.equal(bye.code, 1002);
});

test('session.close says GOODBYE 1000', async () => {
  const { peer, session } = await open();
  await session.close();
  const bye = await peer.next('GOODBYE');
  assert.equal(bye.code, 1000);
  assert.ok(peer.closed);
});

test('tcp: socket, connect, push with the window; data in order; credit as consumed; EOF', async () => {
  const { peer, session } = await open();
  serveSocketSetup(peer, 3);
  const sock = await session.connect('127.0.0.1', 7, { window: 1000, noDelay: true });
  const sockCall = peer.received.find((m) => m.kind === 'SOCKET');
  assert.deepEqual([sockCall.domain, sockCall.type, sockCall.protocol], [Posix.AF_INET, Posix.SOCK_STREAM, 0]);
  const push = peer.received.find((m) => m.kind === 'PUSH');
  assert.deepEqual([push.fd, push.enabled, push.credit], [3, true, 1000]);
  const opt = peer.received.find((m) => m.kind === 'SETSOCKOPT');
  assert.deepEqual([opt.level, opt.name, opt.value], [Posix.IPPROTO_TCP, 1, 1]);

  for (let i = 0; i < 10; i++) peer.send({ kind: 'DATA_EVENT', fd: 3, flags: 0, from: null, data: new Uint8Array(100).fill(i) });
  peer.send({ kind: 'READY_EVENT', fd: 3, events: Posix.POLLIN | Posix.POLLRDHUP, errno: 0 });
  await new Promise((r) => setTimeout(r, 20));
  // nothing consumed yet: no credit granted back
  assert.equal(peer.received.filter((m) => m.kind === 'CREDIT').length, 0);
  const got = [];
  for await (const chunk of sock) got.push(chunk[0]);
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  await new Promise((r) => setTimeout(r, 20));
  const credits = peer.received.filter((m) => m.kind === 'CREDIT');
  assert.ok(credits.length >= 3, `credits: ${credits.length}`);
  assert.ok(credits.every((c) => c.fd === 3 && c.bytes >= 250));
  // granted back in batches of at least a quarter window: 3 x 300, the last 100 still held
  assert.equal(credits.reduce((a, c) => a + c.bytes, 0), 900);
  assert.equal(await sock.read(), null);
});

test('tcp: a POLLERR event fails reading after the data before it', async () => {
  const { peer, session } = await open();
  serveSocketSetup(peer, 3);
  const sock = await session.connect('127.0.0.1', 7);
  peer.send({ kind: 'DATA_EVENT', fd: 3, flags: 0, from: null, data: new Uint8Array([1]) });
  peer.send({ kind: 'READY_EVENT', fd: 3, events: Posix.POLLERR, errno: 104 });
  assert.deepEqual([...(await sock.read())], [1]);
  await assert.rejects(sock.read(), (e) => e.code === 'ECONNRESET');
});

test('tcp: connect refused rejects and closes the descriptor', async () => {
  const { peer, session } = await open();
  serveSocketSetup(peer, 3, { connectError: 111 });
  await assert.rejects(session.connect('127.0.0.1', 7), (e) => e.code === 'ECONNREFUSED');
  const close = await peer.next('CLOSE');
  assert.equal(close.fd, 3);
});

test('tcp: names and IPv6 literals pick the family', async () => {
  const { peer, session } = await open();
  serveSocketSetup(peer, 3);
  await session.connect('::1', 7);
  const s = peer.received.find((m) => m.kind === 'SOCKET');
  assert.equal(s.domain, Posix.AF_INET6);
  const c = peer.received.find((m) => m.kind === 'CONNECT');
  assert.deepEqual(c.address, { family: 10, host: '::1', port: 7 });
  const p2 = fakePeer();
  const pending = connect('unused', { transport: p2.transport });
  await p2.next('HELLO');
  p2.send(WELCOME);
  const s2 = await pending;
  serveSocketSetup(p2, 4);
  await s2.connect('localhost', 7);
  assert.equal(p2.received.find((m) => m.kind === 'SOCKET').domain, Posix.AF_INET);
  assert.deepEqual(p2.received.find((m) => m.kind === 'CONNECT').address, { family: 0, host: 'localhost', port: 7 });
});

test('tcp: writes split at the frame limit, stay in order, windowed; end() after them', async () => {
  const { peer, session } = await open({ ...WELCOME, maxFrameSize: 4096, maxBufferedBytes: 16384 });
  serveSocketSetup(peer, 3);
  const sock = await session.connect('127.0.0.1', 7);
  const big = new Uint8Array(40000).map((_, i) => i & 0xff);
  const w1 = sock.write(big);
  const w2 = sock.write('tail');
  const ended = sock.end();
  const seen = [];
  let total = 0;
  // answer SENDs one by one, checking the client never has more than the window in flight
  while (total < 40004) {
    const m = await peer.next('SEND');
    const inFlight = peer.received.filter((x) => x.kind === 'SEND' && !x._answered).reduce((a, x) => a + x.data.length, 0);
    assert.ok(inFlight <= Math.max(session.maxDataPerFrame, 4096) * 2 + 4096, `in flight ${inFlight}`);
    assert.ok(m.data.length <= session.maxDataPerFrame);
    m._answered = true;
    seen.push(...m.data);
    total += m.data.length;
    peer.send({ kind: 'VALUE_REPLY', callId: m.callId, value: m.data.length });
  }
  assert.equal(await w1, 40000);
  assert.equal(await w2, 4);
  assert.deepEqual(seen.slice(0, 40000), [...big]);
  assert.equal(new TextDecoder().decode(new Uint8Array(seen.slice(40000))), 'tail');
  const sd = await peer.next('SHUTDOWN');
  assert.equal(sd.how, Posix.SHUT_WR);
  const lastSend = peer.received.filter((m) => m.kind === 'SEND').at(-1);
  assert.ok(peer.received.indexOf(sd) > peer.received.indexOf(lastSend));
  peer.send({ kind: 'OK_REPLY', callId: sd.callId });
  await ended;
  await assert.rejects(sock.write('more'), (e) => e.code === 'EPIPE');
});

test('tcp: writes queued together go as one SEND of up to a frame; each resolves with its own length', async () => {
  // a write window of 16 KiB (a quarter of the buffer): joined SENDs up to a quarter of it, here a frame
  const { peer, session } = await open({ ...WELCOME, maxFrameSize: 4096, maxBufferedBytes: 65536 });
  serveSocketSetup(peer, 3);
  const sock = await session.connect('127.0.0.1', 7);
  const max = session.maxDataPerFrame;
  // 30 writes of 300 bytes made at once: they fill frames of at most `max` bytes, in order
  const writes = [];
  const sent = [];
  for (let i = 0; i < 30; i++) {
    const b = new Uint8Array(300).fill(i);
    sent.push(...b);
    writes.push(sock.write(b));
  }
  const seen = [];
  const sizes = [];
  while (seen.length < sent.length) {
    const m = await peer.next('SEND');
    assert.ok(m.data.length <= max, `a SEND of ${m.data.length} bytes`);
    sizes.push(m.data.length);
    seen.push(...m.data);
    peer.send({ kind: 'VALUE_REPLY', callId: m.callId, value: m.data.length });
  }
  assert.deepEqual(seen, sent, 'the bytes in write order');
  assert.ok(sizes.length <= Math.ceil(sent.length / max) + 1, `${sizes.length} SENDs for ${sent.length} bytes: ${sizes}`);
  assert.deepEqual(await Promise.all(writes), writes.map(() => 300));
  // a write larger than a frame is split, and a small one after it is not joined to it
  const big = sock.write(new Uint8Array(max + 10).fill(7));
  const small = sock.write('x');
  const parts = [];
  for (let got = 0; got < max + 11;) {
    const m = await peer.next('SEND');
    parts.push(m.data.length);
    got += m.data.length;
    peer.send({ kind: 'VALUE_REPLY', callId: m.callId, value: m.data.length });
  }
  assert.deepEqual(parts, [max, 10, 1]);
  assert.equal(await big, max + 10);
  assert.equal(await small, 1);
  // a failed SEND fails every write joined into it
  const a = sock.write('aa');
  const b = sock.write('bbb');
  const m = await peer.next('SEND');
  assert.equal(new TextDecoder().decode(m.data), 'aabbb');
  peer.send({ kind: 'ERROR_REPLY', callId: m.callId, code: 104, reason: 'reset' });
  await assert.rejects(a, (e) => e.code === 'ECONNRESET');
  await assert.rejects(b, (e) => e.code === 'ECONNRESET');
});

test('tcp: a long send queue in the browser holds the next SEND until a reply, so credit is not stuck behind data', async () => {
  const { peer, session } = await open();
  serveSocketSetup(peer, 3);
  const sock = await session.connect('127.0.0.1', 7);
  peer.transport.bufferedAmount = 1 << 20; // the WebSocket has 1 MiB it has not sent yet
  const a = sock.write(new Uint8Array(1000).fill(1));
  const first = await peer.next('SEND');
  const b = sock.write(new Uint8Array(1000).fill(2));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(peer.received.filter((m) => m.kind === 'SEND').length, 1, 'the second SEND waits while the queue is long');
  sock.read().catch(() => {});
  peer.send({ kind: 'DATA_EVENT', fd: 3, flags: 0, from: null, data: new Uint8Array(70000) });
  const credit = await peer.next('CREDIT');
  assert.equal(credit.fd, 3, 'a CREDIT goes out at once, ahead of the held data');
  peer.transport.bufferedAmount = 0;
  peer.send({ kind: 'VALUE_REPLY', callId: first.callId, value: 1000 });
  const second = await peer.next('SEND');
  assert.equal(second.data[0], 2);
  peer.send({ kind: 'VALUE_REPLY', callId: second.callId, value: 1000 });
  assert.deepEqual(await Promise.all([a, b]), [1000, 1000]);
  // with nothing in flight a SEND goes whatever the queue: the queue empties by itself
  peer.transport.bufferedAmount = 1 << 20;
  const c = sock.write('c');
  const third = await peer.next('SEND');
  peer.send({ kind: 'VALUE_REPLY', callId: third.callId, value: 1 });
  assert.equal(await c, 1);
});

test('tcp: readable and writable streams', async () => {
  const { peer, session } = await open();
  serveSocketSetup(peer, 3);
  const sock = await session.connect('127.0.0.1', 7);
  const writer = sock.writable.getWriter();
  const done = (async () => {
    await writer.write(new Uint8Array([1, 2]));
    await writer.write(new Uint8Array([3]));
    await writer.close();
  })();
  for (let i = 0; i < 2; i++) await peer.answer('SEND', (m) => ({ kind: 'VALUE_REPLY', value: m.data.length }));
  await peer.answer('SHUTDOWN', () => ({ kind: 'OK_REPLY' }));
  await done;
  peer.send({ kind: 'DATA_EVENT', fd: 3, flags: 0, from: null, data: new Uint8Array([9, 8]) });
  peer.send({ kind: 'READY_EVENT', fd: 3, events: 0x2001, errno: 0 });
  const parts = [];
  for await (const c of sock.readable) parts.push(...c);
  assert.deepEqual(parts, [9, 8]);
});

test('udp: bind, push, onMessage with the source, credit per datagram, sendTo', async () => {
  const { peer, session } = await open();
  serveSocketSetup(peer, 5);
  const udp = await session.udp({ bind: '127.0.0.1:0', window: 8 });
  const bind = peer.received.find((m) => m.kind === 'BIND');
  assert.deepEqual(bind.address, { family: 2, host: '127.0.0.1', port: 0 });
  assert.equal(peer.received.find((m) => m.kind === 'SOCKET').type, Posix.SOCK_DGRAM);
  const got = [];
  udp.onMessage((data, from) => got.push([data.length, from.host, from.port]));
  peer.send({ kind: 'DATA_EVENT', fd: 5, flags: 0, from: { host: '127.0.0.1', port: 9999 }, data: new Uint8Array(3) });
  peer.send({ kind: 'DATA_EVENT', fd: 5, flags: 0, from: { host: '::1', port: 1 }, data: new Uint8Array(0) });
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(got, [[3, '127.0.0.1', 9999], [0, '::1', 1]]);
  const credits = peer.received.filter((m) => m.kind === 'CREDIT');
  // a quarter window is 2: the 3-byte datagram is granted back at once, the empty one (cost 1) waits
  assert.deepEqual(credits.map((c) => c.bytes), [3]);
  const sent = udp.sendTo('ping', '127.0.0.1', 7);
  const st = await peer.next('SENDTO');
  assert.deepEqual(st.address, { family: 2, host: '127.0.0.1', port: 7 });
  assert.equal(new TextDecoder().decode(st.data), 'ping');
  peer.send({ kind: 'VALUE_REPLY', callId: st.callId, value: 4 });
  assert.equal(await sent, 4);
});

test('udp: async iteration, and close ends it', async () => {
  const { peer, session } = await open();
  serveSocketSetup(peer, 5);
  const udp = await session.udp();
  assert.equal(peer.received.filter((m) => m.kind === 'BIND').length, 0);
  peer.send({ kind: 'DATA_EVENT', fd: 5, flags: Posix.MSG_TRUNC, from: { host: '127.0.0.1', port: 53 }, data: new Uint8Array([7]) });
  const it = udp[Symbol.asyncIterator]();
  const first = await it.next();
  assert.deepEqual({ ...first.value, data: [...first.value.data] }, { data: [7], host: '127.0.0.1', port: 53, truncated: true });
  const second = it.next();
  const closing = udp.close();
  await peer.answer('CLOSE', () => ({ kind: 'OK_REPLY' }));
  await closing;
  assert.equal((await second).done, true);
});

test('listener: accepted connections arrive as push-mode TcpSockets', async () => {
  const { peer, session } = await open();
  serveSocketSetup(peer, 3);
  peer.answer('GETSOCKNAME', () => ({ kind: 'ADDRESS_REPLY', address: { host: '127.0.0.1', port: 4444 } }));
  const l = await session.listen({ port: 0 });
  assert.equal(l.address.port, 4444);
  peer.send({ kind: 'ACCEPT_EVENT', fd: 3, newFd: 4, peer: { host: '127.0.0.1', port: 5555 } });
  const push = await peer.next((m) => m.kind === 'PUSH' && m.fd === 4);
  peer.send({ kind: 'OK_REPLY', callId: push.callId });
  const conn = await l.accept();
  assert.equal(conn.fd, 4);
  assert.equal(conn.remoteAddress.port, 5555);
  peer.send({ kind: 'DATA_EVENT', fd: 4, flags: 0, from: null, data: new Uint8Array([42]) });
  assert.deepEqual([...(await conn.read())], [42]);
});

test('unowned events go to session.onevent', async () => {
  const { peer, session } = await open();
  const seen = [];
  session.onevent = (e) => seen.push(e);
  peer.send({ kind: 'READY_EVENT', fd: 77, events: 4, errno: 0 });
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(seen, [{ kind: 'READY_EVENT', fd: 77, events: 4, errno: 0 }]);
});

test('a malformed reply fails just its call (EPROTO); a stray reply is ignored', async () => {
  const { peer, session } = await open();
  const a = session.call('getsockopt', 3, 1, 4);
  const m = await peer.next('GETSOCKOPT');
  // VALUE_REPLY whose value is text: the call id is readable, so only that call fails
  peer.sendRaw(new Uint8Array([0x83, 0x18, 0x42, m.callId, 0x61, 0x78]));
  await assert.rejects(a, (e) => e.code === 'EPROTO' && e.call === 'getsockopt');
  peer.send({ kind: 'OK_REPLY', callId: 999 });
  const b = session.call('close', 3);
  await peer.answer('CLOSE', () => ({ kind: 'OK_REPLY' }));
  await b;
  assert.equal(session.strayReplies, 1);
  assert.equal(session.isClosed, false);
  await session.close();
});

test('a frame the client may not get (a request) ends the session', async () => {
  const { peer, session } = await open();
  peer.send({ kind: 'CLOSE', callId: 1, fd: 3 });
  const why = await session.closed;
  assert.equal(why.code, 'PROTOCOL');
  assert.match(why.reason, /CLOSE/);
});

test('going away: GOING_AWAY in version 2 fires ongoaway and goingAway once; the session still works', async () => {
  const { peer, session } = await open({ ...WELCOME, version: 2 });
  const events = [];
  session.ongoaway = (info) => events.push(info);
  peer.send({ kind: 'GOING_AWAY', reason: 'going away' });
  assert.deepEqual(await session.goingAway, { reason: 'going away', source: 'protocol' });
  peer.send({ kind: 'GOING_AWAY', reason: 'again' });
  peer.answer('SOCKET', () => ({ kind: 'VALUE_REPLY', value: 3 }));
  const sent = session.call('socket', Posix.AF_INET, Posix.SOCK_STREAM, 0);
  assert.equal((await sent).value, 3, 'calls still answered after the notice');
  assert.deepEqual(events, [{ reason: 'going away', source: 'protocol' }], 'told once');
  assert.equal(session.isClosed, false);
  await session.close();
});

test('going away: a transport that drains (WebTransport) fires ongoaway with source transport', async () => {
  const peer = fakePeer();
  peer.transport.ongoaway = null;
  const pending = connect('unused', { transport: peer.transport, timeout: 2000 });
  await peer.next('HELLO');
  peer.send(WELCOME);
  const session = await pending;
  peer.transport.ongoaway('the server drains the session');
  assert.deepEqual(await session.goingAway, { reason: 'the server drains the session', source: 'transport' });
  await session.close();
});

test('going away: GOING_AWAY in a version 1 session is a protocol error', async () => {
  const { peer, session } = await open();
  peer.send({ kind: 'GOING_AWAY', reason: 'x' });
  const err = await session.closed;
  assert.equal(err.code, 'PROTOCOL');
});
