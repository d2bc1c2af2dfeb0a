// --pre-js for programs linked with the Sockbridge backend (clients/js/emscripten/library_sockbridge.js)
// and run under node (tests). It sets Module.sockbridge from the environment:
//   SOCKBRIDGE_URL     ws://127.0.0.1:PORT/sockbridge (the runnable proxy's Sockbridge endpoint)
//   SOCKBRIDGE_CLIENT  path of clients/js/src/sockbridge.js (default: relative to this checkout)
//   SOCKBRIDGE_MAP     "PORT=HOST:PORT,..." routes a port the program has compiled in (upstream's
//                      -DSOCKK) to the test's server, as a page's mapAddress would
// `ws` comes through NODE_PATH (emscripten/node_modules); node 20 has no global WebSocket.
// Node >= 18's global fetch makes 3.1.6 fetch the .wasm as a URL: shadowed below.
if (typeof process === 'object' && typeof require === 'function' && !Module['sockbridge'] && process.env.SOCKBRIDGE_URL) {
  (function() {
    var map = {};
    (process.env.SOCKBRIDGE_MAP || '').split(',').filter(Boolean).forEach(function(e) {
      var kv = e.split('='), i = kv[1].lastIndexOf(':');
      map[kv[0]] = { host: kv[1].slice(0, i), port: +kv[1].slice(i + 1) };
    });
    // (pthread workers evaluate this file too, without __dirname; they never open the session)
    var here = typeof __dirname !== 'undefined' ? __dirname : process.cwd();
    var client = process.env.SOCKBRIDGE_CLIENT || require('path').join(here, '..', '..', 'clients', 'js', 'src', 'sockbridge.js');
    Module['sockbridge'] = {
      url: process.env.SOCKBRIDGE_URL,
      token: process.env.SOCKBRIDGE_TOKEN || undefined,
      clientUrl: require('url').pathToFileURL(client).href,
      WebSocket: require('ws'),
      mapAddress: function(host, port) { return map[port] || null; }
    };
  })();
}
var fetch = undefined;
