package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.transport.EventLoops;
import dev.sockbridge.api.GaiError;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.message.AddrInfo;
import dev.sockbridge.proxy.spi.Result;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.SocketPolicy;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsPtrRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * getaddrinfo and getnameinfo on Netty's asynchronous DNS resolver (hosts file first, then DNS),
 * one resolver per event loop, so a lookup never blocks a thread.
 *
 * <p>Every lookup by name a session asks for ({@link #lookup}) passes, in this order and before
 * any query is sent: a syntax check, the policy's {@link SocketPolicy#checkLookup} (or
 * {@link SocketPolicy#checkReverseLookup}), the session's {@link LookupQuota} and the proxy-wide
 * one. Names under {@code localhost} are answered with loopback addresses and never queried.
 */
public final class Resolver {
    private static final Map<String, Integer> SERVICES = Map.ofEntries(
            Map.entry("ftp", 21), Map.entry("ssh", 22), Map.entry("telnet", 23), Map.entry("smtp", 25),
            Map.entry("domain", 53), Map.entry("http", 80), Map.entry("pop3", 110), Map.entry("ntp", 123),
            Map.entry("imap", 143), Map.entry("https", 443), Map.entry("imaps", 993), Map.entry("pop3s", 995));

    private final Map<EventLoop, DnsNameResolver> resolvers = new ConcurrentHashMap<>();
    private final LookupQuota global;
    private volatile InetSocketAddress nameServer;
    private volatile int queryTimeoutMillis = 3000;

    public Resolver(SocketPolicy.LookupLimits limits) {
        global = LookupQuota.global(limits);
    }

    private DnsNameResolver resolver(EventLoop loop) {
        return resolvers.computeIfAbsent(loop, l -> {
            DnsNameResolverBuilder b = new DnsNameResolverBuilder(l)
                    .datagramChannelType(EventLoops.datagramChannel(l))
                    .resolvedAddressTypes(ResolvedAddressTypes.IPV4_PREFERRED)
                    .queryTimeoutMillis(queryTimeoutMillis)
                    .maxQueriesPerResolve(4);
            InetSocketAddress ns = nameServer;
            if (ns != null) {
                b.nameServerProvider(new SingletonDnsServerAddressStreamProvider(ns)).searchDomains(List.of()).ndots(1);
            }
            return b.build();
        });
    }

    /**
     * Sends every query to {@code server} (no search domains) from now on, with this query timeout.
     * See {@code SockbridgeProxy.Builder.nameServer}. Not a stable API.
     */
    public void useNameServer(InetSocketAddress server, int queryTimeoutMillis) {
        this.nameServer = server;
        this.queryTimeoutMillis = queryTimeoutMillis;
        resolvers.values().forEach(DnsNameResolver::close);
        resolvers.clear();
    }

    /** Why a lookup was refused or failed: a getaddrinfo code, and whether the policy refused it. */
    public static final class LookupException extends Exception {
        private final int gaiCode;
        private final boolean denied;

        LookupException(int gaiCode, boolean denied, String reason) {
            super(reason, null, false, false);
            this.gaiCode = gaiCode;
            this.denied = denied;
        }

        public int gaiCode() {
            return gaiCode;
        }

        /** The policy refused the name: the caller answers EACCES (or EAI_FAIL) and counts a denied call. */
        public boolean denied() {
            return denied;
        }
    }

    private static final Pattern NAME = Pattern.compile(
            "[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*");

    /**
     * Resolves {@code host} for a session under its policy and quota: numeric hosts at once; names
     * if well formed, allowed by {@code policy} and within {@code quota} and the proxy-wide rate,
     * else {@code fail} gets a {@link LookupException} (no query sent). {@code ok} may get an empty
     * list. Callbacks run on {@code loop} or the caller's thread.
     */
    public void lookup(EventLoop loop, SessionInfo info, SocketPolicy policy, LookupQuota quota,
                       ProxyContext.HostLookup dns, String host, Consumer<List<InetAddress>> ok,
                       Consumer<Throwable> fail) {
        byte[] numeric = NetUtil.createByteArrayFromIpAddressString(host);
        if (numeric != null) {
            resolveHost(loop, host, ok, fail);
            return;
        }
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.length() > 253 || !NAME.matcher(name).matches()) {
            fail.accept(new LookupException(GaiError.EAI_NONAME, false, "not a host name: " + printable(host)));
            return;
        }
        SocketPolicy.Decision d = policy.checkLookup(info, name);
        if (!d.allowed()) {
            fail.accept(new LookupException(GaiError.EAI_FAIL, true, d.reason()));
            return;
        }
        if (name.equals("localhost") || name.endsWith(".localhost")) {
            ok.accept(List.of(loopback(false), loopback(true)));
            return;
        }
        String busy = start(quota);
        if (busy != null) {
            fail.accept(new LookupException(GaiError.EAI_AGAIN, false, "cannot resolve " + name + ": " + busy));
            return;
        }
        dns.resolve(loop, name, a -> {
            quota.done();
            global.done();
            ok.accept(a);
        }, t -> {
            quota.done();
            global.done();
            fail.accept(t);
        });
    }

    /** Counts a lookup against the session and the proxy; null if it may go, else why not. */
    private String start(LookupQuota quota) {
        String busy = quota.tryStart();
        if (busy != null) {
            return busy + " for this session";
        }
        String g = global.tryStart();
        if (g != null) {
            quota.refund();
            return g + " for the proxy";
        }
        return null;
    }

    private static String printable(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return t.replaceAll("[^\\x21-\\x7e]", "?");
    }

    private static InetAddress loopback(boolean v6) {
        byte[] b = new byte[v6 ? 16 : 4];
        if (v6) {
            b[15] = 1;
        } else {
            b[0] = 127;
            b[3] = 1;
        }
        try {
            return InetAddress.getByAddress("localhost", b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    void close() {
        resolvers.values().forEach(DnsNameResolver::close);
        resolvers.clear();
    }

    /** Resolves a host name to its addresses (numeric strings without a lookup). */
    public void resolveHost(EventLoop loop, String host, Consumer<List<InetAddress>> ok, Consumer<Throwable> fail) {
        byte[] numeric = NetUtil.createByteArrayFromIpAddressString(host);
        if (numeric != null) {
            try {
                ok.accept(List.of(InetAddress.getByAddress(numeric)));
            } catch (UnknownHostException e) {
                fail.accept(e);
            }
            return;
        }
        Future<List<InetAddress>> f = resolver(loop).resolveAll(host);
        f.addListener(x -> {
            if (f.isSuccess()) {
                ok.accept(f.getNow());
            } else {
                fail.accept(f.cause());
            }
        });
    }

    /** {@code denied} hears the reason when the policy refuses the name (the reply is then EAI_FAIL). */
    void getAddrInfo(EventLoop loop, SessionInfo info, SocketPolicy policy, LookupQuota quota, Request.GetAddrInfo r,
                     Consumer<Result> done, Consumer<String> denied) {
        int family = r.family();
        if (family != Posix.AF_UNSPEC && family != Posix.AF_INET && family != Posix.AF_INET6) {
            done.accept(new Result.Error(GaiError.EAI_FAMILY, "address family " + family + " not supported"));
            return;
        }
        int st = r.socktype();
        if (st != 0 && st != Posix.SOCK_STREAM && st != Posix.SOCK_DGRAM) {
            done.accept(new Result.Error(GaiError.EAI_SOCKTYPE, "socket type " + st + " not supported"));
            return;
        }
        int known = Posix.AI_PASSIVE | Posix.AI_CANONNAME | Posix.AI_NUMERICHOST | Posix.AI_V4MAPPED | Posix.AI_ALL
                | Posix.AI_ADDRCONFIG | Posix.AI_NUMERICSERV;
        if ((r.flags() & ~known) != 0) {
            done.accept(new Result.Error(GaiError.EAI_BADFLAGS, "unknown flags " + Integer.toHexString(r.flags())));
            return;
        }
        String host = r.host() == null || r.host().isEmpty() ? null : r.host();
        String service = r.service() == null || r.service().isEmpty() ? null : r.service();
        if (host == null && service == null) {
            done.accept(new Result.Error(GaiError.EAI_NONAME, "neither host nor service given"));
            return;
        }
        int port = 0;
        if (service != null) {
            if (service.chars().allMatch(Character::isDigit) && service.length() <= 5) {
                port = Integer.parseInt(service);
                if (port > 65535) {
                    done.accept(new Result.Error(GaiError.EAI_SERVICE, "port out of range: " + service));
                    return;
                }
            } else if ((r.flags() & Posix.AI_NUMERICSERV) != 0) {
                done.accept(new Result.Error(GaiError.EAI_NONAME, "service is not numeric: " + service));
                return;
            } else {
                Integer p = SERVICES.get(service.toLowerCase(Locale.ROOT));
                if (p == null) {
                    done.accept(new Result.Error(GaiError.EAI_SERVICE, "unknown service: " + service));
                    return;
                }
                port = p;
            }
        }
        final int fport = port;
        if (host == null) {
            boolean passive = (r.flags() & Posix.AI_PASSIVE) != 0;
            List<InetAddress> addrs = new ArrayList<>();
            try {
                addrs.add(InetAddress.getByAddress(passive ? new byte[4] : new byte[] {127, 0, 0, 1}));
                byte[] v6 = new byte[16];
                if (!passive) {
                    v6[15] = 1;
                }
                addrs.add(InetAddress.getByAddress(v6));
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
            done.accept(results(r, addrs, fport, null));
            return;
        }
        byte[] numeric = NetUtil.createByteArrayFromIpAddressString(host);
        if (numeric == null && (r.flags() & Posix.AI_NUMERICHOST) != 0) {
            done.accept(new Result.Error(GaiError.EAI_NONAME, "host is not numeric: " + host));
            return;
        }
        if (host.length() > 253) {
            done.accept(new Result.Error(GaiError.EAI_NONAME, "host name too long"));
            return;
        }
        lookup(loop, info, policy, quota, this::resolveHost, host, addrs -> {
            Result rep = results(r, addrs, fport, (r.flags() & Posix.AI_CANONNAME) != 0 ? host : null);
            done.accept(rep);
        }, err -> {
            if (err instanceof LookupException) {
                if (((LookupException) err).denied()) {
                    denied.accept(err.getMessage());
                }
                done.accept(new Result.Error(((LookupException) err).gaiCode(), err.getMessage()));
                return;
            }
            boolean timeout = err instanceof DnsNameResolverTimeoutException
                    || (err.getCause() instanceof DnsNameResolverTimeoutException);
            done.accept(new Result.Error(timeout ? GaiError.EAI_AGAIN : GaiError.EAI_NONAME,
                    "cannot resolve " + host + ": " + ErrnoMapper.reason(err)));
        });
    }

    private static Result results(Request.GetAddrInfo r, List<InetAddress> addrs, int port, String canon) {
        List<AddrInfo> out = new ArrayList<>();
        int[] types = r.socktype() == 0 ? new int[] {Posix.SOCK_STREAM, Posix.SOCK_DGRAM} : new int[] {r.socktype()};
        boolean wantV6Mapped = r.family() == Posix.AF_INET6 && (r.flags() & Posix.AI_V4MAPPED) != 0
                && addrs.stream().noneMatch(a -> a instanceof Inet6Address);
        for (InetAddress a : addrs) {
            InetAddress use = a;
            if (wantV6Mapped && a instanceof Inet4Address) {
                byte[] m = new byte[16];
                m[10] = (byte) 0xff;
                m[11] = (byte) 0xff;
                System.arraycopy(a.getAddress(), 0, m, 12, 4);
                try {
                    use = InetAddress.getByAddress(m);
                } catch (UnknownHostException e) {
                    continue;
                }
                // InetAddress folds v4-mapped v6 back to v4; carry it as a v6 address explicitly
                try {
                    use = Inet6Address.getByAddress(null, m, -1);
                } catch (UnknownHostException e) {
                    continue;
                }
            }
            int fam = use instanceof Inet6Address ? Posix.AF_INET6 : Posix.AF_INET;
            if (r.family() != Posix.AF_UNSPEC && fam != r.family()) {
                continue;
            }
            for (int t : types) {
                int proto = r.protocol() != 0 ? r.protocol() : (t == Posix.SOCK_STREAM ? Posix.IPPROTO_TCP : Posix.IPPROTO_UDP);
                out.add(new AddrInfo(fam, t, proto, new InetSocketAddress(use, port), out.isEmpty() ? canon : null));
            }
        }
        if (out.isEmpty()) {
            return new Result.Error(GaiError.EAI_NONAME, "no address of the asked family");
        }
        return new Result.AddrInfos(out);
    }

    /** {@code denied} hears the reason when the policy refuses a reverse lookup. */
    void getNameInfo(EventLoop loop, SessionInfo info, SocketPolicy policy, LookupQuota quota, Request.GetNameInfo r,
                     Consumer<Result> done, Consumer<String> denied) {
        InetSocketAddress a = r.address();
        if (a == null || a.isUnresolved()) {
            done.accept(new Result.Error(GaiError.EAI_FAMILY, "getnameinfo needs a numeric address"));
            return;
        }
        String service = String.valueOf(a.getPort());
        if ((r.flags() & Posix.NI_NUMERICSERV) == 0) {
            for (Map.Entry<String, Integer> e : SERVICES.entrySet()) {
                if (e.getValue() == a.getPort()) {
                    service = e.getKey();
                }
            }
        }
        InetAddress ia = a.getAddress();
        String numericHost = NetUtil.toAddressString(ia);
        if ((r.flags() & Posix.NI_NUMERICHOST) != 0) {
            done.accept(new Result.NameInfo(numericHost, service));
            return;
        }
        if (SocketPolicy.isLoopback(ia)) {
            done.accept(new Result.NameInfo("localhost", service));
            return;
        }
        boolean nameRequired = (r.flags() & Posix.NI_NAMEREQD) != 0;
        // a refused reverse lookup looks like an address without a name: the numeric host, or EAI_NONAME
        SocketPolicy.Decision d = policy.checkReverseLookup(info, SocketPolicy.normalize(ia));
        if (!d.allowed()) {
            denied.accept(d.reason());
            done.accept(nameRequired ? new Result.Error(GaiError.EAI_NONAME, d.reason())
                    : new Result.NameInfo(numericHost, service));
            return;
        }
        String busy = start(quota);
        if (busy != null) {
            done.accept(new Result.Error(GaiError.EAI_AGAIN, "cannot look up " + numericHost + ": " + busy));
            return;
        }
        final String svc = service;
        Future<AddressedEnvelope<DnsResponse, InetSocketAddress>> f =
                resolver(loop).query(new DefaultDnsQuestion(reverseName(ia), DnsRecordType.PTR));
        f.addListener(x -> {
            quota.done();
            global.done();
            String name = null;
            if (f.isSuccess()) {
                AddressedEnvelope<DnsResponse, InetSocketAddress> env = f.getNow();
                try {
                    DnsResponse resp = env.content();
                    for (int i = 0; i < resp.count(DnsSection.ANSWER); i++) {
                        DnsRecord rec = resp.recordAt(DnsSection.ANSWER, i);
                        if (rec instanceof DnsPtrRecord) {
                            name = ((DnsPtrRecord) rec).hostname();
                            if (name.endsWith(".")) {
                                name = name.substring(0, name.length() - 1);
                            }
                            break;
                        }
                    }
                } finally {
                    env.release();
                }
            }
            if (name == null && (r.flags() & Posix.NI_NAMEREQD) != 0) {
                done.accept(new Result.Error(GaiError.EAI_NONAME, "no name for " + numericHost));
            } else {
                done.accept(new Result.NameInfo(name == null ? numericHost : name, svc));
            }
        });
    }

    private static String reverseName(InetAddress a) {
        byte[] b = a.getAddress();
        StringBuilder sb = new StringBuilder();
        if (b.length == 4) {
            for (int i = 3; i >= 0; i--) {
                sb.append(b[i] & 0xff).append('.');
            }
            return sb.append("in-addr.arpa.").toString();
        }
        for (int i = 15; i >= 0; i--) {
            sb.append(Character.forDigit(b[i] & 0xf, 16)).append('.').append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append('.');
        }
        return sb.append("ip6.arpa.").toString();
    }
}
