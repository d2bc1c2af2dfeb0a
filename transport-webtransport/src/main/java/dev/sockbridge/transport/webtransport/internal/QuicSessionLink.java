package dev.sockbridge.transport.webtransport.internal;

import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.api.transport.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Binds one {@link WebTransportSession} (a WebTransport session or a raw QUIC connection) to the Sockbridge
 * transports that run on it: the main channel and the extra streams.
 *
 * <pre>
 *  session ──┬── main channel: the client's first bidirectional stream ── {@link QuicStreamTransport} (MAIN)
 *            ├── more bidirectional streams, opened by either side ────── {@link QuicStreamTransport} (EXTRA),
 *            │                                                            announced by the main's streamOpened
 *            └── datagrams ──▶ the main's datagramReceived (one of the single byte 0x00, or empty, is a
 *                              keep-alive, sent by clients every keepAliveMillis, and never delivered)
 * </pre>
 *
 * <p>Which stream is the main channel: on WebTransport the first client-opened bidirectional stream of the session
 * to reach the server (clients open it first and send on others only after the handshake on it); on raw QUIC the
 * stream whose first byte is 0x00 ({@link StreamFraming}). On the server a session becomes a transport when its
 * main channel arrives; without one it is closed after {@link StreamSettings#mainStreamTimeoutMillis()}.
 *
 * <p>Close codes: a session that ends by a close from the peer reports the peer's code (0, which a browser's
 * {@code WebTransport.close()} sends without a code, as 1000); one that was lost, 1006.
 *
 * <p>Threading: the session's event loop only, except where noted.
 */
final class QuicSessionLink {
    private static final int MAX_HELD_STREAMS = 16;
    /** The keep-alive datagram's one byte (never a Sockbridge message: those are CBOR arrays). */
    static final int KEEP_ALIVE = 0x00;

    final WebTransportSession session;
    final StreamSettings settings;
    private final boolean server;
    private final EventLoop loop;
    private final Consumer<QuicStreamTransport> mainArrived;
    private QuicStreamTransport main;
    private final Set<QuicStreamTransport> extras = new LinkedHashSet<>();
    private final List<QuicStreamTransport> held = new ArrayList<>();
    private ScheduledFuture<?> mainTimer;
    private ScheduledFuture<?> linger;
    private ScheduledFuture<?> keepAlive;
    private boolean sessionEnded;

    /**
     * @param mainArrived server side: told of the main channel once it arrives (on the loop)
     */
    QuicSessionLink(WebTransportSession session, StreamSettings settings, boolean server,
                    Consumer<QuicStreamTransport> mainArrived) {
        this.session = session;
        this.settings = settings;
        this.server = server;
        this.loop = session.connection().eventLoop();
        this.mainArrived = mainArrived;
    }

    /** The peer drains the session (its DRAIN_WEBTRANSPORT_SESSION capsule): the main channel's listener hears it. Loop. */
    void peerDraining() {
        if (main != null) {
            main.peerDraining();
        }
    }

    /** The session is open: servers wait for the main channel, clients start their keep-alive. */
    void opened() {
        if (server && settings.mainStreamTimeoutMillis() > 0) {
            mainTimer = loop.schedule(() -> {
                if (main == null) {
                    session.close(CloseCode.PROTOCOL_ERROR.code(), "no Sockbridge main channel within "
                            + settings.mainStreamTimeoutMillis() + " ms");
                }
            }, settings.mainStreamTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
        if (!server && settings.keepAliveMillis() > 0) {
            keepAlive = loop.scheduleAtFixedRate(() -> {
                if (session.isOpen() && session.maxDatagramSize() > 0) {
                    session.sendDatagram(session.connection().alloc().directBuffer(1).writeByte(KEEP_ALIVE));
                }
            }, settings.keepAliveMillis(), settings.keepAliveMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** A bidirectional stream the peer opened. */
    void peerStream(QuicStreamChannel ch) {
        if (sessionEnded) {
            ch.close();
            return;
        }
        QuicStreamTransport.Kind kind;
        if (settings.raw()) {
            kind = QuicStreamTransport.Kind.UNKNOWN;
        } else if (server && main == null) {
            kind = QuicStreamTransport.Kind.MAIN;
        } else {
            kind = QuicStreamTransport.Kind.EXTRA;
        }
        QuicStreamTransport t = new QuicStreamTransport(this, ch, kind, false);
        ch.pipeline().addLast(t.handler());
        if (kind != QuicStreamTransport.Kind.UNKNOWN) {
            arrived(t, kind);
        }
    }

    /** A raw QUIC stream's first byte. */
    void classify(QuicStreamTransport t, int header) {
        if (header == StreamFraming.RAW_MAIN_STREAM && server && main == null) {
            t.classified(QuicStreamTransport.Kind.MAIN);
            arrived(t, QuicStreamTransport.Kind.MAIN);
        } else if (header == StreamFraming.RAW_EXTRA_STREAM) {
            t.classified(QuicStreamTransport.Kind.EXTRA);
            arrived(t, QuicStreamTransport.Kind.EXTRA);
        } else {
            t.stream().close();
            session.close(CloseCode.PROTOCOL_ERROR.code(), "unexpected stream header 0x" + Integer.toHexString(header)
                    + " on stream " + t.stream().streamId());
        }
    }

    private void arrived(QuicStreamTransport t, QuicStreamTransport.Kind kind) {
        if (kind == QuicStreamTransport.Kind.MAIN) {
            main = t;
            if (mainTimer != null) {
                mainTimer.cancel(false);
            }
            if (settings.raw()) {
                // the client's connect completes on this byte, before any frame
                t.stream().writeAndFlush(t.stream().alloc().directBuffer(1).writeByte(StreamFraming.RAW_MAIN_STREAM));
            }
            mainArrived.accept(t);
            for (QuicStreamTransport h : held) {
                main.announce(h);
            }
            held.clear();
            return;
        }
        extras.add(t);
        if (main != null) {
            main.announce(t);
        } else if (held.size() < MAX_HELD_STREAMS) {
            held.add(t); // raw QUIC: an extra stream overtook the main channel
        } else {
            t.parentGone();
        }
    }

    void datagram(ByteBuf payload) {
        if (isKeepAlive(payload) || main == null) {
            return;
        }
        main.datagram(payload);
    }

    /** An empty datagram, or one of the single byte 0x00, only keeps the connection alive: never delivered. */
    static boolean isKeepAlive(ByteBuf payload) {
        int n = payload.readableBytes();
        return n == 0 || (n == 1 && payload.getByte(payload.readerIndex()) == KEEP_ALIVE);
    }

    /**
     * Opens a stream of this session with the Sockbridge framing: the client's main channel, or an extra stream.
     * Any thread.
     */
    CompletableFuture<Transport> openStream(QuicStreamTransport.Kind kind) {
        CompletableFuture<Transport> result = new CompletableFuture<>();
        QuicStreamTransport[] made = new QuicStreamTransport[1];
        session.openBidiStream(new ChannelInitializer<QuicStreamChannel>() {
            @Override
            protected void initChannel(QuicStreamChannel ch) {
                QuicStreamTransport t = new QuicStreamTransport(QuicSessionLink.this, ch, kind, true);
                made[0] = t;
                if (kind == QuicStreamTransport.Kind.MAIN) {
                    main = t;
                } else {
                    extras.add(t);
                }
                ch.pipeline().addLast(t.handler());
            }
        }).addListener(f -> {
            if (f.isSuccess() && made[0] != null) {
                made[0].acceptance().whenComplete((t, e) -> {
                    if (e != null) {
                        result.completeExceptionally(e);
                    } else {
                        result.complete(t);
                    }
                });
            } else {
                result.completeExceptionally(f.cause() != null ? f.cause()
                        : new IllegalStateException("stream not opened"));
            }
        });
        return result;
    }

    // ---- from the transports ----

    /** The main channel was closed on this side: the session follows after the peer's answer or a timeout. */
    void mainClosed(int code, String reason, boolean now) {
        if (now || settings.closeTimeoutMillis() == 0) {
            closeSession(code, reason);
        } else if (linger == null && session.isOpen()) {
            linger = loop.schedule(() -> closeSession(code, reason), settings.closeTimeoutMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    void closeSession(int code, String reason) {
        if (linger != null) {
            linger.cancel(false);
        }
        session.close(code, reason);
    }

    void transportEnded(QuicStreamTransport t) {
        if (t == main) {
            for (QuicStreamTransport s : new ArrayList<>(extras)) {
                s.parentGone();
            }
            extras.clear();
            for (QuicStreamTransport s : held) {
                s.parentGone();
            }
            held.clear();
        } else {
            extras.remove(t);
        }
    }

    // ---- from the session handler ----

    /** The session ended, by either side or by loss. */
    void sessionClosed(int code, String reason, boolean clean) {
        sessionEnded = true;
        for (ScheduledFuture<?> timer : new ScheduledFuture<?>[] {mainTimer, linger, keepAlive}) {
            if (timer != null) {
                timer.cancel(false);
            }
        }
        int mapped = !clean ? CloseCode.ABNORMAL.code() : code == 0 ? CloseCode.NORMAL.code() : code;
        String text = reason == null ? "" : reason;
        if (main != null) {
            main.sessionEnded(mapped, text); // ends the extras too
        }
        for (QuicStreamTransport s : new ArrayList<>(extras)) {
            s.parentGone();
        }
        for (QuicStreamTransport s : held) {
            s.parentGone();
        }
        held.clear();
    }
}
