package dev.sockbridge.transport.webtransport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;

/**
 * What the two ends of a WebTransport session share: stream and datagram prefixes keyed by the CONNECT stream,
 * and how our side of the CONNECT stream ends (close capsule, then FIN) and answers the peer's capsule or FIN. The
 * ends differ only in what lingers after the session ended ({@link #endAndLinger}).
 *
 * <p>Threading: see {@link AbstractQuicSession}.
 */
abstract class AbstractWebTransportSession extends AbstractQuicSession {
    private final String path;
    private final String origin;
    /** Set once; the client's only once the CONNECT stream is open, so {@code null} before. */
    QuicStreamChannel connectStream; // loop
    private int quarterIdLength = 1;
    boolean finSent; // loop
    private int peerCloseCode; // loop
    private String peerCloseReason = ""; // loop

    AbstractWebTransportSession(QuicChannel connection, String path, String origin,
                                WebTransportSessionHandler handler) {
        super(connection, handler);
        this.path = path;
        this.origin = origin;
    }

    /** The session id is the CONNECT stream's id; {@link #id()} must answer it from now on. */
    void connectStreamOpened(QuicStreamChannel stream) {
        connectStream = stream;
        quarterIdLength = Varint.size(WebTransportProtocol.quarterStreamId(stream.streamId()));
    }

    /**
     * The session is over ({@code code}, {@code reason}): tell the handler and whoever tracks the session, and
     * let go of the CONNECT stream (or the connection) once the peer ended its side too, or after
     * {@link WebTransportSessionImpl#PEER_FIN_TIMEOUT_MS}.
     */
    abstract void endAndLinger(int code, String reason, boolean byPeer);

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
    public void close(int code, String reason) {
        loop.execute(() -> {
            if (!isOpen()) {
                return;
            }
            String text = reason == null ? "" : reason;
            sendFin(Capsules.closeSession(connection.alloc(), code, text));
            endAndLinger(code, text, false);
        });
    }

    @Override
    public void drain() {
        loop.execute(() -> {
            if (isOpen() && connectStream != null) {
                connectStream.writeAndFlush(new DefaultHttp3DataFrame(Capsules.drainSession(connection.alloc())));
            }
        });
    }

    /**
     * Ends our side of the CONNECT stream after {@code lastCapsules} (may be empty). FIN goes out only once the
     * DATA frame is written, so it can never overtake capsule bytes held back by flow control.
     */
    void sendFin(ByteBuf lastCapsules) {
        if (finSent || connectStream == null || !connectStream.isActive()) {
            lastCapsules.release();
            return;
        }
        finSent = true;
        connectStream.writeAndFlush(new DefaultHttp3DataFrame(lastCapsules))
                .addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
    }

    // ---- events from the CONNECT stream (loop) ----

    /** The peer's CLOSE_WEBTRANSPORT_SESSION capsule: we answer with FIN. */
    void peerCloseCapsule(int code, String reason) {
        peerCloseCode = code;
        peerCloseReason = reason;
        sendFin(Unpooled.EMPTY_BUFFER);
        endAndLinger(code, reason, true);
    }

    void peerDrain() {
        if (isOpen()) {
            safely("sessionDraining", () -> handler.sessionDraining(this));
        }
    }

    /** The peer's FIN on the CONNECT stream: ends the session with its capsule's code and reason, if one came. */
    void peerFin() {
        sendFin(Unpooled.EMPTY_BUFFER);
        endAndLinger(peerCloseCode, peerCloseReason, true);
    }

    int peerCloseCode() {
        return peerCloseCode;
    }

    /** The peer's close reason, or {@code why} where the peer gave neither code nor reason. */
    String peerReasonOr(String why) {
        return peerCloseCode == 0 && peerCloseReason.isEmpty() ? why : peerCloseReason;
    }
}
