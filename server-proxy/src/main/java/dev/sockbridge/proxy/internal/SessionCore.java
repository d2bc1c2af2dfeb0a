package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.MessageType;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.SessionLimits;
import dev.sockbridge.proxy.SocketPolicy;
import dev.sockbridge.proxy.spi.Call;
import dev.sockbridge.proxy.spi.EngineSession;
import dev.sockbridge.proxy.spi.Result;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine side of one session ({@link EngineSession}): its budgets, its calls in flight and its lifecycle. The
 * descriptors live in a {@link SocketTable}, the calls run through a {@link CallDispatcher}, and every call ends
 * here ({@link #completed}), where it is counted, told to the listener, and handed to its route. Protocol-neutral:
 * front ends decode their wire format into {@link Call}s and encode the {@link Result}s.
 *
 * <p><b>Threading.</b> Confined to {@link #loop}: every method must be called on it unless it says otherwise,
 * and every native channel of the session is registered on it too, so no state here needs a lock.
 *
 * <p><b>Waiting.</b> A call that cannot finish now (a blocking recv, accept, connect, poll or a send
 * with no room) becomes a {@link Pending} on its socket and is retried whenever that socket changes.
 * Nothing ever blocks the loop.
 *
 * <p><b>Re-entrancy.</b> Results and push events go up to the front end from deep inside socket code. A call the
 * front end submits while one of them is being delivered is not run there, inside the socket that produced the
 * result, but queued, and run in order as a task of its own right after.
 */
public final class SessionCore implements EngineSession {
    /** Socket option level of Sockbridge's own options ('SB'); the proxy answers them, no native socket has them. */
    public static final int SOL_SOCKBRIDGE = 0x5342;
    /**
     * Read-only: datagrams of this socket the proxy dropped so far (received with no room or from a source not
     * allowed, sends refused for a full queue, failed fire-and-forget sends, push events the transport's datagram
     * path refused). Datagrams lost on the wire are not counted: nobody sees them go.
     */
    public static final int SB_DATAGRAMS_DROPPED = 1;

    private static final Logger LOG = LoggerFactory.getLogger("dev.sockbridge.proxy.engine");
    /** Each call's name for the listener, by message type. */
    private static final String[] CALL_NAMES = new String[MessageType.values().length];

    static {
        for (MessageType t : MessageType.values()) {
            CALL_NAMES[t.ordinal()] = t.name().toLowerCase(Locale.ROOT);
        }
    }

    final ProxyContext ctx;
    final EventLoop loop;
    final SessionInfo info;
    private final SocketTable table;
    private final CallDispatcher dispatcher;

    private volatile int outstanding;
    /** Bytes held for this session now; changed only through {@link #addBuffered}, which keeps the proxy's total in step. */
    private long buffered;
    private boolean closed;
    /** Results or events being handed to the front end now (nested); calls it submits meanwhile wait in {@link #deferred}. */
    private int delivering;
    private final ArrayDeque<Call> deferred = new ArrayDeque<>();

    /** The proxy's policy, and the session's grant's if it has one (both must allow). */
    private final SocketPolicy policy;
    /** Each the smaller of the proxy's limit and the session's grant's. */
    final SessionLimits limits;

    /** A session under {@code policy} and {@code limits} (an admitted session's, see {@link AdmissionTicket}). */
    public SessionCore(ProxyContext ctx, EventLoop loop, SessionInfo info, SocketPolicy policy, SessionLimits limits) {
        this.policy = policy;
        this.limits = limits;
        this.ctx = ctx;
        this.loop = loop;
        this.info = info;
        this.table = new SocketTable(this);
        this.dispatcher = new CallDispatcher(this, table);
        ctx.sessionsOpen.incrementAndGet();
        ctx.sessionsTotal.increment();
        ctx.listener.sessionOpened(info);
    }

    @Override
    public EventLoop loop() {
        return loop;
    }

    @Override
    public SessionInfo info() {
        return info;
    }

    @Override
    public SessionLimits limits() {
        return limits;
    }

    @Override
    public SocketPolicy policy() {
        return policy;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public boolean execute(Runnable task) {
        return Loops.run(loop, task);
    }

    void onLoop(Runnable r) {
        Loops.run(loop, r);
    }

    @Override
    public int outstandingCalls() {
        return outstanding;
    }

    public int openSockets() {
        return table.size();
    }

    @Override
    public void countMalformed() {
        ctx.countMalformed();
    }

    // ------------------------------------------------------------------ buffers

    @Override
    public long bufferedBytes() {
        return buffered;
    }

    @Override
    public void addBuffered(long delta) {
        buffered += delta;
        ctx.bufferedTotal.addAndGet(delta);
    }

    @Override
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

    /** Bytes this session's transports hold for it (see {@link #countHeldBytes}). */
    private final AtomicLong transportHeld = new AtomicLong();
    private volatile Runnable overBudget;
    private final AtomicBoolean overBudgetEnding = new AtomicBoolean();

    @Override
    public void countHeldBytes(Transport transport) {
        transport.countHeldBytes(this::countTransportHeld);
    }

    /** What a transport of this session holds for it changed by {@code delta}. Any thread. */
    void countTransportHeld(long delta) {
        long mine = transportHeld.addAndGet(delta);
        Runnable end = overBudget;
        if (ctx.countHeld(delta, mine) && end != null && overBudgetEnding.compareAndSet(false, true)) {
            // later, never inside the transport's own counting: it is in the middle of taking a frame
            loop.execute(end);
        }
    }

    /**
     * What ends this session when its transports push the proxy past its buffer budget (see
     * {@link ProxyContext#countHeld}): the proxy's close of its front end. Any thread.
     */
    void onOverBudget(Runnable end) {
        overBudget = end;
    }

    @Override
    public long transportHeldBytes() {
        return transportHeld.get();
    }

    // ------------------------------------------------------------------ calls

    @Override
    public void submit(Call call) {
        assert loop.inEventLoop();
        if (closed) {
            Message.release(call.request());
            return;
        }
        if (delivering > 0 || !deferred.isEmpty()) {
            // submitted from inside a result or event (or behind such calls): run after the engine's current work
            deferred.add(call);
            if (deferred.size() == 1) {
                loop.execute(this::runDeferred);
            }
            return;
        }
        start(call);
    }

    private void runDeferred() {
        Call c;
        while (delivering == 0 && (c = deferred.poll()) != null) {
            if (closed) {
                Message.release(c.request());
            } else {
                start(c);
            }
        }
        if (!deferred.isEmpty()) {
            loop.execute(this::runDeferred);
        }
    }

    private void start(Call call) {
        Request r = call.request();
        ctx.calls.increment();
        outstanding++;
        EngineCall c = new EngineCall(this, call, CALL_NAMES[r.messageType().ordinal()], CallDispatcher.fdOf(r));
        ctx.listener.callStarted(info, c.name, c.fd);
        if (outstanding > limits.maxOutstandingCalls()) {
            Message.release(r);
            c.fail(Errno.ENOBUFS, "too many outstanding calls (limit " + limits.maxOutstandingCalls() + ")");
            return;
        }
        try {
            dispatcher.dispatch(c);
        } catch (RuntimeException e) {
            // a bug of ours, not the client's: the client gets an errno it can act on, the log the details
            LOG.atDebug().setCause(e).log(() -> "session " + info.id() + ": " + r.messageType() + " failed");
            Message.release(r);
            if (!c.isDone()) {
                c.fail(Errno.EIO, c.name + " failed in the proxy");
            }
        }
    }

    /** Where every call ends: counted, told to the listener, and handed to its route (see {@link EngineCall}). */
    void completed(EngineCall c, Result r) {
        outstanding--;
        int error = r instanceof Result.Error ? ((Result.Error) r).code() : 0;
        ctx.listener.callEnded(info, c.name, c.fd, error);
        if (c.fireAndForget()) {
            // the datagram path: nobody to answer, but a failure is a dropped datagram
            if (error != 0) {
                ctx.countDatagramDropped(info, c.fd, "send-failed");
            }
            Result.release(r);
            return;
        }
        if (error != 0) {
            ctx.callErrors.increment();
        }
        if (closed) {
            Result.release(r);
            return;
        }
        delivering++;
        try {
            c.route().completed(c.call, r);
        } finally {
            delivering--;
        }
    }

    /** Sends a push event to the socket's push route; true if it took the unreliable path (see {@link dev.sockbridge.proxy.spi.Route#pushed}). */
    boolean event(ProxySocket s, Event e, boolean datagram) {
        if (closed || s.pushRoute == null) {
            Message.release(e);
            return false;
        }
        delivering++;
        try {
            return s.pushRoute.pushed(e, datagram);
        } finally {
            delivering--;
        }
    }

    /** {@code n} bytes of socket {@code fd} went to its native channel (written to the kernel soon after). */
    void countSent(int fd, long n) {
        ctx.bytesOut.add(n);
        ctx.listener.bytesSent(info, fd, n);
    }

    /** {@code n} bytes arrived from socket {@code fd}'s native channel. */
    void countReceived(int fd, long n) {
        ctx.bytesIn.add(n);
        ctx.listener.bytesReceived(info, fd, n);
    }

    @Override
    public void countDenied(String call, String reason) {
        ctx.countDenied(info, call, reason);
    }

    @Override
    public void datagramDropped(int fd) {
        ProxySocket s = table.get(fd);
        if (s != null) {
            s.datagramsDropped++;
        }
        ctx.countDatagramDropped(info, fd, "datagram-path");
    }

    @Override
    public void credit(int fd, long bytes) {
        ProxySocket s = table.get(fd);
        if (s != null && bytes > 0) {
            s.credit = Math.min(Long.MAX_VALUE / 2, s.credit + bytes);
            s.changed();
        }
    }

    @Override
    public void writabilityChanged() {
        for (ProxySocket s : table.all()) {
            s.changed();
        }
    }

    // ------------------------------------------------------------------ for sockets

    /** Gives a socket (an accepted connection) the next free descriptor; null if the limit is reached. */
    Integer register(ProxySocket s) {
        return table.register(s);
    }

    void wakePolls(int fd) {
        table.wakePolls(fd);
    }

    /** Parks a call on a socket; {@code timeoutMicros} > 0 arms a timer that calls {@link Pending#expire()}. */
    void park(ArrayDeque<Pending> queue, Pending p, long timeoutMicros) {
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
                countDenied(call, denial);
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
                    countDenied(call, le.getMessage());
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

    @Override
    public void close(int code, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        table.closeAll("session ended");
        Call c;
        while ((c = deferred.poll()) != null) {
            Message.release(c.request());
        }
        ctx.sessionsOpen.decrementAndGet();
        ctx.listener.sessionClosed(info, code, reason);
    }
}
