// --pre-js for default-socket-emulation (SOCKFS) programs (emcc 3.1.6) running under node >= 18.
// 3.1.6 was written for the ws 0.4/1.x API:
//   - it calls new WebSocket(url, {protocol: 'binary'}): ws@8 takes the 2nd argument as the
//     subprotocol list only if it is a string/array, so no subprotocol would be offered
//     (websockify then rejects the client);
//   - it listens with ws.on('message', function (data, flags) { if (!flags.binary) return; ... }):
//     ws@8 passes a boolean isBinary, so every message would be silently dropped.
// We replace the cached `ws` module with a subclass that translates both, so that the module's
// own require('ws') gets it. `ws` is found through NODE_PATH (emscripten/node_modules).
// Runtime URL: if the environment variable SOCKFS_URL is set (e.g. ws://127.0.0.1:PORT/),
// every socket connects there (Module.websocket.url, honoured by 3.1.6 as-is; the port given to
// connect() is then ignored). Otherwise the URL is ws://ADDR:PORT/ from connect().
if (typeof process === 'object' && typeof require === 'function') {
  (function () {
    var wsPath, WS;
    try {
      wsPath = require.resolve('ws');
      WS = require('ws');
    } catch (e) {
      console.error('sockfs pre-js: cannot load the "ws" package (set NODE_PATH to emscripten/node_modules): ' + e.message);
      return;
    }
    if (WS.__sockbridgeCompat) return;
    class CompatWebSocket extends WS {
      constructor(url, protocols, options) {
        if (url !== null && protocols && typeof protocols === 'object' && !Array.isArray(protocols) &&
            typeof protocols.protocol === 'string') {
          protocols = protocols.protocol.split(',').map(function (s) { return s.trim(); }).filter(Boolean);
        }
        super(url, protocols, options);
      }
      on(event, listener) {
        // ws's own addEventListener wrappers carry symbol-keyed properties: leave those alone.
        if (event === 'message' && typeof listener === 'function' &&
            Object.getOwnPropertySymbols(listener).length === 0) {
          var orig = listener;
          listener = function (data, isBinary) {
            return orig.call(this, data, { binary: !!isBinary });
          };
        }
        return super.on(event, listener);
      }
      addListener(event, listener) { return this.on(event, listener); }
    }
    class CompatServer extends WS.Server {
      constructor(options, callback) {
        super(Object.assign({ WebSocket: CompatWebSocket }, options), callback);
      }
    }
    CompatWebSocket.Server = CompatServer;
    CompatWebSocket.WebSocketServer = CompatServer;
    CompatWebSocket.WebSocket = CompatWebSocket;
    CompatWebSocket.__sockbridgeCompat = true;
    require.cache[wsPath].exports = CompatWebSocket;
  })();
  if (process.env.SOCKFS_URL) {
    Module['websocket'] = Object.assign(Module['websocket'] || {}, { 'url': process.env.SOCKFS_URL });
  }
}
var fetch = undefined;
