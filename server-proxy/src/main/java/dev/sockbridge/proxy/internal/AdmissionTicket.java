package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.proxy.SessionGrant;
import dev.sockbridge.proxy.SessionLimits;
import dev.sockbridge.proxy.SocketPolicy;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the proxy's admission attaches to an admitted transport: the grant made effective (the proxy's policy
 * and the grant's together, each limit the smaller) for the one session that transport becomes. Used once.
 */
public final class AdmissionTicket {
    final SessionAdmitter owner;
    private final AtomicBoolean used = new AtomicBoolean();
    public final ConnectRequest request;
    public final String subject;
    public final SocketPolicy policy;
    public final SessionLimits limits;
    /** When the session is closed (1008 "grant expired"), or null. */
    public final Instant expiresAt;

    AdmissionTicket(SessionAdmitter owner, ConnectRequest request, SessionGrant grant, ProxyContext ctx) {
        this.owner = owner;
        this.request = request;
        this.subject = grant.subject();
        this.policy = GrantPolicy.of(ctx.policy, grant.policy());
        this.limits = GrantPolicy.min(ctx.limits, grant.limits());
        this.expiresAt = grant.expiresAt();
    }

    /** The first caller gets true: a transport's admission serves one session. */
    boolean use() {
        return used.compareAndSet(false, true);
    }
}
