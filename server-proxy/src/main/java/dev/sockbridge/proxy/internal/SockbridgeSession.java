package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.codec.ProtocolException;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.proxy.SessionLimits;
import dev.sockbridge.proxy.spi.Call;
import dev.sockbridge.proxy.spi.EngineSession;
import dev.sockbridge.proxy.spi.FrontEnd;
import dev.sockbridge.proxy.spi.FrontEndFactory;
import dev.sockbridge.proxy.spi.ReadGate;
import dev.sockbridge.proxy.spi.Result;
import dev.sockbridge.proxy.spi.Route;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Sockbridge CBOR protocol front end: one per transport. Decodes frames, does the version
 * handshake, submits requests to its {@link EngineSession} and encodes the results. Extra streams of
 * the transport (WebTransport, in-process) carry calls too; their answers and push events go back on
 * the stream the call came in on (each stream is a {@link Route}).
 *
 * <p><b>Backpressure.</b> Each transport is read only while it is writable ({@link ReadGate}), so a
 * client that does not read its answers stops being read; what the transports hold for the session
 * counts in its and the proxy's buffered bytes ({@link EngineSession#countHeldBytes}). A client that
 * keeps sending malformed requests is answered {@link FrontEnd#MAX_MALFORMED_REQUESTS} times, then the
 * session ends with {@code Goodbye(4002)}.
 *
 * <pre>
 *  Transport ─frame─▶ SockbridgeDecoder ─Message─▶ this (dispatch: handshake, calls, credit) ─Call─▶ EngineSession
 *            ◀─frame─ SockbridgeEncoder ◀─Result / Event / Control──────────┘ (Route)
 * </pre>
 * The decoder and encoder hold no state and do no I/O; this class is the dispatcher between them.
 */
public final class SockbridgeSession implements TransportListener, FrontEnd {
    public static final String AGENT = "sockbridge-proxy/0.1";
    public static final String PROTOCOL = "sockbridge";

    /** Makes this front end for each transport a proxy serves with the Sockbridge protocol. */
    public static final FrontEndFactory FACTORY = FrontEndFactory.of(PROTOCOL, SockbridgeSession::new);

    private final EngineSession session;
    private final Transport transport;
    private final EventLoop loop;
    private final MessageCodec codec = MessageCodec.cbor();
    private final SockbridgeDecoder decoder = new SockbridgeDecoder(codec);
    private final SockbridgeEncoder encoder = new SockbridgeEncoder(codec);
    /** The route (and read gate) of the main transport and of each stream (streams' are added when they open). */
    private final Map<Transport, TransportRoute> routes = new ConcurrentHashMap<>();
    private final TransportRoute main;
    private boolean welcomed;
    private int version; // loop: chosen at the handshake
    private String goingAway; // loop: the proxy drains; told at once, or right after the handshake
    private int malformedAnswered;
    private volatile boolean ended;

    public SockbridgeSession(EngineSession session, Transport transport) {
        this.session = session;
        this.transport = transport;
        this.loop = session.loop();
        this.main = new TransportRoute(transport);
    }

    /** One way back to the client: the main transport or one of its streams. */
    private final class TransportRoute implements Route {
        final Transport transport;
        final ReadGate gate;

        TransportRoute(Transport transport) {
            this.transport = transport;
            this.gate = new ReadGate(transport);
        }

        @Override
        public void completed(Call call, Result result) {
            if (ended) {
                Result.release(result);
                return;
            }
            send(encoder.reply(call.request().callId(), result, transport.alloc()), this);
        }

        @Override
        public boolean isWritable() {
            return transport.isWritable();
        }

        @Override
        public boolean pushed(Event event, boolean datagram) {
            if (ended) {
                Message.release(event);
                return false;
            }
            Transport main = SockbridgeSession.this.transport;
            if (datagram && main.capabilities().contains(Transport.Capability.DATAGRAMS)) {
                int fd = event instanceof Event.Data ? ((Event.Data) event).fd() : -1;
                ByteBuf b = encoder.message(event, main.alloc());
                if (b.readableBytes() <= main.maxDatagramSize()) {
                    if (!main.sendDatagram(b)) {
                        session.datagramDropped(fd);
                    }
                    return true;
                }
                // too large for one datagram: the reliable path still carries it
                send(b, this);
                return false;
            }
            send(event, this);
            return false;
        }
    }

    @Override
    public void start() {
        routes.put(transport, main);
        session.countHeldBytes(transport);
        transport.start(this);
    }

    // ------------------------------------------------------------------ inbound

    @Override
    public void frameReceived(ByteBuf frame) {
        main.gate.handOver(frame, loop, f -> frame(f, main));
    }

    private void frame(ByteBuf frame, TransportRoute from) {
        if (ended) {
            frame.release();
            return;
        }
        SockbridgeDecoder.Inbound in = decoder.decode(frame, session.limits().maxFrameSize(), welcomed);
        if (in instanceof SockbridgeDecoder.Fatal) {
            SockbridgeDecoder.Fatal f = (SockbridgeDecoder.Fatal) in;
            if (f.malformed()) {
                session.countMalformed();
            }
            goodbye(f.code(), f.reason());
        } else if (in instanceof SockbridgeDecoder.BadRequest) {
            SockbridgeDecoder.BadRequest b = (SockbridgeDecoder.BadRequest) in;
            session.countMalformed();
            if (++malformedAnswered > MAX_MALFORMED_REQUESTS) {
                goodbye(Control.Goodbye.LIMIT_EXCEEDED, "more than " + MAX_MALFORMED_REQUESTS
                        + " malformed requests; last: " + b.reason());
                return;
            }
            send(new Reply.Error(b.callId(), b.errno(), b.reason()), from);
        } else {
            dispatch(((SockbridgeDecoder.Decoded) in).message(), from);
        }
    }

    /** What one decoded message does: the handshake, a call, credit, goodbye. */
    private void dispatch(Message m, TransportRoute from) {
        if (!welcomed) {
            hello(m);
            return;
        }
        if (m instanceof Request) {
            session.submit(new Call((Request) m, from));
        } else if (m instanceof Control.Credit) {
            Control.Credit c = (Control.Credit) m;
            session.credit(c.fd(), c.bytes());
        } else if (m instanceof Control.Goodbye) {
            Control.Goodbye g = (Control.Goodbye) m;
            end(g.code(), "client said goodbye: " + g.reason());
            transport.close(Control.Goodbye.NORMAL, "goodbye");
        } else {
            Message.release(m);
            session.countMalformed();
            goodbye(Control.Goodbye.PROTOCOL_ERROR, "a client may not send " + m.messageType());
        }
    }

    private void hello(Message m) {
        if (!(m instanceof Control.Hello)) {
            Message.release(m);
            goodbye(Control.Goodbye.PROTOCOL_ERROR, "the first message must be HELLO, not " + m.messageType());
            return;
        }
        Control.Hello h = (Control.Hello) m;
        if (!h.versions().contains(MessageCodec.VERSION)) {
            goodbye(Control.Goodbye.UNSUPPORTED_VERSION, "protocol versions " + h.versions() + " not supported; this proxy speaks "
                    + MessageCodec.VERSION);
            return;
        }
        welcomed = true;
        // version 2 is version 1 and the GOING_AWAY notice: only a client that offers it is told
        version = h.versions().contains(MessageCodec.VERSION_GOING_AWAY) ? MessageCodec.VERSION_GOING_AWAY : MessageCodec.VERSION;
        SessionLimits limits = session.limits();
        send(new Control.Welcome(version, AGENT, limits.maxFrameSize(), limits.maxSockets(),
                limits.maxOutstandingCalls(), limits.maxBufferedBytes()), main);
        if (goingAway != null) {
            tellGoingAway();
        }
    }

    /**
     * The proxy drains: a client of version 2 gets {@code GOING_AWAY(reason)} on the main transport (after the
     * Welcome, if the handshake is still to come) and may finish its work; one of version 1 hears nothing until the
     * proxy closes the session with 1001 at the drain's timeout.
     */
    @Override
    public void goingAway(String reason) {
        if (goingAway != null || ended) {
            return;
        }
        goingAway = reason == null ? "" : reason;
        if (welcomed) {
            tellGoingAway();
        }
    }

    private void tellGoingAway() {
        if (version >= MessageCodec.VERSION_GOING_AWAY && !ended) {
            send(new Control.GoingAway(goingAway), main);
        }
    }

    @Override
    public void datagramReceived(ByteBuf datagram) {
        if (!session.execute(() -> {
            try {
                if (ended || !welcomed) {
                    return;
                }
                Message m;
                try {
                    m = codec.decode(datagram);
                } catch (ProtocolException e) {
                    session.countMalformed();
                    session.datagramDropped(-1);
                    return;
                }
                if (m instanceof Request.SendTo && ((Request.SendTo) m).callId() == 0) {
                    session.submit(new Call((Request) m, main));
                } else {
                    Message.release(m);
                    session.datagramDropped(-1);
                }
            } finally {
                datagram.release();
            }
        })) {
            datagram.release();
        }
    }

    @Override
    public void streamOpened(Transport stream) {
        TransportRoute route = new TransportRoute(stream);
        routes.put(stream, route);
        session.countHeldBytes(stream);
        stream.start(new TransportListener() {
            @Override
            public void frameReceived(ByteBuf frame) {
                route.gate.handOver(frame, loop, f -> frame(f, route));
            }

            @Override
            public void writabilityChanged(boolean writable) {
                session.execute(() -> {
                    route.gate.writabilityChanged();
                    session.writabilityChanged();
                });
            }

            @Override
            public void closed(int code, String reason) {
                routes.remove(stream);
            }
        });
    }

    @Override
    public void writabilityChanged(boolean writable) {
        session.execute(() -> {
            main.gate.writabilityChanged();
            if (writable) {
                session.writabilityChanged();
            }
        });
    }

    @Override
    public void closed(int code, String reason) {
        session.execute(() -> end(code, reason));
    }

    // ------------------------------------------------------------------ outbound

    private void send(Message m, TransportRoute to) {
        send(encoder.message(m, to.transport.alloc()), to);
    }

    /** Sends a frame; reading of {@code to} stops at once if that filled it. On the loop. */
    private void send(ByteBuf frame, TransportRoute to) {
        to.transport.send(frame);
        to.gate.sent();
    }

    // ------------------------------------------------------------------ end

    private void goodbye(int code, String reason) {
        if (ended) {
            return;
        }
        send(new Control.Goodbye(code, reason), main);
        end(code, reason);
        transport.close(code, reason);
    }

    private void end(int code, String reason) {
        if (ended) {
            return;
        }
        ended = true;
        session.close(code, reason);
    }

    /** Ends the session from the proxy's side (shutdown, grant expiry, over budget). On the loop. */
    @Override
    public void close(int code, String reason) {
        goodbye(code, reason);
    }
}
