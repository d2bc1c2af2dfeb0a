// WebTransport: the stream framing and close records, the datagram encoding, certificate hashes,
// URL choice, and the session over an in-memory WebTransport (test/fake-webtransport.js): the
// handshake on the first stream, a stream per TCP socket, UDP over datagrams (EMSGSIZE, 'auto'),
// push events by datagram or stream, keep-alive, close both ways, the fallback to WebSocket.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  connect, connectBest, transportKindOf, LengthPrefixedFramer, CLOSE_FLAG, certificateHashes, toWebTransportUrl,
  encodeMessage, decodeMessage, SockbridgeError, KEEPALIVE_DATAGRAM, SocketOption, SOL_SOCKBRIDGE, openWebTransport,
  MAIN_SEND_ORDER, datagramWriteApi, hasSendOrder, describeFailure,
} from '../src/sockbridge.js';
import { fakeWebTransport, echoProxy } from './fake-webtransport.js';

const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (h) => new Uint8Array(Buffer.from(h, 'hex'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(pred, ms = 2000, what = 'condition') {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${what}`);
    await sleep(5);
  }
}

// ------------------------------------------------------------------ framing

test('framer: frames split anywhere, views without copies when inside one chunk', () => {
  const a = LengthPrefixedFramer.encode(unhex('8241 01'.replace(' ', '')));
  const b = LengthPrefixedFramer.encode(new Uint8Array(300).fill(7));
  const all = new Uint8Array([...a, ...b, ...a]);
  for (const step of [1, 2, 3, 5, 7, 64, all.length]) {
    const f = new LengthPrefixedFramer();
    const got = [];
    for (let i = 0; i < all.length; i += step) got.push(...f.push(all.subarray(i, i + step)));
    assert.deepEqual(got.map(hex), [hex(a.subarray(4)), hex(b.subarray(4)), hex(a.subarray(4))], `step ${step}`);
    assert.equal(f.pending, 0);
  }
  const whole = new LengthPrefixedFramer().push(all);
  assert.equal(whole[1].buffer, all.buffer, 'a frame inside one chunk is a view');
  assert.deepEqual(new LengthPrefixedFramer().push(new Uint8Array([0, 0, 0, 0])).map(hex), [''], 'empty frame');
});

test('framer: a 1 MiB frame in 1000-byte pieces takes linear time', () => {
  const big = new Uint8Array(1 << 20);
  for (let i = 0; i < big.length; i++) big[i] = i * 31;
  const wire = LengthPrefixedFramer.encode(big);
  const f = new LengthPrefixedFramer();
  const t0 = performance.now();
  const got = [];
  for (let i = 0; i < wire.length; i += 1000) got.push(...f.push(wire.slice(i, i + 1000)));
  assert.equal(got.length, 1);
  assert.ok(Buffer.from(got[0]).equals(Buffer.from(big)));
  assert.ok(performance.now() - t0 < 500, `took ${performance.now() - t0} ms`);
});

test('framer: limits; header refuses lengths with the close flag', () => {
  assert.throws(() => new LengthPrefixedFramer(10).push(new Uint8Array([0, 0, 1, 0])), RangeError);
  assert.deepEqual(new LengthPrefixedFramer(10).push(new Uint8Array([0, 0, 0, 10])), [], '10 is allowed, waits');
  assert.equal(hex(LengthPrefixedFramer.header(0x01020304)), '01020304');
  assert.throws(() => LengthPrefixedFramer.header(CLOSE_FLAG), RangeError);
});

test('close record: [0x80000000|n][code][reason], parsed after the frames before it', () => {
  const rec = LengthPrefixedFramer.encodeClose(1000, 'page done');
  assert.equal(hex(rec), `8000000d000003e8${Buffer.from('page done').toString('hex')}`);
  assert.equal(hex(LengthPrefixedFramer.encodeClose(4002)), '80000004' + '00000fa2');
  const frame = LengthPrefixedFramer.encode(unhex('8141'));
  const all = new Uint8Array([...frame, ...rec, ...frame]); // bytes after a record are ignored
  for (const step of [1, 3, all.length]) {
    const f = new LengthPrefixedFramer();
    const got = [];
    for (let i = 0; i < all.length; i += step) got.push(...f.push(all.subarray(i, i + step)));
    assert.deepEqual(got.map(hex), ['8141'], `step ${step}`);
    assert.deepEqual(f.closeRecord, { code: 1000, reason: 'page done' });
  }
});

test('close record: the reason is cut to 1024 bytes at a character boundary; malformed ones throw', () => {
  const long = 'é'.repeat(600); // 1200 bytes of UTF-8
  const rec = LengthPrefixedFramer.encodeClose(1001, long);
  const n = new DataView(rec.buffer).getUint32(0) - CLOSE_FLAG;
  assert.equal(n, 4 + 1024);
  const f = new LengthPrefixedFramer();
  f.push(rec);
  assert.equal(f.closeRecord.reason, 'é'.repeat(512));
  const odd = LengthPrefixedFramer.encodeClose(1000, 'a' + 'é'.repeat(600)); // 1023 + half a character
  assert.equal(new DataView(odd.buffer).getUint32(0) - CLOSE_FLAG, 4 + 1023);
  assert.throws(() => new LengthPrefixedFramer().push(unhex('80000003000003e8')), RangeError, 'n < 4');
  assert.throws(() => new LengthPrefixedFramer().push(unhex('80000405000003e8')), RangeError, 'n > 1028');
  assert.equal(hex(LengthPrefixedFramer.encodeClose(0xffffffff)).slice(8), 'ffffffff', 'code is u32');
});

// ------------------------------------------------------------------ datagram encoding

test('datagrams: SENDTO with call id 0 and DATA_EVENT, one message each without prefix', () => {
  const sendto = encodeMessage({ kind: 'SENDTO', callId: 0, fd: 5, flags: 0, address: { host: '127.0.0.1', port: 7 }, data: unhex('010203') });
  assert.equal(hex(sendto), '8618180005008302447f00000107' + '43010203');
  const ev = decodeMessage(unhex('850805008302447f0000010743616263'));
  assert.equal(ev.kind, 'DATA_EVENT');
  assert.equal(ev.fd, 5);
  assert.deepEqual(ev.from, { family: 2, host: '127.0.0.1', port: 7 });
  assert.equal(Buffer.from(ev.data).toString(), 'abc');
  assert.deepEqual([...KEEPALIVE_DATAGRAM], [0], 'keep-alive is the single byte 0x00');
  assert.deepEqual(SocketOption.SB_DATAGRAMS_DROPPED, [0x5342, 1]);
  assert.equal(SOL_SOCKBRIDGE, 0x5342);
});

// ------------------------------------------------------------------ hashes, URLs

test('certificate hashes: base64, base64url, hex, bytes, objects; wrong sizes refused', () => {
  const bytes = new Uint8Array(32).map((_, i) => i * 8);
  const b64 = Buffer.from(bytes).toString('base64');
  const b64url = Buffer.from(bytes).toString('base64url');
  for (const h of [b64, b64url, Buffer.from(bytes).toString('hex'), bytes, bytes.buffer, { algorithm: 'sha-256', value: bytes }]) {
    const [r] = certificateHashes([h]);
    assert.equal(r.algorithm, 'sha-256');
    assert.equal(hex(r.value), hex(bytes), String(h));
  }
  assert.equal(certificateHashes(b64).length, 1, 'one hash without an array');
  assert.deepEqual(certificateHashes(undefined), []);
  assert.throws(() => certificateHashes(['AAAA']), TypeError);
});

test('URLs choose the transport', () => {
  assert.equal(transportKindOf('ws://127.0.0.1:1/sockbridge'), 'websocket');
  assert.equal(transportKindOf('WSS://h/sockbridge'), 'websocket');
  assert.equal(transportKindOf('https://127.0.0.1:1/sockbridge'), 'webtransport');
  assert.equal(transportKindOf('webtransport://127.0.0.1:1/sockbridge'), 'webtransport');
  assert.throws(() => transportKindOf('ftp://x'), TypeError);
  assert.equal(toWebTransportUrl('webtransport://127.0.0.1:4433/sockbridge'), 'https://127.0.0.1:4433/sockbridge');
  assert.equal(toWebTransportUrl('https://h:1/p'), 'https://h:1/p');
});

// ------------------------------------------------------------------ the session over WebTransport

async function openSession(o = {}, fakeOpts = {}, proxyOpts = {}) {
  const { WebTransport, server } = fakeWebTransport(fakeOpts);
  const sessions = echoProxy(server, proxyOpts);
  const hash = Buffer.from(new Uint8Array(32).fill(1)).toString('base64');
  const session = await connect('webtransport://127.0.0.1:4433/sockbridge', { WebTransport, certificateHashes: [hash], timeout: 2000, ...o });
  return { session, wt: sessions[0], server };
}

test('handshake: HELLO first on the first stream, hashes passed, https URL', async () => {
  const { session, wt } = await openSession();
  assert.equal(wt.url, 'https://127.0.0.1:4433/sockbridge');
  assert.equal(wt.options.serverCertificateHashes[0].algorithm, 'sha-256');
  assert.equal(wt.options.serverCertificateHashes[0].value.length, 32);
  assert.equal(wt.streams.length, 1, 'no other stream before WELCOME');
  assert.equal(wt.log[0].kind, 'HELLO');
  assert.equal(wt.log[0].stream, 0);
  assert.equal(session.transportKind, 'webtransport');
  assert.equal(session.welcome.agent, 'fake-wt');
  assert.ok(session.hasDatagrams);
  assert.equal(session.maxDatagramSize, 1199);
  await session.close();
});

test('tcp: each socket on its own stream; its calls, credit and events stay there', async () => {
  const { session, wt } = await openSession();
  const a = await session.connect('127.0.0.1', 7, { noDelay: true, window: 64 });
  const b = await session.connect('127.0.0.1', 7);
  assert.ok(a.onOwnStream && b.onOwnStream);
  assert.equal(session.openStreams, 2);
  const onStream = (fd) => wt.log.filter((m) => m.fd === fd && m.kind !== 'SOCKET').map((m) => `${m.kind}@${m.stream}`);
  assert.deepEqual(onStream(a.fd), ['CONNECT@1', 'SETSOCKOPT@1', 'PUSH@1']);
  assert.deepEqual(onStream(b.fd), ['CONNECT@2', 'PUSH@2']);
  assert.equal(wt.log.find((m) => m.kind === 'SOCKET').stream, 0, 'socket() on the main channel');
  await a.write('x'.repeat(40));
  const got = await a.read();
  assert.equal(Buffer.from(got).toString(), 'x'.repeat(40));
  await until(() => wt.log.some((m) => m.kind === 'CREDIT'), 2000, 'CREDIT');
  assert.equal(wt.log.find((m) => m.kind === 'CREDIT').stream, 1, 'credit on the socket stream');
  await b.write('hi');
  assert.equal(Buffer.from(await b.read()).toString(), 'hi');
  assert.equal((await a.localAddress()).port, 40000 + a.fd);
  await a.close();
  assert.equal(wt.log.filter((m) => m.kind === 'CLOSE').at(-1).stream, 1);
  await until(() => wt.streams[1].fin, 2000, 'FIN on the closed socket stream');
  assert.deepEqual(wt.streams[1].closeRecord, { code: 1000, reason: '' });
  assert.equal(session.openStreams, 1);
  await b.close();
  await session.close();
});

test('tcp: streamPerSocket false keeps everything on the main channel', async () => {
  const { session, wt } = await openSession({ streamPerSocket: false });
  const a = await session.connect('127.0.0.1', 7);
  assert.equal(a.onOwnStream, false);
  assert.equal(wt.streams.length, 1);
  await a.write('z');
  assert.equal(Buffer.from(await a.read()).toString(), 'z');
  await session.close();
});

test('tcp: a socket stream the proxy ends fails that socket only', async () => {
  const { session, wt } = await openSession();
  const a = await session.connect('127.0.0.1', 7);
  const b = await session.connect('127.0.0.1', 7);
  const reading = a.read();
  wt.streams[1].sendClose(1011, 'boom');
  wt.streams[1].finish();
  await assert.rejects(reading, (e) => e instanceof SockbridgeError && e.code === 'STREAM_CLOSED' && e.closeCode === 1011);
  await until(() => wt.log.some((m) => m.kind === 'CLOSE' && m.fd === a.fd && m.stream === 0), 3000, 'CLOSE of the orphaned fd');
  await b.write('still');
  assert.equal(Buffer.from(await b.read()).toString(), 'still');
  assert.equal(session.isClosed, false);
  await session.close();
});

test('udp datagrams: true sends SENDTO call id 0 as datagrams; too large is EMSGSIZE', async () => {
  const { session, wt } = await openSession();
  const udp = await session.udp({ bind: '127.0.0.1:0', datagrams: true });
  assert.ok(udp.usesDatagrams);
  const got = [];
  udp.onMessage((data, from) => got.push({ n: data.length, from }));
  assert.equal(await udp.sendTo(new Uint8Array(100).fill(1), '127.0.0.1', 9), 100);
  const d = await wt.datagrams.next((x) => x.message?.kind === 'SENDTO', 'SENDTO datagram');
  assert.equal(d.message.callId, 0);
  assert.equal(d.message.fd, udp.fd);
  assert.equal(d.bytes[0], 0x86, 'a bare CBOR array, no length prefix');
  // the largest payload that fits: 1199 bytes encoded
  const overhead = encodeMessage({ kind: 'SENDTO', callId: 0, fd: udp.fd, flags: 0, address: { host: '127.0.0.1', port: 9 }, data: new Uint8Array(1000) }).length - 1000;
  const fits = 1199 - overhead;
  assert.equal(await udp.sendTo(new Uint8Array(fits), '127.0.0.1', 9), fits);
  await assert.rejects(udp.sendTo(new Uint8Array(fits + 1), '127.0.0.1', 9),
    (e) => e instanceof SockbridgeError && e.errno === 90 && e.code === 'EMSGSIZE' && e.call === 'sendto');
  await until(() => got.length === 2, 2000, 'echoes');
  assert.equal(got[0].n, 100);
  assert.equal(got[0].from.port, 9);
  assert.equal(udp.stats.datagramsSent, 2);
  assert.equal(udp.stats.droppedTooLarge, 1);
  // the small echo came as a datagram, the ~1150-byte one on the stream (over the proxy's 1175)
  assert.equal(udp.stats.datagramsReceived, 1);
  assert.equal(udp.stats.receivedOnStream, 1);
  const st = session.datagramStats;
  assert.equal(st.sent, 2);
  assert.equal(st.received, 1);
  assert.equal(st.droppedTooLarge, 1);
  assert.equal(wt.log.filter((m) => m.kind === 'SENDTO' && !m.datagram).length, 0, 'no SENDTO call');
  await session.close();
});

test("udp datagrams: 'auto' falls back to a SENDTO call; false always calls", async () => {
  const { session, wt } = await openSession();
  const auto = await session.udp({ datagrams: 'auto' });
  assert.equal(await auto.sendTo(new Uint8Array(10), '127.0.0.1:9'), 10);
  assert.equal(await auto.sendTo(new Uint8Array(1400), '127.0.0.1', 9), 1400);
  assert.deepEqual([auto.stats.datagramsSent, auto.stats.sentOnStream, auto.stats.droppedTooLarge], [1, 1, 1]);
  const plain = await session.udp();
  assert.equal(plain.usesDatagrams, false);
  await plain.sendTo(new Uint8Array(10), '127.0.0.1', 9);
  assert.equal(plain.stats.sentOnStream, 1);
  assert.equal(wt.log.filter((m) => m.kind === 'SENDTO' && !m.datagram).length, 2);
  const sockets = wt.log.filter((m) => m.kind === 'SOCKET').length;
  await assert.rejects(session.udp({ datagrams: 'yes' }), TypeError);
  assert.equal(wt.log.filter((m) => m.kind === 'SOCKET').length, sockets, 'refused before any call');
  await session.close();
});

test('udp: droppedByProxy reads getsockopt SOL_SOCKBRIDGE SB_DATAGRAMS_DROPPED', async () => {
  const { session, wt } = await openSession({}, {}, { optValue: 3 });
  const udp = await session.udp({ datagrams: true });
  assert.equal(await udp.droppedByProxy(), 3);
  const m = wt.log.find((x) => x.kind === 'GETSOCKOPT');
  assert.deepEqual([m.fd, m.level, m.name], [udp.fd, 0x5342, 1]);
  await session.close();
});

test('datagrams received: only DATA_EVENTs; junk and other messages are dropped and counted', async () => {
  const { session, wt } = await openSession();
  const udp = await session.udp({ datagrams: true });
  const got = [];
  udp.onMessage((d) => got.push(d.length));
  wt.sendDatagram(unhex('ff00'));
  wt.sendDatagram(encodeMessage({ kind: 'OK_REPLY', callId: 1 }));
  wt.sendDatagram(encodeMessage({ kind: 'DATA_EVENT', fd: udp.fd, flags: 0, from: { host: '127.0.0.1', port: 5 }, data: unhex('0102') }));
  await until(() => got.length === 1);
  assert.equal(session.datagramStats.droppedMalformed, 2);
  assert.equal(session.isClosed, false, 'junk datagrams do not end the session');
  await session.close();
});

test('keep-alive: a 0x00 datagram when nothing was sent for the interval', async () => {
  const { session, wt } = await openSession({ keepAlive: 100 });
  await until(() => wt.datagrams.items.some((d) => d.bytes.length === 1 && d.bytes[0] === 0), 2000, 'keep-alive');
  assert.ok(session.datagramStats.keepAlivesSent >= 1);
  await session.close();
  const n = session.datagramStats.keepAlivesSent;
  await sleep(300);
  assert.equal(session.datagramStats.keepAlivesSent, n, 'none after the close');
});

test('close: GOODBYE, close record and FIN on the main stream; the session end reports the code', async () => {
  const { session, wt } = await openSession();
  await session.close(1000, 'page done');
  const main = wt.streams[0];
  assert.ok(main.fin);
  assert.equal(main.closeRecord.code, 1000);
  assert.equal(wt.log.filter((m) => m.stream === 0).at(-1).kind, 'GOODBYE');
  assert.equal(main.closeRecord.reason, 'page done');
  assert.deepEqual(wt.closedInfo, { closeCode: 1000, reason: 'page done' }, 'the proxy answered by closing the session');
  const why = await session.closed;
  assert.equal(why.code, 'SESSION_CLOSED');
  assert.equal(why.closeCode, 1000);
});

test('close: the proxy closes with a record; the session ends with its code and reason', async () => {
  const { session, wt } = await openSession();
  const sock = await session.connect('127.0.0.1', 7);
  const reading = sock.read();
  wt.streams[0].sendClose(1001, 'proxy shutting down');
  const why = await session.closed;
  assert.equal(why.closeCode, 1001);
  assert.equal(why.reason, 'proxy shutting down');
  await assert.rejects(reading, (e) => e.code === 'SESSION_CLOSED' && e.closeCode === 1001);
  await until(() => wt.closedInfo !== null, 2000, 'the page closing the WebTransport session');
  assert.equal(wt.closedInfo.closeCode, 1001);
});

test('close: a lost connection ends the session with 1006', async () => {
  const { session, wt } = await openSession();
  const sock = await session.connect('127.0.0.1', 7);
  const reading = sock.read();
  wt.lose('Connection lost.');
  const why = await session.closed;
  assert.equal(why.closeCode, 1006);
  await assert.rejects(reading, (e) => e.code === 'SESSION_CLOSED', 'not STREAM_CLOSED: the session went first');
});

test('close: the proxy ending the session without a record', async () => {
  const { session, wt } = await openSession();
  wt.close(4002, 'limit');
  const why = await session.closed;
  assert.equal(why.closeCode, 4002);
  assert.equal(why.reason, 'limit');
});

test('open: no WebTransport, a failing handshake, a timeout', async () => {
  await assert.rejects(openWebTransport('https://127.0.0.1:1/x', { WebTransport: null }), (e) => e.code === 'SESSION_CLOSED');
  const { WebTransport } = fakeWebTransport({ failReady: 'Opening handshake failed.' });
  await assert.rejects(connect('https://127.0.0.1:1/x', { WebTransport, timeout: 500 }),
    (e) => e instanceof SockbridgeError && e.code === 'SESSION_CLOSED' && /handshake failed/.test(e.reason));
  const silent = fakeWebTransport();
  await assert.rejects(connect('https://127.0.0.1:1/x', { WebTransport: silent.WebTransport, timeout: 100 }),
    (e) => e.code === 'TIMEOUT', 'no WELCOME');
});

/** A WebSocket stand-in that completes the handshake. */
class FakeWebSocket {
  static opened = [];
  constructor(url, protocols) {
    this.url = url;
    this.protocol = protocols[0];
    this.readyState = 0;
    FakeWebSocket.opened.push(url);
    setTimeout(() => { this.readyState = 1; this.onopen?.(); }, 0);
  }

  send(frame) {
    const m = decodeMessage(new Uint8Array(frame));
    if (m.kind === 'HELLO') {
      const w = encodeMessage({ kind: 'WELCOME', version: 1, agent: 'fake-ws', maxFrameSize: 65536, maxSockets: 4, maxOutstandingCalls: 8, maxBufferedBytes: 65536 });
      setTimeout(() => this.onmessage?.({ data: w.buffer.slice(w.byteOffset, w.byteOffset + w.length) }), 0);
    }
  }

  close(code = 1000, reason = '') {
    this.readyState = 3;
    setTimeout(() => this.onclose?.({ code, reason }), 0);
  }
}

test('connectBest: WebTransport when it opens, else WebSocket with the reason', async () => {
  const { WebTransport, server } = fakeWebTransport();
  echoProxy(server);
  const endpoints = { webTransport: { url: 'https://127.0.0.1:4433/sockbridge', certificateHashes: [] }, webSocket: 'ws://127.0.0.1:1/sockbridge' };
  const s1 = await connectBest(endpoints, { WebTransport, WebSocket: FakeWebSocket });
  assert.equal(s1.transportKind, 'webtransport');
  assert.equal(s1.fallbackReason, null);
  await s1.close();

  const failing = fakeWebTransport({ failReady: 'Opening handshake failed.' });
  const s2 = await connectBest(endpoints, { WebTransport: failing.WebTransport, WebSocket: FakeWebSocket });
  assert.equal(s2.transportKind, 'websocket');
  assert.match(s2.fallbackReason.reason, /handshake failed/);
  await s2.close();

  const s3 = await connectBest(endpoints, { WebTransport: null, WebSocket: FakeWebSocket });
  assert.equal(s3.transportKind, 'websocket');
  assert.equal(s3.fallbackReason, null, 'not tried: no WebTransport here');
  await s3.close();

  const s4 = await connect('ws://127.0.0.1:1/sockbridge', { prefer: 'webtransport', webTransport: endpoints.webTransport, WebTransport, WebSocket: FakeWebSocket });
  assert.equal(s4.transportKind, 'webtransport');
  await s4.close();

  const s5 = await connect(endpoints, { prefer: 'websocket', WebTransport, WebSocket: FakeWebSocket });
  assert.equal(s5.transportKind, 'websocket');
  await s5.close();

  await assert.rejects(connectBest({ webTransport: endpoints.webTransport }, { WebTransport: failing.WebTransport, timeout: 500 }),
    (e) => e.code === 'SESSION_CLOSED', 'no fallback without a WebSocket URL');
});

// ------------------------------------------------------------------ feature detection (issue 15, point 3)

for (const [api, expected] of [['writable', 'writable'], ['createWritable', 'createWritable'], ['both', 'createWritable']]) {
  test(`datagrams: a browser with ${api === 'both' ? 'both APIs' : `only ${api}`} gets its datagrams through ${expected}`, async () => {
    const { session, wt } = await openSession({}, { datagramApi: api });
    assert.equal(session.transport.features.datagramWrite, expected);
    assert.equal(datagramWriteApi(session.transport.webTransport.datagrams), expected);
    assert.ok(session.hasDatagrams);
    const udp = await session.udp({ bind: '127.0.0.1:0', datagrams: true });
    const got = [];
    udp.onMessage((data) => got.push(data.length));
    assert.equal(await udp.sendTo(new Uint8Array(50), '127.0.0.1', 9), 50);
    const d = await wt.datagrams.next((x) => x.message?.kind === 'SENDTO', 'SENDTO datagram');
    assert.equal(d.api, expected, 'written through the API detected');
    assert.equal(wt.createWritableCalls, expected === 'createWritable' ? 1 : 0, 'one datagram writable for the session');
    await until(() => got.length === 1, 2000, 'the echo');
    assert.equal(udp.stats.datagramsSent, 1);
    await session.close();
  });
}

test('datagrams: no write API at all leaves the session without a datagram path', async () => {
  const { session } = await openSession({}, { noDatagrams: true });
  assert.equal(session.transport.features.datagramWrite, 'none');
  assert.equal(session.hasDatagrams, false);
  assert.equal(session.maxDatagramSize, 0);
  const udp = await session.udp({ datagrams: 'auto' });
  assert.equal(await udp.sendTo(new Uint8Array(10), '127.0.0.1', 9), 10);
  assert.equal(udp.stats.sentOnStream, 1, 'sent as a call');
  await session.close();
});

test('sendOrder: where streams have priorities the main channel goes before the sockets; a socket can ask for its own', async () => {
  const { session, wt } = await openSession({}, { sendOrder: true });
  assert.equal(session.transport.features.sendOrder, true);
  assert.equal(wt.streams[0].writable.sendOrder, MAIN_SEND_ORDER);
  assert.ok(MAIN_SEND_ORDER > 0);
  const plain = await session.connect('127.0.0.1', 7);
  const urgent = await session.connect('127.0.0.1', 7, { sendOrder: 5 });
  assert.equal(wt.streams.length, 3);
  assert.equal(wt.streams[1].writable.sendOrder, 0, 'a socket stream below the main channel');
  assert.equal(wt.streams[2].writable.sendOrder, 5);
  await urgent.write('x');
  assert.equal(Buffer.from(await urgent.read()).toString(), 'x');
  await plain.close();
  await urgent.close();
  await session.close();
});

test('sendOrder: a browser without stream priorities (Chromium) is detected as such and still works', async () => {
  const { session, wt } = await openSession();
  assert.equal(session.transport.features.sendOrder, false);
  assert.equal(hasSendOrder(wt.streams[0].writable), false);
  const s = await session.connect('127.0.0.1', 7, { sendOrder: 5 });
  await s.write('y');
  assert.equal(Buffer.from(await s.read()).toString(), 'y');
  await session.close();
});

test('open: ready rejecting with no value or an empty error gives a readable reason, never "undefined"', async () => {
  const cases = [
    [undefined, /the browser gave no reason; usual causes: .*certificate hash/],
    [null, /the browser gave no reason/],
    [new Error(''), /the browser gave no reason/],
    [Object.assign(new Error(''), { name: 'WebTransportError', source: 'session', streamErrorCode: null }), /no reason.*\(WebTransportError, source session\)$/],
    [Object.assign(new Error('Opening handshake failed.'), { name: 'WebTransportError', source: 'session' }), /: Opening handshake failed\. \(source session\)$/],
    ['', /the browser gave no reason/],
  ];
  for (const [value, pattern] of cases) {
    const { WebTransport } = fakeWebTransport({ rejectReadyWith: { value } });
    await assert.rejects(connect('https://127.0.0.1:1/x', { WebTransport, timeout: 1000 }), (e) => {
      assert.ok(e instanceof SockbridgeError);
      assert.equal(e.code, 'SESSION_CLOSED');
      assert.doesNotMatch(e.message, /undefined|null|\[object/, `for ${String(value)}`);
      assert.match(e.reason, /^cannot open https:\/\/127\.0\.0\.1:1\/x: /);
      assert.match(e.reason, pattern, `for ${String(value)}`);
      return true;
    });
  }
});

test('close: a session whose closed promise rejects with no value ends with a readable reason', async () => {
  const { session, wt } = await openSession();
  const wtObj = session.transport.webTransport;
  for (const r of wt.streams) r.error(undefined);
  wtObj._rejectClosed(undefined);
  const err = await session.closed;
  assert.equal(err.closeCode, 1006);
  assert.doesNotMatch(err.message, /undefined/);
  assert.match(err.reason, /no reason/);
});

test('describeFailure: words for anything a promise can reject with', () => {
  assert.equal(describeFailure(undefined), 'the browser gave no reason');
  assert.equal(describeFailure(new Error('boom')), 'boom');
  assert.equal(describeFailure(Object.assign(new Error(''), { name: 'WebTransportError', source: 'stream', streamErrorCode: 7 })),
    'the browser gave no reason (WebTransportError, source stream, stream error code 7)');
  assert.equal(describeFailure(new DOMException('', 'AbortError'), 'aborted'), 'aborted (AbortError)');
  assert.equal(describeFailure(42), '42');
  assert.equal(describeFailure({}, 'x'), 'x');
});

test('going away: WebTransport.draining (the proxy drains the session) fires ongoaway with source transport', async () => {
  const { session, wt } = await openSession({}, { draining: true });
  const told = [];
  session.ongoaway = (info) => told.push(info);
  wt.drain();
  assert.deepEqual(await session.goingAway, { reason: 'the server drains the session', source: 'transport' });
  assert.equal(told.length, 1);
  assert.equal(session.isClosed, false, 'still open: the proxy closes it when its drain ends');
  await session.close();
});
