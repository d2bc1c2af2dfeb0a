package dev.sockbridge.transport.webtransport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicException;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicTransportError;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What WebTransport and raw QUIC sessions share: the stream set, datagram sending with drop counting and flush
 * coalescing, the once-only close transition and handler calls that cannot throw.
 *
 * <p>Threading: fields marked "loop" are touched on {@link #loop} only; public methods hop there.
 */
abstract class AbstractQuicSession implements WebTransportSession {
    private static final Logger LOG = LoggerFactory.getLogger(AbstractQuicSession.class);

    final QuicChannel connection;
    final EventLoop loop;
    final WebTransportSessionHandler handler;
    private final Set<QuicStreamChannel> streams = new LinkedHashSet<>(); // loop
    private final CompletableFuture<CloseInfo> closeFuture = new CompletableFuture<>();
    private final LongAdder datagramsDropped = new LongAdder();
    private final ChannelFutureListener countFailedDatagram = f -> {
        if (!f.isSuccess()) {
            datagramsDropped.increment();
        }
    };
    private final Runnable flushTask = this::flushDatagrams;
    private boolean flushScheduled; // loop
    private volatile boolean open = true;
    private volatile boolean closedCleanly;
    /** Bytes the session holds outside its streams (a capsule that arrived in part), for the main transport. */
    private final dev.sockbridge.api.internal.transport.HeldBytes heldBytes =
            new dev.sockbridge.api.internal.transport.HeldBytes();

    /** Server side: what the client presented and what its admission attached (set before the session opens). */
    private volatile dev.sockbridge.api.transport.ConnectRequest connectRequest;
    private volatile Object attachment;

    AbstractQuicSession(QuicChannel connection, WebTransportSessionHandler handler) {
        this.connection = connection;
        this.loop = connection.eventLoop();
        this.handler = handler;
    }

    /** Bytes written before anything else on a stream we open; {@code null} for none. */
    abstract ByteBuf streamPrefix(QuicStreamType type);

    /** Datagram bytes the session prefix takes. */
    abstract int datagramPrefixLength();

    abstract void writeDatagramPrefix(ByteBuf out);

    /** The QUIC connection's datagram limit, 0 until the peer advertised it. */
    abstract int quicMaxDatagramLength();

    /** Takes one of the peer's stream credits for a stream we open; false when none is left. Loop only. */
    boolean tryOpenStream(QuicStreamType type) {
        return true;
    }

    /** A stream joined the session (opened by either side), before it reads anything. Loop only. */
    void streamTracked(QuicStreamChannel stream) {
    }

    /** What the session holds outside its streams; reported through its main transport's held bytes. */
    dev.sockbridge.api.internal.transport.HeldBytes heldBytes() {
        return heldBytes;
    }

    @Override
    public QuicChannel connection() {
        return connection;
    }

    @Override
    public SocketAddress remoteAddress() {
        return connection.remoteSocketAddress();
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public CompletionStage<CloseInfo> closeFuture() {
        return closeFuture;
    }

    @Override
    public long datagramsDropped() {
        return datagramsDropped.sum();
    }

    @Override
    public int maxDatagramSize() {
        return Math.max(0, quicMaxDatagramLength() - datagramPrefixLength());
    }

    @Override
    public Future<QuicStreamChannel> openBidiStream(ChannelHandler streamHandler) {
        return openStream(QuicStreamType.BIDIRECTIONAL, streamHandler);
    }

    @Override
    public Future<QuicStreamChannel> openUniStream(ChannelHandler streamHandler) {
        return openStream(QuicStreamType.UNIDIRECTIONAL, streamHandler);
    }

    /** Netty's count of the peer's stream credit has been seen positive, so it is exact from now on. Loop. */
    private boolean bidiCreditKnown;
    private boolean uniCreditKnown;

    private Future<QuicStreamChannel> openStream(QuicStreamType type, ChannelHandler streamHandler) {
        Promise<QuicStreamChannel> promise = loop.newPromise();
        if (!open) {
            return promise.setFailure(new ClosedChannelException());
        }
        loop.execute(() -> {
            if (!open) {
                promise.tryFailure(new ClosedChannelException());
                return;
            }
            long credit = connection.peerAllowedStreams(type);
            boolean bidi = type == QuicStreamType.BIDIRECTIONAL;
            if (credit > 0) {
                // Netty's count is fetched from quiche only once the handshake is done; from the first time it is
                // seen positive it is exact (counted down per open, fetched again on every packet while at zero)
                if (bidi) {
                    bidiCreditKnown = true;
                } else {
                    uniCreditKnown = true;
                }
            } else if (bidi ? bidiCreditKnown : uniCreditKnown) {
                // Netty takes the next stream id before quiche refuses it for want of credit, and a later stream
                // with a higher id opens the skipped one at the peer (RFC 9000 3.2), where it never closes and
                // never gives its credit back: after a few refused opens the session could open no stream again.
                // So an open without credit fails here, before an id is taken
                promise.tryFailure(new QuicException("no stream credit: the peer allows no more "
                        + type.name().toLowerCase(java.util.Locale.ROOT) + " streams until one of them closes",
                        QuicTransportError.STREAM_LIMIT_ERROR));
                return;
            }
            if (!tryOpenStream(type)) {
                promise.tryFailure(new IllegalStateException("the peer's session stream credit is used up"));
                return;
            }
            connection.createStream(type, new ChannelInitializer<QuicStreamChannel>() {
                @Override
                protected void initChannel(QuicStreamChannel ch) {
                    if (!open) {
                        ch.close();
                        return;
                    }
                    ByteBuf prefix = streamPrefix(type);
                    if (prefix != null) {
                        ch.writeAndFlush(prefix);
                    }
                    ch.pipeline().addLast(streamHandler);
                    trackStream(ch);
                }
            }).addListener(f -> {
                if (f.isSuccess()) {
                    promise.trySuccess((QuicStreamChannel) f.getNow());
                } else {
                    promise.tryFailure(f.cause());
                }
            });
        });
        return promise;
    }

    /** Registers a stream of this session; it is reset when the session ends. Loop only. */
    void trackStream(QuicStreamChannel stream) {
        if (streams.add(stream)) {
            stream.closeFuture().addListener(f -> streams.remove(stream));
            streamTracked(stream);
        }
    }

    @Override
    public boolean sendDatagram(ByteBuf payload) {
        try {
            int length = payload.readableBytes();
            if (!open || length > maxDatagramSize() || !connection.isActive()) {
                datagramsDropped.increment();
                return false;
            }
            ByteBuf framed = connection.alloc().directBuffer(datagramPrefixLength() + length);
            writeDatagramPrefix(framed);
            framed.writeBytes(payload, payload.readerIndex(), length);
            if (loop.inEventLoop()) {
                writeDatagram(framed);
            } else {
                loop.execute(() -> writeDatagram(framed));
            }
            return true;
        } finally {
            payload.release();
        }
    }

    private void writeDatagram(ByteBuf framed) {
        if (!open) {
            framed.release();
            datagramsDropped.increment();
            return;
        }
        connection.write(framed).addListener(countFailedDatagram);
        if (!flushScheduled) { // one flush for all datagrams written in this loop turn: several per packet
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    private void flushDatagrams() {
        flushScheduled = false;
        connection.flush();
    }

    /**
     * The once-only end of the session. Loop only. Resets the session's streams, calls the handler and completes
     * {@link #closeFuture()}.
     *
     * @return false if the session had already ended
     */
    boolean markClosed(int code, String reason, boolean byPeer) {
        return markClosed(code, reason, byPeer, true);
    }

    /**
     * As {@link #markClosed(int, String, boolean)}; {@code clean} is false when the session was lost (connection
     * gone, CONNECT stream reset) rather than closed by either side.
     */
    boolean markClosed(int code, String reason, boolean byPeer, boolean clean) {
        if (!open) {
            return false;
        }
        open = false;
        closedCleanly = clean;
        for (QuicStreamChannel stream : new ArrayList<>(streams)) {
            if (stream.isActive()) {
                stream.shutdown(WebTransportProtocol.WEBTRANSPORT_SESSION_GONE)
                        .addListener(f -> stream.close());
            }
        }
        streams.clear();
        heldBytes.release();
        safely("sessionClosed", () -> handler.sessionClosed(this, code, reason));
        closeFuture.complete(new CloseInfo(code, reason, byPeer));
        return true;
    }

    /**
     * True once the session was ended by a close from either side (a close capsule, the CONNECT stream's FIN, an
     * application CONNECTION_CLOSE, or {@link #close}); false while open or when it was lost.
     */
    public boolean closedCleanly() {
        return closedCleanly;
    }

    /** Runs a handler callback; an exception is logged, never thrown into Netty. */
    boolean safely(String what, Runnable callback) {
        try {
            callback.run();
            return true;
        } catch (RuntimeException | Error e) {
            LOG.warn("{} of {} threw", what, handler.getClass().getName(), e);
            return false;
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{id=" + id() + ", path=" + path() + ", remote=" + remoteAddress()
                + ", open=" + open + "}";
    }

    void admitted(dev.sockbridge.api.transport.ConnectRequest request, Object attachment) {
        this.connectRequest = request;
        this.attachment = attachment;
    }

    dev.sockbridge.api.transport.ConnectRequest connectRequest() {
        return connectRequest;
    }

    Object attachment() {
        return attachment;
    }
}
