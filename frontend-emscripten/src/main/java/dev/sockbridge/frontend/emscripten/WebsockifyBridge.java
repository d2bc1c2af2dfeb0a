package dev.sockbridge.frontend.emscripten;

import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.frontend.emscripten.internal.Bridge;
import dev.sockbridge.frontend.emscripten.internal.TcpBridge;
import dev.sockbridge.frontend.emscripten.internal.UdpBridge;
import dev.sockbridge.proxy.internal.AdmissionTicket;
import io.netty.buffer.ByteBuf;

/**
 * Emscripten's default socket emulation (SOCKFS) talks to a websockify-style bridge: each socket is
 * one WebSocket, and the WebSocket payload is the socket's data. This bridges one such WebSocket to
 * one native connection made by the proxy, under its {@link dev.sockbridge.proxy.SocketPolicy}:
 *
 * <ul>
 *   <li>{@link BridgeTargets.Kind#TCP}: websockify-compatible. Binary messages → TCP bytes, TCP reads
 *       → binary messages; TCP end of stream closes the WebSocket (1000), the WebSocket closing
 *       closes TCP; backpressure both ways.</li>
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
 *       .subprotocols(WebsockifyBridge.SUBPROTOCOL).build());
 * }</pre>
 *
 * Every bridge is admitted by the proxy first (see {@link SockbridgeProxy#admission()}): mount the route with
 * {@code .admission(proxy.admission())} so that a refusal is an HTTP status before the upgrade; otherwise the
 * check runs after it and a refusal is a close code (1008, or 1013 for limits).
 *
 * Close codes: 1000 the target ended the connection; 1008 no target for this URL or the policy
 * denied it (the reason says which); 1011 the target could not be reached or failed; 1001 the
 * proxy shuts down.
 */
public final class WebsockifyBridge {
    /** The WebSocket subprotocol SOCKFS offers and a bridge must select. */
    public static final String SUBPROTOCOL = "binary";
    /**
     * websockify's older subprotocol: the same data base64-encoded in text messages. The WebSocket route does
     * the framing ({@code WebSocketRoute.Builder.base64Subprotocol}); the bridge sees binary messages either way.
     */
    public static final String BASE64_SUBPROTOCOL = "base64";

    private final Bridge bridge;

    private WebsockifyBridge(Bridge bridge) {
        this.bridge = bridge;
    }

    /**
     * Bridges {@code ws} (open, not yet started) to the target {@code targets} gives for
     * {@code requestTarget} (the upgrade request's path and query). No target: closed with 1008.
     * Returns null when there was nothing to bridge (no target, or the proxy is shutting down).
     */
    public static WebsockifyBridge serve(SockbridgeProxy proxy, Transport ws, BridgeTargets targets, String requestTarget) {
        WebsockifyBridge[] out = new WebsockifyBridge[1];
        // admitted first: a client the proxy refuses learns nothing of the targets
        proxy.admitThen(ws, ticket -> out[0] = serveTarget(proxy, ws, targets, requestTarget, ticket));
        return out[0];
    }

    private static WebsockifyBridge serveTarget(SockbridgeProxy proxy, Transport ws, BridgeTargets targets,
                                                String requestTarget, AdmissionTicket ticket) {
        BridgeTargets.Target t;
        try {
            t = targets.resolve(requestTarget);
        } catch (RuntimeException e) {
            t = null;
        }
        if (t == null) {
            String reason = "no bridge target for " + BridgeTargets.pathOf(requestTarget);
            proxy.context().countDenied(new dev.sockbridge.proxy.SessionInfo(0, ws.remoteAddress(), ws.scheme(), "websockify",
                            ticket.subject),
                    "bridge", reason);
            refuse(ws, Bridge.POLICY, reason);
            return null;
        }
        return start(proxy, ws, t, ticket);
    }

    /** The same, for routes that hand over the path and the raw query (without '?', may be null) separately. */
    public static WebsockifyBridge serve(SockbridgeProxy proxy, Transport ws, BridgeTargets targets, String path, String query) {
        return serve(proxy, ws, targets, BridgeTargets.requestTarget(path, query));
    }

    /**
     * Bridges {@code ws} (open, not yet started) to {@code target}, under the proxy's admission (as
     * {@link EmscriptenPosixSession#serve}). Null if the proxy is shutting down, or the bridge is not started yet
     * (the check runs asynchronously) or refused.
     */
    public static WebsockifyBridge serve(SockbridgeProxy proxy, Transport ws, BridgeTargets.Target target) {
        WebsockifyBridge[] out = new WebsockifyBridge[1];
        proxy.admitThen(ws, ticket -> out[0] = start(proxy, ws, target, ticket));
        return out[0];
    }

    private static WebsockifyBridge start(SockbridgeProxy proxy, Transport ws, BridgeTargets.Target target,
                                          AdmissionTicket ticket) {
        Bridge b = target.kind() == BridgeTargets.Kind.UDP ? new UdpBridge(proxy.context(), ws, target, ticket)
                : new TcpBridge(proxy.context(), ws, target, ticket);
        if (!proxy.register(b, ws, ticket)) {
            b.close(Bridge.GOING_AWAY, "proxy is shutting down");
            return null;
        }
        b.start();
        return new WebsockifyBridge(b);
    }

    private static void refuse(Transport ws, int code, String reason) {
        ws.start(new TransportListener() {
            @Override
            public void frameReceived(ByteBuf frame) {
                frame.release();
            }

            @Override
            public void closed(int c, String r) {
            }
        });
        ws.close(code, reason);
    }

    /** The target this bridge connects to. */
    public BridgeTargets.Target target() {
        return bridge.target();
    }

    public boolean isEnded() {
        return bridge.isEnded();
    }

    /** Closes the WebSocket with {@code code} and the native connection. Idempotent, any thread. */
    public void close(int code, String reason) {
        bridge.close(code, reason);
    }
}
