package dev.sockbridge.proxy;

import dev.sockbridge.proxy.internal.PolicyRules;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import io.netty.resolver.DefaultHostsFileEntriesResolver;
import io.netty.resolver.ResolvedAddressTypes;

/**
 * Decides where sessions may reach, where they may listen, and which names they may look up. The
 * proxy asks it with resolved, numeric addresses (after any name lookup), so a name can never
 * smuggle in a forbidden target.
 *
 * <ul>
 *   <li>{@link #checkConnect}: TCP connect, and UDP connect and sendto. UDP datagrams from a source
 *       that {@code checkConnect} would refuse are dropped on arrival.</li>
 *   <li>{@link #checkBind}: bind and listen (the local address and port).</li>
 *   <li>{@link #checkLookup}: getaddrinfo of a name, and connect or sendto given a name (the
 *       addresses it resolves to are then checked one by one with {@code checkConnect}: a connect to
 *       a name tries each address of the socket's family in order, skips the denied ones, and fails
 *       with EACCES only when all of them are denied).</li>
 *   <li>{@link #checkReverseLookup}: getnameinfo of an address without NI_NUMERICHOST.</li>
 *   <li>{@link #lookupLimits}: how many lookups a session, and the whole proxy, may make.</li>
 * </ul>
 *
 * <p>A denied connect, sendto, bind or listen fails with EACCES and the {@link Decision#reason()}; a
 * denied getaddrinfo fails with EAI_FAIL; a denied reverse lookup answers the numeric host (or
 * EAI_NONAME under NI_NAMEREQD), as if no name were known; a lookup over the rate fails with
 * EAI_AGAIN.
 *
 * <p><b>Address normalisation.</b> Every address is checked as the IPv4 address it carries, if it
 * carries one: IPv4-mapped ({@code ::ffff:a.b.c.d}), IPv4-translated ({@code ::ffff:0:a.b.c.d}),
 * IPv4-compatible ({@code ::a.b.c.d}, except {@code ::} and {@code ::1}), NAT64 well-known prefix
 * ({@code 64:ff9b::a.b.c.d}) and 6to4 ({@code 2002:aabb:ccdd::/48}) addresses. So an allow rule for
 * {@code ::/0} never admits {@code ::ffff:127.0.0.1}: only a rule for the IPv4 address can. A deny
 * rule matches either form. See {@link #normalize(InetAddress)}. The proxy normalises before it asks
 * any policy, its own implementations included.
 *
 * <p><b>Special addresses</b> are denied as targets (connect, sendto, received-from) unless an allow
 * rule <i>names them</i>, that is, a rule whose address range lies inside the special range (as
 * narrow or narrower); a broad rule such as {@code 0.0.0.0/0} or {@code ::/0} never admits them.
 * When ranges nest, the narrowest counts ({@code allowConnect("169.254.0.0/16", ...)} admits
 * link-local addresses but not 169.254.169.254). The ranges: unspecified ({@code 0.0.0.0/8},
 * {@code ::}); multicast ({@code 224.0.0.0/4}, {@code ff00::/8}); limited broadcast
 * ({@code 255.255.255.255}) and the reserved {@code 240.0.0.0/4}; link-local
 * ({@code 169.254.0.0/16}, {@code fe80::/10}); cloud metadata services ({@code 169.254.169.254},
 * {@code 169.254.170.2}, {@code fd00:ec2::254}, {@code 100.100.100.200}, {@code 168.63.129.16});
 * and IPv6 forms whose IPv4 address cannot be checked (Teredo {@code 2001::/32}, local-use NAT64
 * {@code 64:ff9b:1::/48}).
 *
 * <p><b>The default, {@link #loopbackOnly()}</b>: connect and sendto to loopback (127.0.0.0/8,
 * ::1) on unprivileged ports (1024-65535) only; bind and listen on loopback, on port 0 (the kernel
 * picks) or 1024-65535; lookups of {@code localhost}, names under {@code .localhost} (answered
 * without any query) and names the hosts file maps to loopback addresses only; no reverse lookups
 * (loopback addresses are answered "localhost" without a query); {@link LookupLimits#defaults()}.
 * Widening it is an explicit act (see {@link #builder()}), because an open relay to the internet or
 * to private ranges is what this proxy must never become by accident.
 *
 * <p><b>The proxy's own listeners</b> are never reachable, whatever the policy says: the proxy
 * denies connect, sendto and bind to the address and port of every listener it serves (a listener
 * on a wildcard address covers loopback and every address of the host), and to the addresses given
 * to {@link SockbridgeProxy#protectListener}.
 *
 * <p><b>Threading.</b> Called on event loops, concurrently for different sessions; must not block.
 * New methods are default methods, so implementations written for an older version keep compiling;
 * their defaults are the safe ones described on each method.
 */
public interface SocketPolicy {

    /** TCP connect, UDP connect and sendto, and the UDP receive filter; {@code target} is numeric and normalised. */
    Decision checkConnect(SessionInfo session, InetSocketAddress target, boolean udp);

    /** bind and listen; {@code local} is numeric and normalised (port 0: the kernel picks one). */
    Decision checkBind(SessionInfo session, InetSocketAddress local, boolean udp);

    /**
     * A forward lookup of {@code name} (lower case, no trailing dot, syntax already checked), before
     * any query is sent. Default: only {@link #isLoopbackName loopback names}.
     */
    default Decision checkLookup(SessionInfo session, String name) {
        return isLoopbackName(name) ? Decision.ALLOW
                : Decision.deny("policy denies lookup of " + name + " (only loopback names may be looked up)");
    }

    /**
     * A reverse (PTR) lookup of {@code address} (normalised), before any query is sent. Loopback
     * addresses are answered "localhost" without asking. Default: denied.
     */
    default Decision checkReverseLookup(SessionInfo session, InetAddress address) {
        return Decision.deny("policy denies reverse lookups");
    }

    /** Rates of name lookups (forward and reverse). Default: {@link LookupLimits#defaults()}. */
    default LookupLimits lookupLimits() {
        return LookupLimits.defaults();
    }

    /** The address an unbound UDP socket gets bound to before its first sendto. */
    default InetAddress autoBindAddress(boolean ipv6) {
        return ipv6 ? PolicyRules.LOOPBACK6 : PolicyRules.LOOPBACK4;
    }

    /** One line for the log, saying what this policy allows. */
    String describe();

    /**
     * The safe default: connect and sendto to loopback (127.0.0.0/8, ::1) on ports 1024-65535; bind
     * and listen on loopback on port 0 or 1024-65535; lookups of loopback names only; no reverse
     * lookups.
     */
    static SocketPolicy loopbackOnly() {
        return builder().allowConnect("127.0.0.0/8", UNPRIVILEGED).allowConnect("::1/128", UNPRIVILEGED)
                .allowBind("127.0.0.0/8", "0," + UNPRIVILEGED).allowBind("::1/128", "0," + UNPRIVILEGED).build();
    }

    /**
     * A grant's policy written in the rule language of signed tokens ({@link dev.sockbridge.proxy.auth.GrantClaims}):
     * connect and bind rules {@code CIDR[:PORTS][/tcp|/udp]} (IPv6 as {@code [CIDR]:PORTS}; without a protocol a
     * rule covers both), lookup names {@code *}, {@code .example.com} or an exact name, and whether reverse
     * lookups are allowed. It denies what no rule allows. For an authenticator's {@link SessionGrant}; the session
     * then runs under the proxy's policy and this one. Throws IllegalArgumentException on a malformed rule.
     */
    static SocketPolicy ofGrantRules(java.util.List<String> connect, java.util.List<String> bind,
                                     java.util.List<String> lookupNames, boolean reverseLookups) {
        return dev.sockbridge.proxy.auth.internal.GrantPolicy.of(connect, bind, lookupNames, reverseLookups);
    }

    /** The port range of the default rules: every port but the privileged ones (below 1024). */
    String UNPRIVILEGED = "1024-65535";

    static Builder builder() {
        return new Builder();
    }

    /**
     * The IPv4 address {@code a} carries (IPv4-mapped, IPv4-translated, IPv4-compatible, NAT64
     * {@code 64:ff9b::/96}, 6to4 {@code 2002::/16}), or {@code a} itself. Policies are asked with the
     * result, so a rule about an IPv4 address holds for every IPv6 spelling of it.
     */
    static InetAddress normalize(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length != 16) {
            return a;
        }
        int from = -1;
        if (zero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
            from = 12; // ::ffff:a.b.c.d
        } else if (zero(b, 0, 8) && (b[8] & 0xff) == 0xff && (b[9] & 0xff) == 0xff && zero(b, 10, 12)) {
            from = 12; // ::ffff:0:a.b.c.d
        } else if (zero(b, 0, 12) && !(zero(b, 12, 15) && (b[15] & 0xff) <= 1)) {
            from = 12; // ::a.b.c.d (but not :: or ::1)
        } else if (b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b && zero(b, 4, 12)) {
            from = 12; // 64:ff9b::a.b.c.d
        } else if (b[0] == 0x20 && b[1] == 0x02) {
            from = 2; // 2002:aabb:ccdd::/48
        }
        if (from < 0) {
            return a;
        }
        try {
            return InetAddress.getByAddress(new byte[] {b[from], b[from + 1], b[from + 2], b[from + 3]});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** {@link #normalize(InetAddress)} of a socket address (unresolved ones unchanged). */
    static InetSocketAddress normalize(InetSocketAddress a) {
        if (a == null || a.isUnresolved()) {
            return a;
        }
        InetAddress n = normalize(a.getAddress());
        return n == a.getAddress() ? a : new InetSocketAddress(n, a.getPort());
    }

    private static boolean zero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * True for names that can only mean this host: {@code localhost}, names under
     * {@code .localhost} (RFC 6761; the proxy answers them with loopback addresses and sends no
     * query), and names the hosts file maps to loopback addresses only.
     */
    static boolean isLoopbackName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) {
            n = n.substring(0, n.length() - 1);
        }
        if (n.equals("localhost") || n.endsWith(".localhost")) {
            return true;
        }
        List<InetAddress> hosts = PolicyRules.HOSTS.addresses(n, ResolvedAddressTypes.IPV4_PREFERRED);
        if (hosts == null || hosts.isEmpty()) {
            return false;
        }
        for (InetAddress a : hosts) {
            if (!isLoopback(a)) {
                return false;
            }
        }
        return true;
    }

    /**
     * How many name lookups are allowed: token buckets per session and for the whole proxy (the
     * proxy's own policy sets the global one; the session's policy its own), and a cap on lookups
     * in flight per session. A lookup over any of them fails at once with EAI_AGAIN and sends no
     * query. Numeric hosts and loopback names answered without a query are not counted.
     *
     * @param perSecond         lookups a session may start per second, on average
     * @param burst             lookups a session may start at once after a quiet period
     * @param inFlight          lookups of a session waiting for an answer at once
     * @param globalPerSecond   lookups all sessions together may start per second, on average
     * @param globalBurst       lookups all sessions together may start at once
     */
    record LookupLimits(double perSecond, int burst, int inFlight, double globalPerSecond, int globalBurst) {
        public LookupLimits {
            if (!(perSecond > 0) || burst < 1 || inFlight < 1 || !(globalPerSecond > 0) || globalBurst < 1) {
                throw new IllegalArgumentException("lookup limits must be positive: " + perSecond + "/s burst " + burst
                        + ", " + inFlight + " in flight, global " + globalPerSecond + "/s burst " + globalBurst);
            }
        }

        /** 10 per second with bursts of 20 per session, 8 in flight per session; 200 per second with bursts of 400 in all. */
        public static LookupLimits defaults() {
            return new LookupLimits(10, 20, 8, 200, 400);
        }

        @Override
        public String toString() {
            return perSecond + "/s burst " + burst + " (" + inFlight + " in flight) per session, " + globalPerSecond
                    + "/s burst " + globalBurst + " in all";
        }
    }

    /** Allowed, or denied with a reason the client reads. */
    record Decision(boolean allowed, String reason) {
        public static final Decision ALLOW = new Decision(true, "");

        public static Decision deny(String reason) {
            return new Decision(false, reason);
        }
    }

    /**
     * Rules of the form CIDR + port range, e.g. {@code allowConnect("10.1.0.0/16", "80,443,8000-8100")},
     * and name suffix rules, e.g. {@code allowLookup("game.example")}. Deny rules win over allow
     * rules; anything matching no allow rule is denied. A new builder allows nothing: no target, no
     * bind, no lookup but of loopback names, no reverse lookup.
     *
     * <p>Port lists: {@code *} means every port (0-65535), so it admits privileged ports too.
     * Special addresses (see {@link SocketPolicy}) need a rule naming them.
     */
    final class Builder {
        private final List<PolicyRules.Rule> connect = new ArrayList<>();
        private final List<PolicyRules.Rule> bind = new ArrayList<>();
        private final List<String> lookupAllow = new ArrayList<>();
        private final List<String> lookupDeny = new ArrayList<>();
        private boolean reverse;
        private LookupLimits lookupLimits = LookupLimits.defaults();

        public Builder allowConnect(String cidr, String ports) {
            connect.add(PolicyRules.Rule.parse(cidr, ports, true));
            return this;
        }

        public Builder denyConnect(String cidr, String ports) {
            connect.add(PolicyRules.Rule.parse(cidr, ports, false));
            return this;
        }

        public Builder allowBind(String cidr, String ports) {
            bind.add(PolicyRules.Rule.parse(cidr, ports, true));
            return this;
        }

        public Builder denyBind(String cidr, String ports) {
            bind.add(PolicyRules.Rule.parse(cidr, ports, false));
            return this;
        }

        /** Parses "CIDR[:PORTS]" or "[v6CIDR]:PORTS"; used by the command line. */
        public Builder allowConnect(String spec) {
            String[] cp = PolicyRules.split(spec);
            return allowConnect(cp[0], cp[1]);
        }

        public Builder allowBind(String spec) {
            String[] cp = PolicyRules.split(spec);
            return allowBind(cp[0], cp[1]);
        }

        /**
         * Allows forward lookups of {@code suffix} and every name under it: {@code "game.example"}
         * admits {@code game.example} and {@code eu.game.example}, not {@code evilgame.example}.
         * {@code "*"} admits every name. Loopback names are always allowed.
         */
        public Builder allowLookup(String suffix) {
            lookupAllow.add(PolicyRules.suffix(suffix));
            return this;
        }

        /** Denies forward lookups of {@code suffix} and every name under it; wins over allowLookup. */
        public Builder denyLookup(String suffix) {
            lookupDeny.add(PolicyRules.suffix(suffix));
            return this;
        }

        /**
         * Allows reverse (PTR) lookups of addresses an allow-connect rule covers (on any port) and
         * no deny rule covers on every port; special addresses need a rule naming them, as for
         * connect.
         */
        public Builder allowReverseLookup() {
            reverse = true;
            return this;
        }

        public Builder lookupLimits(LookupLimits l) {
            lookupLimits = java.util.Objects.requireNonNull(l);
            return this;
        }

        public SocketPolicy build() {
            return new PolicyRules(List.copyOf(connect), List.copyOf(bind), List.copyOf(lookupAllow), List.copyOf(lookupDeny),
                    reverse, lookupLimits);
        }
    }


    /** True for 127.0.0.0/8 and ::1, in any spelling {@link #normalize} unpacks. */
    static boolean isLoopback(InetAddress a) {
        InetAddress n = normalize(a);
        byte[] b = n.getAddress();
        return n.isLoopbackAddress() || (b.length == 4 && b[0] == 127);
    }
}
