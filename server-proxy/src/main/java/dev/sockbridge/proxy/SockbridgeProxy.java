package dev.sockbridge.proxy;

import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import dev.sockbridge.proxy.internal.FrontEnd;
import dev.sockbridge.proxy.internal.GuardedPolicy;
import dev.sockbridge.proxy.internal.NativeIo;
import dev.sockbridge.proxy.internal.ProxyContext;
import dev.sockbridge.proxy.internal.SockbridgeSession;
import io.netty.channel.EventLoopGroup;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The proxy: executes the socket calls of every session it serves against native TCP/UDP channels,
 * under a {@link SocketPolicy} and {@link SessionLimits}.
 *
 * <pre>
 *   ServerTransport ──Transport──▶ session (codec) ──▶ socket table ──▶ native Netty channels
 *        (ws, wss, webtransport, inprocess, ...)        (per session)     (epoll or NIO)
 * </pre>
 *
 * <p><b>Lifecycle.</b> Build with {@link #builder()}, then {@link #serve} one or more server
 * transports (or {@link #attach} single transports). {@link #shutdown(Duration)} stops accepting,
 * lets calls in flight finish for at most the grace period, then ends every session, which closes
 * every native channel it owns.
 *
 * <p><b>Threading.</b> Thread-safe. Each session runs on one event loop of the proxy's group, and all
 * of its native channels are registered on that same loop: no thread per connection or per call.
 *
 * <p><b>Safe by default.</b> Without a policy the proxy allows loopback targets and loopback binds
 * on unprivileged ports only, and lookups of loopback names only, and logs so at start. Whatever
 * the policy, sessions never reach the proxy's own listeners (see {@link #protectListener}).
 */
public final class SockbridgeProxy implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.sockbridge.proxy");

    private final ProxyContext ctx;
    private final GuardedPolicy guard;
    private final boolean ownGroup;
    private final List<ServerTransport> servers = new CopyOnWriteArrayList<>();
    private final Set<FrontEnd> sessions = ConcurrentHashMap.newKeySet();
    private volatile boolean shuttingDown;

    private SockbridgeProxy(Builder b) {
        EventLoopGroup g = b.group;
        ownGroup = g == null;
        if (g == null) {
            g = NativeIo.newGroup(b.threads, "sockbridge-proxy");
        }
        guard = new GuardedPolicy(b.policy);
        ctx = new ProxyContext(g, guard, b.limits, b.proxyLimits, b.listener);
        if (b.nameServer != null) {
            ctx.resolver.useNameServer(b.nameServer, 3000);
        }
        LOG.log(Level.INFO, "Sockbridge proxy: native I/O " + NativeIo.name() + ", policy " + guard.describe()
                + (b.policyIsDefault ? " (default: loopback only)" : "") + ", limits " + b.limits
                + ", proxy limits " + b.proxyLimits);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts a server transport; each connection it accepts becomes a session. Completes with its URI. */
    public CompletableFuture<URI> serve(ServerTransport server) {
        if (shuttingDown) {
            return CompletableFuture.failedFuture(new IllegalStateException("proxy is shutting down"));
        }
        servers.add(server);
        return server.start(this::attach).whenComplete((uri, t) -> {
            if (t == null) {
                guard.protect(uri);
                LOG.log(Level.INFO, "Sockbridge proxy listening at " + uri);
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

    /** Serves one open transport as a Sockbridge protocol session. */
    public void attach(Transport transport) {
        if (shuttingDown) {
            transport.close(Control.Goodbye.GOING_AWAY, "proxy is shutting down");
            return;
        }
        SockbridgeSession s = new SockbridgeSession(ctx, transport);
        register(s, transport);
        s.start();
    }

    /**
     * For protocol front ends in this module (Emscripten, websockify bridge): lets {@link #shutdown}
     * wait for and then end {@code session}, until {@code transport} closes. Returns false when the
     * proxy is shutting down; the caller then closes the transport instead of serving it.
     * Not a stable API.
     */
    public boolean register(FrontEnd session, Transport transport) {
        if (shuttingDown) {
            return false;
        }
        sessions.add(session);
        transport.closeFuture().whenComplete((v, t) -> sessions.remove(session));
        return true;
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

    /**
     * For protocol front ends in this module (Emscripten, websockify bridge): the shared engine context.
     * Not a stable API.
     */
    public ProxyContext context() {
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
            for (FrontEnd s : sessions) {
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
        private ProxyListener listener = ProxyListener.NONE;
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

        public Builder listener(ProxyListener l) {
            listener = Objects.requireNonNull(l);
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
