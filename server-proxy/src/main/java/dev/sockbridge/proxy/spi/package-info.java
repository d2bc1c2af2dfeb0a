/**
 * The front-end SPI: how a wire protocol plugs into the Sockbridge engine.
 *
 * <pre>
 *   ServerTransport ─▶ admission ─▶ EngineSession (socket table, calls) ◀─submit(Call)─ FrontEnd ◀─frames─ Transport
 *                                        │                                                  ▲
 *                                        └── Result / push Event ──▶ Route (main transport, a stream) ─┘
 * </pre>
 *
 * <p>A protocol is a {@link dev.sockbridge.proxy.spi.FrontEndFactory}; serve it with
 * {@link dev.sockbridge.proxy.SockbridgeProxy#serve(dev.sockbridge.api.transport.ServerTransport, FrontEndFactory)}
 * or {@link dev.sockbridge.proxy.SockbridgeProxy#attach(dev.sockbridge.api.transport.Transport, FrontEndFactory)}.
 * The proxy admits each transport (limits, authenticator), makes the session's {@link
 * dev.sockbridge.proxy.spi.EngineSession} under the grant's policy and limits, and asks the factory for the
 * {@link dev.sockbridge.proxy.spi.FrontEnd}. The front end decodes frames into {@link
 * dev.sockbridge.proxy.spi.Call}s (an api {@link dev.sockbridge.api.message.Request} and the {@link
 * dev.sockbridge.proxy.spi.Route} its answer goes back on), submits them, and encodes each {@link
 * dev.sockbridge.proxy.spi.Result} it gets back. Everything of one session runs on one event loop.
 *
 * <p>Sockbridge's own CBOR protocol is a front end like any other ({@link
 * dev.sockbridge.proxy.spi.FrontEndFactory#sockbridge()}); the Emscripten POSIX protocol and the websockify bridge
 * (module {@code frontend-emscripten}) are others.
 */
package dev.sockbridge.proxy.spi;
