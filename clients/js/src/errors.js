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

/**
 * Words for a failure the browser reported, never "undefined" or empty: a WebTransport `ready` or
 * `closed` may reject with no value, or with a WebTransportError whose message is empty (the
 * page is then told nothing of why). Such a failure is named by what is known of it (its name,
 * `source`, `streamErrorCode`) and `fallback`.
 * @param {unknown} e  what a promise rejected with
 * @param {string} [fallback]  what to say when the failure carries no words
 * @returns {string}
 */
export function describeFailure(e, fallback = 'the browser gave no reason') {
  if (e == null) return fallback;
  if (typeof e === 'string') return e.trim() || fallback;
  if (typeof e !== 'object' && typeof e !== 'function') return String(e);
  const message = typeof e.message === 'string' ? e.message.trim() : '';
  const detail = [];
  if (typeof e.source === 'string' && e.source) detail.push(`source ${e.source}`);
  if (e.streamErrorCode != null) detail.push(`stream error code ${e.streamErrorCode}`);
  const name = typeof e.name === 'string' && e.name && e.name !== 'Error' ? e.name : '';
  if (message) return detail.length ? `${message} (${detail.join(', ')})` : message;
  const what = [name, ...detail].filter(Boolean).join(', ');
  return what ? `${fallback} (${what})` : fallback;
}
