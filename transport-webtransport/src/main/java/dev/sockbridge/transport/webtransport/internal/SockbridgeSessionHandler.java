package dev.sockbridge.transport.webtransport.internal;

import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.api.internal.transport.Admissions;
import dev.sockbridge.api.internal.transport.BasicConnectRequest;
import dev.sockbridge.api.transport.AdmissionCheck;
import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.api.transport.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicStreamChannel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Turns WebTransport sessions / raw QUIC connections into Sockbridge {@link Transport}s (see
 * {@link QuicSessionLink}). A server handler serves every session of one server and hands each main channel to a
 * consumer; a client handler serves the one session of one connect.
 *
 * <p>Threading: callbacks arrive on each session's event loop; the handler keeps per-session state only.
 */
public final class SockbridgeSessionHandler implements WebTransportSessionHandler {
    private final StreamSettings settings;
    private final boolean server;
    private final BooleanSupplier accepting;
    private final Consumer<Transport> mainArrived;
    private final Map<WebTransportSession, QuicSessionLink> links = new ConcurrentHashMap<>();
    /** Raw QUIC server: decides each connection once its handshake is done; null where the CONNECT decided. */
    private final AdmissionCheck rawAdmission;
    /** Raw QUIC sessions whose admission is still being decided, with the streams that arrived meanwhile. */
    private final Map<WebTransportSession, List<QuicStreamChannel>> admitting = new ConcurrentHashMap<>();
    private static final int MAX_STREAMS_WHILE_ADMITTING = 16;

    private SockbridgeSessionHandler(StreamSettings settings, boolean server, BooleanSupplier accepting,
                                     Consumer<Transport> mainArrived, AdmissionCheck rawAdmission) {
        this.settings = settings;
        this.server = server;
        this.accepting = accepting;
        this.mainArrived = mainArrived;
        this.rawAdmission = rawAdmission;
    }

    /**
     * For a server: sessions opened while {@code accepting} is false are closed with 1001; every main channel goes
     * to {@code mainArrived} (on its event loop), not started.
     */
    public static SockbridgeSessionHandler server(StreamSettings settings, BooleanSupplier accepting,
                                                  Consumer<Transport> mainArrived) {
        return new SockbridgeSessionHandler(settings, true, accepting, mainArrived, null);
    }

    /**
     * For a raw QUIC server: as {@link #server}, and each connection is first put to {@code admission} (request
     * scheme "quic", path "/", the client's certificate if it sent one). Streams that arrive meanwhile wait unread;
     * a refusal closes the connection with the admission's close code and reason.
     */
    public static SockbridgeSessionHandler rawServer(StreamSettings settings, BooleanSupplier accepting,
                                                     Consumer<Transport> mainArrived, AdmissionCheck admission) {
        return new SockbridgeSessionHandler(settings, true, accepting, mainArrived, admission);
    }

    /** For one client connection. */
    public static SockbridgeSessionHandler client(StreamSettings settings) {
        return new SockbridgeSessionHandler(settings, false, () -> true, t -> { }, null);
    }

    /** Client side: opens the main channel on {@code session}, which this handler was told of. Any thread. */
    public CompletableFuture<Transport> openMain(WebTransportSession session) {
        QuicSessionLink link = links.get(session);
        if (link == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("session closed: " + session));
        }
        return link.openStream(QuicStreamTransport.Kind.MAIN);
    }

    /** Server side: closes every main channel at once (their sessions too), with {@code code}. Any thread. */
    public static void closeNow(Transport transport, int code, String reason) {
        if (transport instanceof QuicStreamTransport) {
            ((QuicStreamTransport) transport).closeNow(code, reason);
        } else {
            transport.close(code, reason);
        }
    }

    @Override
    public void sessionOpened(WebTransportSession session) {
        if (!accepting.getAsBoolean()) {
            session.close(CloseCode.GOING_AWAY.code(), "server is not accepting sessions");
            return;
        }
        if (rawAdmission == null) {
            link(session, null);
            return;
        }
        ConnectRequest request = BasicConnectRequest.bare("quic", null, session.remoteAddress(),
                BasicConnectRequest.peerCertificates(session.connection().sslEngine()));
        admitting.put(session, new ArrayList<>());
        Admissions.run(rawAdmission, request, session.connection().eventLoop(), session::isOpen, a -> {
            List<QuicStreamChannel> held = admitting.remove(session);
            if (held == null) {
                a.release(); // sessionClosed came first
                return;
            }
            if (!a.isAdmitted()) {
                held.forEach(QuicStreamChannel::close);
                session.close(a.closeCode(), a.reason());
                return;
            }
            if (session instanceof AbstractQuicSession) {
                ((AbstractQuicSession) session).admitted(request, a.attachment());
            }
            session.closeFuture().whenComplete((c, t) -> a.release());
            QuicSessionLink link = link(session, request);
            for (QuicStreamChannel ch : held) {
                link.peerStream(ch); // its handler turns reading back on
            }
        });
    }

    private QuicSessionLink link(WebTransportSession session, ConnectRequest request) {
        QuicSessionLink link = new QuicSessionLink(session, settings, server, mainArrived::accept);
        links.put(session, link);
        link.opened();
        return link;
    }

    @Override
    public void streamOpened(WebTransportSession session, QuicStreamChannel stream, boolean bidirectional) {
        List<QuicStreamChannel> held = admitting.get(session);
        if (held != null && bidirectional && held.size() < MAX_STREAMS_WHILE_ADMITTING) {
            stream.config().setAutoRead(false);
            held.add(stream);
            return;
        }
        QuicSessionLink link = links.get(session);
        if (link == null || !bidirectional) {
            stream.close();
            return;
        }
        link.peerStream(stream);
    }

    @Override
    public void datagramReceived(WebTransportSession session, ByteBuf payload) {
        QuicSessionLink link = links.get(session);
        if (link != null) {
            link.datagram(payload);
        }
    }

    @Override
    public void sessionDraining(WebTransportSession session) {
        QuicSessionLink link = links.get(session);
        if (link != null) {
            link.peerDraining();
        }
    }

    @Override
    public void sessionClosed(WebTransportSession session, int code, String reason) {
        List<QuicStreamChannel> held = admitting.remove(session);
        if (held != null) {
            held.forEach(QuicStreamChannel::close);
        }
        QuicSessionLink link = links.remove(session);
        if (link != null) {
            boolean clean = !(session instanceof AbstractQuicSession) || ((AbstractQuicSession) session).closedCleanly();
            link.sessionClosed(code, reason, clean);
        }
    }
}
