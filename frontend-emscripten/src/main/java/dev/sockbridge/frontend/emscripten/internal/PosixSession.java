package dev.sockbridge.frontend.emscripten.internal;

import dev.sockbridge.api.transport.CloseCode;
import static dev.sockbridge.frontend.emscripten.internal.PosixWire.*;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.proxy.spi.Call;
import dev.sockbridge.proxy.spi.EngineSession;
import dev.sockbridge.proxy.spi.FrontEnd;
import dev.sockbridge.proxy.spi.FrontEndFactory;
import dev.sockbridge.proxy.spi.ReadGate;
import dev.sockbridge.proxy.spi.Result;
import dev.sockbridge.proxy.spi.Route;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Emscripten PROXY_POSIX_SOCKETS front end of one bridge WebSocket, on the front-end SPI: a decoder, a
 * dispatcher and an encoder. See {@code shared/emscripten-protocol.md}, Part A.
 *
 * <pre>
 *  Transport ─LE binary─▶ {@link PosixDecoder} (+ musl→Linux constants) ─Call─▶ EngineSession ─▶ native channels
 *            ◀─LE binary─ {@link PosixEncoder} (+ Linux→WASI errno, min sizes) ◀─Result─┘
 * </pre>
 *
 * <p><b>Correlation.</b> The client's call id rides in the {@link Call} the engine hands back with the result
 * ({@link PosixCall}); the engine gets ids of our own (positive, never 0, which means fire-and-forget), so
 * duplicate or wrapped client ids cannot confuse it.
 *
 * <p><b>Handles.</b> Engine descriptors plus {@link PosixWire#HANDLE_OFFSET}, scoped to this connection.
 *
 * <p><b>Threading.</b> Everything runs on the session's event loop; nothing blocks it. A recv, accept or connect
 * that cannot finish waits inside the engine, so other calls keep flowing and replies go out in whatever order
 * calls finish (the client matches them by id).
 *
 * <p><b>Backpressure.</b> The transport is read only while it is writable ({@link ReadGate}): a client that sends
 * calls and does not read the answers stops being read. What the transport holds counts in the session's and the
 * proxy's buffered bytes. A client that keeps sending requests that cannot be parsed (or unknown opcodes) is
 * answered {@link FrontEnd#MAX_MALFORMED_REQUESTS} times, then closed with 1008; error replies are as short as
 * the client's parser allows.
 */
public final class PosixSession implements FrontEnd, TransportListener, Route {
    public static final String PROTOCOL = "emscripten-posix";

    /** Makes the front end of each transport a proxy serves with this protocol. */
    public static final FrontEndFactory FACTORY = FrontEndFactory.of(PROTOCOL, PosixSession::new);

    /** A call in flight: the engine's request, and the client's call as the encoder needs it. */
    private static final class Pending extends Call {
        final PosixCall wire;

        Pending(Request request, Route route, PosixCall wire) {
            super(request, route);
            this.wire = wire;
        }
    }

    private final EngineSession session;
    private final Transport transport;
    private final ReadGate gate;
    private int engineIds;
    /** Requests answered with an error because they could not be parsed (loop). */
    private int malformedAnswered;
    private boolean ended;
    /**
     * Engine descriptors of this connection's datagram sockets, kept for Linux's MSG_TRUNC receive flag, which
     * only a datagram socket answers with the datagram's real length. Loop-confined.
     */
    private final Set<Integer> datagramFds = new HashSet<>();
    private final AtomicLong shortFrames = new AtomicLong();

    public PosixSession(EngineSession session, Transport transport) {
        this.session = session;
        this.transport = transport;
        this.gate = new ReadGate(transport);
    }

    @Override
    public void start() {
        session.countHeldBytes(transport);
        transport.start(this);
    }

    /** Frames too short to carry a call id (dropped unanswered). Any thread. */
    public long shortFrames() {
        return shortFrames.get();
    }

    // ------------------------------------------------------------------ inbound

    @Override
    public void frameReceived(ByteBuf frame) {
        gate.handOver(frame, session.loop(), f -> {
            try {
                frame(f);
            } finally {
                f.release();
            }
        });
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
            session.countMalformed();
            return;
        }
        int b = f.readerIndex();
        int id = f.getIntLE(b);
        if (n < REQUEST_HEADER) {
            session.countMalformed();
            malformed(new PosixCall(id, TRUNCATED), Errno.EINVAL.code(), "a request of " + n + " bytes");
            return;
        }
        PosixCall c = new PosixCall(id, f.getIntLE(b + 4));
        Request r;
        try {
            r = PosixDecoder.decode(c, f, engineId(), datagramFds);
        } catch (IndexOutOfBoundsException e) {
            // a length field pointing past the frame that slipped through: still an answer, not a crash
            session.countMalformed();
            malformed(c, Errno.EINVAL.code(), name(c.op) + " request of " + n + " bytes");
            return;
        } catch (PosixDecoder.Malformed e) {
            if (e.errno == Errno.EINVAL.code()) {
                session.countMalformed();
            }
            if (e.errno == Errno.EINVAL.code() || e.errno == Errno.ENOSYS.code()) {
                malformed(c, e.errno, e.getMessage());
            } else {
                sendError(c, e.errno);
            }
            return;
        }
        session.submit(new Pending(r, this, c));
        if (c.closeAfter) {
            // close() never reaches the wire: SHUT_RDWR releases the handle, before the program can see the
            // shutdown's answer and reuse the number (both run in this task, before the next frame)
            datagramFds.remove(c.fd);
            session.submit(new Call(new Request.Close(engineId(), c.fd), Route.DISCARD));
        }
    }

    /**
     * Answers a request that could not be parsed or names no call the client has, unless the session
     * sent too many of them: then it ends, with 1008 and the reason, instead of being answered forever.
     */
    private void malformed(PosixCall c, int errno, String what) {
        if (++malformedAnswered > MAX_MALFORMED_REQUESTS) {
            close(CloseCode.POLICY_VIOLATION.code(), "more than " + MAX_MALFORMED_REQUESTS + " malformed requests; last: " + what);
            return;
        }
        sendError(c, errno);
    }

    // ------------------------------------------------------------------ outbound

    @Override
    public void completed(Call call, Result r) {
        if (ended || !(call instanceof Pending)) {
            Result.release(r);
            return;
        }
        PosixCall c = ((Pending) call).wire;
        try {
            if (r instanceof Result.Error) {
                sendError(c, ((Result.Error) r).code());
                return;
            }
            ByteBuf out;
            try {
                out = encode(c, r);
            } catch (RuntimeException e) {
                // a result the layout of this call cannot carry: still answer, so the caller does not hang
                sendError(c, Errno.EIO.code());
                return;
            }
            send(out);
        } finally {
            Result.release(r);
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

    /** The reply bytes for a successful result, noting which descriptors are datagram sockets. */
    private ByteBuf encode(PosixCall c, Result r) {
        ByteBufAllocator a = transport.alloc();
        switch (c.op) {
            case SOCKET: {
                int fd = (int) ((Result.Value) r).value();
                datagram(fd, c.datagram);
                return PosixEncoder.socket(a, c, fd);
            }
            case SOCKETPAIR: {
                Result.SocketPair p = (Result.SocketPair) r;
                datagram(p.fd0(), c.datagram);
                datagram(p.fd1(), c.datagram);
                return PosixEncoder.socketPair(a, c, p.fd0(), p.fd1());
            }
            case ACCEPT: {
                Result.Accepted acc = (Result.Accepted) r;
                datagram(acc.fd(), false);
                return PosixEncoder.accepted(a, c, acc.fd(), acc.peer());
            }
            case GETSOCKNAME:
            case GETPEERNAME:
                return PosixEncoder.address(a, c, ((Result.Address) r).address());
            case SEND:
            case SENDTO:
                return PosixEncoder.value(a, c, (int) ((Result.Value) r).value());
            case RECV:
            case RECVFROM: {
                Result.Data d = (Result.Data) r;
                return PosixEncoder.data(a, c, d.data(), d.from());
            }
            case GETSOCKOPT:
                return PosixEncoder.sockOpt(a, c, ((Result.Value) r).value());
            case GETADDRINFO:
                return PosixEncoder.addrInfos(a, c, ((Result.AddrInfos) r).results());
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
    public boolean isWritable() {
        return transport.isWritable();
    }

    @Override
    public void writabilityChanged(boolean writable) {
        session.execute(() -> {
            gate.writabilityChanged();
            session.writabilityChanged();
        });
    }

    // ------------------------------------------------------------------ end

    @Override
    public void closed(int code, String reason) {
        session.execute(() -> end(code, reason));
    }

    private void end(int code, String reason) {
        if (ended) {
            return;
        }
        ended = true;
        session.close(code, reason);
    }

    /** Ends the session and closes the transport. On the loop; idempotent. */
    @Override
    public void close(int code, String reason) {
        end(code, reason);
        transport.close(code, reason);
    }
}
