package dev.sockbridge.proxy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Decides where sessions may reach and where they may listen. The proxy asks it with resolved,
 * numeric addresses (after any name lookup), so a name can never smuggle in a forbidden target.
 *
 * <ul>
 *   <li>{@link #checkConnect}: TCP connect, and UDP connect and sendto. UDP datagrams from a source
 *       that {@code checkConnect} would refuse are dropped on arrival.</li>
 *   <li>{@link #checkBind}: bind and listen (the local address and port).</li>
 * </ul>
 *
 * <p>A denied call fails with EACCES and the {@link Decision#reason()}. The default,
 * {@link #loopbackOnly()}, allows loopback targets and loopback binds only; widening it is an
 * explicit act (see {@link #builder()}), because an open relay to the internet or to private ranges
 * is what this proxy must never become by accident.
 *
 * <p><b>Threading.</b> Called on event loops, concurrently for different sessions; must not block.
 */
public interface SocketPolicy {

    Decision checkConnect(SessionInfo session, InetSocketAddress target, boolean udp);

    Decision checkBind(SessionInfo session, InetSocketAddress local, boolean udp);

    /** The address an unbound UDP socket gets bound to before its first sendto. */
    default InetAddress autoBindAddress(boolean ipv6) {
        return ipv6 ? Rules.LOOPBACK6 : Rules.LOOPBACK4;
    }

    /** One line for the log, saying what this policy allows. */
    String describe();

    /** The safe default: connect, send to, bind and listen on loopback (127.0.0.0/8, ::1) only. */
    static SocketPolicy loopbackOnly() {
        return builder().allowConnect("127.0.0.0/8", "*").allowConnect("::1/128", "*")
                .allowBind("127.0.0.0/8", "*").allowBind("::1/128", "*").build();
    }

    static Builder builder() {
        return new Builder();
    }

    /** Allowed, or denied with a reason the client reads. */
    record Decision(boolean allowed, String reason) {
        public static final Decision ALLOW = new Decision(true, "");

        public static Decision deny(String reason) {
            return new Decision(false, reason);
        }
    }

    /**
     * Rules of the form CIDR + port range, e.g. {@code allowConnect("10.1.0.0/16", "80,443,8000-8100")}.
     * Deny rules win over allow rules; anything matching no allow rule is denied.
     */
    final class Builder {
        private final List<Rules.Rule> connect = new ArrayList<>();
        private final List<Rules.Rule> bind = new ArrayList<>();

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

        public SocketPolicy build() {
            return new Rules(List.copyOf(connect), List.copyOf(bind));
        }
    }

    /** The rule-based policy the builder makes. */
    final class Rules implements SocketPolicy {
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

        private final List<Rule> connect;
        private final List<Rule> bind;

        Rules(List<Rule> connect, List<Rule> bind) {
            this.connect = connect;
            this.bind = bind;
        }

        @Override
        public Decision checkConnect(SessionInfo s, InetSocketAddress target, boolean udp) {
            return check(connect, target, (udp ? "udp" : "tcp") + " to ");
        }

        @Override
        public Decision checkBind(SessionInfo s, InetSocketAddress local, boolean udp) {
            return check(bind, local, (udp ? "udp" : "tcp") + " bind/listen on ");
        }

        @Override
        public InetAddress autoBindAddress(boolean ipv6) {
            InetAddress any = wildcard(ipv6);
            return check(bind, new InetSocketAddress(any, 0), "").allowed() ? any : (ipv6 ? LOOPBACK6 : LOOPBACK4);
        }

        private static InetAddress wildcard(boolean ipv6) {
            try {
                return InetAddress.getByAddress(new byte[ipv6 ? 16 : 4]);
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }

        private static Decision check(List<Rule> rules, InetSocketAddress a, String what) {
            if (a.isUnresolved()) {
                return Decision.deny("policy checks numeric addresses only: " + a.getHostString());
            }
            boolean allowed = false;
            for (Rule r : rules) {
                if (r.matches(a.getAddress(), a.getPort())) {
                    if (!r.allow) {
                        return Decision.deny("policy denies " + what + fmt(a) + " (rule deny " + r + ")");
                    }
                    allowed = true;
                }
            }
            return allowed ? Decision.ALLOW : Decision.deny("policy denies " + what + fmt(a) + " (not in allow list)");
        }

        private static String fmt(InetSocketAddress a) {
            String h = a.getAddress().getHostAddress();
            return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
        }

        @Override
        public String describe() {
            return "connect/sendto " + connect + "; bind/listen " + bind;
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

            private Rule(byte[] net, int prefix, int[][] ports, boolean allow, String text) {
                this.net = net;
                this.prefix = prefix;
                this.ports = ports;
                this.allow = allow;
                this.text = text;
            }

            static Rule parse(String cidr, String ports, boolean allow) {
                String c = cidr.trim();
                int slash = c.indexOf('/');
                String host = slash < 0 ? c : c.substring(0, slash);
                InetAddress a;
                try {
                    if (!host.matches("[0-9a-fA-F:.]+") || host.isEmpty()) {
                        throw new IllegalArgumentException("not a numeric address: " + host);
                    }
                    a = InetAddress.getByName(host);
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException("bad address in rule: " + cidr, e);
                }
                byte[] b = a.getAddress();
                int max = b.length * 8;
                int prefix = slash < 0 ? max : Integer.parseInt(c.substring(slash + 1));
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
                return new Rule(b, prefix, pr.toArray(new int[0][]), allow, c + (ports.equals("*") ? "" : ":" + ports));
            }

            private static int port(String s) {
                int v = Integer.parseInt(s.trim());
                if (v < 0 || v > 65535) {
                    throw new IllegalArgumentException("port out of range: " + s);
                }
                return v;
            }

            boolean matches(InetAddress addr, int port) {
                byte[] b = addr.getAddress();
                if (b.length == 16 && net.length == 4 && isV4Mapped(b)) {
                    byte[] v4 = new byte[4];
                    System.arraycopy(b, 12, v4, 0, 4);
                    b = v4;
                }
                if (b.length != net.length) {
                    return false;
                }
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
                for (int[] r : ports) {
                    if (port >= r[0] && port <= r[1]) {
                        return true;
                    }
                }
                return false;
            }

            private static boolean isV4Mapped(byte[] b) {
                for (int i = 0; i < 10; i++) {
                    if (b[i] != 0) {
                        return false;
                    }
                }
                return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
            }

            @Override
            public String toString() {
                return text;
            }
        }
    }

    /** True for 127.0.0.0/8, ::1 and v4-mapped 127.0.0.0/8. */
    static boolean isLoopback(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 16 && b[10] == (byte) 0xff && b[11] == (byte) 0xff && java.util.Arrays.equals(b, 0, 10, new byte[10], 0, 10)) {
            return b[12] == 127;
        }
        return a.isLoopbackAddress() || (a instanceof Inet4Address && b[0] == 127);
    }
}
