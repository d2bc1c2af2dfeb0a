package dev.sockbridge.proxy;

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
        return ipv6 ? Rules.LOOPBACK6 : Rules.LOOPBACK4;
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
        List<InetAddress> hosts = Rules.HOSTS.addresses(n, ResolvedAddressTypes.IPV4_PREFERRED);
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
        private final List<Rules.Rule> connect = new ArrayList<>();
        private final List<Rules.Rule> bind = new ArrayList<>();
        private final List<String> lookupAllow = new ArrayList<>();
        private final List<String> lookupDeny = new ArrayList<>();
        private boolean reverse;
        private LookupLimits lookupLimits = LookupLimits.defaults();

        public Builder allowConnect(String cidr, String ports) {
            connect.add(Rules.Rule.parse(cidr, ports, true));
            return this;
        }

        public Builder denyConnect(String cidr, String ports) {
            connect.add(Rules.Rule.parse(cidr, ports, false));
            return this;
        }

        public Builder allowBind(String cidr, String ports) {
            bind.add(Rules.Rule.parse(cidr, ports, true));
            return this;
        }

        public Builder denyBind(String cidr, String ports) {
            bind.add(Rules.Rule.parse(cidr, ports, false));
            return this;
        }

        /** Parses "CIDR[:PORTS]" or "[v6CIDR]:PORTS"; used by the command line. */
        public Builder allowConnect(String spec) {
            String[] cp = Rules.split(spec);
            return allowConnect(cp[0], cp[1]);
        }

        public Builder allowBind(String spec) {
            String[] cp = Rules.split(spec);
            return allowBind(cp[0], cp[1]);
        }

        /**
         * Allows forward lookups of {@code suffix} and every name under it: {@code "game.example"}
         * admits {@code game.example} and {@code eu.game.example}, not {@code evilgame.example}.
         * {@code "*"} admits every name. Loopback names are always allowed.
         */
        public Builder allowLookup(String suffix) {
            lookupAllow.add(Rules.suffix(suffix));
            return this;
        }

        /** Denies forward lookups of {@code suffix} and every name under it; wins over allowLookup. */
        public Builder denyLookup(String suffix) {
            lookupDeny.add(Rules.suffix(suffix));
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
            return new Rules(List.copyOf(connect), List.copyOf(bind), List.copyOf(lookupAllow), List.copyOf(lookupDeny),
                    reverse, lookupLimits);
        }
    }

    /** The rule-based policy the builder makes. */
    final class Rules implements SocketPolicy {
        /** The hosts file, re-read when it changes (Netty's cache); read once on first use. */
        static final DefaultHostsFileEntriesResolver HOSTS = new DefaultHostsFileEntriesResolver();
        static final InetAddress LOOPBACK4;
        static final InetAddress LOOPBACK6;
        static {
            try {
                LOOPBACK4 = InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
                LOOPBACK6 = InetAddress.getByAddress("localhost", new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
            } catch (UnknownHostException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** Special ranges, narrowest first within each family: a target in one needs a rule inside it. */
        private static final List<Rule> SPECIAL = List.of(
                special("169.254.169.254/32", "cloud metadata"), special("169.254.170.2/32", "cloud metadata"),
                special("100.100.100.200/32", "cloud metadata"), special("168.63.129.16/32", "cloud metadata"),
                special("fd00:ec2::254/128", "cloud metadata"),
                special("255.255.255.255/32", "broadcast"),
                special("::/128", "unspecified"),
                special("169.254.0.0/16", "link-local"), special("fe80::/10", "link-local"),
                special("64:ff9b:1::/48", "local-use NAT64 (carries an IPv4 address)"),
                special("2001::/32", "Teredo (carries an IPv4 address)"),
                special("0.0.0.0/8", "unspecified"),
                special("224.0.0.0/4", "multicast"), special("ff00::/8", "multicast"),
                special("240.0.0.0/4", "reserved"));

        private static Rule special(String cidr, String kind) {
            return Rule.parse(cidr, "*", false, kind);
        }

        private final List<Rule> connect;
        private final List<Rule> bind;
        private final List<String> lookupAllow;
        private final List<String> lookupDeny;
        private final boolean reverse;
        private final LookupLimits lookupLimits;

        Rules(List<Rule> connect, List<Rule> bind, List<String> lookupAllow, List<String> lookupDeny, boolean reverse,
              LookupLimits lookupLimits) {
            this.connect = connect;
            this.bind = bind;
            this.lookupAllow = lookupAllow;
            this.lookupDeny = lookupDeny;
            this.reverse = reverse;
            this.lookupLimits = lookupLimits;
        }

        @Override
        public Decision checkConnect(SessionInfo s, InetSocketAddress target, boolean udp) {
            return check(connect, target, (udp ? "udp" : "tcp") + " to ", true);
        }

        @Override
        public Decision checkBind(SessionInfo s, InetSocketAddress local, boolean udp) {
            return check(bind, local, (udp ? "udp" : "tcp") + " bind/listen on ", false);
        }

        @Override
        public Decision checkLookup(SessionInfo s, String name) {
            String n = name.toLowerCase(Locale.ROOT);
            for (String d : lookupDeny) {
                if (under(n, d)) {
                    return Decision.deny("policy denies lookup of " + n + " (rule deny-lookup " + d + ")");
                }
            }
            if (isLoopbackName(n)) {
                return Decision.ALLOW;
            }
            for (String a : lookupAllow) {
                if (under(n, a)) {
                    return Decision.ALLOW;
                }
            }
            return Decision.deny("policy denies lookup of " + n + " (not in lookup allow list)");
        }

        @Override
        public Decision checkReverseLookup(SessionInfo s, InetAddress address) {
            if (!reverse) {
                return Decision.deny("policy denies reverse lookups");
            }
            InetAddress n = normalize(address);
            Rule sp = specialRange(n);
            boolean allowed = false;
            for (Rule r : connect) {
                if (!r.allow && r.coversAllPorts() && (r.matchesAddress(n) || r.matchesAddress(address))) {
                    return Decision.deny("policy denies reverse lookup of " + n.getHostAddress() + " (rule deny " + r + ")");
                }
                if (r.allow && r.matchesAddress(n) && (sp == null || r.within(sp))) {
                    allowed = true;
                }
            }
            return allowed ? Decision.ALLOW
                    : Decision.deny("policy denies reverse lookup of " + n.getHostAddress() + " (no connect rule allows it)");
        }

        @Override
        public LookupLimits lookupLimits() {
            return lookupLimits;
        }

        @Override
        public InetAddress autoBindAddress(boolean ipv6) {
            InetAddress any = wildcard(ipv6);
            return check(bind, new InetSocketAddress(any, 0), "", false).allowed() ? any : (ipv6 ? LOOPBACK6 : LOOPBACK4);
        }

        private static InetAddress wildcard(boolean ipv6) {
            try {
                return InetAddress.getByAddress(new byte[ipv6 ? 16 : 4]);
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }

        private static boolean under(String name, String suffix) {
            return suffix.equals("*") || name.equals(suffix) || name.endsWith("." + suffix);
        }

        static String suffix(String s) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            if (t.startsWith("*.")) {
                t = t.substring(2);
            } else if (t.startsWith(".")) {
                t = t.substring(1);
            }
            if (t.endsWith(".")) {
                t = t.substring(0, t.length() - 1);
            }
            if (t.isEmpty() || !(t.equals("*") || t.matches("[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*"))) {
                throw new IllegalArgumentException("not a name suffix: " + s);
            }
            return t;
        }

        /** The narrowest special range holding {@code a} (normalised), or null. */
        static Rule specialRange(InetAddress a) {
            for (Rule r : SPECIAL) {
                if (r.matchesAddress(a)) {
                    return r;
                }
            }
            return null;
        }

        private static Decision check(List<Rule> rules, InetSocketAddress a, String what, boolean target) {
            if (a.isUnresolved()) {
                return Decision.deny("policy checks numeric addresses only: " + a.getHostString());
            }
            InetAddress orig = a.getAddress();
            InetAddress n = normalize(orig);
            int port = a.getPort();
            String shown = fmt(n, port) + (n == orig ? "" : " (as " + fmt(orig, port) + ")");
            Rule sp = target ? specialRange(n) : null;
            boolean allowed = false;
            Rule tooBroad = null;
            for (Rule r : rules) {
                // a deny rule holds for either spelling of the address; an allow rule only for what it carries
                if (!r.allow && (r.matches(n, port) || r.matches(orig, port))) {
                    return Decision.deny("policy denies " + what + shown + " (rule deny " + r + ")");
                }
                if (r.allow && r.matches(n, port)) {
                    if (sp == null || r.within(sp)) {
                        allowed = true;
                    } else {
                        tooBroad = r;
                    }
                }
            }
            if (allowed) {
                return Decision.ALLOW;
            }
            if (tooBroad != null) {
                return Decision.deny("policy denies " + what + shown + " (" + sp.kind + " address: only a rule for "
                        + sp + " or narrower admits it, not " + tooBroad + ")");
            }
            return Decision.deny("policy denies " + what + shown + " (not in allow list)");
        }

        private static String fmt(InetAddress a, int port) {
            String h = a.getHostAddress();
            if (a instanceof java.net.Inet6Address && a.getAddress().length == 16 && h.indexOf('%') < 0) {
                h = io.netty.util.NetUtil.toAddressString(a);
            }
            return (h.contains(":") ? "[" + h + "]" : h) + ":" + port;
        }

        @Override
        public String describe() {
            return "connect/sendto " + connect + "; bind/listen " + bind + "; lookups of loopback names"
                    + (lookupAllow.isEmpty() ? "" : " and " + lookupAllow) + (lookupDeny.isEmpty() ? "" : " except " + lookupDeny)
                    + "; reverse lookups " + (reverse ? "of allowed addresses" : "off") + "; lookup rate " + lookupLimits
                    + "; special addresses (unspecified, multicast, broadcast, link-local, cloud metadata) only by rules naming them"
                    + "; IPv4 carried in IPv6 (mapped, compatible, NAT64, 6to4) checked as IPv4";
        }

        static String[] split(String spec) {
            String s = spec.trim();
            if (s.startsWith("[")) {
                int close = s.indexOf(']');
                String cidr = s.substring(1, close);
                String rest = s.substring(close + 1);
                return new String[] {cidr, rest.startsWith(":") ? rest.substring(1) : "*"};
            }
            int colon = s.indexOf(':');
            if (colon < 0 || s.indexOf(':', colon + 1) >= 0) {
                return new String[] {s, "*"};
            }
            return new String[] {s.substring(0, colon), s.substring(colon + 1)};
        }

        static final class Rule {
            final byte[] net;
            final int prefix;
            final int[][] ports;
            final boolean allow;
            final String text;
            final String kind;

            private Rule(byte[] net, int prefix, int[][] ports, boolean allow, String text, String kind) {
                this.net = net;
                this.prefix = prefix;
                this.ports = ports;
                this.allow = allow;
                this.text = text;
                this.kind = kind;
            }

            static Rule parse(String cidr, String ports, boolean allow) {
                return parse(cidr, ports, allow, null);
            }

            static Rule parse(String cidr, String ports, boolean allow, String kind) {
                String c = cidr.trim();
                int slash = c.indexOf('/');
                String host = slash < 0 ? c : c.substring(0, slash);
                if (host.isEmpty() || !host.matches("[0-9a-fA-F:.]+")) {
                    throw new IllegalArgumentException("not a numeric address: " + host);
                }
                byte[] b = io.netty.util.NetUtil.createByteArrayFromIpAddressString(host);
                if (b == null) {
                    throw new IllegalArgumentException("bad address in rule: " + cidr);
                }
                int max = b.length * 8;
                int prefix;
                try {
                    prefix = slash < 0 ? max : Integer.parseInt(c.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad prefix length in rule: " + cidr);
                }
                if (prefix < 0 || prefix > max) {
                    throw new IllegalArgumentException("bad prefix length in rule: " + cidr);
                }
                List<int[]> pr = new ArrayList<>();
                for (String p : ports.split(",")) {
                    String t = p.trim().toLowerCase(Locale.ROOT);
                    if (t.equals("*") || t.isEmpty()) {
                        pr.add(new int[] {0, 65535});
                    } else if (t.contains("-")) {
                        String[] lh = t.split("-");
                        pr.add(new int[] {port(lh[0]), port(lh[1])});
                    } else {
                        int v = port(t);
                        pr.add(new int[] {v, v});
                    }
                }
                return new Rule(b, prefix, pr.toArray(new int[0][]), allow, c + (ports.equals("*") ? "" : ":" + ports), kind);
            }

            private static int port(String s) {
                int v;
                try {
                    v = Integer.parseInt(s.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad port: " + s);
                }
                if (v < 0 || v > 65535) {
                    throw new IllegalArgumentException("port out of range: " + s);
                }
                return v;
            }

            /** Compares raw bytes: callers pass the normalised address (and, for deny rules, the original too). */
            boolean matches(InetAddress addr, int port) {
                if (!matchesAddress(addr)) {
                    return false;
                }
                for (int[] r : ports) {
                    if (port >= r[0] && port <= r[1]) {
                        return true;
                    }
                }
                return false;
            }

            boolean matchesAddress(InetAddress addr) {
                byte[] b = addr.getAddress();
                if (b.length != net.length) {
                    return false;
                }
                return samePrefix(b, net, prefix);
            }

            boolean coversAllPorts() {
                for (int[] r : ports) {
                    if (r[0] == 0 && r[1] == 65535) {
                        return true;
                    }
                }
                return false;
            }

            /** True if this rule's range lies inside {@code outer}'s: it names the special range or part of it. */
            boolean within(Rule outer) {
                return net.length == outer.net.length && prefix >= outer.prefix && samePrefix(net, outer.net, outer.prefix);
            }

            private static boolean samePrefix(byte[] b, byte[] net, int prefix) {
                int full = prefix / 8;
                for (int i = 0; i < full; i++) {
                    if (b[i] != net[i]) {
                        return false;
                    }
                }
                int rem = prefix % 8;
                if (rem != 0) {
                    int mask = (0xff << (8 - rem)) & 0xff;
                    if ((b[full] & mask) != (net[full] & mask)) {
                        return false;
                    }
                }
                return true;
            }

            @Override
            public String toString() {
                return text;
            }
        }
    }

    /** True for 127.0.0.0/8 and ::1, in any spelling {@link #normalize} unpacks. */
    static boolean isLoopback(InetAddress a) {
        InetAddress n = normalize(a);
        byte[] b = n.getAddress();
        return n.isLoopbackAddress() || (b.length == 4 && b[0] == 127);
    }
}
