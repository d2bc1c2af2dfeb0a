import { errnoName, CloseCode } from './constants.js';

const CLOSE_NAMES = Object.fromEntries(Object.entries(CloseCode).map(([k, v]) => [v, k]));

/**
 * Every failure of the client is a SockbridgeError.
 *
 * - A failed call (ERROR_REPLY): `errno` is the Linux errno (or a negative EAI_* code for
 *   getaddrinfo/getnameinfo), `code` its name (`'ECONNREFUSED'`, `'EAI_NONAME'`), `reason` the
 *   proxy's words, `call` the call's name (`'connect'`).
 * - A socket error pushed by the proxy (READY_EVENT with POLLERR): the same, with `call` `'push'`.
 * - The session's end (GOODBYE, transport closed, handshake failure): `errno` is `undefined`,
 *   `code` is `'SESSION_CLOSED'` (or `'HANDSHAKE'` / `'PROTOCOL'` / `'TIMEOUT'`), `closeCode` the
 *   GOODBYE or WebSocket close code.
 */
export class SockbridgeError extends Error {
  /**
   * @param {object} o
   * @param {string} o.code
   * @param {string} [o.reason]
   * @param {number} [o.errno]
   * @param {string} [o.call]
   * @param {number} [o.closeCode]
   * @param {unknown} [o.cause]
   */
  constructor({ code, reason = '', errno, call, closeCode, cause }) {
    const where = call ? `${call}: ` : '';
    super(`${where}${code}${reason ? ` (${reason})` : ''}`, cause === undefined ? undefined : { cause });
    this.name = 'SockbridgeError';
    /** @type {string} */
    this.code = code;
    /** @type {string} */
    this.reason = reason;
    /** @type {number|undefined} */
    this.errno = errno;
    /** @type {string|undefined} */
    this.call = call;
    /** @type {number|undefined} */
    this.closeCode = closeCode;
  }

  /** An error from an errno (or EAI code) as the proxy reports it. */
  static fromErrno(errno, reason, call) {
    return new SockbridgeError({ code: errnoName(errno), errno, reason, call });
  }

  /** The session ended; `closeCode` in WebSocket/GOODBYE numbering. */
  static closed(closeCode, reason, cause) {
    const name = CLOSE_NAMES[closeCode];
    const why = reason || name || '';
    return new SockbridgeError({ code: 'SESSION_CLOSED', reason: why, closeCode, cause });
  }
}
