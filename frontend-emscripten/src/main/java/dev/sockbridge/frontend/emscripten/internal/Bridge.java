package dev.sockbridge.frontend.emscripten.internal;

import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.SessionLimits;
import dev.sockbridge.proxy.SocketPolicy;
import dev.sockbridge.frontend.emscripten.BridgeTargets;
import dev.sockbridge.proxy.internal.AdmissionTicket;
import dev.sockbridge.proxy.internal.FrontEnd;
import dev.sockbridge.proxy.internal.Loops;
import dev.sockbridge.proxy.internal.ProxyContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One WebSocket bridged to one native channel (SOCKFS mode): the WebSocket payload is the socket's
 * data, no call protocol. Resolves the target, asks the policy, opens the channel on the session's
 * event loop (counted in the proxy's stats), then pumps in both directions with backpressure.
 *
 * <p>Confined to {@link #loop} after construction. Close codes: 1000 when the target ends the
 * connection, 1008 when there is no target or the policy denies it, 1011 when the target cannot
 * be reached or fails, 1001 when the proxy shuts down.
 */
public abstract class Bridge implements TransportListener, FrontEnd {
    public static final int NORMAL = 1000;
    public static final int GOING_AWAY = 1001;
    public static final int POLICY = 1008;
    public static final int TOO_BIG = 1009;
    public static final int ERROR = 1011;

    final ProxyContext ctx;
    final Transport ws;
    final EventLoop loop;
    final SessionInfo info;
    final BridgeTargets.Target target;
    /** The native channel, once created. */
    Channel channel;
    /** Bytes queued before the target is connected above which the WebSocket is no longer read. */
    static final int EARLY_PAUSE = 256 << 10;
    /** Frames that arrived before the channel was ready. */
    private final ArrayDeque<ByteBuf> early = new ArrayDeque<>();
    private long earlyBytes;
    boolean ready;
    private volatile boolean ended;
    private boolean pausedForWs;
    /** The client closed while the target was still connecting: deliver {@link #early} once it is up. */
    private boolean drainEarly;
    private io.netty.util.concurrent.ScheduledFuture<?> recheck;
    private static final long RECHECK_MS = 50;

    /** The proxy's policy, and the session's grant's if it has one (both must allow). */
    final SocketPolicy policy;
    final SessionLimits limits;

    Bridge(ProxyContext ctx, Transport ws, BridgeTargets.Target target, String protocol, AdmissionTicket ticket) {
        this.ctx = ctx;
        this.ws = ws;
        this.loop = ctx.loopFor(ws.executor());
        this.target = target;
        this.policy = ticket == null ? ctx.policy : ticket.policy;
        this.limits = ticket == null ? ctx.limits : ticket.limits;
        this.info = new SessionInfo(ctx.newSessionId(), ws.remoteAddress(), ws.scheme(), protocol,
                ticket == null ? null : ticket.subject);
        ctx.sessionStarted(info);
    }

    /**
     * Starts the WebSocket and connects the target. What the client sends meanwhile waits in a
     * small queue (reading pauses once it holds {@link #EARLY_PAUSE} bytes), so a client that
     * sends and closes at once still gets its bytes delivered.
     */
    public void start() {
        // what the WebSocket holds for this bridge (a message being received, data not yet written) counts in the
        // proxy's total, and a bridge that pushes the total past its budget is ended
        java.util.concurrent.atomic.AtomicLong held = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean ending = new java.util.concurrent.atomic.AtomicBoolean();
        ws.countHeldBytes(d -> {
            if (ctx.countHeld(d, held.addAndGet(d)) && ending.compareAndSet(false, true)) {
                // later, never inside the transport's own counting: it is in the middle of taking a frame
                loop.execute(() -> close(ProxyContext.OVER_BUDGET, ctx.overBudgetReason()));
            }
        });
        ws.start(this);
        onLoop(this::resolve);
    }

    boolean onLoop(Runnable r) {
        return Loops.run(loop, r);
    }

    private void resolve() {
        if (ended) {
            return;
        }
        byte[] numeric = NetUtil.createByteArrayFromIpAddressString(target.host());
        if (numeric != null) {
            try {
                checked(new InetSocketAddress(InetAddress.getByAddress(numeric), target.port()));
            } catch (UnknownHostException e) {
                end(ERROR, "bad target address " + target.host());
            }
            return;
        }
        ctx.resolver.resolveHost(loop, target.host(), (List<InetAddress> addrs) -> onLoop(() -> {
            if (addrs.isEmpty()) {
                end(ERROR, "no address for " + target.host());
            } else {
                checked(new InetSocketAddress(addrs.get(0), target.port()));
            }
        }), t -> onLoop(() -> end(ERROR, "cannot resolve " + target.host())));
    }

    private void checked(InetSocketAddress to) {
        if (ended) {
            return;
        }
        boolean udp = target.kind() == BridgeTargets.Kind.UDP;
        SocketPolicy.Decision d = policy.checkConnect(info, to, udp);
        if (!d.allowed()) {
            ctx.countDenied(info, udp ? "bridge-udp" : "bridge-tcp", d.reason());
            end(POLICY, d.reason());
            return;
        }
        open(to);
    }

    /** Creates and connects the native channel; calls {@link #connected()} or {@link #end}. */
    abstract void open(InetSocketAddress to);

    /** Writes one WebSocket message to the native channel (takes ownership). */
    abstract void toNative(ByteBuf data);

    /** The native side is up: deliver what waited, start reading the WebSocket. */
    void connected() {
        ready = true;
        ByteBuf b;
        while ((b = early.poll()) != null) {
            earlyBytes -= b.readableBytes();
            toNative(b);
        }
        if (!ended) {
            ws.setAutoRead(channel.isWritable());
        }
    }

    void track(Channel ch, String kind) {
        channel = ch;
        ctx.trackNative(ch, info, kind);
    }

    // ------------------------------------------------------------------ WebSocket side

    @Override
    public void frameReceived(ByteBuf frame) {
        Loops.run(loop, frame, () -> {
            if (ended) {
                frame.release();
                return;
            }
            if (!ready) {
                early.add(frame);
                earlyBytes += frame.readableBytes();
                if (earlyBytes > limits.maxBufferedBytes()) {
                    end(TOO_BIG, "too much data before the target connected");
                } else if (earlyBytes > EARLY_PAUSE) {
                    ws.setAutoRead(false); // resumed by connected()
                }
                return;
            }
            toNative(frame);
        });
    }

    @Override
    public void writabilityChanged(boolean writable) {
        onLoop(() -> {
            if (ws.isWritable()) {
                resumeNativeReads();
            } else {
                pauseNativeReads();
            }
        });
    }

    /**
     * The WebSocket cannot take more: stop reading the target. Resumed by writabilityChanged, and
     * also by a slow re-check while paused, because a transport may coalesce a quick
     * unwritable→writable flip into no event at all (seen with the in-process transport), and a
     * missed wake-up would stall the bridge for good.
     */
    void pauseNativeReads() {
        if (ended || !ready || channel == null) {
            return;
        }
        channel.config().setAutoRead(false);
        pausedForWs = true;
        if (recheck == null) {
            recheck = loop.schedule(() -> {
                recheck = null;
                if (pausedForWs) {
                    if (ws.isWritable()) {
                        resumeNativeReads();
                    } else {
                        pauseNativeReads();
                    }
                }
            }, RECHECK_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    void resumeNativeReads() {
        pausedForWs = false;
        if (recheck != null) {
            recheck.cancel(false);
            recheck = null;
        }
        if (!ended && ready && channel != null) {
            channel.config().setAutoRead(true);
        }
    }

    /** The native channel's writability changed: pause or resume reading the WebSocket. */
    void nativeWritabilityChanged() {
        if (!ended && ready) {
            ws.setAutoRead(channel.isWritable());
        }
    }

    @Override
    public void closed(int code, String reason) {
        onLoop(() -> {
            // what the client sent before closing still goes to the target, even if the connect is
            // still under way (a short-lived client can send and close before it completes)
            drainEarly = !ended && !ready && channel != null && channel.isOpen() && !early.isEmpty();
            end(code, "WebSocket closed: " + reason);
        });
    }

    /**
     * Called by the connect listener when the bridge ended while connecting: delivers what the
     * client sent before it closed (if it connected), then closes the channel.
     */
    void connectedAfterEnd(boolean success) {
        ByteBuf b;
        while ((b = early.poll()) != null) {
            if (success && drainEarly) {
                toNative(b);
            } else {
                b.release();
            }
        }
        earlyBytes = 0;
        drainEarly = false;
        closeNative();
    }

    // ------------------------------------------------------------------ end

    /**
     * Ends the bridge once: closes the WebSocket with {@code code} (after the messages already sent)
     * and the native channel (after the data already written, but at most a few seconds later).
     */
    void end(int code, String reason) {
        if (ended) {
            return;
        }
        ended = true;
        if (recheck != null) {
            recheck.cancel(false);
            recheck = null;
        }
        ws.close(code, reason);
        if (!drainEarly) {
            ByteBuf b;
            while ((b = early.poll()) != null) {
                b.release();
            }
            earlyBytes = 0;
            closeNative();
        }
        ctx.sessionEnded(info, code, reason);
    }

    /** Closes the native channel, letting queued writes go first but never waiting more than a few seconds. */
    void closeNative() {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        if (!ch.isActive()) {
            ch.close();
            return;
        }
        ch.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(f -> ch.close());
        java.util.concurrent.Future<?> hard = ch.eventLoop().schedule(() -> ch.close(), 5, java.util.concurrent.TimeUnit.SECONDS);
        ch.closeFuture().addListener(f -> hard.cancel(false));
    }

    @Override
    public int outstandingCalls() {
        return 0;
    }

    @Override
    public boolean isEnded() {
        return ended;
    }

    @Override
    public void close(int code, String reason) {
        if (!onLoop(() -> end(code, reason))) {
            // the proxy's loops have stopped: its shutdown already ended the bridge
            ws.close(code, reason);
        }
    }

    public SessionInfo info() {
        return info;
    }

    public BridgeTargets.Target target() {
        return target;
    }
}
