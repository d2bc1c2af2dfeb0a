// Socket addresses: parsing and formatting of IP literals and their wire form
// (null | [0, "host", port] | [2, h'4 bytes', port] | [10, h'16 bytes', port (, scope)]).

/**
 * A socket address as the client API takes and gives it.
 * @typedef {object} SocketAddress
 * @property {string} host  an IPv4 or IPv6 literal, or a host name (family 0, resolved by the proxy)
 * @property {number} port
 * @property {number} [family]  2 (IPv4), 10 (IPv6) or 0 (a name); inferred from host when absent
 * @property {number} [scopeId] IPv6 scope (interface index), when not 0
 */

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The 4 bytes of an IPv4 literal, or null. */
export function parseIPv4(s) {
  if (typeof s !== 'string' || !V4.test(s)) return null;
  return Uint8Array.from(s.split('.'), Number);
}

/**
 * The 16 bytes and scope of an IPv6 literal (brackets and a numeric `%scope` allowed), or null.
 * @returns {{bytes: Uint8Array, scopeId: number}|null}
 */
export function parseIPv6(s) {
  if (typeof s !== 'string' || !s.includes(':')) return null;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  let scopeId = 0;
  const pct = s.indexOf('%');
  if (pct >= 0) {
    const z = s.slice(pct + 1);
    if (!/^\d+$/.test(z)) return null;
    scopeId = Number(z);
    s = s.slice(0, pct);
  }
  const words = [];
  let tail = s;
  let v4 = null;
  const lastColon = tail.lastIndexOf(':');
  if (tail.slice(lastColon + 1).includes('.')) {
    v4 = parseIPv4(tail.slice(lastColon + 1));
    if (!v4) return null;
    tail = tail.slice(0, lastColon + 1) + '0:0';
  }
  const halves = tail.split('::');
  if (halves.length > 2) return null;
  const part = (h) => (h === '' ? [] : h.split(':'));
  const head = part(halves[0]);
  const rest = halves.length === 2 ? part(halves[1]) : [];
  for (const g of [...head, ...rest]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
  }
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  words.push(...head.map((g) => parseInt(g, 16)));
  for (let i = 0; i < (halves.length === 2 ? missing : 0); i++) words.push(0);
  words.push(...rest.map((g) => parseInt(g, 16)));
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => { bytes[2 * i] = w >> 8; bytes[2 * i + 1] = w & 0xff; });
  if (v4) bytes.set(v4, 12);
  return { bytes, scopeId };
}

/** Dotted IPv4 text of 4 bytes. */
export function formatIPv4(b) {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** RFC 5952 text of 16 bytes: lower case, the longest run of two or more zero groups as `::`. */
export function formatIPv6(b) {
  const w = [];
  for (let i = 0; i < 16; i += 2) w.push((b[i] << 8) | b[i + 1]);
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (a) => a.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(w);
  return `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`;
}

/**
 * Splits `"host:port"`, `"[v6]:port"` into a SocketAddress.
 * @param {string} s
 * @returns {SocketAddress}
 */
export function parseHostPort(s) {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) || /^([^:]*):(\d+)$/.exec(s);
  if (!m) throw new TypeError(`not host:port: ${s}`);
  const port = Number(m[2]);
  if (port > 65535) throw new RangeError(`port out of range: ${port}`);
  return { host: m[1], port };
}

/**
 * The address in any accepted form (SocketAddress, "host:port", a wire array, null) as a
 * SocketAddress or null.
 */
export function toSocketAddress(a, port) {
  if (a == null) return null;
  if (typeof a === 'string') return port === undefined ? parseHostPort(a) : { host: a, port };
  if (Array.isArray(a)) return fromWireAddress(a);
  return a;
}

/**
 * The wire form of an address.
 * @param {SocketAddress|string|Array|null} a
 * @returns {Array|null}
 */
export function toWireAddress(a) {
  if (a == null) return null;
  if (Array.isArray(a)) return a;
  if (typeof a === 'string') a = parseHostPort(a);
  const { host, port } = a;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`bad port: ${port}`);
  if (typeof host !== 'string' || host === '') throw new TypeError('an address needs a host');
  if (a.family === 0) return [0, host, port];
  const v4 = parseIPv4(host);
  if (v4) return [2, v4, port];
  const v6 = parseIPv6(host);
  if (v6) {
    const scope = a.scopeId || v6.scopeId;
    return scope ? [10, v6.bytes, port, scope] : [10, v6.bytes, port];
  }
  if (host.length > 253) throw new RangeError('host name longer than 253 characters');
  return [0, host, port];
}

/**
 * The SocketAddress of a wire address.
 * @param {Array|null} w
 * @returns {SocketAddress|null}
 */
export function fromWireAddress(w) {
  if (w == null) return null;
  if (!Array.isArray(w) || w.length < 3) throw new TypeError('malformed address');
  const [family, a, port, scope] = w;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`port out of range: ${port}`);
  if (w.length > (family === 10 ? 4 : 3)) throw new TypeError('malformed address');
  if (family === 0) {
    if (typeof a !== 'string' || a.length === 0 || a.length > 253) throw new TypeError('bad host name');
    return { family: 0, host: a, port };
  }
  if (family === 2 && a instanceof Uint8Array && a.length === 4) return { family: 2, host: formatIPv4(a), port };
  if (family === 10 && a instanceof Uint8Array && a.length === 16) {
    const out = { family: 10, host: formatIPv6(a), port };
    if (scope) out.scopeId = scope;
    return out;
  }
  throw new TypeError(`malformed address of family ${family}`);
}

/** The address family (2 or 10) a host literal needs, or `fallback` for names. */
export function familyOf(host, fallback = 2) {
  if (parseIPv4(host)) return 2;
  if (parseIPv6(host)) return 10;
  return fallback;
}
