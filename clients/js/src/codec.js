// The Sockbridge CBOR codec: every message is a definite-length CBOR array whose first element is
// its type code; requests and replies carry the call id next; bulk data is the trailing byte
// string. Same bytes as the Java codec (dev.sockbridge.api.internal.codec.CborMessageCodec).
//
// Three forms of a message:
//   wire array   [0x13, 5, 3, [2, Uint8Array(4), 7]]          what goes through cbor-x
//   object       {kind: 'CONNECT', callId: 5, fd: 3, address: {host, port, family}}
//                (kind is the type's name; MessageType[kind] its code)
//   bytes        Uint8Array, one transport frame

// Two modules of cbor-x rather than its index: the browser then loads just encode.js and decode.js
// (the import map in demo/index.html points these names at node_modules/cbor-x/*.js).
import { Encoder } from 'cbor-x/encode';
import { Decoder } from 'cbor-x/decode';
import { MessageType as T, MessageTypeName } from './constants.js';
import { toWireAddress, fromWireAddress } from './address.js';

// Field kinds: int (32-bit), long (64-bit), str (text or null), addr, data (trailing bytes), bool,
// ints (list of ints), pollfds ([fd, events, ...] on the wire, [{fd, events}] as objects),
// addrinfos ([[family, socktype, protocol, addr, canonName], ...]).
const SCHEMA = {
  [T.HELLO]: [['versions', 'ints'], ['agent', 'str']],
  [T.WELCOME]: [['version', 'int'], ['agent', 'str'], ['maxFrameSize', 'int'], ['maxSockets', 'int'],
    ['maxOutstandingCalls', 'int'], ['maxBufferedBytes', 'long']],
  [T.GOODBYE]: [['code', 'int'], ['reason', 'str']],
  [T.CREDIT]: [['fd', 'int'], ['bytes', 'long']],
  [T.GOING_AWAY]: [['reason', 'str']],
  [T.DATA_EVENT]: [['fd', 'int'], ['flags', 'int'], ['from', 'addr'], ['data', 'data']],
  [T.ACCEPT_EVENT]: [['fd', 'int'], ['newFd', 'int'], ['peer', 'addr']],
  [T.READY_EVENT]: [['fd', 'int'], ['events', 'int'], ['errno', 'int']],

  [T.SOCKET]: [['domain', 'int'], ['type', 'int'], ['protocol', 'int']],
  [T.SOCKETPAIR]: [['domain', 'int'], ['type', 'int'], ['protocol', 'int']],
  [T.BIND]: [['fd', 'int'], ['address', 'addr']],
  [T.CONNECT]: [['fd', 'int'], ['address', 'addr']],
  [T.LISTEN]: [['fd', 'int'], ['backlog', 'int']],
  [T.ACCEPT]: [['fd', 'int'], ['flags', 'int']],
  [T.SEND]: [['fd', 'int'], ['flags', 'int'], ['data', 'data']],
  [T.RECV]: [['fd', 'int'], ['length', 'int'], ['flags', 'int']],
  [T.SENDTO]: [['fd', 'int'], ['flags', 'int'], ['address', 'addr'], ['data', 'data']],
  [T.RECVFROM]: [['fd', 'int'], ['length', 'int'], ['flags', 'int']],
  [T.SENDMSG]: [['fd', 'int'], ['flags', 'int'], ['address', 'addr'], ['data', 'data']],
  [T.RECVMSG]: [['fd', 'int'], ['length', 'int'], ['flags', 'int']],
  [T.SHUTDOWN]: [['fd', 'int'], ['how', 'int']],
  [T.CLOSE]: [['fd', 'int']],
  [T.GETSOCKOPT]: [['fd', 'int'], ['level', 'int'], ['name', 'int']],
  [T.SETSOCKOPT]: [['fd', 'int'], ['level', 'int'], ['name', 'int'], ['value', 'long']],
  [T.GETADDRINFO]: [['host', 'str'], ['service', 'str'], ['flags', 'int'], ['family', 'int'],
    ['socktype', 'int'], ['protocol', 'int']],
  [T.GETNAMEINFO]: [['address', 'addr'], ['flags', 'int']],
  [T.POLL]: [['fds', 'pollfds'], ['timeoutMillis', 'int']],
  [T.GETSOCKNAME]: [['fd', 'int']],
  [T.GETPEERNAME]: [['fd', 'int']],
  [T.PUSH]: [['fd', 'int'], ['enabled', 'bool'], ['credit', 'long']],

  [T.ERROR_REPLY]: [['code', 'int'], ['reason', 'str']],
  [T.OK_REPLY]: [],
  [T.VALUE_REPLY]: [['value', 'long']],
  [T.SOCKETPAIR_REPLY]: [['fd0', 'int'], ['fd1', 'int']],
  [T.ACCEPT_REPLY]: [['fd', 'int'], ['peer', 'addr']],
  [T.DATA_REPLY]: [['flags', 'int'], ['from', 'addr'], ['data', 'data']],
  [T.ADDRESS_REPLY]: [['address', 'addr']],
  [T.ADDRINFO_REPLY]: [['results', 'addrinfos']],
  [T.NAMEINFO_REPLY]: [['host', 'str'], ['service', 'str']],
  [T.POLL_REPLY]: [['ready', 'pollfds']],
};

/** True for the types that carry a call id after the type code (requests and replies). */
export function hasCallId(code) {
  return code >= 0x10;
}

/** True for request types (0x10..0x3f). */
export function isRequest(code) {
  return code >= 0x10 && code < 0x40;
}

/** The field names of a message type after the type code (and call id), in wire order. */
export function fieldNames(type) {
  const s = SCHEMA[typeCode(type)];
  return s.map(([n]) => n);
}

/**
 * The numeric code of a type given as code, name ('CONNECT') or lower-case call name ('connect').
 * @param {number|string} type
 */
export function typeCode(type) {
  if (typeof type === 'number') {
    if (!SCHEMA[type]) throw new TypeError(`unknown message type ${type}`);
    return type;
  }
  const c = T[String(type).toUpperCase()];
  if (c === undefined) throw new TypeError(`unknown message type ${type}`);
  return c;
}

const encoder = new Encoder({
  useRecords: false, tagUint8Array: false, pack: false, structuredClone: false, variableMapSize: true,
});
const decoder = new Decoder({ useRecords: false, int64AsNumber: true, mapsAsObjects: true });
const utf8 = new TextEncoder();

/** Bytes of any binary input: Uint8Array (as is), ArrayBuffer, other views, or a string (UTF-8). */
export function toBytes(d) {
  if (d instanceof Uint8Array) {
    return d.constructor === Uint8Array ? d : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }
  if (typeof d === 'string') return utf8.encode(d);
  if (d instanceof ArrayBuffer) return new Uint8Array(d);
  if (ArrayBuffer.isView(d)) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  throw new TypeError('data must be a Uint8Array, ArrayBuffer, typed array or string');
}

function wireInt(v, name) {
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
    throw new TypeError(`${name} must be a 32-bit integer, not ${v}`);
  }
  return v;
}

function wireLong(v, name) {
  if (typeof v === 'bigint') return v >= -0x100000000n && v <= 0xffffffffn ? Number(v) : v;
  if (!Number.isSafeInteger(v)) throw new TypeError(`${name} must be an integer, not ${v}`);
  // cbor-x writes integers beyond 32 bits as floats; BigInt makes it write a 64-bit integer.
  return v > 0xffffffff || v < -0x100000000 ? BigInt(v) : v;
}

function toWireField(kind, v, name) {
  switch (kind) {
    case 'int': return wireInt(v, name);
    case 'long': return wireLong(v, name);
    case 'str':
      if (v != null && typeof v !== 'string') throw new TypeError(`${name} must be a string or null`);
      return v ?? null;
    case 'bool': return !!v;
    case 'addr': return toWireAddress(v);
    case 'data': return toBytes(v);
    case 'ints': return Array.from(v, (x) => wireInt(x, name));
    case 'pollfds': {
      const out = [];
      for (const p of v) {
        if (typeof p === 'number') out.push(wireInt(p, name));
        else out.push(wireInt(p.fd, 'fd'), wireInt(p.events, 'events'));
      }
      return out;
    }
    case 'addrinfos':
      return v.map((ai) => Array.isArray(ai) ? ai : [wireInt(ai.family, 'family'), wireInt(ai.socktype, 'socktype'),
        wireInt(ai.protocol, 'protocol'), toWireAddress(ai.address), ai.canonName ?? null]);
    default: throw new Error(kind);
  }
}

function fromWireField(kind, v, name) {
  switch (kind) {
    case 'int':
      if (!Number.isInteger(v)) throw new ProtocolError(`${name}: an integer expected`);
      if (v < -0x80000000 || v > 0x7fffffff) throw new ProtocolError(`${name}: integer out of range`);
      return v;
    case 'long':
      if (typeof v === 'bigint') v = Number(v);
      if (!Number.isInteger(v)) throw new ProtocolError(`${name}: an integer expected`);
      return v;
    case 'str':
      if (v !== null && typeof v !== 'string') throw new ProtocolError(`${name}: text expected`);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw new ProtocolError(`${name}: a boolean expected`);
      return v;
    case 'addr':
      try {
        return fromWireAddress(v);
      } catch (e) {
        throw new ProtocolError(`${name}: ${e.message}`);
      }
    case 'data':
      if (!(v instanceof Uint8Array)) throw new ProtocolError(`${name}: a byte string expected`);
      return v;
    case 'ints':
      if (!Array.isArray(v)) throw new ProtocolError(`${name}: a list expected`);
      return v.map((x) => fromWireField('int', x, name));
    case 'pollfds': {
      if (!Array.isArray(v) || v.length % 2) throw new ProtocolError(`${name}: a list of fd, events pairs expected`);
      const out = [];
      for (let i = 0; i < v.length; i += 2) out.push({ fd: fromWireField('int', v[i], 'fd'), events: fromWireField('int', v[i + 1], 'events') });
      return out;
    }
    case 'addrinfos':
      if (!Array.isArray(v)) throw new ProtocolError(`${name}: a list expected`);
      return v.map((ai) => {
        if (!Array.isArray(ai) || ai.length !== 5) throw new ProtocolError('malformed addrinfo entry');
        return {
          family: fromWireField('int', ai[0], 'family'), socktype: fromWireField('int', ai[1], 'socktype'),
          protocol: fromWireField('int', ai[2], 'protocol'), address: fromWireField('addr', ai[3], 'address'),
          canonName: fromWireField('str', ai[4], 'canonName'),
        };
      });
    default: throw new Error(kind);
  }
}

/**
 * A frame the codec cannot read. `type` and `callId` are what could be read of its header (-1 if
 * nothing): a client fails just that call when a reply's call id is known.
 */
export class ProtocolError extends Error {
  constructor(message, type = -1, callId = -1) {
    super(message);
    this.name = 'ProtocolError';
    this.type = type;
    this.callId = callId;
  }
}

/** Reads an unsigned integer at `pos`: [value, next position], or null if there is none. */
function readUint(b, pos) {
  if (pos >= b.length || b[pos] >> 5 !== 0) return null;
  const ai = b[pos] & 0x1f;
  if (ai < 24) return [ai, pos + 1];
  const n = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : 0;
  if (n === 0 || pos + n >= b.length) return null;
  let v = 0;
  for (let i = 1; i <= n; i++) v = v * 256 + b[pos + i];
  return [v, pos + 1 + n];
}

/** The type code and call id that can be read from the start of a frame, -1 for each that cannot. */
export function readHeader(b) {
  if (!b.length || b[0] >> 5 !== 4 || (b[0] & 0x1f) > 27 && b[0] !== 0x9f) return { type: -1, callId: -1 };
  let pos = 1;
  const ai = b[0] & 0x1f;
  if (ai >= 24 && ai <= 27) pos += 1 << (ai - 24);
  const t = readUint(b, pos);
  if (!t) return { type: -1, callId: -1 };
  const type = t[0];
  if (SCHEMA[type] && !hasCallId(type)) return { type, callId: -1 };
  const c = readUint(b, t[1]);
  return { type, callId: c && c[0] <= 0x7fffffff ? c[0] : -1 };
}

/**
 * Builds the wire array of a message from its fields in schema order (see fieldNames), taking
 * user-friendly values: addresses as {host, port} or "host:port", data as Uint8Array/ArrayBuffer/
 * string, poll lists as [{fd, events}].
 * @param {number|string} type
 * @param {number|null} callId  the call id for requests and replies, ignored otherwise
 * @param {Array} fields
 * @returns {Array}
 */
export function buildMessage(type, callId, fields) {
  const code = typeCode(type);
  const schema = SCHEMA[code];
  if (fields.length !== schema.length) {
    throw new TypeError(`${MessageTypeName[code]} takes ${schema.length} fields (${schema.map(([n]) => n).join(', ')}), not ${fields.length}`);
  }
  const out = hasCallId(code) ? [code, wireInt(callId, 'callId')] : [code];
  for (let i = 0; i < schema.length; i++) out.push(toWireField(schema[i][1], fields[i], schema[i][0]));
  return out;
}

/**
 * The bytes of a wire array.
 * @param {Array} wire
 * @returns {Uint8Array}
 */
export function encodeFrame(wire) {
  return encoder.encode(wire);
}

/**
 * The wire array of a frame, checked against the schema of its type.
 * @param {Uint8Array} bytes
 * @returns {Array}
 */
export function decodeFrame(bytes) {
  let v;
  try {
    // a definite-length array (major type 4, additional information 0..27)
    if (!bytes.length || bytes[0] < 0x80 || bytes[0] > 0x9b) {
      throw new ProtocolError('a message is a definite-length CBOR array');
    }
    try {
      v = decoder.decode(bytes);
    } catch (e) {
      throw new ProtocolError(`malformed frame: ${e.message}`);
    }
    if (!Array.isArray(v) || v.length === 0 || !Number.isInteger(v[0])) {
      throw new ProtocolError('a message is a CBOR array starting with its type code');
    }
    const schema = SCHEMA[v[0]];
    if (!schema) throw new ProtocolError(`unknown message type ${v[0]}`);
    const want = schema.length + (hasCallId(v[0]) ? 2 : 1);
    if (v.length !== want) throw new ProtocolError(`${MessageTypeName[v[0]]} has ${v.length} elements, not ${want}`);
    return v;
  } catch (e) {
    const h = readHeader(bytes);
    e.type = h.type;
    e.callId = h.callId;
    throw e;
  }
}

/**
 * The object form of a wire array: {kind, callId?, ...fields}.
 * @param {Array} wire
 * @returns {object}
 */
export function parseMessage(wire) {
  const code = wire[0];
  const schema = SCHEMA[code];
  if (!schema) throw new ProtocolError(`unknown message type ${code}`, code);
  const m = { kind: MessageTypeName[code] };
  let i = 1;
  try {
    if (hasCallId(code)) m.callId = fromWireField('int', wire[i++], 'callId');
    for (const [name, kind] of schema) m[name] = fromWireField(kind, wire[i++], name);
  } catch (e) {
    e.type = code;
    e.callId = m.callId ?? -1;
    throw e;
  }
  return m;
}

/**
 * Encodes a message in object form ({kind, callId?, ...fields}).
 * @param {object} m
 * @returns {Uint8Array}
 */
export function encodeMessage(m) {
  const code = typeCode(m.kind);
  return encodeFrame(buildMessage(code, m.callId ?? null, SCHEMA[code].map(([n]) => m[n])));
}

/**
 * Decodes one frame into object form.
 * @param {Uint8Array} bytes
 * @returns {object}
 */
export function decodeMessage(bytes) {
  return parseMessage(decodeFrame(bytes));
}
