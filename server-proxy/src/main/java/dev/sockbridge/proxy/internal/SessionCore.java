package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.PollFd;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.SessionLimits;
import dev.sockbridge.proxy.SocketPolicy;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The engine of one session: its descriptor table and the execution of every call against native
 * Netty channels. Protocol-neutral: front ends decode their wire format into {@link Request}s, hand
 * them to {@link #handle}, and encode what comes out of their {@link SessionOutput}.
 *
 * <p><b>Threading.</b> Confined to {@link #loop}: every method must be called on it, and every
 * native channel of the session is registered on it too, so no state here needs a lock.
 *
 * <p><b>Waiting.</b> A call that cannot finish now (a blocking recv, accept, connect, poll or a send
 * with no room) becomes a {@link Pending} on its socket and is retried whenever that socket changes.
 * Nothing ever blocks the loop.
 */
public final class SessionCore {
    /** Socket option level of Sockbridge's own options ('SB'); the proxy answers them, no native socket has them. */
    public static final int SOL_SOCKBRIDGE = 0x5342;
    /**
     * Read-only: datagrams of this socket the proxy dropped so far (received with no room or from a source not
     * allowed, sends refused for a full queue, failed fire-and-forget sends, push events the transport's datagram
     * path refused). Datagrams lost on the wire are not counted: nobody sees them go.
     */
    public static final int SB_DATAGRAMS_DROPPED = 1;

    private static final System.Logger LOG = System.getLogger("dev.sockbridge.proxy.engine");

    final ProxyContext ctx;
    final EventLoop loop;
    final SessionInfo info;
    final SessionOutput out;

    private final Map<Integer, ProxySocket> sockets = new LinkedHashMap<>();
    /**
     * Waiting polls by the descriptors they wait on, so a socket's change looks at the polls that wait on
     * that socket and at no other (a change used to rescan every poll's every descriptor).
     */
    private final Map<Integer, java.util.LinkedHashSet<PollWait>> pollsByFd = new java.util.HashMap<>();
    private int pollsWaiting;
    private int nextFd = 3;
    private volatile int outstanding;
    /** Bytes held for this session now; changed only through {@link #addBuffered}, which keeps the proxy's total in step. */
    private long buffered;
    private boolean closed;

    /** The proxy's policy, and the session's grant's if it has one (both must allow). */
    private final SocketPolicy policy;
    /** Each the smaller of the proxy's limit and the session's grant's. */
    final SessionLimits limits;

    public SessionCore(ProxyContext ctx, EventLoop loop, SessionInfo info, SessionOutput out) {
        this(ctx, loop, info, out, ctx.policy, ctx.limits);
    }

    /** A session under {@code policy} and {@code limits} (an admitted session's, see {@link AdmissionTicket}). */
    public SessionCore(ProxyContext ctx, EventLoop loop, SessionInfo info, SessionOutput out, SocketPolicy policy,
                       SessionLimits limits) {
        this.policy = policy;
        this.limits = limits;
        this.ctx = ctx;
        this.loop = loop;
        this.info = info;
        this.out = out;
        ctx.sessionsOpen.incrementAndGet();
        ctx.sessionsTotal.increment();
        ctx.listener.sessionOpened(info);
    }

    public EventLoop loop() {
        return loop;
    }

    public SessionInfo info() {
        return info;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Calls received and not yet answered. Read from any thread (an estimate there). */
    public int outstandingCalls() {
        return outstanding;
    }

    public int openSockets() {
        return sockets.size();
    }

    /** Bytes the proxy holds for this session now (see {@link dev.sockbridge.proxy.SessionLimits#maxBufferedBytes}). */
    public long bufferedBytes() {
        return buffered;
    }

    /**
     * Counts {@code delta} bytes more (or, negative, fewer) held for this session, in the session's and the
     * proxy's totals alike. Front ends count what they hold for the session (messages being reassembled)
     * here too. Call on {@link #loop}; every byte added must be subtracted once, also after the session ended.
     */
    public void addBuffered(long delta) {
        buffered += delta;
        ctx.bufferedTotal.addAndGet(delta);
    }

    /** Whether {@code n} more bytes fit both this session's budget and the proxy-wide one. */
    public boolean bufferRoom(long n) {
        // the transport's held bytes are not asked here: they include the session's own pipelined requests, and
        // the read gate bounds them (it stops reading a transport that is not writable or has 256 KiB handed over)
        return buffered + n <= limits.maxBufferedBytes() && ctx.bufferRoom(n);
    }

    /** Room for received data: the session's own bytes only (see ProxySocket.hasRoom). */
    boolean receiveRoom() {
        return buffered < limits.maxBufferedBytes() && ctx.bufferRoom(1);
    }

    /** The reason for ENOBUFS when {@link #bufferRoom} said no to {@code n} bytes. */
    String bufferFullReason(long n) {
        if (buffered + n > limits.maxBufferedBytes()) {
            return "session buffer limit reached (" + limits.maxBufferedBytes() + " bytes)";
        }
        return "proxy buffer limit reached (" + ctx.proxyLimits.maxBufferedBytes() + " bytes over all sessions)";
    }

    // ------------------------------------------------------------------ replies

    void reply(Object route, Reply r) {
        if (r.callId() == 0) {
            // fire-and-forget (datagram path): nothing to answer, but failures are counted
            if (r instanceof Reply.Error) {
                ctx.datagramsDropped.increment();
            }
            Message.release(r);
            outstanding--;
            return;
        }
        outstanding--;
        if (r instanceof Reply.Error) {
            ctx.callErrors.increment();
        }
        if (closed) {
            Message.release(r);
            return;
        }
        out.reply(r, route);
    }

    void error(Object route, int callId, Errno e, String reason) {
        reply(route, new Reply.Error(callId, e, reason));
    }

    void denied(Object route, int callId, String call, String reason) {
        ctx.denied.increment();
        ctx.listener.callDenied(info, call, reason);
        error(route, callId, Errno.EACCES, reason);
    }

    /** Sends a push event; true if it took the unreliable path (see {@link SessionOutput#event}). */
    boolean event(ProxySocket s, Event e, boolean datagram) {
        if (closed) {
            Message.release(e);
            return false;
        }
        return out.event(e, s.pushRoute, datagram);
    }

    boolean outputWritable(Object route) {
        return out.isWritable(route);
    }

    /** Bytes this session's transports hold for it (see {@link #countTransportHeld}). */
    private final java.util.concurrent.atomic.AtomicLong transportHeld = new java.util.concurrent.atomic.AtomicLong();

    /**
     * The counter a front end gives {@link dev.sockbridge.api.transport.Transport#countHeldBytes} of this
     * session's transports: what they hold for it (answers not yet written, a message being received)
     * counts in {@link #transportHeldBytes()} and in the proxy's total like every other byte held for the
     * session. Any thread.
     */
    public void countTransportHeld(long delta) {
        long mine = transportHeld.addAndGet(delta);
        Runnable end = overBudget;
        if (ctx.countHeld(delta, mine) && end != null && overBudgetEnding.compareAndSet(false, true)) {
            // later, never inside the transport's own counting: it is in the middle of taking a frame
            loop.execute(end);
        }
    }

    private volatile Runnable overBudget;
    private final java.util.concurrent.atomic.AtomicBoolean overBudgetEnding = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * What ends this session when its transports push the proxy past its buffer budget (see
     * {@link ProxyContext#countHeld}); the front end's close. Any thread.
     */
    public void onOverBudget(Runnable end) {
        overBudget = end;
    }

    /** What this session's transports hold for it now (see {@link #countTransportHeld}). Any thread. */
    public long transportHeldBytes() {
        return transportHeld.get();
    }

    // ------------------------------------------------------------------ requests

    /** Executes one call; the answer comes through the output, now or later. Call on {@link #loop}. */
    public void handle(Request r, Object route) {
        assert loop.inEventLoop();
        if (closed) {
            Message.release(r);
            return;
        }
        ctx.calls.increment();
        outstanding++;
        if (outstanding > limits.maxOutstandingCalls()) {
            Message.release(r);
            error(route, r.callId(), Errno.ENOBUFS, "too many outstanding calls (limit " + limits.maxOutstandingCalls() + ")");
            return;
        }
        try {
            dispatch(r, route);
        } catch (RuntimeException e) {
            // a bug of ours, not the client's: the client gets an errno it can act on, the log the details
            LOG.log(System.Logger.Level.DEBUG, () -> "session " + info.id() + ": " + r.messageType() + " failed", e);
            Message.release(r);
            error(route, r.callId(), Errno.EIO, r.messageType().name().toLowerCase(java.util.Locale.ROOT)
                    + " failed in the proxy");
        }
    }

    /** A datagram of socket {@code fd} was dropped by the front end (its datagram path refused it). */
    public void datagramDropped(int fd) {
        ProxySocket s = sockets.get(fd);
        if (s != null) {
            s.datagramsDropped++;
        }
        ctx.datagramsDropped.increment();
    }

    /** Grants push credit to a socket. */
    public void credit(int fd, long bytes) {
        ProxySocket s = sockets.get(fd);
        if (s != null && bytes > 0) {
            s.credit = Math.min(Long.MAX_VALUE / 2, s.credit + bytes);
            s.changed();
        }
    }

    /** The output became writable again: resume what waited for it. */
    public void outputWritabilityChanged() {
        for (ProxySocket s : new ArrayList<>(sockets.values())) {
            s.changed();
        }
    }

    private void dispatch(Request r, Object route) {
        switch (r.messageType()) {
            case SOCKET:
                socket((Request.Socket) r, route);
                return;
            case SOCKETPAIR:
                socketPair((Request.SocketPair) r, route);
                return;
            case GETADDRINFO:
                ctx.resolver.getAddrInfo(loop, info, policy(), lookupQuota(), (Request.GetAddrInfo) r,
                        rep -> onLoop(() -> reply(route, rep)), why -> ctx.countDenied(info, "getaddrinfo", why));
                return;
            case GETNAMEINFO:
                ctx.resolver.getNameInfo(loop, info, policy(), lookupQuota(), (Request.GetNameInfo) r,
                        rep -> onLoop(() -> reply(route, rep)), why -> ctx.countDenied(info, "getnameinfo", why));
                return;
            case POLL:
                poll((Request.Poll) r, route);
                return;
            default:
                break;
        }
        int fd = fdOf(r);
        ProxySocket s = sockets.get(fd);
        if (s == null) {
            Message.release(r);
            error(route, r.callId(), Errno.EBADF, "no socket " + fd + " in this session");
            return;
        }
        switch (r.messageType()) {
            case BIND:
                s.bind((Request.Bind) r, route);
                return;
            case CONNECT:
                s.connect((Request.Connect) r, route);
                return;
            case LISTEN:
                s.listen((Request.Listen) r, route);
                return;
            case ACCEPT:
                s.accept((Request.Accept) r, route);
                return;
            case SEND: {
                Request.Send q = (Request.Send) r;
                s.send(q.callId(), q.flags(), null, q.data(), route);
                return;
            }
            case SENDTO: {
                Request.SendTo q = (Request.SendTo) r;
                s.send(q.callId(), q.flags(), q.address(), q.data(), route);
                return;
            }
            case SENDMSG: {
                Request.SendMsg q = (Request.SendMsg) r;
                s.send(q.callId(), q.flags(), q.address(), q.data(), route);
                return;
            }
            case RECV: {
                Request.Recv q = (Request.Recv) r;
                s.recv(q.callId(), q.length(), q.flags(), ProxySocket.RecvKind.RECV, route);
                return;
            }
            case RECVFROM: {
                Request.RecvFrom q = (Request.RecvFrom) r;
                s.recv(q.callId(), q.length(), q.flags(), ProxySocket.RecvKind.RECVFROM, route);
                return;
            }
            case RECVMSG: {
                Request.RecvMsg q = (Request.RecvMsg) r;
                s.recv(q.callId(), q.length(), q.flags(), ProxySocket.RecvKind.RECVMSG, route);
                return;
            }
            case SHUTDOWN:
                s.shutdown((Request.Shutdown) r, route);
                return;
            case CLOSE:
                closeSocket(s, "closed by the client");
                reply(route, new Reply.Ok(r.callId()));
                return;
            case GETSOCKOPT:
                getSockOpt(s, (Request.GetSockOpt) r, route);
                return;
            case SETSOCKOPT:
                setSockOpt(s, (Request.SetSockOpt) r, route);
                return;
            case GETSOCKNAME: {
                InetSocketAddress a = s.localAddress();
                reply(route, new Reply.Address(r.callId(), a));
                return;
            }
            case GETPEERNAME: {
                InetSocketAddress a = s.peerAddress();
                if (a == null) {
                    error(route, r.callId(), Errno.ENOTCONN, "socket " + fd + " is not connected");
                } else {
                    reply(route, new Reply.Address(r.callId(), a));
                }
                return;
            }
            case PUSH: {
                Request.Push q = (Request.Push) r;
                s.push = q.enabled();
                s.credit = Math.max(0, q.credit());
                s.pushRoute = route;
                reply(route, new Reply.Ok(r.callId()));
                s.changed();
                return;
            }
            default:
                Message.release(r);
                error(route, r.callId(), Errno.ENOSYS, "unsupported call " + r.messageType());
        }
    }

    private static int fdOf(Request r) {
        switch (r.messageType()) {
            case BIND: return ((Request.Bind) r).fd();
            case CONNECT: return ((Request.Connect) r).fd();
            case LISTEN: return ((Request.Listen) r).fd();
            case ACCEPT: return ((Request.Accept) r).fd();
            case SEND: return ((Request.Send) r).fd();
            case SENDTO: return ((Request.SendTo) r).fd();
            case SENDMSG: return ((Request.SendMsg) r).fd();
            case RECV: return ((Request.Recv) r).fd();
            case RECVFROM: return ((Request.RecvFrom) r).fd();
            case RECVMSG: return ((Request.RecvMsg) r).fd();
            case SHUTDOWN: return ((Request.Shutdown) r).fd();
            case CLOSE: return ((Request.Close) r).fd();
            case GETSOCKOPT: return ((Request.GetSockOpt) r).fd();
            case SETSOCKOPT: return ((Request.SetSockOpt) r).fd();
            case GETSOCKNAME: return ((Request.GetSockName) r).fd();
            case GETPEERNAME: return ((Request.GetPeerName) r).fd();
            case PUSH: return ((Request.Push) r).fd();
            default: return -1;
        }
    }

    void onLoop(Runnable r) {
        Loops.run(loop, r);
    }

    // ------------------------------------------------------------------ descriptors

    private boolean roomForSocket(Object route, int callId, int n) {
        if (sockets.size() + n > limits.maxSockets()) {
            error(route, callId, Errno.EMFILE, "too many open sockets (limit " + limits.maxSockets() + ")");
            return false;
        }
        return true;
    }

    /** Gives a socket the next free descriptor; null if the limit is reached. */
    Integer register(ProxySocket s) {
        if (sockets.size() >= limits.maxSockets()) {
            return null;
        }
        int fd;
        do {
            fd = nextFd;
            nextFd = nextFd >= (1 << 30) ? 3 : nextFd + 1;
        } while (sockets.containsKey(fd));
        s.fd = fd;
        sockets.put(fd, s);
        return fd;
    }

    private void socket(Request.Socket r, Object route) {
        int domain = r.domain();
        int type = r.type() & Posix.SOCK_TYPE_MASK;
        boolean nonBlocking = (r.type() & Posix.SOCK_NONBLOCK) != 0;
        if (domain != Posix.AF_INET && domain != Posix.AF_INET6) {
            error(route, r.callId(), Errno.EAFNOSUPPORT, "address family " + domain + " not supported (AF_INET, AF_INET6 are)");
            return;
        }
        if (type != Posix.SOCK_STREAM && type != Posix.SOCK_DGRAM) {
            error(route, r.callId(), Errno.ESOCKTNOSUPPORT, "socket type " + type + " not supported (SOCK_STREAM, SOCK_DGRAM are)");
            return;
        }
        int proto = r.protocol();
        if (proto != 0 && proto != (type == Posix.SOCK_STREAM ? Posix.IPPROTO_TCP : Posix.IPPROTO_UDP)) {
            error(route, r.callId(), Errno.EPROTONOSUPPORT, "protocol " + proto + " does not fit socket type " + type);
            return;
        }
        if (!roomForSocket(route, r.callId(), 1)) {
            return;
        }
        ProxySocket s = type == Posix.SOCK_STREAM ? new StreamSocket(this, domain) : new DgramSocket(this, domain);
        s.nonBlocking = nonBlocking;
        int fd = register(s);
        reply(route, new Reply.Value(r.callId(), fd));
    }

    private void socketPair(Request.SocketPair r, Object route) {
        int type = r.type() & Posix.SOCK_TYPE_MASK;
        if (r.domain() != Posix.AF_UNIX) {
            error(route, r.callId(), Errno.EOPNOTSUPP, "socketpair supports AF_UNIX only");
            return;
        }
        if (type != Posix.SOCK_STREAM && type != Posix.SOCK_DGRAM) {
            error(route, r.callId(), Errno.ESOCKTNOSUPPORT, "socket type " + type + " not supported");
            return;
        }
        if (!roomForSocket(route, r.callId(), 2)) {
            return;
        }
        PairSocket a = new PairSocket(this, type == Posix.SOCK_STREAM);
        PairSocket b = new PairSocket(this, type == Posix.SOCK_STREAM);
        a.peer = b;
        b.peer = a;
        a.nonBlocking = b.nonBlocking = (r.type() & Posix.SOCK_NONBLOCK) != 0;
        int fa = register(a);
        int fb = register(b);
        reply(route, new Reply.SocketPair(r.callId(), fa, fb));
    }

    void closeSocket(ProxySocket s, String why) {
        sockets.remove(s.fd);
        s.close(why);
        wakePolls(s.fd);
    }

    // ------------------------------------------------------------------ options

    private void getSockOpt(ProxySocket s, Request.GetSockOpt r, Object route) {
        if (r.level() == SOL_SOCKBRIDGE && r.name() == SB_DATAGRAMS_DROPPED) {
            reply(route, new Reply.Value(r.callId(), s.datagramsDropped));
            return;
        }
        SocketOption<?> opt = SocketOption.of(r.level(), r.name());
        if (opt == null) {
            error(route, r.callId(), Errno.ENOPROTOOPT, "unknown option level " + r.level() + " name " + r.name());
            return;
        }
        Long v = s.getOption(opt);
        if (v == null) {
            error(route, r.callId(), Errno.ENOPROTOOPT, opt.name() + " does not apply to this socket");
            return;
        }
        reply(route, new Reply.Value(r.callId(), v));
    }

    private void setSockOpt(ProxySocket s, Request.SetSockOpt r, Object route) {
        if (r.level() == SOL_SOCKBRIDGE && r.name() == SB_DATAGRAMS_DROPPED) {
            error(route, r.callId(), Errno.ENOPROTOOPT, "SB_DATAGRAMS_DROPPED is read-only");
            return;
        }
        SocketOption<?> opt = SocketOption.of(r.level(), r.name());
        if (opt == null) {
            error(route, r.callId(), Errno.ENOPROTOOPT, "unknown option level " + r.level() + " name " + r.name());
            return;
        }
        if (opt.readOnly()) {
            error(route, r.callId(), Errno.ENOPROTOOPT, opt.name() + " is read-only");
            return;
        }
        if ((opt.kind() == SocketOption.Kind.INT && (r.value() < 0 || r.value() > Integer.MAX_VALUE))
                || (opt.kind() == SocketOption.Kind.TIMEOUT && r.value() < 0)) {
            error(route, r.callId(), Errno.EINVAL, "bad value " + r.value() + " for " + opt.name());
            return;
        }
        Errno e = s.setOption(opt, r.value());
        if (e != null) {
            error(route, r.callId(), e, opt.name() + " does not apply to this socket");
        } else {
            reply(route, new Reply.Ok(r.callId()));
        }
    }

    // ------------------------------------------------------------------ waiting

    /** Parks a call on a socket; {@code timeoutMicros} > 0 arms a timer that calls {@link Pending#expire()}. */
    void park(java.util.ArrayDeque<Pending> queue, Pending p, long timeoutMicros) {
        queue.add(p);
        if (timeoutMicros > 0) {
            p.timer = loop.schedule(() -> {
                if (queue.remove(p)) {
                    p.timer = null;
                    p.expire();
                }
            }, timeoutMicros, TimeUnit.MICROSECONDS);
        }
    }

    private final class PollWait {
        final Request.Poll req;
        final Object route;
        /** The distinct non-negative descriptors it waits on. */
        final int[] fds;
        io.netty.util.concurrent.ScheduledFuture<?> timer;
        boolean done;

        PollWait(Request.Poll req, Object route) {
            this.req = req;
            this.route = route;
            this.fds = req.fds().stream().mapToInt(PollFd::fd).filter(fd -> fd >= 0).distinct().toArray();
        }

        /** What {@code fd} reports for this poll now (0 when nothing it asks for holds). */
        int revents(int fd) {
            ctx.pollChecks.increment();
            ProxySocket s = sockets.get(fd);
            if (s == null) {
                return Posix.POLLNVAL;
            }
            int events = 0;
            for (PollFd p : req.fds()) {
                if (p.fd() == fd) {
                    events |= p.events();
                }
            }
            return s.readiness() & (events | Posix.POLLERR | Posix.POLLHUP | Posix.POLLNVAL);
        }

        List<PollFd> ready() {
            List<PollFd> out = new ArrayList<>();
            for (PollFd p : req.fds()) {
                if (p.fd() < 0) {
                    continue;
                }
                ctx.pollChecks.increment();
                ProxySocket s = sockets.get(p.fd());
                int rev = s == null ? Posix.POLLNVAL
                        : s.readiness() & (p.events() | Posix.POLLERR | Posix.POLLHUP | Posix.POLLNVAL);
                if (rev != 0) {
                    out.add(new PollFd(p.fd(), rev));
                }
            }
            return out;
        }
    }

    private void poll(Request.Poll r, Object route) {
        if (r.fds().size() > limits.maxSockets() * 2 + 16) {
            error(route, r.callId(), Errno.EINVAL, "too many descriptors in poll");
            return;
        }
        PollWait w = new PollWait(r, route);
        List<PollFd> ready = w.ready();
        if (!ready.isEmpty() || r.timeoutMillis() == 0) {
            reply(route, new Reply.Poll(r.callId(), ready));
            return;
        }
        for (int fd : w.fds) {
            pollsByFd.computeIfAbsent(fd, k -> new java.util.LinkedHashSet<>()).add(w);
        }
        pollsWaiting++;
        if (r.timeoutMillis() > 0) {
            w.timer = loop.schedule(() -> {
                if (!w.done) {
                    unpark(w);
                    reply(route, new Reply.Poll(r.callId(), List.of()));
                }
            }, r.timeoutMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void unpark(PollWait w) {
        w.done = true;
        pollsWaiting--;
        for (int fd : w.fds) {
            java.util.Set<PollWait> set = pollsByFd.get(fd);
            if (set != null) {
                set.remove(w);
                if (set.isEmpty()) {
                    pollsByFd.remove(fd);
                }
            }
        }
        if (w.timer != null) {
            w.timer.cancel(false);
        }
    }

    /**
     * Socket {@code fd} changed (or went away): answers the polls waiting on it that it now makes ready.
     * Costs work for those polls only; a poll it wakes is answered with every descriptor ready then.
     */
    void wakePolls(int fd) {
        if (pollsWaiting == 0) {
            return;
        }
        java.util.Set<PollWait> set = pollsByFd.get(fd);
        if (set == null) {
            return;
        }
        List<PollWait> woken = null;
        for (PollWait w : set) {
            if (w.revents(fd) != 0) {
                if (woken == null) {
                    woken = new ArrayList<>();
                }
                woken.add(w);
            }
        }
        if (woken == null) {
            return;
        }
        for (PollWait w : woken) {
            if (w.done) {
                continue;
            }
            unpark(w);
            reply(w.route, new Reply.Poll(w.req.callId(), w.ready()));
        }
    }

    // ------------------------------------------------------------------ policy and channels

    SocketPolicy policy() {
        return policy;
    }

    public SessionLimits limits() {
        return limits;
    }

    /** Counts a native channel from open to close, so a leak shows in the stats. */
    void track(Channel ch, String kind) {
        ctx.trackNative(ch, info, kind);
    }

    /**
     * Resolves a host for connect or sendto, under the policy's lookup rules and this session's lookup
     * quota; a refusal reaches {@code fail} as a {@link Resolver.LookupException}.
     */
    void resolve(String host, Consumer<List<InetAddress>> ok, Consumer<Throwable> fail) {
        ctx.resolver.lookup(loop, info, policy(), lookupQuota(), ctx.hostLookup, host, a -> onLoop(() -> ok.accept(a)),
                t -> onLoop(() -> fail.accept(t)));
    }

    /**
     * Resolves {@code host} for a connect or sendto to {@code port}: {@code ok} gets, never empty and in the order
     * of the answer, the addresses that fit the socket and that the policy lets this session reach; denied ones
     * are skipped, so a name whose first address is denied still reaches an allowed one after it. {@code fail}
     * gets EACCES if the policy denies the name or every address that fits (a denied call), EAGAIN over the
     * lookup rate, EHOSTUNREACH if the name does not resolve or no address fits.
     */
    void resolveTargets(ProxySocket s, String host, int port, boolean udp, String call,
                        java.util.function.Predicate<InetAddress> fits, Consumer<List<InetSocketAddress>> ok,
                        java.util.function.BiConsumer<Errno, String> fail) {
        // the answer may come after the socket or the session closed: then nothing may be bound or connected
        // for it, and the caller releases what it held
        String gone = "socket " + s.fd + " was closed while " + host + " was being resolved";
        resolve(host, addrs -> {
            if (closed || s.closed) {
                fail.accept(Errno.EBADF, gone);
                return;
            }
            List<InetSocketAddress> allowed = new ArrayList<>();
            String denial = null;
            for (InetAddress a : addrs) {
                if (!fits.test(a)) {
                    continue;
                }
                InetSocketAddress t = new InetSocketAddress(a, port);
                SocketPolicy.Decision d = policy().checkConnect(info, t, udp);
                if (d.allowed()) {
                    allowed.add(t);
                } else if (denial == null) {
                    denial = d.reason();
                }
            }
            if (!allowed.isEmpty()) {
                ok.accept(allowed);
            } else if (denial != null) {
                ctx.countDenied(info, call, denial);
                fail.accept(Errno.EACCES, denial);
            } else {
                fail.accept(Errno.EHOSTUNREACH, "no address of the socket's family for " + host);
            }
        }, t -> {
            if (closed || s.closed) {
                fail.accept(Errno.EBADF, gone);
            } else if (t instanceof Resolver.LookupException) {
                Resolver.LookupException le = (Resolver.LookupException) t;
                if (le.denied()) {
                    ctx.countDenied(info, call, le.getMessage());
                }
                fail.accept(le.denied() ? Errno.EACCES : le.gaiCode() == dev.sockbridge.api.GaiError.EAI_AGAIN ? Errno.EAGAIN : Errno.EHOSTUNREACH,
                        le.getMessage());
            } else {
                fail.accept(Errno.EHOSTUNREACH, "cannot resolve " + host);
            }
        });
    }

    private LookupQuota lookupQuota;

    /** This session's lookup rate and in-flight count, made at its first lookup. */
    LookupQuota lookupQuota() {
        if (lookupQuota == null) {
            lookupQuota = LookupQuota.forSession(policy().lookupLimits());
        }
        return lookupQuota;
    }

    /**
     * Why a new native channel may not open now (EMFILE with this reason), or null. Counted against the
     * proxy's caps ({@link ProxyContext#nativeChannelRefusal}).
     */
    String nativeChannelRefusal() {
        return ctx.nativeChannelRefusal();
    }

    // ------------------------------------------------------------------ end

    /** Ends the session: closes every socket and native channel it owns. Idempotent. */
    public void close(int code, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        for (ProxySocket s : new ArrayList<>(sockets.values())) {
            s.close("session ended");
        }
        sockets.clear();
        for (java.util.Set<PollWait> set : pollsByFd.values()) {
            for (PollWait w : set) {
                if (w.timer != null) {
                    w.timer.cancel(false);
                }
            }
        }
        pollsByFd.clear();
        pollsWaiting = 0;
        ctx.sessionsOpen.decrementAndGet();
        ctx.listener.sessionClosed(info, code, reason);
    }
}
