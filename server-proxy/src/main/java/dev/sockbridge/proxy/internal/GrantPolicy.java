package dev.sockbridge.proxy.internal;

import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.SessionLimits;
import dev.sockbridge.proxy.SocketPolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The policy of a session whose grant has a policy of its own: a call must pass the proxy's policy and then
 * the grant's, so a grant can only narrow what the proxy allows. The proxy's refusal is reported as it is; the
 * grant's says so, for the client to tell the two apart.
 */
final class GrantPolicy implements SocketPolicy {
    private final SocketPolicy proxy;
    private final SocketPolicy grant;

    private GrantPolicy(SocketPolicy proxy, SocketPolicy grant) {
        this.proxy = proxy;
        this.grant = grant;
    }

    /** {@code proxy} alone when the grant has no policy. */
    static SocketPolicy of(SocketPolicy proxy, SocketPolicy grant) {
        return grant == null || grant == proxy ? proxy : new GrantPolicy(proxy, grant);
    }

    @Override
    public Decision checkConnect(SessionInfo session, InetSocketAddress target, boolean udp) {
        Decision d = proxy.checkConnect(session, target, udp);
        return d.allowed() ? narrowed(grant.checkConnect(session, target, udp)) : d;
    }

    @Override
    public Decision checkBind(SessionInfo session, InetSocketAddress local, boolean udp) {
        Decision d = proxy.checkBind(session, local, udp);
        return d.allowed() ? narrowed(grant.checkBind(session, local, udp)) : d;
    }

    private static Decision narrowed(Decision d) {
        return d.allowed() ? d : Decision.deny("not in this session's grant: " + d.reason());
    }

    @Override
    public InetAddress autoBindAddress(boolean ipv6) {
        return proxy.autoBindAddress(ipv6);
    }

    @Override
    public String describe() {
        return proxy.describe() + ", and for this session " + grant.describe();
    }

    /** Each limit the smaller of the proxy's and the grant's; the proxy's alone when the grant has none. */
    static SessionLimits min(SessionLimits proxy, SessionLimits grant) {
        if (grant == null) {
            return proxy;
        }
        return new SessionLimits(Math.min(proxy.maxSockets(), grant.maxSockets()),
                Math.min(proxy.maxOutstandingCalls(), grant.maxOutstandingCalls()),
                Math.min(proxy.maxBufferedBytes(), grant.maxBufferedBytes()),
                Math.min(proxy.socketReceiveBuffer(), grant.socketReceiveBuffer()),
                Math.min(proxy.maxFrameSize(), grant.maxFrameSize()));
    }
}
