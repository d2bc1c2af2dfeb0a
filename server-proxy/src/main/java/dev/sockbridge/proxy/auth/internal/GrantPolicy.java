package dev.sockbridge.proxy.auth.internal;

import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.SocketPolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A session grant's own policy: connect and bind rules per protocol (SocketPolicy.Rules does not tell
 * TCP from UDP, and a grant such as "10.1.2.3:7778/udp" must not open TCP to that port), plus the
 * name-lookup rights the grant carries.
 *
 * <p>Its lookup checks override {@link SocketPolicy}'s; the session runs under the proxy's policy and this one
 * (internal GrantPolicy of the proxy), so a lookup needs both.
 */
public final class GrantPolicy implements SocketPolicy {
    private final SocketPolicy tcpConnect;
    private final SocketPolicy udpConnect;
    private final SocketPolicy tcpBind;
    private final SocketPolicy udpBind;
    private final boolean udpBeyondLoopback;
    private final List<String> lookupNames;
    private final boolean reverseLookups;
    private final String text;

    private GrantPolicy(List<String> connect, List<String> bind, List<String> lookupNames, boolean reverseLookups) {
        SocketPolicy.Builder tc = SocketPolicy.builder();
        SocketPolicy.Builder uc = SocketPolicy.builder();
        SocketPolicy.Builder tb = SocketPolicy.builder();
        SocketPolicy.Builder ub = SocketPolicy.builder();
        boolean wide = false;
        for (String r : connect) {
            Rule p = Rule.parse(r);
            if (p.tcp) {
                tc.allowConnect(p.spec);
            }
            if (p.udp) {
                uc.allowConnect(p.spec);
                wide |= !p.spec.startsWith("127.") && !p.spec.startsWith("[::1");
            }
        }
        for (String r : bind) {
            Rule p = Rule.parse(r);
            if (p.tcp) {
                tb.allowBind(p.spec);
            }
            if (p.udp) {
                ub.allowBind(p.spec);
            }
        }
        tcpConnect = tc.build();
        udpConnect = uc.build();
        tcpBind = tb.build();
        udpBind = ub.build();
        udpBeyondLoopback = wide;
        List<String> names = new ArrayList<>();
        for (String n : lookupNames) {
            names.add(normaliseName(n));
        }
        this.lookupNames = List.copyOf(names);
        this.reverseLookups = reverseLookups;
        text = "grant: connect " + connect + "; bind/listen " + bind + "; lookups "
                + (names.isEmpty() ? "none" : names) + (reverseLookups ? ", reverse" : "");
    }

    /**
     * Rules are {@code CIDR[:PORTS][/tcp|/udp]} (IPv6 as {@code [CIDR]:PORTS}); without a protocol a
     * rule covers both. Lookup names: {@code *} (any), {@code .example.com} (names under it), or an
     * exact name. Throws IllegalArgumentException on a malformed rule.
     */
    public static GrantPolicy of(List<String> connect, List<String> bind, List<String> lookupNames, boolean reverseLookups) {
        return new GrantPolicy(connect, bind, lookupNames, reverseLookups);
    }

    /** Checks one rule's syntax; throws IllegalArgumentException when it is malformed. */
    public static void validateRule(String rule) {
        Rule p = Rule.parse(rule);
        SocketPolicy.builder().allowConnect(p.spec);
    }

    /** Checks one lookup name's syntax. */
    public static void validateName(String name) {
        normaliseName(name);
    }

    @Override
    public Decision checkConnect(SessionInfo session, InetSocketAddress target, boolean udp) {
        return tagged((udp ? udpConnect : tcpConnect).checkConnect(session, target, udp));
    }

    @Override
    public Decision checkBind(SessionInfo session, InetSocketAddress local, boolean udp) {
        if (udp && local.getPort() == 0) {
            // the ephemeral port a UDP socket needs before its first sendto is not a listen right;
            // the proxy's own policy still decides the address
            return Decision.ALLOW;
        }
        return tagged((udp ? udpBind : tcpBind).checkBind(session, local, udp));
    }

    @Override
    public InetAddress autoBindAddress(boolean ipv6) {
        if (!udpBeyondLoopback) {
            return SocketPolicy.super.autoBindAddress(ipv6);
        }
        try {
            // a grant to reach 10.1.2.3/udp is useless from a socket bound to 127.0.0.1
            return InetAddress.getByAddress(new byte[ipv6 ? 16 : 4]);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Whether the session may resolve {@code name} (getaddrinfo, and connect or sendto to a name). */
    @Override
    public Decision checkLookup(SessionInfo session, String name) {
        String n;
        try {
            n = normaliseName(name);
        } catch (IllegalArgumentException e) {
            return Decision.deny("grant: bad name");
        }
        for (String rule : lookupNames) {
            if (rule.equals("*") || rule.equals(n) || (rule.startsWith(".") && n.endsWith(rule))) {
                return Decision.ALLOW;
            }
        }
        return Decision.deny("grant does not allow looking up " + n);
    }

    /** Whether the session may ask for the name of an address (getnameinfo). */
    @Override
    public Decision checkReverseLookup(SessionInfo session, InetAddress address) {
        return reverseLookups ? Decision.ALLOW : Decision.deny("grant does not allow reverse lookups");
    }

    public List<String> lookupNames() {
        return lookupNames;
    }

    public boolean reverseLookups() {
        return reverseLookups;
    }

    @Override
    public String describe() {
        return text;
    }

    private static Decision tagged(Decision d) {
        return d.allowed() ? d : Decision.deny("session grant: " + d.reason());
    }

    static String normaliseName(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        if (n.endsWith(".") && n.length() > 1) {
            n = n.substring(0, n.length() - 1);
        }
        if (n.isEmpty() || n.length() > 253 || !n.matches("\\*|\\.?[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?")) {
            throw new IllegalArgumentException("bad name rule: " + name);
        }
        return n;
    }

    private record Rule(String spec, boolean tcp, boolean udp) {
        static Rule parse(String rule) {
            if (rule == null) {
                throw new IllegalArgumentException("null rule");
            }
            String r = rule.strip();
            String lower = r.toLowerCase(Locale.ROOT);
            if (lower.endsWith("/tcp")) {
                return new Rule(check(r.substring(0, r.length() - 4)), true, false);
            }
            if (lower.endsWith("/udp")) {
                return new Rule(check(r.substring(0, r.length() - 4)), false, true);
            }
            return new Rule(check(r), true, true);
        }

        private static String check(String spec) {
            if (spec.isEmpty()) {
                throw new IllegalArgumentException("empty rule");
            }
            try {
                SocketPolicy.builder().allowConnect(spec);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("bad rule '" + spec + "': " + e.getMessage());
            }
            return spec;
        }
    }
}
