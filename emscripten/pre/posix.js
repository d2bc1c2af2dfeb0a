// --pre-js for PROXY_POSIX_SOCKETS programs (emcc 3.1.6) running under node >= 18.
// 1. 3.1.6's library_websocket.js calls `new WebSocket(url)`; node 20 has no global WebSocket,
//    so provide the `ws` package (ws@8 has the browser-style onopen/onmessage/binaryType API),
//    with a no-op 'error' listener so that an unreachable proxy does not crash the program.
//    `ws` is found through NODE_PATH (run-all.js sets it to emscripten/node_modules).
// 2. node >= 18 has a global fetch(), which makes 3.1.6 try to fetch the .wasm file as a URL
//    ("Failed to parse URL"): shadow it with a module-local undefined `fetch`.
// This file is also evaluated inside the pthread workers, where neither matters.
if (typeof process === 'object' && typeof require === 'function' && typeof globalThis.WebSocket === 'undefined') {
  try {
    const WS = require('ws');
    // Browser WebSockets never throw on a failed connection; ws@8 does when nobody listens for
    // 'error' (3.1.6's bridge registers no error handler), which would kill the program before
    // it can report that the proxy is unreachable. Add a no-op listener.
    globalThis.WebSocket = class BrowserLikeWebSocket extends WS {
      constructor(...args) {
        super(...args);
        this.on('error', () => {});
      }
    };
  } catch (e) {
    console.error('posix pre-js: cannot load the "ws" package (set NODE_PATH to emscripten/node_modules): ' + e.message);
  }
}
var fetch = undefined;
