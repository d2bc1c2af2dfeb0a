// The messages of test/golden/vectors.json (made by GenerateVectors.java) in the client's object
// form, by the same names. Plain ES module: used by test/codec.test.js (Node) and
// test/codec-page.js (Chromium).

export function bytes(n) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + 1) & 0xff;
  return b;
}

export const v4 = { family: 2, host: '127.0.0.1', port: 7 };
export const v6 = { family: 10, host: '::1', port: 443 };
export const v6scope = { family: 10, host: 'fe80::1:2', port: 8080, scopeId: 3 };
export const name = { family: 0, host: 'example.org', port: 80 };

// The same messages as GenerateVectors.java, in object form (what decodeMessage gives).
export const messages = {
  hello: { kind: 'HELLO', versions: [1], agent: 'sockbridge-js/0.1' },
  welcome: { kind: 'WELCOME', version: 1, agent: 'sockbridge-proxy/0.1', maxFrameSize: 1048576, maxSockets: 256, maxOutstandingCalls: 1024, maxBufferedBytes: 16777216 },
  welcome_big: { kind: 'WELCOME', version: 1, agent: 'p', maxFrameSize: 65536, maxSockets: 8, maxOutstandingCalls: 16, maxBufferedBytes: 2 ** 40 },
  goodbye: { kind: 'GOODBYE', code: 1000, reason: 'bye' },
  credit: { kind: 'CREDIT', fd: 3, bytes: 65536 },
  credit_big: { kind: 'CREDIT', fd: 3, bytes: 2 ** 33 },
  data_event_stream: { kind: 'DATA_EVENT', fd: 3, flags: 0, from: null, data: bytes(5) },
  data_event_dgram: { kind: 'DATA_EVENT', fd: 4, flags: 0, from: v4, data: bytes(300) },
  data_event_empty: { kind: 'DATA_EVENT', fd: 4, flags: 0x20, from: v6, data: bytes(0) },
  accept_event: { kind: 'ACCEPT_EVENT', fd: 5, newFd: 6, peer: v4 },
  ready_eof: { kind: 'READY_EVENT', fd: 3, events: 0x2001, errno: 0 },
  ready_err: { kind: 'READY_EVENT', fd: 3, events: 0x8, errno: 111 },
  socket: { kind: 'SOCKET', callId: 1, domain: 2, type: 1, protocol: 0 },
  socket_nonblock: { kind: 'SOCKET', callId: 2, domain: 10, type: 2 | 0x800, protocol: 17 },
  socketpair: { kind: 'SOCKETPAIR', callId: 3, domain: 1, type: 1, protocol: 0 },
  bind_v4: { kind: 'BIND', callId: 4, fd: 3, address: v4 },
  connect_name: { kind: 'CONNECT', callId: 5, fd: 3, address: name },
  connect_v6: { kind: 'CONNECT', callId: 6, fd: 3, address: v6 },
  connect_v6_scope: { kind: 'CONNECT', callId: 7, fd: 3, address: v6scope },
  listen: { kind: 'LISTEN', callId: 8, fd: 3, backlog: 128 },
  accept: { kind: 'ACCEPT', callId: 9, fd: 3, flags: 0x800 },
  send: { kind: 'SEND', callId: 10, fd: 3, flags: 0x4000, data: bytes(3) },
  send_256: { kind: 'SEND', callId: 11, fd: 3, flags: 0, data: bytes(256) },
  send_70000: { kind: 'SEND', callId: 12, fd: 3, flags: 0, data: bytes(70000) },
  recv: { kind: 'RECV', callId: 13, fd: 3, length: 65536, flags: 0x2 },
  sendto: { kind: 'SENDTO', callId: 14, fd: 4, flags: 0, address: v4, data: bytes(4) },
  sendto_connected: { kind: 'SENDTO', callId: 15, fd: 4, flags: 0, address: null, data: bytes(1) },
  sendto_datagram: { kind: 'SENDTO', callId: 0, fd: 4, flags: 0, address: v4, data: bytes(2) },
  recvfrom: { kind: 'RECVFROM', callId: 16, fd: 4, length: 1500, flags: 0 },
  sendmsg: { kind: 'SENDMSG', callId: 17, fd: 4, flags: 0, address: v6, data: bytes(24) },
  recvmsg: { kind: 'RECVMSG', callId: 18, fd: 4, length: 100, flags: 0x100 },
  shutdown: { kind: 'SHUTDOWN', callId: 19, fd: 3, how: 1 },
  close: { kind: 'CLOSE', callId: 20, fd: 3 },
  getsockopt: { kind: 'GETSOCKOPT', callId: 21, fd: 3, level: 1, name: 4 },
  setsockopt: { kind: 'SETSOCKOPT', callId: 22, fd: 3, level: 6, name: 1, value: 1 },
  setsockopt_negative: { kind: 'SETSOCKOPT', callId: 23, fd: 3, level: 1, name: 13, value: -1 },
  setsockopt_big: { kind: 'SETSOCKOPT', callId: 24, fd: 3, level: 1, name: 20, value: 5_000_000_000 },
  getaddrinfo: { kind: 'GETADDRINFO', callId: 25, host: 'localhost', service: null, flags: 0x20, family: 0, socktype: 1, protocol: 0 },
  getaddrinfo_service: { kind: 'GETADDRINFO', callId: 26, host: null, service: 'http', flags: 0x1, family: 2, socktype: 0, protocol: 6 },
  getnameinfo: { kind: 'GETNAMEINFO', callId: 27, address: v4, flags: 0x3 },
  poll: { kind: 'POLL', callId: 28, fds: [{ fd: 3, events: 1 }, { fd: 4, events: 0x2005 }], timeoutMillis: -1 },
  poll_empty: { kind: 'POLL', callId: 29, fds: [], timeoutMillis: 0 },
  getsockname: { kind: 'GETSOCKNAME', callId: 30, fd: 3 },
  getpeername: { kind: 'GETPEERNAME', callId: 31, fd: 3 },
  push_on: { kind: 'PUSH', callId: 32, fd: 3, enabled: true, credit: 262144 },
  push_off: { kind: 'PUSH', callId: 33, fd: 3, enabled: false, credit: 0 },
  call_id_max: { kind: 'CLOSE', callId: 0x7fffffff, fd: 65535 },
  error_reply: { kind: 'ERROR_REPLY', callId: 5, code: 111, reason: 'Connection refused' },
  error_reply_gai: { kind: 'ERROR_REPLY', callId: 25, code: -2, reason: 'Name or service not known' },
  error_reply_long_reason: { kind: 'ERROR_REPLY', callId: 6, code: 22, reason: 'x'.repeat(40) },
  ok_reply: { kind: 'OK_REPLY', callId: 4 },
  value_reply: { kind: 'VALUE_REPLY', callId: 1, value: 3 },
  value_reply_negative: { kind: 'VALUE_REPLY', callId: 21, value: -1 },
  value_reply_big: { kind: 'VALUE_REPLY', callId: 21, value: 2 ** 35 },
  socketpair_reply: { kind: 'SOCKETPAIR_REPLY', callId: 3, fd0: 5, fd1: 6 },
  accept_reply: { kind: 'ACCEPT_REPLY', callId: 9, fd: 7, peer: v6 },
  data_reply: { kind: 'DATA_REPLY', callId: 13, flags: 0, from: null, data: bytes(10) },
  data_reply_from: { kind: 'DATA_REPLY', callId: 16, flags: 0x20, from: v4, data: bytes(24) },
  data_reply_eof: { kind: 'DATA_REPLY', callId: 13, flags: 0, from: null, data: bytes(0) },
  address_reply: { kind: 'ADDRESS_REPLY', callId: 30, address: v4 },
  address_reply_null: { kind: 'ADDRESS_REPLY', callId: 30, address: null },
  address_reply_scope: { kind: 'ADDRESS_REPLY', callId: 30, address: v6scope },
  addrinfo_reply: {
    kind: 'ADDRINFO_REPLY', callId: 25, results: [
      { family: 2, socktype: 1, protocol: 6, address: { family: 2, host: '127.0.0.1', port: 0 }, canonName: 'localhost' },
      { family: 10, socktype: 1, protocol: 6, address: { family: 10, host: '::1', port: 0 }, canonName: null },
    ],
  },
  addrinfo_reply_empty: { kind: 'ADDRINFO_REPLY', callId: 25, results: [] },
  nameinfo_reply: { kind: 'NAMEINFO_REPLY', callId: 27, host: 'localhost', service: '7' },
  poll_reply: { kind: 'POLL_REPLY', callId: 28, ready: [{ fd: 4, events: 0x2001 }] },
};
