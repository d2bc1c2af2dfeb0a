package dev.sockbridge.frontend.emscripten.internal;

import static dev.sockbridge.frontend.emscripten.internal.PosixWire.*;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.api.message.AddrInfo;
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
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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
 * <p><b>Correlation.</b> The client's call id rides in the route object ({@link Call}) that the
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
    public static final int HANDLE_OFFSET = 100;

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
    /** More than the largest UDP payload: what a MSG_TRUNC receive asks the engine for, to learn the real length. */
    private static final int WHOLE_DATAGRAM = 65536;
    private final AtomicLong shortFrames = new AtomicLong();

    /** What the encoder needs to know about a call in flight: the route the engine hands back. */
    static final class Call {
        final int id;
        final int op;
        int fd;
        boolean closeAfter;
        int addrMax;
        int optLen;
        SocketOption<?> opt;
        int gaiFlags;
        /** SOCKET, SOCKETPAIR: of type SOCK_DGRAM. */
        boolean datagram;
        /** RECV, RECVFROM with MSG_TRUNC on a datagram socket: the caller's length (ret is the real one); else -1. */
        int truncLength = -1;

        Call(int id, int op) {
            this.id = id;
            this.op = op;
        }
    }

    /** A request that cannot run: answered at once with this (Linux) errno. */
    static final class Malformed extends Exception {
        /** Linux numbering, like every engine errno. */
        final int errno;

        Malformed(Errno errno, String message) {
            this(errno.code(), message);
        }

        Malformed(int errno, String message) {
            super(message, null, false, false);
            this.errno = errno;
        }
    }

    /** Linux EDOM (not in {@link Errno}): what Linux answers for a tv_usec out of range. */
    private static final int LINUX_EDOM = 33;

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
            malformed(new Call(id, TRUNCATED), Errno.EINVAL.code(), "a request of " + n + " bytes");
            return;
        }
        Call c = new Call(id, f.getIntLE(b + 4));
        Request r;
        try {
            r = decode(c, f, engineId(), datagramFds);
        } catch (IndexOutOfBoundsException e) {
            // a length field pointing past the frame that slipped through: still an answer, not a crash
            ctx.countMalformed();
            malformed(c, Errno.EINVAL.code(), name(c.op) + " request of " + n + " bytes");
            return;
        } catch (Malformed e) {
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
    private void malformed(Call c, int errno, String what) {
        if (++malformedAnswered > MAX_MALFORMED_REQUESTS) {
            String reason = "more than " + MAX_MALFORMED_REQUESTS + " malformed requests; last: " + what;
            end(1008, reason);
            transport.close(1008, reason);
            return;
        }
        sendError(c, errno);
    }

    /**
     * The length to ask the engine for. With MSG_TRUNC on a datagram socket Linux returns the datagram's real
     * length, not what fit: the engine is asked for the whole datagram and the reply carries the caller's part.
     */
    private static int receiveLength(Call c, ByteBuf f, int b, java.util.Set<Integer> datagramFds) {
        int len = u32(f, b + 12);
        if ((f.getIntLE(b + 16) & Posix.MSG_TRUNC) != 0 && datagramFds.contains(fd(f, b + 8)) && len >= 0) {
            c.truncLength = len;
            return Math.max(len, WHOLE_DATAGRAM);
        }
        return len;
    }

    private static int fd(ByteBuf f, int at) {
        return f.getIntLE(at) - HANDLE_OFFSET;
    }

    /**
     * Decodes the request in {@code f}'s readable bytes (at least {@link PosixWire#REQUEST_HEADER}), whose header
     * {@code c} holds, into an engine request with id {@code eid}, and notes in {@code c} what its reply needs.
     * The contract PosixDecodeFuzzTest checks on arbitrary bytes: a request (SEND and SENDTO data is a retained
     * slice of {@code f}) or {@link Malformed}, never another exception, and no reference kept on failure.
     */
    static Request decode(Call c, ByteBuf f, int eid) throws Malformed {
        return decode(c, f, eid, java.util.Set.of());
    }

    /** As {@link #decode(Call, ByteBuf, int)}, knowing which descriptors are datagram sockets (for MSG_TRUNC). */
    static Request decode(Call c, ByteBuf f, int eid, java.util.Set<Integer> datagramFds) throws Malformed {
        int b = f.readerIndex();
        int n = f.readableBytes();
        if (n < minRequestSize(c.op)) {
            throw new Malformed(Errno.EINVAL, name(c.op) + " request of " + n + " bytes, needs " + minRequestSize(c.op));
        }
        switch (c.op) {
            case SOCKET:
                c.datagram = (f.getIntLE(b + 12) & 0xff) == Posix.SOCK_DGRAM;
                return new Request.Socket(eid, f.getIntLE(b + 8), f.getIntLE(b + 12), f.getIntLE(b + 16));
            case SOCKETPAIR:
                c.datagram = (f.getIntLE(b + 12) & 0xff) == Posix.SOCK_DGRAM;
                return new Request.SocketPair(eid, f.getIntLE(b + 8), f.getIntLE(b + 12), f.getIntLE(b + 16));
            case SHUTDOWN: {
                int fd = fd(f, b + 8);
                int how = f.getIntLE(b + 12);
                if (how == Posix.SHUT_RDWR) {
                    // close() is never proxied: SHUT_RDWR is how an Emscripten program releases a socket
                    c.closeAfter = true;
                    c.fd = fd;
                }
                return new Request.Shutdown(eid, fd, how);
            }
            case BIND:
            case CONNECT: {
                int fd = fd(f, b + 8);
                int len = Math.min(u32(f, b + 12), n - 16);
                InetSocketAddress a = address(f, b + 16, len);
                return c.op == BIND ? new Request.Bind(eid, fd, a) : new Request.Connect(eid, fd, a);
            }
            case LISTEN:
                return new Request.Listen(eid, fd(f, b + 8), f.getIntLE(b + 12));
            case ACCEPT:
                c.addrMax = u32(f, b + 12);
                return new Request.Accept(eid, fd(f, b + 8), 0);
            case GETSOCKNAME:
            case GETPEERNAME:
                // The client sizes this message 16 + *address_len - 256, so only a buffer of 256+ bytes
                // gives all 16 bytes; 12-15 bytes still carry the socket, and their length field is
                // then at least 252: more than any address we send.
                c.addrMax = n >= 16 ? u32(f, b + 12) : MAX_SOCKADDR;
                return c.op == GETSOCKNAME ? new Request.GetSockName(eid, fd(f, b + 8))
                        : new Request.GetPeerName(eid, fd(f, b + 8));
            case SEND: {
                int len = Math.min(u32(f, b + 12), n - 20);
                return new Request.Send(eid, fd(f, b + 8), f.getIntLE(b + 16), f.retainedSlice(b + 20, len));
            }
            case RECV:
                return new Request.Recv(eid, fd(f, b + 8), receiveLength(c, f, b, datagramFds), f.getIntLE(b + 16));
            case SENDTO: {
                int dataAt = 24 + MAX_SOCKADDR;
                int destLen = Math.min(u32(f, b + 20), MAX_SOCKADDR);
                InetSocketAddress to = destLen == 0 ? null : address(f, b + 24, destLen);
                int len = Math.min(u32(f, b + 12), n - dataAt);
                return new Request.SendTo(eid, fd(f, b + 8), f.getIntLE(b + 16), to, f.retainedSlice(b + dataAt, len));
            }
            case RECVFROM:
                c.addrMax = u32(f, b + 20);
                return new Request.RecvFrom(eid, fd(f, b + 8), receiveLength(c, f, b, datagramFds), f.getIntLE(b + 16));
            case GETSOCKOPT: {
                int level = f.getIntLE(b + 12);
                int name = f.getIntLE(b + 16);
                c.optLen = u32(f, b + 20);
                c.opt = option(level, name);
                return c.opt != null ? new Request.GetSockOpt(eid, fd(f, b + 8), c.opt.level(), c.opt.optname())
                        : new Request.GetSockOpt(eid, fd(f, b + 8), level, name);
            }
            case SETSOCKOPT:
                return setSockOpt(eid, f, b, n);
            case GETADDRINFO: {
                String node = cString(f, b + 8, MAX_NODE);
                String service = cString(f, b + 8 + MAX_NODE, MAX_SERVICE);
                int at = b + 8 + MAX_NODE + MAX_SERVICE;
                boolean hints = f.getIntLE(at) != 0;
                int flags = hints ? f.getIntLE(at + 4) : 0;
                c.gaiFlags = flags;
                return new Request.GetAddrInfo(eid, node.isEmpty() ? null : node, service.isEmpty() ? null : service, flags,
                        hints ? f.getIntLE(at + 8) : Posix.AF_UNSPEC, hints ? f.getIntLE(at + 12) : 0,
                        hints ? f.getIntLE(at + 16) : 0);
            }
            case SENDMSG:
            case RECVMSG:
            case GETNAMEINFO:
                throw new Malformed(Errno.ENOSYS, name(c.op) + " is not implemented by the Emscripten client");
            default:
                throw new Malformed(Errno.ENOSYS, "unknown opcode " + c.op);
        }
    }

    private static InetSocketAddress address(ByteBuf f, int at, int len) throws Malformed {
        try {
            return SockAddr.decode(f, at, len);
        } catch (SockAddr.BadAddress e) {
            throw new Malformed(e.errno, e.getMessage());
        }
    }

    private static Request setSockOpt(int eid, ByteBuf f, int b, int n) throws Malformed {
        int fd = fd(f, b + 8);
        int level = f.getIntLE(b + 12);
        int name = f.getIntLE(b + 16);
        int optLen = f.getIntLE(b + 20);
        if (optLen < 0) {
            throw new Malformed(Errno.EINVAL, "negative option length");
        }
        int len = Math.min(optLen, n - 24);
        int v = b + 24;
        SocketOption<?> opt = option(level, name);
        if (opt == null) {
            // unknown to the engine, which answers ENOPROTOOPT
            return new Request.SetSockOpt(eid, fd, level, name, len >= 4 ? f.getIntLE(v) : 0);
        }
        long value;
        switch (opt.kind()) {
            case TIMEOUT: {
                // struct timeval: {i32 sec, i32 usec} before Emscripten 3.1.16, {i64 sec, long usec (+pad)} after
                if (len < 8) {
                    throw new Malformed(Errno.EINVAL, opt.name() + " needs a struct timeval");
                }
                long sec = len >= 16 ? f.getLongLE(v) : f.getIntLE(v);
                long usec = len >= 16 ? f.getIntLE(v + 8) : f.getIntLE(v + 4);
                if (usec < 0 || usec >= 1_000_000) {
                    throw new Malformed(LINUX_EDOM, "tv_usec out of range: " + usec);
                }
                // Linux: a negative time means no timeout
                value = sec < 0 ? 0 : Math.min(sec, Long.MAX_VALUE / 2_000_000) * 1_000_000 + usec;
                break;
            }
            case LINGER:
                if (len < 8) {
                    throw new Malformed(Errno.EINVAL, "SO_LINGER needs a struct linger");
                }
                value = f.getIntLE(v) == 0 ? -1 : Math.max(0, f.getIntLE(v + 4));
                break;
            case FLAG:
                if (len < 4) {
                    throw new Malformed(Errno.EINVAL, opt.name() + " needs an int");
                }
                value = f.getIntLE(v) != 0 ? 1 : 0;
                break;
            default:
                if (len < 4) {
                    throw new Malformed(Errno.EINVAL, opt.name() + " needs an int");
                }
                value = f.getIntLE(v);
                break;
        }
        return new Request.SetSockOpt(eid, fd, opt.level(), opt.optname(), value);
    }

    // ------------------------------------------------------------------ outbound

    @Override
    public void reply(Reply r, Object route) {
        if (route == INTERNAL || !(route instanceof Call)) {
            Message.release(r);
            return;
        }
        Call c = (Call) route;
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

    /** An error reply: ret -1 (or the EAI code), errno in Emscripten numbering, padded to the call's minimum. */
    private void sendError(Call c, int code) {
        int ret = -1;
        int errno;
        if (c.op == GETADDRINFO) {
            ret = code < 0 ? code : EAI_SYSTEM;
            errno = code < 0 ? 0 : WasiErrno.fromLinux(code);
        } else {
            errno = WasiErrno.fromLinux(code);
        }
        int size = minReplySize(c.op);
        ByteBuf out = transport.alloc().buffer(size);
        header(out, c.id, ret, errno);
        out.writeZero(size - REPLY_HEADER);
        send(out);
    }

    /** Sends a reply; reading stops at once if that filled the transport. On the loop. */
    private void send(ByteBuf out) {
        transport.send(out);
        gate.sent();
    }

    private static void header(ByteBuf out, int id, int ret, int errno) {
        out.writeIntLE(id).writeIntLE(ret).writeIntLE(errno);
    }

    private ByteBuf encode(Call c, Reply r) {
        ByteBuf out;
        switch (c.op) {
            case SOCKET:
                datagram((int) ((Reply.Value) r).value(), c.datagram);
                return fixed(c.id, (int) ((Reply.Value) r).value() + HANDLE_OFFSET);
            case SOCKETPAIR: {
                Reply.SocketPair p = (Reply.SocketPair) r;
                datagram(p.fd0(), c.datagram);
                datagram(p.fd1(), c.datagram);
                out = transport.alloc().buffer(20);
                header(out, c.id, 0, 0);
                return out.writeIntLE(p.fd0() + HANDLE_OFFSET).writeIntLE(p.fd1() + HANDLE_OFFSET);
            }
            case ACCEPT: {
                // The client only reads the address when ret == 0, which a new handle never is, and it
                // sets errno from this reply whenever ret != 0: errno must be 0. Sent anyway, as
                // documented, for clients that get this right one day.
                Reply.Accept a = (Reply.Accept) r;
                datagram(a.fd(), false);
                return withAddress(c, a.fd() + HANDLE_OFFSET, a.peer());
            }
            case GETSOCKNAME:
            case GETPEERNAME:
                return withAddress(c, 0, ((Reply.Address) r).address());
            case SEND:
            case SENDTO:
                return fixed(c.id, (int) ((Reply.Value) r).value());
            case RECV: {
                ByteBuf data = ((Reply.Data) r).data();
                int k = data.readableBytes();
                int m = c.truncLength < 0 ? k : Math.min(k, c.truncLength);
                out = transport.alloc().buffer(REPLY_HEADER + m);
                header(out, c.id, k, 0); // the client copies min(ret, length) = m bytes
                return out.writeBytes(data, data.readerIndex(), m);
            }
            case RECVFROM: {
                Reply.Data d = (Reply.Data) r;
                ByteBuf data = d.data();
                int k = data.readableBytes();
                InetSocketAddress from = d.from();
                int alen = from == null ? 0 : SockAddr.length(from, false);
                int m = Math.min(alen, c.addrMax);
                // data_len is what is carried; ret is the real length when MSG_TRUNC asked for it
                int carried = c.truncLength < 0 ? k : Math.min(k, c.truncLength);
                out = transport.alloc().buffer(20 + carried + m);
                header(out, c.id, k, 0);
                out.writeIntLE(carried).writeIntLE(alen);
                out.writeBytes(data, data.readerIndex(), carried);
                if (from != null) {
                    SockAddr.write(out, from, false, m);
                }
                return out;
            }
            case GETSOCKOPT:
                return sockOptValue(c, ((Reply.Value) r).value());
            case GETADDRINFO:
                return addrInfos(c, (Reply.AddrInfos) r);
            default:
                // SHUTDOWN, BIND, CONNECT, LISTEN, SETSOCKOPT: header only
                return fixed(c.id, 0);
        }
    }

    private void datagram(int fd, boolean yes) {
        if (yes) {
            datagramFds.add(fd);
        } else {
            datagramFds.remove(fd);
        }
    }

    private ByteBuf fixed(int id, int ret) {
        ByteBuf out = transport.alloc().buffer(REPLY_HEADER);
        header(out, id, ret, 0);
        return out;
    }

    /** @12 the real address length, @16 at most as many address bytes as the caller's buffer holds. */
    private ByteBuf withAddress(Call c, int ret, InetSocketAddress a) {
        int len = SockAddr.length(a, false);
        int m = Math.min(len, c.addrMax);
        ByteBuf out = transport.alloc().buffer(16 + m);
        header(out, c.id, ret, 0);
        out.writeIntLE(len);
        SockAddr.write(out, a, false, m);
        return out;
    }

    /**
     * The value right after the 12-byte header, with no length word: the client takes everything
     * after the header as the value (the reference proxy's extra length word reads back as "4").
     */
    private ByteBuf sockOptValue(Call c, long v) {
        ByteBuf val = transport.alloc().heapBuffer(16);
        try {
            SocketOption.Kind kind = c.opt == null ? SocketOption.Kind.INT : c.opt.kind();
            switch (kind) {
                case TIMEOUT: {
                    long sec = v / 1_000_000;
                    int usec = (int) (v % 1_000_000);
                    if (c.optLen >= 16) {
                        val.writeLongLE(sec).writeIntLE(usec).writeIntLE(0);
                    } else {
                        val.writeIntLE((int) Math.min(sec, Integer.MAX_VALUE)).writeIntLE(usec);
                    }
                    break;
                }
                case LINGER:
                    val.writeIntLE(v < 0 ? 0 : 1).writeIntLE(v < 0 ? 0 : (int) v);
                    break;
                default:
                    if (c.opt == SocketOption.SO_ERROR) {
                        v = WasiErrno.fromLinux((int) v);
                    }
                    val.writeIntLE((int) v);
                    break;
            }
            int k = Math.min(val.readableBytes(), c.optLen); // like Linux: truncated to the caller's length
            ByteBuf out = transport.alloc().buffer(REPLY_HEADER + k);
            header(out, c.id, 0, 0);
            return out.writeBytes(val, 0, k);
        } finally {
            val.release();
        }
    }

    /**
     * ret 0, @12 ai_canonname char[2048] (NUL-terminated, possibly empty), @2060 addrCount, @2064
     * entries of {flags, family, socktype, protocol, addrlen, addr[addrlen]} packed back to back.
     */
    private ByteBuf addrInfos(Call c, Reply.AddrInfos r) {
        ByteBuf out = transport.alloc().buffer(GETADDRINFO_REPLY + r.results().size() * 48);
        header(out, c.id, 0, 0);
        String canon = r.results().isEmpty() || r.results().get(0).canonName() == null ? "" : r.results().get(0).canonName();
        byte[] cn = canon.getBytes(StandardCharsets.UTF_8);
        int cl = Math.min(cn.length, MAX_NODE - 1);
        out.writeBytes(cn, 0, cl).writeZero(MAX_NODE - cl);
        out.writeIntLE(r.results().size());
        for (AddrInfo ai : r.results()) {
            boolean v6 = ai.family() == Posix.AF_INET6;
            int alen = SockAddr.length(ai.address(), v6);
            out.writeIntLE(c.gaiFlags).writeIntLE(ai.family()).writeIntLE(ai.socktype()).writeIntLE(ai.protocol())
                    .writeIntLE(alen);
            SockAddr.write(out, ai.address(), v6, alen);
        }
        return out;
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
