package dev.sockbridge.transport.webtransport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;

import java.util.concurrent.TimeUnit;

/**
 * A WebTransport session over HTTP/3: keyed by its CONNECT stream, which carries the capsules.
 *
 * <p>Closing, local: CLOSE_WEBTRANSPORT_SESSION capsule, FIN on the CONNECT stream, the session's streams
 * reset; the CONNECT stream is closed at the peer's FIN or after {@link #PEER_FIN_TIMEOUT_MS}. Closing, by the
 * peer: its capsule (code, reason) and/or FIN; we answer with FIN.
 *
 * <p>Threading: see {@link AbstractQuicSession}.
 */
final class WebTransportSessionImpl extends AbstractQuicSession {
    static final long PEER_FIN_TIMEOUT_MS = 3_000;

    private final WebTransportConnection owner;
    private final QuicStreamChannel connectStream;
    private final String path;
    private final String origin;
    private final int quarterIdLength;
    private int peerCloseCode; // loop
    private String peerCloseReason = ""; // loop
    private boolean finSent; // loop
    private boolean drainSent; // loop
    final SessionFlowControl flow; // loop

    WebTransportSessionImpl(WebTransportConnection owner, QuicStreamChannel connectStream, String path,
                            String origin, WebTransportSessionHandler handler) {
        super(connectStream.parent(), handler);
        this.owner = owner;
        this.connectStream = connectStream;
        this.path = path;
        this.origin = origin;
        this.quarterIdLength = Varint.size(WebTransportProtocol.quarterStreamId(connectStream.streamId()));
        this.flow = new SessionFlowControl(connection.alloc(), this::writeCapsule);
        if (owner.peerSettings() != null) {
            flow.peerSettings(owner.peerSettings());
        }
    }

    /** A capsule on the CONNECT stream while our side of it is open; dropped after. */
    private void writeCapsule(ByteBuf capsule) {
        if (finSent || !connectStream.isActive()) {
            capsule.release();
            return;
        }
        connectStream.writeAndFlush(new DefaultHttp3DataFrame(capsule));
    }

    @Override
    boolean tryOpenStream(QuicStreamType type) {
        return flow.tryOpen(type == QuicStreamType.BIDIRECTIONAL);
    }

    @Override
    void streamTracked(QuicStreamChannel stream) {
        SessionFlowControl.install(stream, flow.newGate());
    }

    @Override
    public long id() {
        return connectStream.streamId();
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String origin() {
        return origin;
    }

    @Override
    ByteBuf streamPrefix(QuicStreamType type) {
        return WebTransportProtocol.streamPrefix(connection.alloc(), type, id());
    }

    @Override
    int datagramPrefixLength() {
        return quarterIdLength;
    }

    @Override
    void writeDatagramPrefix(ByteBuf out) {
        Varint.write(out, WebTransportProtocol.quarterStreamId(id()));
    }

    @Override
    int quicMaxDatagramLength() {
        return owner.maxDatagramLength();
    }

    @Override
    public void close(int code, String reason) {
        loop.execute(() -> {
            if (!isOpen()) {
                return;
            }
            String text = reason == null ? "" : reason;
            sendFin(Capsules.closeSession(connection.alloc(), code, text));
            end(code, text, false);
            closeConnectStreamLater();
        });
    }

    /** DRAIN_WEBTRANSPORT_SESSION on the CONNECT stream, then an HTTP/3 GOAWAY on the connection (once for it). */
    @Override
    public void drain() {
        loop.execute(() -> {
            if (isOpen() && !drainSent) {
                drainSent = true;
                writeCapsule(Capsules.drainSession(connection.alloc()));
                owner.goAway();
            }
        });
    }

    /**
     * Ends our side of the CONNECT stream after {@code lastCapsules} (may be empty). FIN goes out only once the
     * DATA frame is written, so it can never overtake capsule bytes held back by flow control.
     */
    private void sendFin(ByteBuf lastCapsules) {
        if (finSent || !connectStream.isActive()) {
            lastCapsules.release();
            return;
        }
        finSent = true;
        connectStream.writeAndFlush(new DefaultHttp3DataFrame(lastCapsules))
                .addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
    }

    private void end(int code, String reason, boolean byPeer) {
        end(code, reason, byPeer, true);
    }

    private void end(int code, String reason, boolean byPeer, boolean clean) {
        owner.sessionEnded(this);
        markClosed(code, reason, byPeer, clean);
    }

    // ---- events from the CONNECT stream (loop) ----

    void peerCloseCapsule(int code, String reason) {
        peerCloseCode = code;
        peerCloseReason = reason;
        sendFin(Unpooled.EMPTY_BUFFER);
        end(code, reason, true);
        closeConnectStreamLater();
    }

    void peerDrain() {
        if (isOpen()) {
            safely("sessionDraining", () -> handler.sessionDraining(this));
        }
    }

    void peerFin() {
        sendFin(Unpooled.EMPTY_BUFFER);
        end(peerCloseCode, peerCloseReason, true);
        closeConnectStreamLater();
    }

    /**
     * Netty closes a stream by itself once FIN went both ways; this only catches a peer that never sends its
     * FIN (or a FIN write that failed).
     */
    private void closeConnectStreamLater() {
        if (connectStream.isActive()) {
            loop.schedule(() -> {
                connectStream.close();
            }, PEER_FIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
    }

    void connectStreamGone(String why) {
        end(peerCloseCode, peerCloseCode == 0 && peerCloseReason.isEmpty() ? why : peerCloseReason, true, false);
    }

    void protocolError(String why) {
        close(0, why);
    }
}
