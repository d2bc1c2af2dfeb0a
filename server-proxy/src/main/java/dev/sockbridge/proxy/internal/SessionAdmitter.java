package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.internal.transport.Admissions;
import dev.sockbridge.api.internal.transport.BasicConnectRequest;
import dev.sockbridge.api.transport.Admission;
import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.proxy.AuthenticationException;
import dev.sockbridge.proxy.ProxyLimits;
import dev.sockbridge.proxy.SessionAuthenticator;
import dev.sockbridge.proxy.SessionGrant;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Admits sessions for one proxy, before they exist: first the global limits of {@link ProxyLimits} (cheap, and
 * before any authentication work), then the {@link SessionAuthenticator}. An admission holds a slot of the
 * session limits until {@link Admission#release()} (the transport releases it when its connection ends).
 *
 * <ul>
 *   <li>new sessions per second per client address: a token bucket of that rate and a burst of twice it;
 *       refused with 503 and Retry-After ("rate");</li>
 *   <li>sessions in total: 503 ("limit-sessions");</li>
 *   <li>sessions per client address: 503 ("limit-address");</li>
 *   <li>the authenticator: its 401/403 ("auth"); an expired grant is a 401 ("expired").</li>
 * </ul>
 *
 * <p>A client address is the IP address, or for IPv6 its /64 (one subscriber gets a whole /64, so single
 * IPv6 addresses are free to an attacker). Clients without an IP address (in-process) have no per-address
 * limits. Where there is no HTTP, a 503 is close code 1013 and a 401/403 is 1008 (see {@link Admission}).
 *
 * <p>Threading: any thread; the counters are atomic, the maps concurrent.
 */
public final class SessionAdmitter {
    private final ProxyContext ctx;
    private final ProxyLimits limits;
    private final SessionAuthenticator authenticator;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<InetAddress, Bucket> buckets = new ConcurrentHashMap<>();
    private volatile int purgeAt = 4096;
    private volatile boolean draining;

    /** Tokens of one client address; mutated inside the map's compute only. */
    private static final class Bucket {
        double tokens;
        long lastNanos;
    }

    public SessionAdmitter(ProxyContext ctx, SessionAuthenticator authenticator) {
        this.ctx = ctx;
        this.limits = ctx.proxyLimits;
        this.authenticator = authenticator;
    }

    /** Sessions admitted and not yet released (all transports and front ends). */
    public int admitted() {
        return total.get();
    }

    /**
     * From now on every session is refused with 503 "the proxy is draining" (close code 1013 without HTTP), so a
     * balancer or client tries another proxy. Never undone.
     */
    public void startDraining() {
        draining = true;
    }

    /** The proxy's admission check, for every entry (see the class comment). */
    public CompletionStage<Admission> admit(ConnectRequest request) {
        String transport = request.scheme();
        SocketAddress remote = request.remoteAddress();
        if (draining) {
            ctx.countRefused(remote, transport, "draining");
            return CompletableFuture.completedFuture(Admission.refuse(503, "the proxy is draining; try another"));
        }
        InetAddress key = addressKey(remote);
        if (key != null && limits.newSessionsPerSecondPerAddress() != Integer.MAX_VALUE) {
            int wait = takeToken(key);
            if (wait > 0) {
                ctx.countRefused(remote, transport, "rate");
                return CompletableFuture.completedFuture(
                        Admission.refuse(503, "too many new sessions from your address; try again later")
                                .withRetryAfter(wait));
            }
        }
        if (total.incrementAndGet() > limits.maxSessions()) {
            total.decrementAndGet();
            ctx.countRefused(remote, transport, "limit-sessions");
            return CompletableFuture.completedFuture(Admission.refuse(503, "the proxy has too many sessions"));
        }
        boolean perKey = key != null && limits.maxSessionsPerAddress() != Integer.MAX_VALUE;
        if (perKey && !reserve(key)) {
            total.decrementAndGet();
            ctx.countRefused(remote, transport, "limit-address");
            return CompletableFuture.completedFuture(Admission.refuse(503, "too many sessions from your address"));
        }
        Runnable release = () -> {
            total.decrementAndGet();
            if (perKey) {
                perAddress.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
            }
        };
        CompletionStage<SessionGrant> grant;
        try {
            grant = authenticator.authenticate(request);
        } catch (RuntimeException e) {
            grant = CompletableFuture.failedFuture(e);
        }
        if (grant == null) {
            grant = CompletableFuture.completedFuture(null);
        }
        return grant.handle((g, t) -> {
            if (t != null || g == null) {
                release.run();
                Throwable cause = unwrap(t);
                ctx.countRefused(remote, transport, "auth");
                if (cause instanceof AuthenticationException) {
                    AuthenticationException a = (AuthenticationException) cause;
                    return Admission.refuse(a.status(), a.reason());
                }
                return Admission.refuse(403, "not allowed");
            }
            if (g.expiresAt() != null && !g.expiresAt().isAfter(Instant.now())) {
                release.run();
                ctx.countRefused(remote, transport, "expired");
                return Admission.refuse(401, "credentials expired");
            }
            return Admission.admit(new AdmissionTicket(this, request, g, ctx), release);
        });
    }

    /**
     * Runs {@code then} with the ticket of the one session {@code t} becomes: the one its server's admission
     * attached, at once; else (a transport attached directly, a route without this proxy's admission check) the
     * admission is asked now, with what the transport knows of its client, and a refusal closes {@code t} with
     * the admission's close code and reason. Fails closed: a ticket of another proxy, or one already used, is
     * not taken.
     *
     * @return true if {@code then} ran before this returned
     */
    public boolean admitThen(Transport t, Consumer<AdmissionTicket> then) {
        Object a = t.attachment();
        if (a instanceof AdmissionTicket && ((AdmissionTicket) a).owner == this && ((AdmissionTicket) a).use()) {
            then.accept((AdmissionTicket) a);
            return true;
        }
        ConnectRequest request = t.connectRequest() != null ? t.connectRequest()
                : BasicConnectRequest.bare(t.scheme(), null, t.remoteAddress(), null);
        boolean[] ran = new boolean[1];
        boolean[] returned = new boolean[1];
        Admissions.run(this::admit, request, t.executor(), () -> true, admission -> {
            if (!admission.isAdmitted()) {
                Admissions.refuse(t, admission.closeCode(), admission.reason());
                return;
            }
            t.closeFuture().whenComplete((v, e) -> admission.release());
            AdmissionTicket ticket = (AdmissionTicket) admission.attachment();
            ticket.use();
            ran[0] = !returned[0];
            then.accept(ticket);
        });
        returned[0] = true;
        return ran[0];
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private boolean reserve(InetAddress key) {
        boolean[] ok = new boolean[1];
        perAddress.compute(key, (k, n) -> {
            int now = n == null ? 0 : n;
            if (now >= limits.maxSessionsPerAddress()) {
                return n;
            }
            ok[0] = true;
            return now + 1;
        });
        return ok[0];
    }

    /** Takes one token of {@code key}'s bucket: 0 if there was one, else the whole seconds until there is. */
    private int takeToken(InetAddress key) {
        double rate = limits.newSessionsPerSecondPerAddress();
        double burst = 2 * rate;
        long now = System.nanoTime();
        int[] wait = new int[1];
        buckets.compute(key, (k, b) -> {
            if (b == null) {
                b = new Bucket();
                b.tokens = burst;
            } else {
                b.tokens = Math.min(burst, b.tokens + (now - b.lastNanos) / 1e9 * rate);
            }
            b.lastNanos = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
            } else {
                wait[0] = (int) Math.max(1, Math.ceil((1 - b.tokens) / rate));
            }
            return b;
        });
        if (buckets.size() > purgeAt) {
            purge(now, burst, rate);
        }
        return wait[0];
    }

    /** Forgets full buckets (a client idle long enough to have its whole burst back), so the map stays bounded. */
    private void purge(long now, double burst, double rate) {
        for (InetAddress k : buckets.keySet()) {
            buckets.computeIfPresent(k, (kk, b) -> b.tokens + (now - b.lastNanos) / 1e9 * rate >= burst ? null : b);
        }
        purgeAt = Math.max(4096, buckets.size() * 2);
    }

    /** The IP address, IPv6 cut to its /64; null without one. */
    static InetAddress addressKey(SocketAddress remote) {
        if (!(remote instanceof InetSocketAddress) || ((InetSocketAddress) remote).getAddress() == null) {
            return null;
        }
        InetAddress a = ((InetSocketAddress) remote).getAddress();
        if (a instanceof Inet6Address) {
            byte[] b = Arrays.copyOf(a.getAddress(), 16);
            Arrays.fill(b, 8, 16, (byte) 0);
            try {
                return InetAddress.getByAddress(b);
            } catch (UnknownHostException e) {
                return a;
            }
        }
        return a;
    }
}
