package dev.sockbridge.proxy.internal;

import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.SocketPolicy;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The policy the proxy applies: the configured one, asked with normalised addresses (so no policy,
 * user-written ones included, sees an IPv4 address in IPv6 dress), behind a guard that no policy
 * can lift: the proxy's own listeners are never a target or a bind address of a session.
 */
public final class GuardedPolicy implements SocketPolicy {
    private final SocketPolicy delegate;
    /** Listener addresses, normalised; a wildcard address stands for every address of this host. */
    private final List<InetSocketAddress> own = new CopyOnWriteArrayList<>();
    /**
     * The protocol of each entry of {@link #own} (same index): TCP and UDP ports are separate spaces, and the
     * kernel often hands out the same ephemeral number to a TCP and a UDP socket, so a QUIC listener's port
     * must not shut sessions out of an unrelated TCP service that got the same number.
     */
    private final List<Boolean> ownUdp = new CopyOnWriteArrayList<>();
    /** Addresses of this host's interfaces, taken when a wildcard listener is added. */
    private final Set<InetAddress> local = ConcurrentHashMap.newKeySet();

    public GuardedPolicy(SocketPolicy delegate) {
        this.delegate = delegate;
    }

    public SocketPolicy delegate() {
        return delegate;
    }

    /** Sessions may never reach or bind {@code a}, TCP or UDP (a wildcard address: this port on every local address). */
    public void protect(InetSocketAddress a) {
        protect(a, false);
        protect(a, true);
    }

    /** As {@link #protect(InetSocketAddress)}, for one protocol. */
    public synchronized void protect(InetSocketAddress a, boolean udp) {
        InetSocketAddress n = SocketPolicy.normalize(a);
        if (n.isUnresolved()) {
            return;
        }
        for (int i = 0; i < own.size(); i++) {
            if (own.get(i).equals(n) && ownUdp.get(i) == udp) {
                return;
            }
        }
        if (n.getAddress().isAnyLocalAddress()) {
            local.addAll(interfaceAddresses());
        }
        ownUdp.add(udp);
        own.add(n);
    }

    /**
     * Protects the listener a server URI names. A host that is not numeric counts as a wildcard (no
     * lookup here: this may run on an event loop), except localhost, which is loopback.
     */
    public void protect(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost();
        if (host == null || scheme.equals("inprocess")) {
            return;
        }
        int port = uri.getPort();
        if (port < 0) {
            port = scheme.equals("ws") || scheme.equals("http") ? 80 : 443;
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        // QUIC and WebTransport listen on UDP; WebSocket (and anything else) on TCP
        boolean udp = scheme.equals("quic") || scheme.startsWith("webtransport") || scheme.equals("h3");
        if (scheme.equals("https")) {
            // either an HTTP/3 (UDP) or an HTTPS (TCP) listener: both
            protectHost(host, port, false);
            protectHost(host, port, true);
        } else {
            protectHost(host, port, udp);
        }
    }

    private void protectHost(String host, int port, boolean udp) {
        byte[] numeric = NetUtil.createByteArrayFromIpAddressString(host);
        try {
            if (numeric != null) {
                protect(new InetSocketAddress(InetAddress.getByAddress(numeric), port), udp);
            } else if (host.equalsIgnoreCase("localhost")) {
                protect(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port), udp);
                protect(new InetSocketAddress(InetAddress.getByAddress(new byte[16]), port), udp);
            } else {
                protect(new InetSocketAddress(InetAddress.getByAddress(new byte[16]), port), udp);
            }
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The protected listener addresses, for logs and tests. */
    public List<InetSocketAddress> protectedListeners() {
        return Collections.unmodifiableList(own);
    }

    private static List<InetAddress> interfaceAddresses() {
        List<InetAddress> out = new ArrayList<>();
        try {
            Enumeration<NetworkInterface> e = NetworkInterface.getNetworkInterfaces();
            while (e != null && e.hasMoreElements()) {
                for (InetAddress a : Collections.list(e.nextElement().getInetAddresses())) {
                    out.add(SocketPolicy.normalize(a));
                }
            }
        } catch (SocketException ignored) {
            // without the list, loopback and wildcard targets are still covered
        }
        return out;
    }

    private boolean isLocal(InetAddress a) {
        if (SocketPolicy.isLoopback(a) || a.isAnyLocalAddress()) {
            return true;
        }
        for (InetAddress l : local) {
            if (Arrays.equals(l.getAddress(), a.getAddress())) {
                return true;
            }
        }
        return false;
    }

    /** The protected listener {@code t} (normalised) would reach, or null. */
    private InetSocketAddress ownListener(InetSocketAddress t, boolean udp) {
        InetAddress ta = t.getAddress();
        for (int i = 0; i < own.size(); i++) {
            InetSocketAddress o = own.get(i);
            if (o.getPort() != t.getPort() || ownUdp.get(i) != udp) {
                continue;
            }
            InetAddress oa = o.getAddress();
            // 0.0.0.0 and :: as targets reach this host; a wildcard listener is reached at any local address
            if (Arrays.equals(oa.getAddress(), ta.getAddress()) || (oa.isAnyLocalAddress() && isLocal(ta))
                    || (ta.isAnyLocalAddress() && isLocal(oa))) {
                return o;
            }
        }
        return null;
    }

    @Override
    public Decision checkConnect(SessionInfo session, InetSocketAddress target, boolean udp) {
        if (target.isUnresolved()) {
            return delegate.checkConnect(session, target, udp);
        }
        InetSocketAddress n = SocketPolicy.normalize(target);
        InetSocketAddress o = ownListener(n, udp);
        if (o != null) {
            return Decision.deny("policy denies " + (udp ? "udp" : "tcp") + " to " + NetUtil.toSocketAddressString(n)
                    + " (the proxy's own listener)");
        }
        return delegate.checkConnect(session, delegate instanceof PolicyRules ? target : n, udp);
    }

    @Override
    public Decision checkBind(SessionInfo session, InetSocketAddress local, boolean udp) {
        if (local.isUnresolved()) {
            return delegate.checkBind(session, local, udp);
        }
        InetSocketAddress n = SocketPolicy.normalize(local);
        if (n.getPort() != 0 && ownListener(n, udp) != null) {
            return Decision.deny("policy denies " + (udp ? "udp" : "tcp") + " bind/listen on " + NetUtil.toSocketAddressString(n)
                    + " (the proxy's own listener)");
        }
        return delegate.checkBind(session, delegate instanceof PolicyRules ? local : n, udp);
    }

    @Override
    public Decision checkLookup(SessionInfo session, String name) {
        return delegate.checkLookup(session, name);
    }

    @Override
    public Decision checkReverseLookup(SessionInfo session, InetAddress address) {
        return delegate.checkReverseLookup(session, SocketPolicy.normalize(address));
    }

    @Override
    public LookupLimits lookupLimits() {
        return delegate.lookupLimits();
    }

    @Override
    public InetAddress autoBindAddress(boolean ipv6) {
        return delegate.autoBindAddress(ipv6);
    }

    @Override
    public String describe() {
        List<String> l = new ArrayList<>();
        for (InetSocketAddress o : own) {
            l.add(NetUtil.toSocketAddressString(o));
        }
        return delegate.describe() + "; never the proxy's own listeners" + (l.isEmpty() ? "" : " " + l);
    }
}
