package dev.sockbridge.proxy.auth;

import dev.sockbridge.proxy.SessionGrant;
import dev.sockbridge.proxy.SessionLimits;
import dev.sockbridge.proxy.auth.internal.GrantPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a signed token says: who it is for, when it may be used, and what the session it opens may
 * do. A game backend builds one per player with {@link #builder(String)} and signs it with a
 * {@link TokenMinter}; the proxy's {@link TokenAuthenticator} verifies it and turns it into a
 * {@link SessionGrant} ({@link #toGrant()}), which only ever narrows the proxy's own policy.
 *
 * <p>Rules are {@code CIDR[:PORTS][/tcp|/udp]}: {@code 10.1.2.3:7777/tcp},
 * {@code 10.1.2.3:7778/udp}, {@code 10.1.0.0/16:7000-7100}, {@code [2001:db8::1]:7777/udp}; a rule
 * without a protocol covers both. Connect rules cover connect and sendto; bind rules cover bind and
 * listen (UDP port 0, the ephemeral port a sender needs, is always granted: the proxy's policy still
 * decides the address). Name lookups are refused unless {@link Builder#lookup} names them:
 * {@code *}, {@code .example.com} (every name under it) or an exact name; reverse lookups only with
 * {@link Builder#reverseLookups}.
 *
 * <p>Immutable and thread-safe.
 */
public final class GrantClaims {
    private final String subject;
    private final Instant issuedAt;
    private final Instant notBefore;
    private final Instant expiresAt;
    private final Instant sessionExpiresAt;
    private final List<String> connect;
    private final List<String> bind;
    private final List<String> lookup;
    private final boolean reverseLookups;
    private final Integer maxSockets;
    private final Integer maxOutstandingCalls;
    private final Long maxBufferedBytes;

    private GrantClaims(Builder b) {
        subject = Objects.requireNonNull(b.subject, "subject");
        if (subject.isEmpty() || subject.length() > 256) {
            throw new IllegalArgumentException("subject must have 1 to 256 characters");
        }
        // tokens carry whole seconds: what a verifier reads back is what was signed
        issuedAt = seconds(b.issuedAt);
        notBefore = seconds(b.notBefore);
        expiresAt = seconds(Objects.requireNonNull(b.expiresAt, "expiresAt: a token without an expiry is never minted"));
        sessionExpiresAt = seconds(b.sessionExpiresAt);
        connect = List.copyOf(b.connect);
        bind = List.copyOf(b.bind);
        lookup = List.copyOf(b.lookup);
        reverseLookups = b.reverseLookups;
        maxSockets = b.maxSockets;
        maxOutstandingCalls = b.maxOutstandingCalls;
        maxBufferedBytes = b.maxBufferedBytes;
        connect.forEach(GrantPolicy::validateRule);
        bind.forEach(GrantPolicy::validateRule);
        lookup.forEach(GrantPolicy::validateName);
        if (notBefore != null && notBefore.isAfter(expiresAt)) {
            throw new IllegalArgumentException("notBefore after expiresAt");
        }
        if ((maxSockets != null && maxSockets < 1) || (maxOutstandingCalls != null && maxOutstandingCalls < 1)
                || (maxBufferedBytes != null && maxBufferedBytes < 1024)) {
            throw new IllegalArgumentException("limits too small");
        }
    }

    private static Instant seconds(Instant t) {
        return t == null ? null : t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    /** A grant for {@code subject} (a player id, for logs), which must still get an expiry. */
    public static Builder builder(String subject) {
        return new Builder(subject);
    }

    public String subject() {
        return subject;
    }

    /** When the token was minted, or null. */
    public Instant issuedAt() {
        return issuedAt;
    }

    /** The token is refused before this instant (less the verifier's clock skew); null for no bound. */
    public Instant notBefore() {
        return notBefore;
    }

    /** The token is refused after this instant (plus the verifier's clock skew). Never null. */
    public Instant expiresAt() {
        return expiresAt;
    }

    /** When a session opened with the token is closed, or null for no bound (sessions outlive the token). */
    public Instant sessionExpiresAt() {
        return sessionExpiresAt;
    }

    public List<String> connect() {
        return connect;
    }

    public List<String> bind() {
        return bind;
    }

    public List<String> lookup() {
        return lookup;
    }

    public boolean reverseLookups() {
        return reverseLookups;
    }

    /** null where the claims set no such limit. */
    public Integer maxSockets() {
        return maxSockets;
    }

    public Integer maxOutstandingCalls() {
        return maxOutstandingCalls;
    }

    public Long maxBufferedBytes() {
        return maxBufferedBytes;
    }

    /**
     * The session policy these claims describe: a {@link dev.sockbridge.proxy.SocketPolicy} that
     * denies what no rule allows (no rule, no connect).
     */
    public dev.sockbridge.proxy.SocketPolicy policy() {
        return GrantPolicy.of(connect, bind, lookup, reverseLookups);
    }

    /**
     * The session's limits, or null when the claims set none. Limits the claims do not name are
     * unbounded here, so the proxy's own (the smaller of the two wins) apply.
     */
    public SessionLimits limits() {
        if (maxSockets == null && maxOutstandingCalls == null && maxBufferedBytes == null) {
            return null;
        }
        return new SessionLimits(maxSockets == null ? Integer.MAX_VALUE : maxSockets,
                maxOutstandingCalls == null ? Integer.MAX_VALUE : maxOutstandingCalls,
                maxBufferedBytes == null ? Long.MAX_VALUE : maxBufferedBytes, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /** The grant a session opened with these claims runs under. */
    public SessionGrant toGrant() {
        return new SessionGrant(subject, policy(), limits(), sessionExpiresAt);
    }

    @Override
    public String toString() {
        return "GrantClaims[" + subject + ", exp " + expiresAt + ", connect " + connect + ", bind " + bind
                + ", lookup " + lookup + (reverseLookups ? " +reverse" : "") + "]";
    }

    /** Not thread-safe. */
    public static final class Builder {
        private final String subject;
        private Instant issuedAt;
        private Instant notBefore;
        private Instant expiresAt;
        private Instant sessionExpiresAt;
        private final List<String> connect = new ArrayList<>();
        private final List<String> bind = new ArrayList<>();
        private final List<String> lookup = new ArrayList<>();
        private boolean reverseLookups;
        private Integer maxSockets;
        private Integer maxOutstandingCalls;
        private Long maxBufferedBytes;

        private Builder(String subject) {
            this.subject = subject;
        }

        public Builder issuedAt(Instant t) {
            issuedAt = t;
            return this;
        }

        public Builder notBefore(Instant t) {
            notBefore = t;
            return this;
        }

        public Builder expiresAt(Instant t) {
            expiresAt = t;
            return this;
        }

        /** Sets issuedAt to now and expiresAt to now + {@code lifetime}. */
        public Builder validFor(Duration lifetime) {
            Instant now = Instant.now();
            issuedAt = now;
            expiresAt = now.plus(lifetime);
            return this;
        }

        public Builder sessionExpiresAt(Instant t) {
            sessionExpiresAt = t;
            return this;
        }

        /** Allows connect and sendto to these rules, e.g. {@code "10.1.2.3:7777/tcp"}. */
        public Builder connect(String... rules) {
            connect.addAll(List.of(rules));
            return this;
        }

        /** Allows bind and listen on these rules, e.g. {@code "127.0.0.1:1024-65535/tcp"}. */
        public Builder bind(String... rules) {
            bind.addAll(List.of(rules));
            return this;
        }

        /** Allows name lookups of these names: {@code *}, {@code .example.com}, {@code game.example.com}. */
        public Builder lookup(String... names) {
            lookup.addAll(List.of(names));
            return this;
        }

        public Builder reverseLookups(boolean allowed) {
            reverseLookups = allowed;
            return this;
        }

        public Builder maxSockets(int n) {
            maxSockets = n;
            return this;
        }

        public Builder maxOutstandingCalls(int n) {
            maxOutstandingCalls = n;
            return this;
        }

        public Builder maxBufferedBytes(long n) {
            maxBufferedBytes = n;
            return this;
        }

        /** Throws IllegalArgumentException on a malformed rule or name, NullPointerException without an expiry. */
        public GrantClaims build() {
            return new GrantClaims(this);
        }
    }
}
