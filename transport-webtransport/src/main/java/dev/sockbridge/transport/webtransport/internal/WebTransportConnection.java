package dev.sockbridge.transport.webtransport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http3.DefaultHttp3GoAwayFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.http3.Http3ServerConnectionHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The WebTransport layer of one QUIC connection: session registry keyed by CONNECT stream id, routing of peer
 * streams and datagrams to sessions, and the hold-back of those that arrive before their CONNECT is accepted.
 *
 * <pre>
 *  QuicChannel pipeline:
 *    [interceptor]  puts a {@link StreamPrefixHandler} first in every peer bidi stream (0x41 sniffing)
 *    [Http3ServerConnectionHandler]  control/QPACK streams, SETTINGS, request streams -> {@link ConnectStreamHandler},
 *                                    uni type 0x54 -> {@link StreamPrefixHandler#uni}
 *    [this]         QUIC datagrams (ByteBuf) -> quarter stream id -> session; datagram size event; connection end
 * </pre>
 *
 * <p>Unknown session ids: a stream or datagram is held (autoRead off, at most {@code maxPendingStreams} /
 * {@code maxPendingDatagrams}, at most {@code pendingTimeoutMillis}) if its session id can still become a
 * session: a client-initiated bidi stream id that is not known to be settled (answered with an error, ended,
 * or a WebTransport data stream; the last {@value #SETTLED_MEMORY} such ids are remembered). The peer may
 * legitimately send a session's streams before the CONNECT stream's first bytes arrive: QUIC does not order
 * streams. Everything else is dropped at once; streams are reset with {@code H3_ID_ERROR}.
 *
 * <p>Threading: the QuicChannel's event loop only.
 */
public final class WebTransportConnection extends ChannelInboundHandlerAdapter implements StreamPrefixHandler.Sink {
    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(WebTransportConnection.class);
    private static final int H3_ID_ERROR = Http3ErrorCode.H3_ID_ERROR.code();
    static final int SETTLED_MEMORY = 256;

    private record PendingStream(StreamPrefixHandler prefix, QuicStreamChannel stream, long sessionId, boolean bidi,
                                 long deadlineNanos) {
    }

    private record PendingDatagram(long sessionId, ByteBuf payload, long deadlineNanos) {
    }

    private final WebTransportServerConfig config;
    private final InboundDropCounter drops;
    private final Map<Long, WebTransportSessionImpl> sessions = new HashMap<>();
    private final Set<Long> settled = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
            return size() > SETTLED_MEMORY;
        }
    });
    private final ArrayDeque<PendingStream> pendingStreams = new ArrayDeque<>();
    private final ArrayDeque<PendingDatagram> pendingDatagrams = new ArrayDeque<>();
    private ScheduledFuture<?> expiryTimer;
    private volatile int maxDatagramLength;
    private QuicChannel channel;
    private boolean goAwaySent; // loop
    private io.netty.handler.codec.http3.Http3SettingsFrame peerSettings; // loop
    private final List<Runnable> awaitingSettings = new ArrayList<>(); // loop

    private WebTransportConnection(WebTransportServerConfig config, InboundDropCounter drops) {
        this.config = config;
        this.drops = drops;
    }

    /** Installs the WebTransport + HTTP/3 handlers on a new server-side QuicChannel. */
    public static void install(QuicChannel channel, WebTransportServerConfig config, InboundDropCounter drops) {
        WebTransportConnection connection = new WebTransportConnection(config, drops);
        // Not Http3RequestStreamInitializer: that one is for locally opened streams and adds a second codec.
        ChannelHandler requestStreams = new ChannelInitializer<QuicStreamChannel>() {
            @Override
            protected void initChannel(QuicStreamChannel stream) {
                stream.pipeline().addLast(new ConnectStreamHandler(connection, config));
            }
        };
        Http3ServerConnectionHandler http3 = new Http3ServerConnectionHandler(
                requestStreams,
                connection.new PeerSettingsReader(),
                type -> type == WebTransportProtocol.UNI_STREAM_TYPE
                        ? StreamPrefixHandler.uni(connection) : new Discard(),
                WebTransportProtocol.serverSettings(config.maxSessionsPerConnection()),
                true,
                WebTransportProtocol.ACCEPT_ALL_SETTINGS);
        channel.pipeline().addLast(connection.new BidiInterceptor(), http3, connection);
    }

    int maxDatagramLength() {
        return maxDatagramLength;
    }

    int sessionCount() {
        return sessions.size();
    }

    /**
     * Runs {@code r} once the client's SETTINGS are here (at most one per request stream, which QUIC's stream limit
     * bounds; dropped with the connection).
     */
    void whenPeerSettings(Runnable r) {
        if (peerSettings != null) {
            r.run();
        } else {
            awaitingSettings.add(r);
        }
    }

    /** The client's SETTINGS; null until its control stream brought them. */
    io.netty.handler.codec.http3.Http3SettingsFrame peerSettings() {
        return peerSettings;
    }

    /** Keeps the client's SETTINGS (they decide the sessions' flow control) and drops the other control frames. */
    private final class PeerSettingsReader extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof io.netty.handler.codec.http3.Http3SettingsFrame && peerSettings == null) {
                peerSettings = (io.netty.handler.codec.http3.Http3SettingsFrame) msg;
                for (WebTransportSessionImpl s : new ArrayList<>(sessions.values())) {
                    s.flow.peerSettings(peerSettings);
                }
                List<Runnable> waiting = new ArrayList<>(awaitingSettings);
                awaitingSettings.clear();
                waiting.forEach(Runnable::run);
            }
            ReferenceCountUtil.release(msg);
        }
    }

    /** Peer bidi streams get the sniffer before the HTTP/3 handler adds its codec. */
    private final class BidiInterceptor extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof QuicStreamChannel) {
                QuicStreamChannel stream = (QuicStreamChannel) msg;
                if (stream.type() == QuicStreamType.BIDIRECTIONAL && !stream.isLocalCreated()) {
                    long id = stream.streamId();
                    stream.closeFuture().addListener(f -> requestStreamDone(id));
                    stream.pipeline().addFirst(StreamPrefixHandler.sniffBidi(WebTransportConnection.this));
                }
            }
            ctx.fireChannelRead(msg);
        }
    }

    // ---- sessions ----

    /** The CONNECT was answered with 200. Registers the session, tells the handler, then releases held items. */
    void sessionAccepted(WebTransportSessionImpl session) {
        long id = session.id();
        sessions.put(id, session);
        if (!session.safely("sessionOpened", () -> session.handler.sessionOpened(session))) {
            session.close(0, "session handler failed");
            return;
        }
        for (Iterator<PendingStream> it = pendingStreams.iterator(); it.hasNext(); ) {
            PendingStream p = it.next();
            if (p.sessionId == id) {
                it.remove();
                p.stream.config().setAutoRead(true);
                attach(session, p.prefix, p.stream, p.bidi);
            }
        }
        for (Iterator<PendingDatagram> it = pendingDatagrams.iterator(); it.hasNext(); ) {
            PendingDatagram p = it.next();
            if (p.sessionId == id) {
                it.remove();
                deliver(session, p.payload);
            }
        }
    }

    /**
     * Sends an HTTP/3 GOAWAY on our control stream, once per connection: the server drains, and requests on client
     * streams from the returned id on (past every CONNECT of a session open now) will not be served; the sessions
     * open go on. Loop.
     */
    void goAway() {
        if (goAwaySent || channel == null) {
            return;
        }
        QuicStreamChannel control = Http3.getLocalControlStream(channel);
        if (control == null || !control.isActive()) {
            return;
        }
        goAwaySent = true;
        long next = 0;
        for (long id : sessions.keySet()) {
            next = Math.max(next, id + 4); // client-initiated bidirectional stream ids step by 4
        }
        control.writeAndFlush(new DefaultHttp3GoAwayFrame(next)).addListener(f -> {
            if (!f.isSuccess()) {
                LOG.debug("{}: GOAWAY not sent", channel, f.cause());
            }
        });
    }

    void sessionEnded(WebTransportSessionImpl session) {
        if (sessions.remove(session.id(), session)) {
            settled.add(session.id());
        }
    }

    /** A peer bidi stream that will never be an open session: refused, closed, or a WebTransport data stream. */
    void requestStreamDone(long id) {
        if (!sessions.containsKey(id) && settled.add(id)) {
            dropPendingFor(id);
        }
    }

    private boolean mayBecomeSession(long sessionId) {
        return WebTransportProtocol.isClientBidiStreamId(sessionId) && !settled.contains(sessionId)
                && !sessions.containsKey(sessionId);
    }

    // ---- streams ----

    @Override
    public void streamPrefixed(StreamPrefixHandler prefix, Channel channel, long sessionId, boolean bidi) {
        QuicStreamChannel stream = (QuicStreamChannel) channel;
        if (bidi) {
            requestStreamDone(stream.streamId()); // a data stream, never a CONNECT
        }
        WebTransportSessionImpl session = sessions.get(sessionId);
        if (session != null && session.isOpen()) {
            attach(session, prefix, stream, bidi);
        } else if (mayBecomeSession(sessionId) && pendingStreams.size() < config.maxPendingStreams()) {
            stream.config().setAutoRead(false);
            pendingStreams.add(new PendingStream(prefix, stream, sessionId, bidi, deadline()));
            stream.closeFuture().addListener(f -> pendingStreams.removeIf(p -> p.stream == stream));
            scheduleExpiry();
        } else {
            rejectStream(stream, bidi, "unknown session " + sessionId);
        }
    }

    private void attach(WebTransportSessionImpl session, StreamPrefixHandler prefix, QuicStreamChannel stream,
                        boolean bidi) {
        session.trackStream(stream);
        session.safely("streamOpened", () -> session.handler.streamOpened(session, stream, bidi));
        prefix.release(); // replays bytes and FIN events to the handlers just added
    }

    private void rejectStream(QuicStreamChannel stream, boolean bidi, String why) {
        drops.streams.increment();
        LOG.debug("dropping WebTransport stream {}: {}", stream.streamId(), why);
        (bidi ? stream.shutdown(H3_ID_ERROR) : stream.shutdownInput(H3_ID_ERROR)).addListener(f -> stream.close());
    }

    // ---- datagrams ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf datagram = (ByteBuf) msg;
        if (!Varint.isReadable(datagram)) {
            datagram.release();
            drops.datagrams.increment();
            return;
        }
        long sessionId = Varint.read(datagram) << 2;
        WebTransportSessionImpl session = sessions.get(sessionId);
        if (session != null && session.isOpen()) {
            deliver(session, datagram);
        } else if (mayBecomeSession(sessionId) && pendingDatagrams.size() < config.maxPendingDatagrams()) {
            pendingDatagrams.add(new PendingDatagram(sessionId, datagram, deadline()));
            scheduleExpiry();
        } else {
            datagram.release();
            drops.datagrams.increment();
        }
    }

    private static void deliver(WebTransportSessionImpl session, ByteBuf payload) {
        try {
            session.safely("datagramReceived", () -> session.handler.datagramReceived(session, payload));
        } finally {
            ReferenceCountUtil.safeRelease(payload);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof QuicDatagramExtensionEvent) {
            maxDatagramLength = ((QuicDatagramExtensionEvent) evt).maxLength();
        }
        ctx.fireUserEventTriggered(evt);
    }

    // ---- hold-back expiry ----

    private long deadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.pendingTimeoutMillis());
    }

    private void scheduleExpiry() {
        if (expiryTimer == null && channel != null) {
            expiryTimer = channel.eventLoop().schedule(this::expire, config.pendingTimeoutMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    private void expire() {
        expiryTimer = null;
        long now = System.nanoTime();
        while (!pendingStreams.isEmpty() && pendingStreams.peekFirst().deadlineNanos - now <= 0) {
            PendingStream p = pendingStreams.pollFirst();
            rejectStream(p.stream, p.bidi, "session " + p.sessionId + " not accepted in time");
        }
        while (!pendingDatagrams.isEmpty() && pendingDatagrams.peekFirst().deadlineNanos - now <= 0) {
            pendingDatagrams.pollFirst().payload.release();
            drops.datagrams.increment();
        }
        if (!pendingStreams.isEmpty() || !pendingDatagrams.isEmpty()) {
            scheduleExpiry();
        }
    }

    private void dropPendingFor(long sessionId) {
        for (Iterator<PendingStream> it = pendingStreams.iterator(); it.hasNext(); ) {
            PendingStream p = it.next();
            if (p.sessionId == sessionId) {
                it.remove();
                rejectStream(p.stream, p.bidi, "session " + sessionId + " refused");
            }
        }
        for (Iterator<PendingDatagram> it = pendingDatagrams.iterator(); it.hasNext(); ) {
            PendingDatagram p = it.next();
            if (p.sessionId == sessionId) {
                it.remove();
                p.payload.release();
                drops.datagrams.increment();
            }
        }
    }

    // ---- connection lifecycle ----

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = (QuicChannel) ctx.channel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        List<WebTransportSessionImpl> open = new ArrayList<>(sessions.values());
        sessions.clear();
        for (WebTransportSessionImpl s : open) {
            s.connectStreamGone("QUIC connection closed");
        }
        for (PendingDatagram p : pendingDatagrams) {
            p.payload.release();
        }
        pendingDatagrams.clear();
        pendingStreams.clear();
        awaitingSettings.clear();
        if (expiryTimer != null) {
            expiryTimer.cancel(false);
            expiryTimer = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("QUIC connection {} error", ctx.channel(), cause);
    }

    /** Swallows a unidirectional stream of a type we do not know (GREASE, push of another extension). */
    private static final class Discard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}
