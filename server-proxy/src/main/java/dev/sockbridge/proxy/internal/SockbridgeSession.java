package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.codec.ProtocolException;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.MessageType;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.SessionLimits;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Sockbridge CBOR protocol front end: one per transport. Decodes frames, does the version
 * handshake, feeds requests to a {@link SessionCore} and encodes what it answers. Extra streams of
 * the transport (WebTransport, in-process) carry calls too; their answers and push events go back on
 * the stream the call came in on.
 *
 * <p><b>Backpressure.</b> Each transport is read only while it is writable ({@link ReadGate}), so a
 * client that does not read its answers stops being read; what the transports hold for the session
 * counts in its and the proxy's buffered bytes ({@link SessionCore#countTransportHeld}). A client that
 * keeps sending malformed requests is answered {@link FrontEnd#MAX_MALFORMED_REQUESTS} times, then the
 * session ends with {@code Goodbye(4002)}.
 *
 * <pre>
 *  Transport ─frame─▶ decode ─Request─▶ SessionCore ─▶ native channels
 *            ◀─frame─ encode ◀─Reply/Event─┘
 * </pre>
 */
public final class SockbridgeSession implements TransportListener, SessionOutput, FrontEnd {
    public static final String AGENT = "sockbridge-proxy/0.1";

    private final ProxyContext ctx;
    private final Transport transport;
    private final EventLoop loop;
    private final MessageCodec codec = MessageCodec.cbor();
    private final SessionCore core;
    private final Set<Transport> streams = ConcurrentHashMap.newKeySet();
    /** The read gate of the main transport and of each stream (streams' are added when they open). */
    private final Map<Transport, ReadGate> gates = new ConcurrentHashMap<>();
    private boolean welcomed;
    private int malformedAnswered;
    private volatile boolean ended;

    public SockbridgeSession(ProxyContext ctx, Transport transport) {
        this(ctx, transport, null);
    }

    /** A session under {@code ticket}'s policy and limits (null: the proxy's own). */
    public SockbridgeSession(ProxyContext ctx, Transport transport, AdmissionTicket ticket) {
        this.ctx = ctx;
        this.transport = transport;
        this.loop = ctx.loopFor(transport.executor());
        SessionInfo info = new SessionInfo(ctx.newSessionId(), transport.remoteAddress(), transport.scheme(), "sockbridge",
                ticket == null ? null : ticket.subject);
        this.core = ticket == null ? new SessionCore(ctx, loop, info, this)
                : new SessionCore(ctx, loop, info, this, ticket.policy, ticket.limits);
    }

    public SessionCore core() {
        return core;
    }

    @Override
    public int outstandingCalls() {
        return core.outstandingCalls();
    }

    public void start() {
        gates.put(transport, new ReadGate(transport));
        core.onOverBudget(() -> close(ProxyContext.OVER_BUDGET, core.ctx.overBudgetReason()));
        transport.countHeldBytes(core::countTransportHeld);
        transport.start(this);
    }

    // ------------------------------------------------------------------ inbound

    @Override
    public void frameReceived(ByteBuf frame) {
        handOver(frame, transport);
    }

    /** Hands a frame to the session's loop, counted by the transport's read gate until it is handled. */
    private void handOver(ByteBuf frame, Transport from) {
        if (loop.inEventLoop()) {
            // the transport runs on the session's loop: handled now, nothing waits
            frame(frame, from);
            return;
        }
        ReadGate g = gate(from);
        long n = frame.readableBytes();
        g.handedOver(n);
        if (!Loops.run(loop, () -> {
            try {
                frame(frame, from);
            } finally {
                g.handled(n);
            }
        })) {
            frame.release();
            g.handled(n);
        }
    }

    private boolean onLoop(Runnable r) {
        return Loops.run(loop, r);
    }

    private void frame(ByteBuf frame, Transport from) {
        if (ended) {
            frame.release();
            return;
        }
        Message m;
        try {
            if (frame.readableBytes() > core.limits.maxFrameSize()) {
                goodbye(Control.Goodbye.TOO_BIG, "frame of " + frame.readableBytes() + " bytes exceeds the limit of "
                        + core.limits.maxFrameSize());
                return;
            }
            m = codec.decode(frame);
        } catch (ProtocolException e) {
            ctx.countMalformed();
            MessageType t = MessageType.of(e.messageType());
            boolean request = e.messageType() >= 0x10 && e.messageType() < 0x40;
            if (welcomed && e.callId() > 0 && (request || t == null)) {
                if (++malformedAnswered > MAX_MALFORMED_REQUESTS) {
                    goodbye(Control.Goodbye.LIMIT_EXCEEDED, "more than " + MAX_MALFORMED_REQUESTS
                            + " malformed requests; last: " + e.getMessage());
                    return;
                }
                Errno errno = t == null ? Errno.ENOSYS : Errno.EINVAL;
                send(new Reply.Error(e.callId(), errno, e.getMessage()), from);
            } else {
                goodbye(Control.Goodbye.PROTOCOL_ERROR, e.getMessage());
            }
            return;
        } finally {
            frame.release();
        }
        if (!welcomed) {
            hello(m);
            return;
        }
        if (m instanceof Request) {
            core.handle((Request) m, from);
        } else if (m instanceof Control.Credit) {
            Control.Credit c = (Control.Credit) m;
            core.credit(c.fd(), c.bytes());
        } else if (m instanceof Control.Goodbye) {
            Control.Goodbye g = (Control.Goodbye) m;
            end(g.code(), "client said goodbye: " + g.reason());
            transport.close(Control.Goodbye.NORMAL, "goodbye");
        } else {
            Message.release(m);
            ctx.countMalformed();
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
        SessionLimits limits = core.limits;
        send(new Control.Welcome(MessageCodec.VERSION, AGENT, limits.maxFrameSize(), limits.maxSockets(),
                limits.maxOutstandingCalls(), limits.maxBufferedBytes()), transport);
    }

    @Override
    public void datagramReceived(ByteBuf datagram) {
        Loops.run(loop, datagram, () -> {
            try {
                if (ended || !welcomed) {
                    return;
                }
                Message m;
                try {
                    m = codec.decode(datagram);
                } catch (ProtocolException e) {
                    ctx.countMalformed();
                    ctx.countDatagramDropped();
                    return;
                }
                if (m instanceof Request.SendTo && ((Request.SendTo) m).callId() == 0) {
                    core.handle((Request) m, transport);
                } else {
                    Message.release(m);
                    ctx.countDatagramDropped();
                }
            } finally {
                datagram.release();
            }
        });
    }

    @Override
    public void streamOpened(Transport stream) {
        streams.add(stream);
        gates.put(stream, new ReadGate(stream));
        stream.countHeldBytes(core::countTransportHeld);
        stream.start(new TransportListener() {
            @Override
            public void frameReceived(ByteBuf frame) {
                handOver(frame, stream);
            }

            @Override
            public void writabilityChanged(boolean writable) {
                onLoop(() -> {
                    gate(stream).writabilityChanged();
                    core.outputWritabilityChanged();
                });
            }

            @Override
            public void closed(int code, String reason) {
                streams.remove(stream);
                gates.remove(stream);
            }
        });
    }

    @Override
    public void writabilityChanged(boolean writable) {
        onLoop(() -> {
            gate(transport).writabilityChanged();
            if (writable) {
                core.outputWritabilityChanged();
            }
        });
    }

    @Override
    public void closed(int code, String reason) {
        onLoop(() -> end(code, reason));
    }

    // ------------------------------------------------------------------ outbound

    private void send(Message m, Transport to) {
        send(codec.encode(m, to.alloc()), to);
    }

    /** Sends a frame; reading of {@code to} stops at once if that filled it. On the loop. */
    private void send(ByteBuf frame, Transport to) {
        to.send(frame);
        gate(to).sent();
    }

    private ReadGate gate(Transport t) {
        ReadGate g = gates.get(t);
        // a stream that closed meanwhile: nothing of it to hold back any more
        return g != null ? g : new ReadGate(t);
    }

    @Override
    public void reply(Reply reply, Object route) {
        Transport t = route instanceof Transport ? (Transport) route : transport;
        send(reply, t);
    }

    @Override
    public boolean event(Event event, Object route, boolean datagram) {
        Transport t = route instanceof Transport ? (Transport) route : transport;
        if (datagram && transport.capabilities().contains(Transport.Capability.DATAGRAMS)) {
            int fd = event instanceof Event.Data ? ((Event.Data) event).fd() : -1;
            ByteBuf b = codec.encode(event, transport.alloc());
            if (b.readableBytes() <= transport.maxDatagramSize()) {
                if (!transport.sendDatagram(b)) {
                    core.datagramDropped(fd);
                }
                return true;
            }
            // too large for one datagram: the reliable path still carries it
            send(b, t);
            return false;
        }
        send(event, t);
        return false;
    }

    @Override
    public boolean isWritable(Object route) {
        Transport t = route instanceof Transport ? (Transport) route : transport;
        return t.isWritable();
    }

    // ------------------------------------------------------------------ end

    private void goodbye(int code, String reason) {
        if (ended) {
            return;
        }
        send(new Control.Goodbye(code, reason), transport);
        end(code, reason);
        transport.close(code, reason);
    }

    private void end(int code, String reason) {
        if (ended) {
            return;
        }
        ended = true;
        core.close(code, reason);
    }

    /** Ends the session from the proxy's side (shutdown). */
    @Override
    public void close(int code, String reason) {
        if (!onLoop(() -> goodbye(code, reason))) {
            // the proxy's loops have stopped: its shutdown already ended the session
            transport.close(code, reason);
        }
    }

    @Override
    public boolean isEnded() {
        return ended;
    }
}
