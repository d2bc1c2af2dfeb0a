package dev.sockbridge.frontend.emscripten.internal;

import static dev.sockbridge.frontend.emscripten.internal.PosixWire.*;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.internal.AdmissionTicket;
import dev.sockbridge.proxy.internal.FrontEnd;
import dev.sockbridge.proxy.internal.Loops;
import dev.sockbridge.proxy.internal.ProxyContext;
import dev.sockbridge.proxy.internal.ReadGate;
import dev.sockbridge.proxy.internal.SessionCore;
import dev.sockbridge.proxy.internal.SessionOutput;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Emscripten PROXY_POSIX_SOCKETS front end of one bridge WebSocket: decodes the client's binary
 * requests into engine {@link Request}s for a {@link SessionCore}, and encodes each {@link Reply}
 * into the exact layout the 3.1.6 client parses. See {@code shared/emscripten-protocol.md}, Part A.
 *
 * <pre>
 *  Transport ─LE binary─▶ decode (+ musl→Linux constants) ─Request─▶ SessionCore ─▶ native channels
 *            ◀─LE binary─ encode (+ Linux→WASI errno, min sizes) ◀─Reply─┘
 * </pre>
 *
 * <p><b>Correlation.</b> The client's call id rides in the route object ({@link PosixCall}) that the
 * core hands back with the reply; the engine gets ids of our own (positive, never 0, which the
 * engine reserves), so duplicate or wrapped client ids cannot confuse it.
 *
 * <p><b>Handles.</b> Engine descriptors plus {@link #HANDLE_OFFSET}: positive, never 0, clear of
 * wasm's own fds 0-2 and of the first files a program opens, scoped to this connection.
 *
 * <p><b>Threading.</b> Everything runs on the session's event loop; nothing blocks it. A recv,
 * accept or connect that cannot finish waits inside the engine, so other calls keep flowing and
 * replies go out in whatever order calls finish (the client matches them by id).
 *
 * <p><b>Backpressure.</b> The transport is read only while it is writable ({@link ReadGate}): a
 * client that sends calls and does not read the answers stops being read. What the transport holds
 * counts in the session's and the proxy's buffered bytes. A client that keeps sending requests that
 * cannot be parsed (or unknown opcodes) is answered {@link FrontEnd#MAX_MALFORMED_REQUESTS} times,
 * then closed with 1008; error replies are as short as the client's parser allows.
 */
public final class PosixSession implements TransportListener, SessionOutput, FrontEnd {
    public static final String PROTOCOL = "emscripten-posix";
    public static final int HANDLE_OFFSET = PosixWire.HANDLE_OFFSET;

    /** Where the engine's answer to a call we made ourselves (the close after SHUT_RDWR) goes: nowhere. */
    private static final Object INTERNAL = new Object();

    private final ProxyContext ctx;
    private final Transport transport;
    private final EventLoop loop;
    private final SessionCore core;
    private int engineIds;
    private final ReadGate gate;
    /** Requests answered with an error because they could not be parsed (loop). */
    private int malformedAnswered;
    private volatile boolean ended;
    /**
     * Engine descriptors of this connection's datagram sockets, kept for Linux's MSG_TRUNC receive flag, which
     * only a datagram socket answers with the datagram's real length. Loop-confined.
     */
    private final java.util.Set<Integer> datagramFds = new java.util.HashSet<>();
    private final AtomicLong shortFrames = new AtomicLong();

    public PosixSession(ProxyContext ctx, Transport transport) {
        this(ctx, transport, null);
    }

    /** A session under {@code ticket}'s policy and limits (null: the proxy's own). */
    public PosixSession(ProxyContext ctx, Transport transport, AdmissionTicket ticket) {
        this.ctx = ctx;
        this.transport = transport;
        this.gate = new ReadGate(transport);
        this.loop = ctx.loopFor(transport.executor());
        SessionInfo info = new SessionInfo(ctx.newSessionId(), transport.remoteAddress(), transport.scheme(), PROTOCOL,
                ticket == null ? null : ticket.subject);
        this.core = ticket == null ? new SessionCore(ctx, loop, info, this)
                : new SessionCore(ctx, loop, info, this, ticket.policy, ticket.limits);
    }

    public void start() {
        core.onOverBudget(() -> close(ProxyContext.OVER_BUDGET, ctx.overBudgetReason()));
        transport.countHeldBytes(core::countTransportHeld);
        transport.start(this);
    }

    public SessionCore core() {
        return core;
    }

    /** Frames too short to carry a call id (dropped unanswered). */
    public long shortFrames() {
        return shortFrames.get();
    }

    // ------------------------------------------------------------------ inbound

    @Override
    public void frameReceived(ByteBuf frame) {
        if (loop.inEventLoop()) {
            // the transport runs on the session's loop: handled now, nothing waits
            try {
                frame(frame);
            } finally {
                frame.release();
            }
            return;
        }
        long n = frame.readableBytes();
        gate.handedOver(n);
        if (!Loops.run(loop, () -> {
            try {
                frame(frame);
            } finally {
                frame.release();
                gate.handled(n);
            }
        })) {
            frame.release();
            gate.handled(n);
        }
    }

    private boolean onLoop(Runnable r) {
        return Loops.run(loop, r);
    }

    private int engineId() {
        int id = ++engineIds;
        if (id <= 0) {
            engineIds = 1;
            id = 1;
        }
        return id;
    }

    private void frame(ByteBuf f) {
        if (ended) {
            return;
        }
        int n = f.readableBytes();
        if (n < 4) {
            // nothing to answer: no call id (getsockname/getpeername with an ordinary buffer send 0 bytes)
            shortFrames.incrementAndGet();
            ctx.countMalformed();
            return;
        }
        int b = f.readerIndex();
        int id = f.getIntLE(b);
        if (n < REQUEST_HEADER) {
            ctx.countMalformed();
            malformed(new PosixCall(id, TRUNCATED), Errno.EINVAL.code(), "a request of " + n + " bytes");
            return;
        }
        PosixCall c = new PosixCall(id, f.getIntLE(b + 4));
        Request r;
        try {
            r = PosixDecoder.decode(c, f, engineId(), datagramFds);
        } catch (IndexOutOfBoundsException e) {
            // a length field pointing past the frame that slipped through: still an answer, not a crash
            ctx.countMalformed();
            malformed(c, Errno.EINVAL.code(), name(c.op) + " request of " + n + " bytes");
            return;
        } catch (PosixDecoder.Malformed e) {
            if (e.errno == Errno.EINVAL.code()) {
                ctx.countMalformed();
            }
            if (e.errno == Errno.EINVAL.code() || e.errno == Errno.ENOSYS.code()) {
                malformed(c, e.errno, e.getMessage());
            } else {
                sendError(c, e.errno);
            }
            return;
        }
        core.handle(r, c);
    }

    /**
     * Answers a request that could not be parsed or names no call the client has, unless the session
     * sent too many of them: then it ends, with 1008 and the reason, instead of being answered forever.
     */
    private void malformed(PosixCall c, int errno, String what) {
        if (++malformedAnswered > MAX_MALFORMED_REQUESTS) {
            String reason = "more than " + MAX_MALFORMED_REQUESTS + " malformed requests; last: " + what;
            end(1008, reason);
            transport.close(1008, reason);
            return;
        }
        sendError(c, errno);
    }

    // ------------------------------------------------------------------ outbound

    @Override
    public void reply(Reply r, Object route) {
        if (route == INTERNAL || !(route instanceof PosixCall)) {
            Message.release(r);
            return;
        }
        PosixCall c = (PosixCall) route;
        if (c.closeAfter) {
            c.closeAfter = false;
            // release the handle before the program can see the shutdown's answer and reuse the number
            datagramFds.remove(c.fd);
            core.handle(new Request.Close(engineId(), c.fd), INTERNAL);
        }
        if (ended) {
            Message.release(r);
            return;
        }
        try {
            if (r instanceof Reply.Error) {
                sendError(c, ((Reply.Error) r).code());
            } else {
                ByteBuf out;
                try {
                    out = encode(c, r);
                } catch (RuntimeException e) {
                    // a reply the layout of this call cannot carry: still answer, so the caller does not hang
                    sendError(c, Errno.EIO.code());
                    return;
                }
                send(out);
            }
        } finally {
            Message.release(r);
        }
    }

    /** An error reply, in Emscripten numbering and padded to the call's minimum (see {@link PosixEncoder#error}). */
    private void sendError(PosixCall c, int code) {
        send(PosixEncoder.error(transport.alloc(), c, code));
    }

    /** Sends a reply; reading stops at once if that filled the transport. On the loop. */
    private void send(ByteBuf out) {
        transport.send(out);
        gate.sent();
    }

    /** The reply bytes for a successful engine reply, noting which descriptors are datagram sockets. */
    private ByteBuf encode(PosixCall c, Reply r) {
        io.netty.buffer.ByteBufAllocator a = transport.alloc();
        switch (c.op) {
            case SOCKET: {
                int fd = (int) ((Reply.Value) r).value();
                datagram(fd, c.datagram);
                return PosixEncoder.socket(a, c, fd);
            }
            case SOCKETPAIR: {
                Reply.SocketPair p = (Reply.SocketPair) r;
                datagram(p.fd0(), c.datagram);
                datagram(p.fd1(), c.datagram);
                return PosixEncoder.socketPair(a, c, p.fd0(), p.fd1());
            }
            case ACCEPT: {
                Reply.Accept acc = (Reply.Accept) r;
                datagram(acc.fd(), false);
                return PosixEncoder.accepted(a, c, acc.fd(), acc.peer());
            }
            case GETSOCKNAME:
            case GETPEERNAME:
                return PosixEncoder.address(a, c, ((Reply.Address) r).address());
            case SEND:
            case SENDTO:
                return PosixEncoder.value(a, c, (int) ((Reply.Value) r).value());
            case RECV:
            case RECVFROM: {
                Reply.Data d = (Reply.Data) r;
                return PosixEncoder.data(a, c, d.data(), d.from());
            }
            case GETSOCKOPT:
                return PosixEncoder.sockOpt(a, c, ((Reply.Value) r).value());
            case GETADDRINFO:
                return PosixEncoder.addrInfos(a, c, ((Reply.AddrInfos) r).results());
            default:
                // SHUTDOWN, BIND, CONNECT, LISTEN, SETSOCKOPT: header only
                return PosixEncoder.value(a, c, 0);
        }
    }

    private void datagram(int fd, boolean yes) {
        if (yes) {
            datagramFds.add(fd);
        } else {
            datagramFds.remove(fd);
        }
    }

    @Override
    public boolean isWritable(Object route) {
        return route == INTERNAL || transport.isWritable();
    }

    @Override
    public void writabilityChanged(boolean writable) {
        onLoop(() -> {
            gate.writabilityChanged();
            if (writable) {
                core.outputWritabilityChanged();
            }
        });
    }

    // ------------------------------------------------------------------ end

    @Override
    public void closed(int code, String reason) {
        onLoop(() -> end(code, reason));
    }

    private void end(int code, String reason) {
        if (ended) {
            return;
        }
        ended = true;
        core.close(code, reason);
    }

    @Override
    public int outstandingCalls() {
        return core.outstandingCalls();
    }

    @Override
    public boolean isEnded() {
        return ended;
    }

    @Override
    public void close(int code, String reason) {
        boolean queued = onLoop(() -> {
            end(code, reason);
            transport.close(code, reason);
        });
        if (!queued) {
            // the proxy's loops have stopped: its shutdown already ended the session
            transport.close(code, reason);
        }
    }
}
