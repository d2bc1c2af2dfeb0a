package dev.sockbridge.proxy;

import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.transport.Admission;
import dev.sockbridge.api.transport.AdmissionCheck;
import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.api.transport.EventLoops;
import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.ServerTransportListener;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import dev.sockbridge.proxy.internal.AdmissionTicket;
import dev.sockbridge.proxy.internal.GuardedPolicy;
import dev.sockbridge.proxy.internal.ListenerChain;
import dev.sockbridge.proxy.internal.ProxyContext;
import dev.sockbridge.proxy.internal.SessionAdmitter;
import dev.sockbridge.proxy.internal.ProxySession;
import dev.sockbridge.proxy.spi.FrontEnd;
import dev.sockbridge.proxy.spi.FrontEndFactory;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy: executes the socket calls of every session it serves against native TCP/UDP channels,
 * under a {@link SocketPolicy} and {@link SessionLimits}.
 *
 * <pre>
 *   ServerTransport ──Transport──▶ front end ──Call──▶ engine session ──▶ socket table ──▶ native Netty channels
 *        (ws, wss, webtransport,     (wire protocol:      (calls, budgets)      (per session)     (epoll or NIO)
 *         inprocess, ...)             CBOR, Emscripten, ...) ◀──Result──┘
 * </pre>
 *
 * <p>A wire protocol is a {@link FrontEndFactory} (the front-end SPI, package {@code dev.sockbridge.proxy.spi});
 * {@link #serve(ServerTransport)} and {@link #attach(Transport)} serve the Sockbridge CBOR protocol, the
 * overloads taking a factory serve any other.
 *
 * <p><b>Lifecycle.</b> Build with {@link #builder()}, then {@link #serve} one or more server
 * transports (or {@link #attach} single transports). {@link #shutdown(Duration)} stops accepting,
 * lets calls in flight finish for at most the grace period, then ends every session, which closes
 * every native channel it owns. {@link #drain(Duration)} ends the sessions gently first: refuses new ones, tells the
 * open ones the proxy is going away and gives them time to finish.
 *
 * <p><b>Threading.</b> Thread-safe. Each session runs on one event loop of the proxy's group, and all
 * of its native channels are registered on that same loop: no thread per connection or per call.
 *
 * <p><b>Backpressure.</b> Memory is bounded per session by {@link SessionLimits#maxBufferedBytes()} and over all
 * sessions by {@link ProxyLimits#maxBufferedBytes()}: data received for sockets and not yet taken by the client,
 * sends parked or not yet written to the kernel, and what transports hold for a session (answers not yet written,
 * a message being received) all count. What happens when a client stops reading:
 * <ol>
 *   <li>its transport stops being writable; receives and push deliveries for it wait, so each socket's receive
 *       buffer ({@link SessionLimits#socketReceiveBuffer()}, or a smaller {@code SO_RCVBUF}) fills and the native
 *       socket is no longer read: the TCP peer's window closes, UDP datagrams beyond it are dropped and counted;</li>
 *   <li>the read gate stops reading the client's transport while it is not writable (or while 256 KiB of its frames
 *       wait for the session's loop), so a client that keeps sending calls without reading answers is held back by
 *       its own connection instead of making the proxy queue answers;</li>
 *   <li>a send that does not fit: a blocking one waits while the native socket is above its write water mark, a
 *       non-blocking one gets {@code EAGAIN}; one that would pass the session's or the proxy's budget gets
 *       {@code ENOBUFS}, as do calls beyond {@link SessionLimits#maxOutstandingCalls()};</li>
 *   <li>a session whose transports' held bytes take the proxy's whole budget is ended with close code {@code 1013}
 *       (try again later), so one client cannot starve the others.</li>
 * </ol>
 *
 * <p><b>Admission.</b> Every session, on every transport and front end, is admitted before it exists: the
 * {@link ProxyLimits} (sessions in total, per client address, new sessions per second per address) and then the
 * {@link SessionAuthenticator} (see {@link #admission()}). The grant it returns runs the session under the
 * proxy's policy <b>and</b> the grant's, each limit the smaller of the two, until the grant expires.
 *
 * <p><b>Safe by default.</b> Without a policy the proxy allows loopback targets and loopback binds
 * on unprivileged ports only, and lookups of loopback names only, and logs so at start. Whatever
 * the policy, sessions never reach the proxy's own listeners (see {@link #protectListener}).
 */
public final class SockbridgeProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("dev.sockbridge.proxy");

    private final ProxyContext ctx;
    private final SessionAdmitter admitter;
    private final GuardedPolicy guard;
    private final boolean ownGroup;
    private final List<ServerTransport> servers = new CopyOnWriteArrayList<>();
    private final Set<ProxySession> sessions = ConcurrentHashMap.newKeySet();
    private volatile boolean shuttingDown;
    private CompletableFuture<Void> drained; // guarded by this

    private SockbridgeProxy(Builder b) {
        EventLoopGroup g = b.group;
        ownGroup = g == null;
        if (g == null) {
            g = EventLoops.newGroup(b.threads, "sockbridge-proxy");
        }
        guard = new GuardedPolicy(b.policy);
        ctx = new ProxyContext(g, guard, b.limits, b.proxyLimits, ListenerChain.of(b.listeners));
        if (b.nameServer != null) {
            ctx.resolver.useNameServer(b.nameServer, 3000);
        }
        admitter = new SessionAdmitter(ctx, b.authenticator);
        LOG.info("Sockbridge proxy: I/O " + (EventLoops.isNative(g) ? "epoll" : "nio") + ", policy " + guard.describe()
                + (b.policyIsDefault ? " (default: loopback only)" : "") + ", limits " + b.limits
                + ", proxy limits " + b.proxyLimits);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a server transport; each connection it accepts is put to the {@linkplain #admission() admission
     * check} (refused: the transport's HTTP status or close code) and then becomes a session. Completes with its
     * URI.
     */
    public CompletableFuture<URI> serve(ServerTransport server) {
        return serve(server, FrontEndFactory.sockbridge());
    }

    /**
     * Starts a server transport whose connections speak {@code frontEnds}' protocol: each connection it accepts is
     * put to the {@linkplain #admission() admission check} and then served by a front end the factory makes (see
     * {@link #attach(Transport, FrontEndFactory)}). Completes with its URI.
     */
    public CompletableFuture<URI> serve(ServerTransport server, FrontEndFactory frontEnds) {
        Objects.requireNonNull(frontEnds);
        if (shuttingDown) {
            return CompletableFuture.failedFuture(new IllegalStateException("proxy is shutting down"));
        }
        servers.add(server);
        ServerTransportListener listener = new ServerTransportListener() {
            @Override
            public void transportCreated(Transport transport) {
                attach(transport, frontEnds);
            }

            @Override
            public CompletionStage<Admission> admit(ConnectRequest request) {
                return admitter.admit(request);
            }
        };
        return server.start(listener).whenComplete((uri, t) -> {
            if (t == null) {
                guard.protect(uri);
                LOG.info("Sockbridge proxy listening at " + uri);
            }
        });
    }

    /** Finds the provider for {@code uri}'s scheme and serves a new server transport there. */
    public CompletableFuture<URI> serve(URI uri, TransportOptions options) {
        if (uri.getPort() > 0) {
            // known before the listener is up, so no session can race its registration
            guard.protect(uri);
        }
        return serve(Transports.forUri(uri).newServer(uri, options));
    }

    public CompletableFuture<URI> serve(URI uri) {
        return serve(uri, TransportOptions.defaults().with(TransportOptions.MAX_FRAME_SIZE, ctx.limits.maxFrameSize()));
    }

    /**
     * Serves one open transport as a Sockbridge protocol session; see {@link #attach(Transport, FrontEndFactory)}.
     */
    public void attach(Transport transport) {
        attach(transport, FrontEndFactory.sockbridge());
    }

    /**
     * Serves one open (not started) transport with a front end of {@code frontEnds}' protocol. A transport that this
     * proxy's {@linkplain #admission() admission check} admitted (through {@link #serve}, or a route using it) is
     * served under its grant at once; any other is put to the check first, with what the transport knows of its
     * client ({@link Transport#connectRequest()}, else its scheme and address), and closed with the refusal's close
     * code and reason if refused. Once admitted, the session's engine side is made under the grant's policy and
     * limits, the factory makes the front end, and it is started; the session ends when the grant expires (1008),
     * and on {@link #shutdown}. While the proxy shuts down the transport is closed with 1001 instead. Any thread.
     *
     * @return completes with the front end once it started, or with null if the transport was refused or closed
     *         first
     */
    public CompletableFuture<FrontEnd> attach(Transport transport, FrontEndFactory frontEnds) {
        Objects.requireNonNull(frontEnds);
        CompletableFuture<FrontEnd> started = new CompletableFuture<>();
        if (shuttingDown) {
            transport.close(Control.Goodbye.GOING_AWAY, "proxy is shutting down");
            started.complete(null);
            return started;
        }
        admitter.admitThen(transport, ticket -> {
            ProxySession s = new ProxySession(ctx, transport, ticket, frontEnds);
            if (!register(s, transport, ticket)) {
                s.close(Control.Goodbye.GOING_AWAY, "proxy is shutting down");
                started.complete(null);
                return;
            }
            s.start();
            started.complete(s.frontEnd());
        });
        // refused: the admission closed the transport
        transport.closeFuture().whenComplete((v, t) -> started.complete(null));
        return started;
    }

    /**
     * The proxy's admission check, for routes of other protocols that share a listener (the Emscripten endpoint,
     * the websockify bridge: {@code WebSocketRoute.Builder.admission(proxy.admission())}). It enforces
     * {@link ProxyLimits} first (503 with a reason, Retry-After for the rate; close code 1013 without HTTP), then
     * asks the {@link SessionAuthenticator} (its 401/403; close code 1008), and attaches the grant for the session
     * the transport becomes, which {@link #attach(Transport, FrontEndFactory)} then serves under that grant. A
     * transport of a route without it is put to the same check by {@code attach}, after the upgrade.
     */
    public AdmissionCheck admission() {
        return admitter::admit;
    }

    /**
     * Lets {@link #shutdown} wait for and then end {@code session}, until {@code transport} closes, and closes it
     * with 1008 "grant expired" when {@code ticket}'s grant expires. False when the proxy is shutting down.
     */
    private boolean register(ProxySession session, Transport transport, AdmissionTicket ticket) {
        if (shuttingDown) {
            return false;
        }
        sessions.add(session);
        transport.closeFuture().whenComplete((v, t) -> sessions.remove(session));
        if (isDraining()) {
            // admitted just before the drain began, registered after it looked at the sessions
            session.goingAway(DRAIN_REASON);
        }
        if (ticket != null && ticket.expiresAt != null) {
            long delay = Math.max(0, Duration.between(Instant.now(), ticket.expiresAt).toMillis());
            ScheduledFuture<?> expiry = ctx.loopFor(transport.executor()).schedule(
                    () -> session.close(CloseCode.POLICY_VIOLATION.code(), "grant expired"), delay, TimeUnit.MILLISECONDS);
            transport.closeFuture().whenComplete((v, t) -> expiry.cancel(false));
        }
        return true;
    }


    /** The reason sessions are told, and closed with at a drain's timeout. */
    private static final String DRAIN_REASON = "going away";

    /**
     * Drains the proxy, as a rollout or a scale-down wants: from now on every new session is refused (HTTP 503 "the
     * proxy is draining" on WebSocket and WebTransport listeners, close code 1013 on raw QUIC and transports given to
     * {@link #attach}); the listeners themselves stay bound, so a balancer sees a clear refusal and tries another
     * proxy. Every open session is told the proxy is going away ({@link FrontEnd#goingAway}, after its transport's
     * own signal, {@link Transport#goingAway}, where it has one). Sessions
     * go on working until {@code timeout}; one that ends before (the client closes, or its front end ends it) ends
     * normally. At the timeout the rest are closed with 1001 "going away", which closes their native channels. The
     * future completes once every session has ended and its native channels are closed (or 5 s after the timeout,
     * whatever is left then); it never fails.
     *
     * <p>Idempotent: a second call returns the first call's future (its timeout is ignored). The proxy stays usable
     * for its counters; {@link #shutdown} afterwards closes the listeners and, if it made them, its event loops. Any
     * thread; it does not block.
     */
    public CompletableFuture<Void> drain(Duration timeout) {
        Objects.requireNonNull(timeout);
        CompletableFuture<Void> f;
        synchronized (this) {
            if (drained != null) {
                return drained;
            }
            f = drained = new CompletableFuture<>();
        }
        admitter.startDraining();
        LOG.info("draining: {} sessions told to go away, closed in {} ms", sessions.size(), timeout.toMillis());
        for (ProxySession s : sessions) {
            s.goingAway(DRAIN_REASON);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<Void> allEnded = new CompletableFuture<>();
        awaitSessionsEnded(deadline, false, allEnded);
        allEnded.thenCompose(v -> waitNativeClosed(System.nanoTime() + TimeUnit.SECONDS.toNanos(5)))
                .whenComplete((v, t) -> f.complete(null));
        return f;
    }

    /** Whether {@link #drain} was called: new sessions are refused. Any thread. */
    public synchronized boolean isDraining() {
        return drained != null;
    }

    /** Polls until no session is left; at {@code deadline} closes the rest, then waits at most 5 s more for them. */
    private void awaitSessionsEnded(long deadline, boolean closed, CompletableFuture<Void> done) {
        if (sessions.isEmpty()) {
            done.complete(null);
            return;
        }
        long d = deadline;
        boolean c = closed;
        if (System.nanoTime() - deadline >= 0) {
            if (closed) {
                done.complete(null); // a transport that never reported its close: waited long enough
                return;
            }
            for (ProxySession s : sessions) {
                s.close(Control.Goodbye.GOING_AWAY, DRAIN_REASON);
            }
            c = true;
            d = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        }
        long waitMs = Math.max(1, Math.min(20, TimeUnit.NANOSECONDS.toMillis(d - System.nanoTime())));
        long fd = d;
        boolean fc = c;
        try {
            ctx.group.next().schedule(() -> awaitSessionsEnded(fd, fc, done), waitMs, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            done.complete(null); // the loops stopped: shutdown ended every session
        }
    }

    public ProxyStats stats() {
        return ctx.stats();
    }

    /**
     * The policy sessions run under: the configured one, with the proxy's own listeners denied and
     * addresses normalised (see {@link SocketPolicy}).
     */
    public SocketPolicy policy() {
        return ctx.policy;
    }

    /**
     * Makes {@code address} unreachable for sessions (connect, sendto, bind), whatever the policy
     * says. {@link #serve} does this for every listener it starts; call it for listeners the proxy
     * does not serve itself (an admin or stats listener, a page server, a listener of another
     * process). A wildcard address (0.0.0.0 or ::) covers that port on loopback and on every address
     * of this host's interfaces. Thread-safe; takes effect for calls checked afterwards.
     */
    public void protectListener(InetSocketAddress address) {
        guard.protect(Objects.requireNonNull(address));
    }

    public SessionLimits limits() {
        return ctx.limits;
    }

    public ProxyLimits proxyLimits() {
        return ctx.proxyLimits;
    }

    /**
     * The event loops sessions run on. A server that shares them (to save a thread hop per frame) must
     * be stopped before {@link #shutdown}, which stops loops the proxy made itself.
     */
    public EventLoopGroup eventLoopGroup() {
        return ctx.group;
    }

    /** The shared engine context, for this package's tests (they replace its host lookup). */
    ProxyContext context() {
        return ctx;
    }

    /**
     * Stops accepting, waits up to {@code grace} for calls in flight to be answered, then ends every
     * session (closing their native channels) and, if the proxy made its own event loops, stops them.
     */
    public CompletableFuture<Void> shutdown(Duration grace) {
        shuttingDown = true;
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (ServerTransport s : servers) {
            stops.add(s.shutdown());
        }
        long deadline = System.nanoTime() + grace.toNanos();
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture.allOf(stops.toArray(new CompletableFuture[0])).whenComplete((v, t) -> waitIdle(deadline, done));
        return done.thenCompose(v -> {
            List<CompletableFuture<Void>> closes = new ArrayList<>();
            for (ServerTransport s : servers) {
                closes.add(s.shutdownNow());
            }
            for (ProxySession s : sessions) {
                s.close(Control.Goodbye.GOING_AWAY, "proxy shutting down");
            }
            return CompletableFuture.allOf(closes.toArray(new CompletableFuture[0]));
        }).thenCompose(v -> waitNativeClosed(System.nanoTime() + TimeUnit.SECONDS.toNanos(5))).whenComplete((v, t) -> {
            ctx.close();
            if (ownGroup) {
                ctx.group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            }
        });
    }

    private void waitIdle(long deadline, CompletableFuture<Void> done) {
        boolean idle = sessions.stream().allMatch(s -> s.outstandingCalls() <= 0 || s.isEnded());
        if (idle || System.nanoTime() >= deadline) {
            done.complete(null);
        } else {
            ctx.group.next().schedule(() -> waitIdle(deadline, done), 20, TimeUnit.MILLISECONDS);
        }
    }

    private CompletableFuture<Void> waitNativeClosed(long deadline) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        Runnable[] check = new Runnable[1];
        check[0] = () -> {
            if (ctx.stats().nativeChannelsOpen() == 0 || System.nanoTime() >= deadline) {
                f.complete(null);
            } else {
                ctx.group.next().schedule(check[0], 10, TimeUnit.MILLISECONDS);
            }
        };
        check[0].run();
        return f;
    }

    @Override
    public void close() {
        shutdown(Duration.ofSeconds(5)).join();
    }

    /** Settings for a proxy. Defaults: loopback-only policy, {@link SessionLimits#defaults()}, own event loops. */
    public static final class Builder {
        private SocketPolicy policy = SocketPolicy.loopbackOnly();
        private boolean policyIsDefault = true;
        private SessionLimits limits = SessionLimits.defaults();
        private ProxyLimits proxyLimits = ProxyLimits.defaults();
        private final List<ProxyListener> listeners = new ArrayList<>();
        private SessionAuthenticator authenticator = SessionAuthenticator.none();
        private EventLoopGroup group;
        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private InetSocketAddress nameServer;

        public Builder policy(SocketPolicy p) {
            policy = Objects.requireNonNull(p);
            policyIsDefault = false;
            return this;
        }

        public Builder limits(SessionLimits l) {
            limits = Objects.requireNonNull(l);
            return this;
        }

        /** Limits over all sessions together; default {@link ProxyLimits#defaults()}. */
        public Builder proxyLimits(ProxyLimits l) {
            proxyLimits = Objects.requireNonNull(l);
            return this;
        }

        /**
         * Decides every session before it exists, on every transport served and every front end (see
         * {@link #admission()}); the grant it gives narrows the session's policy and limits and ends the session
         * when it expires. Default {@link SessionAuthenticator#none()}: everyone, under the proxy's own policy.
         */
        public Builder authenticator(SessionAuthenticator a) {
            authenticator = Objects.requireNonNull(a);
            return this;
        }

        /**
         * Adds a listener of the proxy's events (metrics, an access log). Each call adds one: every listener added
         * hears every event, in the order they were added. An exception a listener throws is logged and ignored;
         * the engine and the other listeners go on (see {@link ProxyListener}). Default: none.
         */
        public Builder listener(ProxyListener l) {
            listeners.add(Objects.requireNonNull(l));
            return this;
        }

        /** Runs sessions on this group (made with the native I/O the platform has); the proxy will not shut it down. */
        public Builder eventLoopGroup(EventLoopGroup g) {
            group = g;
            return this;
        }

        public Builder threads(int n) {
            threads = n;
            return this;
        }

        /**
         * Sends the DNS queries of sessions' lookups to {@code server} only, with no search domains, instead
         * of the name servers of this host (resolv.conf). A deployment points sessions at a resolver that
         * knows only public names, so internal names stay unknown to them whatever the lookup rules say; tests
         * run their own name server on loopback. The hosts file is still read first. Default: this host's.
         */
        public Builder nameServer(InetSocketAddress server) {
            nameServer = Objects.requireNonNull(server);
            return this;
        }

        public SockbridgeProxy build() {
            return new SockbridgeProxy(this);
        }
    }
}
