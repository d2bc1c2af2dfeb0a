// Sockbridge browser client: real TCP and UDP for web pages through a Sockbridge proxy.
//
//   import { connect } from './sockbridge.js';
//   const session = await connect('ws://127.0.0.1:8080/sockbridge');
//   const sock = await session.connect('127.0.0.1', 7);
//   await sock.write(new TextEncoder().encode('hello'));
//   for await (const chunk of sock) { ... }
//
// See README.md for the API; every message layout is in docs/protocol.md.

import { openWebSocket } from './transport.js';
import { Session, AGENT } from './session.js';

export { Session, AGENT } from './session.js';
export { TcpSocket, UdpSocket, TcpListener } from './sockets.js';
export { SockbridgeError } from './errors.js';
export { WebSocketTransport, openWebSocket, LengthPrefixedFramer, FrameInbox } from './transport.js';
export {
  MessageType, MessageTypeName, Posix, Errno, GaiError, SocketOption, CloseCode, errnoName,
  PROTOCOL_VERSION, SUBPROTOCOL,
} from './constants.js';
export {
  encodeMessage, decodeMessage, encodeFrame, decodeFrame, buildMessage, parseMessage, fieldNames, ProtocolError,
} from './codec.js';
export { parseHostPort, toWireAddress, fromWireAddress } from './address.js';

/**
 * Opens a session with a Sockbridge proxy: opens the transport, sends HELLO [1, [1], agent] and
 * waits for WELCOME.
 *
 * @param {string} url  the proxy's WebSocket endpoint, e.g. `ws://127.0.0.1:8080/sockbridge`
 *        (ignored when `options.transport` is given)
 * @param {object} [options]
 * @param {string[]} [options.protocols]  WebSocket subprotocols, default `['sockbridge.v1']`
 * @param {number} [options.timeout]  ms for opening and the handshake, default 10000
 * @param {string} [options.agent]  the agent string sent in HELLO
 * @param {typeof WebSocket} [options.WebSocket]  WebSocket constructor (Node: `import {WebSocket} from 'ws'`)
 * @param {import('./transport.js').Transport} [options.transport]  an already open transport to use instead
 * @returns {Promise<Session>}  rejects with a SockbridgeError: code 'SESSION_CLOSED' (GOODBYE or
 *          closed, `closeCode` says which, 4001 for an unsupported version), 'TIMEOUT',
 *          'HANDSHAKE' or 'PROTOCOL'
 */
export async function connect(url, options = {}) {
  const { timeout = 10000, agent = AGENT, protocols, WebSocket } = options;
  const transport = options.transport ?? await openWebSocket(url, { protocols, WebSocket, timeout });
  return Session.handshake(transport, { agent, timeout });
}
