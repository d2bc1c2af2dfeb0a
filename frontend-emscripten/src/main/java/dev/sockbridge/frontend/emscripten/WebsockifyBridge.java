package dev.sockbridge.frontend.emscripten;

import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.frontend.emscripten.internal.TcpBridge;
import dev.sockbridge.frontend.emscripten.internal.UdpBridge;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.proxy.spi.EngineSession;
import dev.sockbridge.proxy.spi.FrontEnd;
import dev.sockbridge.proxy.spi.FrontEndFactory;
import io.netty.buffer.ByteBuf;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Emscripten's default socket emulation (SOCKFS) talks to a websockify-style bridge: each socket is
 * one WebSocket, and the WebSocket payload is the socket's data. This bridges one such WebSocket to
 * one socket of the proxy's engine, as a front end ({@link FrontEndFactory}) making ordinary calls (socket,
 * connect, send, push-mode receive), so the {@link dev.sockbridge.proxy.SocketPolicy}, limits, name lookups,
 * backpressure and stats are the engine's:
 *
 * <ul>
 *   <li>{@link BridgeTargets.Kind#TCP}: websockify-compatible. Binary messages → TCP bytes, TCP reads
 *       → binary messages; TCP end of stream closes the WebSocket (1000), the WebSocket closing
 *       closes TCP after the client's data; backpressure both ways.</li>
 *   <li>{@link BridgeTargets.Kind#UDP}: one WebSocket per destination, one datagram per message
 *       both ways; SOCKFS's optional first 10-byte port announcement is consumed.</li>
 * </ul>
 *
 * <p>Mount it on a WebSocket route that <b>selects the {@value #SUBPROTOCOL} subprotocol</b> when
 * the client offers it (SOCKFS offers {@code binary} by default and browsers fail the handshake
 * when it is not echoed), accepts clients that offer none, and passes the upgrade request's path
 * and query:
 *
 * <pre>{@code
 *   BridgeTargets targets = BridgeTargets.tokenFile(Path.of("tokens.cfg"), BridgeTargets.Kind.TCP);
 *   webSocketServer.addRoute(WebSocketRoute.builder("/websockify", session ->
 *           WebsockifyBridge.serve(proxy, session, targets, session.path(), session.query()))
 *       .subprotocols(WebsockifyBridge.SUBPROTOCOL).admission(proxy.admission()).build());
 * }</pre>
 *
 * Every bridge is admitted by the proxy first (see {@link SockbridgeProxy#admission()}): with
 * {@code .admission(proxy.admission())} a refusal is an HTTP status before the upgrade; otherwise the
 * check runs after it and a refusal is a close code (1008, or 1013 for limits).
 *
 * <p>Close codes: 1000 the target ended the connection; 1008 no target for this URL or the policy
 * denied it (the reason says which); 1009 more data before the target connected than the session's buffer
 * takes; 1011 the target could not be reached or failed; 1001 the proxy shuts down.
 */
public final class WebsockifyBridge {
    /** The WebSocket subprotocol SOCKFS offers and a bridge must select. */
    public static final String SUBPROTOCOL = "binary";
    /**
     * websockify's older subprotocol: the same data base64-encoded in text messages. The WebSocket route does
     * the framing ({@code WebSocketRoute.Builder.base64Subprotocol}); the bridge sees binary messages either way.
     */
    public static final String BASE64_SUBPROTOCOL = "base64";

    private WebsockifyBridge() {
    }

    /** Bridges each transport it is given to {@code target}. */
    public static FrontEndFactory factory(BridgeTargets.Target target) {
        Objects.requireNonNull(target, "target");
        return new Factory(target, null);
    }

    /**
     * Bridges a transport whose upgrade request had {@code requestTarget} (path and query) to the target
     * {@code targets} gives for it, asked now; with none the transport is closed with 1008 once admitted.
     */
    public static FrontEndFactory factory(BridgeTargets targets, String requestTarget) {
        BridgeTargets.Target t;
        try {
            t = targets.resolve(requestTarget);
        } catch (RuntimeException e) {
            t = null;
        }
        return new Factory(t, t == null ? "no bridge target for " + BridgeTargets.pathOf(requestTarget) : null);
    }

    /**
     * Bridges {@code ws} (open, not yet started) to the target {@code targets} gives for {@code requestTarget}
     * (the upgrade request's path and query), under the proxy's admission; no target: closed with 1008. Shorthand
     * for {@code proxy.attach(ws, factory(targets, requestTarget))}.
     *
     * @return completes with the front end once it started, or with null if refused or closed first
     */
    public static CompletableFuture<FrontEnd> serve(SockbridgeProxy proxy, Transport ws, BridgeTargets targets, String requestTarget) {
        return proxy.attach(ws, factory(targets, requestTarget));
    }

    /** The same, for routes that hand over the path and the raw query (without '?', may be null) separately. */
    public static CompletableFuture<FrontEnd> serve(SockbridgeProxy proxy, Transport ws, BridgeTargets targets, String path,
                                                    String query) {
        return serve(proxy, ws, targets, BridgeTargets.requestTarget(path, query));
    }

    /** Bridges {@code ws} (open, not yet started) to {@code target}, under the proxy's admission. */
    public static CompletableFuture<FrontEnd> serve(SockbridgeProxy proxy, Transport ws, BridgeTargets.Target target) {
        return proxy.attach(ws, factory(target));
    }

    private record Factory(BridgeTargets.Target target, String refusal) implements FrontEndFactory {
        @Override
        public String protocol() {
            return target == null ? "websockify" : target.kind() == BridgeTargets.Kind.UDP ? UdpBridge.PROTOCOL : TcpBridge.PROTOCOL;
        }

        @Override
        public FrontEnd create(EngineSession session, Transport ws) {
            if (target == null) {
                return new Refused(session, ws, refusal);
            }
            return target.kind() == BridgeTargets.Kind.UDP ? new UdpBridge(session, ws, target) : new TcpBridge(session, ws, target);
        }
    }

    /**
     * A WebSocket with nowhere to go: admitted (so a refused client learns nothing of the targets), then closed and
     * counted as a denied call.
     */
    private static final class Refused implements FrontEnd, TransportListener {
        private final EngineSession session;
        private final Transport ws;
        private final String reason;
        private boolean ended;

        Refused(EngineSession session, Transport ws, String reason) {
            this.session = session;
            this.ws = ws;
            this.reason = reason;
        }

        @Override
        public void start() {
            ws.start(this);
            session.execute(() -> {
                session.countDenied("bridge", reason);
                close(CloseCode.POLICY_VIOLATION.code(), reason);
            });
        }

        @Override
        public void frameReceived(ByteBuf frame) {
            frame.release();
        }

        @Override
        public void closed(int code, String r) {
            session.execute(() -> close(code, r));
        }

        @Override
        public void close(int code, String r) {
            if (!ended) {
                ended = true; // before session.close, which comes back here
                ws.close(code, r);
                session.close(code, r);
            }
        }
    }
}
