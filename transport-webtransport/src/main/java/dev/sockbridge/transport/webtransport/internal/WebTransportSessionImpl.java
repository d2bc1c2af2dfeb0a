package dev.sockbridge.transport.webtransport.internal;

import io.netty.buffer.ByteBuf;
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
final class WebTransportSessionImpl extends AbstractWebTransportSession {
    static final long PEER_FIN_TIMEOUT_MS = 3_000;

    private final WebTransportConnection owner;
    /** The CONNECT stream's id, final so that {@link #id()} is safe from any thread. */
    private final long id;
    private boolean drainSent; // loop
    final SessionFlowControl flow; // loop

    WebTransportSessionImpl(WebTransportConnection owner, QuicStreamChannel connectStream, String path,
                            String origin, WebTransportSessionHandler handler) {
        super(connectStream.parent(), path, origin, handler);
        this.owner = owner;
        this.id = connectStream.streamId();
        connectStreamOpened(connectStream);
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
        return id;
    }

    @Override
    int quicMaxDatagramLength() {
        return owner.maxDatagramLength();
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

    @Override
    void endAndLinger(int code, String reason, boolean byPeer) {
        end(code, reason, byPeer, true);
        closeConnectStreamLater();
    }

    private void end(int code, String reason, boolean byPeer, boolean clean) {
        owner.sessionEnded(this);
        markClosed(code, reason, byPeer, clean);
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
        end(peerCloseCode(), peerReasonOr(why), true, false);
    }

    void protocolError(String why) {
        close(0, why);
    }
}
