package dev.sockbridge.proxy.internal;

import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.SocketPolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import io.netty.resolver.DefaultHostsFileEntriesResolver;
import io.netty.resolver.ResolvedAddressTypes;

/**
 * The rule-based policy {@link SocketPolicy#builder()} makes (CIDR and port rules, lookup rules, the special ranges
 * every rule must name explicitly). Implementation: applications see it only as a {@link SocketPolicy}.
 */
public final class PolicyRules implements SocketPolicy {
    /** The hosts file, re-read when it changes (Netty's cache); read once on first use. */
    public static final DefaultHostsFileEntriesResolver HOSTS = new DefaultHostsFileEntriesResolver();
    public static final InetAddress LOOPBACK4;
    public static final InetAddress LOOPBACK6;
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

    public PolicyRules(List<Rule> connect, List<Rule> bind, List<String> lookupAllow, List<String> lookupDeny, boolean reverse,
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
        if (SocketPolicy.isLoopbackName(n)) {
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
        InetAddress n = SocketPolicy.normalize(address);
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

    public static String suffix(String s) {
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
        InetAddress n = SocketPolicy.normalize(orig);
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

    public static String[] split(String spec) {
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

    public static final class Rule {
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

        public static Rule parse(String cidr, String ports, boolean allow) {
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
