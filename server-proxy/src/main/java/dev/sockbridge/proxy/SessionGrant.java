package dev.sockbridge.proxy;

import java.time.Instant;
import java.util.Objects;

/**
 * What an admitted session may do, as its {@link SessionAuthenticator} decided. The session runs
 * under the proxy's own policy and limits <b>and</b> these: a grant only ever narrows what the proxy
 * allows (a call must pass both policies; each limit is the smaller of the two).
 *
 * @param subject   who the session is for (a player id, a certificate subject, a token name), for logs
 * @param policy    the session's own policy, or null for the proxy's alone
 * @param limits    the session's own limits, or null for the proxy's
 * @param expiresAt when the grant ends (the session is then closed), or null for never
 */
public record SessionGrant(String subject, SocketPolicy policy, SessionLimits limits, Instant expiresAt) {

    public SessionGrant {
        Objects.requireNonNull(subject, "subject");
    }

    /** A grant that adds nothing to the proxy's own policy and limits. */
    public static SessionGrant proxyDefaults(String subject) {
        return new SessionGrant(subject, null, null, null);
    }
}
