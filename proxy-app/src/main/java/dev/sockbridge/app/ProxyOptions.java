package dev.sockbridge.app;

import dev.sockbridge.proxy.ProxyLimits;
import dev.sockbridge.proxy.SessionLimits;
import dev.sockbridge.proxy.SocketPolicy;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The runnable proxy's settings, from flags ({@code --name value}) or a config file of the same
 * names ({@code name=value} lines, repeated keys as comma-separated lists). Flags win over the file.
 */
final class ProxyOptions {
    /** name, argument, help: every option, in the order {@code --help} prints them. */
    static final String[][] OPTIONS = {
        {"config", "FILE", "read options from FILE (name=value lines, same names as the flags)"},
        {"listen", "HOST:PORT", "WebSocket (ws://) listener, default 127.0.0.1:8080; serves /sockbridge, /emscripten, /websockify, /websockify-udp, the demo page, and at / (any other path too) all three by subprotocol: sockbridge.v1, binary or base64 (the bridge), none (Emscripten's POSIX proxy)"},
        {"tls-listen", "HOST:PORT", "secure WebSocket (wss://) listener, off unless given"},
        {"tls-cert", "FILE", "PEM certificate chain for wss:// (with --tls-key)"},
        {"tls-key", "FILE", "PEM private key (PKCS#8) for wss://"},
        {"tls-self-signed", "", "make a self-signed certificate at start for wss:// (development only)"},
        {"webtransport-listen", "HOST:PORT", "WebTransport (HTTP/3) listener on UDP, off unless given; certificate from --tls-cert/--tls-key or self-signed (hash at /webtransport.json)"},
        {"quic-listen", "HOST:PORT", "raw QUIC listener for native clients on UDP, off unless given"},
        {"allow", "CIDR[:PORTS]", "allow connect/sendto to these targets (repeatable); replaces the loopback-only default"},
        {"deny", "CIDR[:PORTS]", "deny connect/sendto to these targets (repeatable; wins over allow)"},
        {"allow-bind", "CIDR[:PORTS]", "allow bind/listen on these local addresses (repeatable); default loopback"},
        {"origin", "ORIGIN", "also allow browser pages from this Origin (repeatable; '*' = every web site); default: only the proxy's own pages, and clients that send no Origin (native)"},
        {"allowed-host", "NAME", "a name clients may use in the Host header (WebTransport: :authority) besides IP literals and localhost (repeatable; '*' = any); others get HTTP 421 (DNS rebinding)"},
        {"admin-listen", "HOST:PORT", "admin listener (HTTP) for /stats, /live and /ready (503 while draining), default 127.0.0.1:0 (a free port, printed at start); keep it off the internet"},
        {"drain-timeout", "DURATION", "on SIGTERM, how long open sessions get to finish after being told the proxy is going away, before the rest are closed with 1001 (e.g. 30s, 500ms, 2m; default 30s)"},
        {"allow-lookup", "SUFFIX", "sessions may resolve names ending in SUFFIX (repeatable; '*' = every name); default: loopback names only"},
        {"allow-reverse-lookup", "", "sessions may ask getnameinfo for names of addresses they may reach (default: numeric answers only)"},
        {"name-server", "HOST:PORT", "ask this DNS server instead of /etc/resolv.conf's"},
        {"max-sessions", "N", "sessions in total (default 10000); more get HTTP 503 or close code 1013"},
        {"max-native-channels", "N", "native sockets in total (default 50000; fewer if the descriptor limit is lower, 256 kept back)"},
        {"max-sessions-per-address", "N", "sessions per client address, an IPv6 client by its /64 (default 256)"},
        {"new-sessions-per-second", "N", "new sessions per second per client address (default 100, bursts of twice that)"},
        {"max-sockets", "N", "open sockets per session (default 256)"},
        {"max-outstanding", "N", "calls in flight per session (default 1024)"},
        {"max-buffered", "BYTES", "bytes buffered per session (default 16777216)"},
        {"max-frame", "BYTES", "largest message (default 1048576)"},
        {"idle-timeout", "SECONDS", "close WebSocket sessions after this long with nothing received, pongs included (default 300; 0 = never)"},
        {"ping-interval", "SECONDS", "WebSocket ping interval (default 30; 0 = off)"},
        {"bridge-target", "HOST:PORT", "websockify bridge: the fixed target of /websockify (TCP), /websockify-udp (UDP) and / (as websockify 127.0.0.1:8080 HOST:PORT); a udp:// or tcp:// prefix says the kind"},
        {"bridge-udp", "", "the bridge at / (subprotocol binary or base64) carries UDP datagrams, one per message, instead of TCP (the handshake cannot tell)"},
        {"bridge-tokens", "FILE", "websockify bridge: token file ('token: host:port' lines); the URL ?token=T picks the target"},
        {"bridge-url-targets", "", "websockify bridge: take the target from the URL (?target=HOST:PORT), still under the policy (development)"},
        {"auth-token-key", "FILE", "admit sessions with signed tokens (?token=, Authorization: Bearer, WebSocket subprotocol sockbridge.token.TOKEN) verified with the key in FILE: an HMAC-SHA256 key (base64 line) or an Ed25519 public key (PEM); repeatable. MintToken makes keys and tokens"},
        {"auth-hmac-key", "FILE", "admit sessions with tokens signed by this HMAC-SHA256 key (base64 line, >= 32 bytes; repeatable for rotation)"},
        {"auth-ed25519-public-key", "FILE", "admit sessions with tokens signed by the Ed25519 key whose public half is in FILE (PEM; repeatable)"},
        {"auth-clock-skew", "SECONDS", "allowance for token expiry/not-before against this clock (default 60)"},
        {"auth-token-file", "FILE", "admit sessions whose token is listed in FILE ('token: host:port' lines), to that target only"},
        {"auth-client-ca", "FILE", "admit TLS clients (wss, QUIC) whose certificate chains to a CA in FILE (PEM, one or more); wss and QUIC then ask clients for certificates"},
        {"auth-client-pin", "SHA256", "admit TLS clients (wss, QUIC) presenting the certificate with this SHA-256 fingerprint (hex; repeatable); TLS then asks for any client certificate and the authenticator checks pins and --auth-client-ca"},
        {"static", "DIR", "serve this folder at / (default: the bundled browser client and demo page)"},
        {"threads", "N", "event loop threads (default: number of cores)"},
        {"demo", "", "also start native TCP and UDP echo servers on 127.0.0.1 for the demo page and demo client; with an HMAC token key on loopback listeners, /demo-token plays the game backend and mints the page a token"},
        {"help", "", "print this help and exit"},
    };

    final Map<String, List<String>> values = new LinkedHashMap<>();

    static ProxyOptions parse(String[] args) throws IOException {
        ProxyOptions o = new ProxyOptions();
        Map<String, List<String>> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "' (see --help)");
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq > 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            String[] spec = spec(name);
            if (value == null) {
                if (spec[1].isEmpty()) {
                    value = "true";
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new IllegalArgumentException("--" + name + " needs " + spec[1]);
                }
            }
            flags.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        if (flags.containsKey("config")) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(Path.of(flags.get("config").get(0)))) {
                p.load(r);
            }
            for (String k : p.stringPropertyNames()) {
                spec(k);
                List<String> vs = new ArrayList<>();
                for (String v : p.getProperty(k).split(",")) {
                    vs.add(v.trim());
                }
                o.values.put(k, vs);
            }
        }
        o.values.putAll(flags);
        return o;
    }

    private static String[] spec(String name) {
        for (String[] s : OPTIONS) {
            if (s[0].equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown option --" + name + " (see --help)");
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String get(String name, String def) {
        List<String> v = values.get(name);
        return v == null || v.isEmpty() ? def : v.get(v.size() - 1);
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    int getInt(String name, int def) {
        return Integer.parseInt(get(name, String.valueOf(def)));
    }

    /** --drain-timeout: a number with a unit (ms, s, m), or plain seconds. */
    java.time.Duration drainTimeout() {
        return duration("drain-timeout", get("drain-timeout", "30s"));
    }

    static java.time.Duration duration(String name, String v) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})\\s*(ms|s|m)?").matcher(v.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("--" + name + ": '" + v + "' is not a duration (e.g. 30s, 500ms, 2m)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return unit.equals("ms") ? java.time.Duration.ofMillis(n)
                : unit.equals("m") ? java.time.Duration.ofMinutes(n) : java.time.Duration.ofSeconds(n);
    }

    SocketPolicy policy() {
        if (!has("allow") && !has("deny") && !has("allow-bind") && !has("allow-lookup") && !has("allow-reverse-lookup")) {
            return SocketPolicy.loopbackOnly();
        }
        SocketPolicy.Builder b = SocketPolicy.builder();
        for (String s : all("allow-lookup")) {
            b.allowLookup(s);
        }
        if (has("allow-reverse-lookup")) {
            b.allowReverseLookup();
        }
        // what is not named keeps the default: loopback, unprivileged ports
        List<String> allow = has("allow") ? all("allow") : List.of("127.0.0.0/8:" + SocketPolicy.UNPRIVILEGED,
                "[::1/128]:" + SocketPolicy.UNPRIVILEGED);
        for (String s : allow) {
            b.allowConnect(s);
        }
        for (String s : all("deny")) {
            String[] cp = splitSpec(s);
            b.denyConnect(cp[0], cp[1]);
        }
        List<String> bind = has("allow-bind") ? all("allow-bind") : List.of("127.0.0.0/8:0," + SocketPolicy.UNPRIVILEGED,
                "[::1/128]:0," + SocketPolicy.UNPRIVILEGED);
        for (String s : bind) {
            b.allowBind(s);
        }
        return b.build();
    }

    private static String[] splitSpec(String s) {
        String t = s.trim();
        if (t.startsWith("[")) {
            int c = t.indexOf(']');
            String rest = t.substring(c + 1);
            return new String[] {t.substring(1, c), rest.startsWith(":") ? rest.substring(1) : "*"};
        }
        int colon = t.indexOf(':');
        if (colon < 0 || t.indexOf(':', colon + 1) >= 0) {
            return new String[] {t, "*"};
        }
        return new String[] {t.substring(0, colon), t.substring(colon + 1)};
    }

    ProxyLimits proxyLimits() {
        ProxyLimits d = ProxyLimits.defaults();
        return d.withMaxSessions(getInt("max-sessions", d.maxSessions()))
                .withMaxNativeChannels(getInt("max-native-channels", d.maxNativeChannels()))
                .withMaxSessionsPerAddress(getInt("max-sessions-per-address", d.maxSessionsPerAddress()))
                .withNewSessionsPerSecondPerAddress(getInt("new-sessions-per-second", d.newSessionsPerSecondPerAddress()));
    }

    SessionLimits limits() {
        SessionLimits d = SessionLimits.defaults();
        return new SessionLimits(getInt("max-sockets", d.maxSockets()), getInt("max-outstanding", d.maxOutstandingCalls()),
                Long.parseLong(get("max-buffered", String.valueOf(d.maxBufferedBytes()))), d.socketReceiveBuffer(),
                getInt("max-frame", d.maxFrameSize()));
    }

    static String help() {
        StringBuilder sb = new StringBuilder();
        sb.append("Sockbridge proxy: POSIX socket calls from browsers and WebAssembly, executed on native TCP/UDP.\n\n");
        sb.append("Usage: scripts/proxy.sh [options]\n\n");
        sb.append("Safe by default: listens on 127.0.0.1 only, and sessions may reach loopback targets only.\n\n");
        for (String[] s : OPTIONS) {
            String left = "  --" + s[0] + (s[1].isEmpty() ? "" : " " + s[1]);
            sb.append(left).append(" ".repeat(Math.max(2, 34 - left.length()))).append(s[2]).append('\n');
        }
        return sb.toString();
    }
}
