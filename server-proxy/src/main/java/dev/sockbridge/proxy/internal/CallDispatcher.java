package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.proxy.spi.Result;
import java.net.InetSocketAddress;

/**
 * Runs each call of one session: the calls on no descriptor (socket, socketpair, getaddrinfo, getnameinfo, poll)
 * here, the others on the socket their descriptor names in the {@link SocketTable}. Every path completes the
 * call, now or later. Loop-confined.
 */
final class CallDispatcher {
    private final SessionCore session;
    private final SocketTable table;

    CallDispatcher(SessionCore session, SocketTable table) {
        this.session = session;
        this.table = table;
    }

    void dispatch(EngineCall call) {
        Request r = call.request();
        switch (r.messageType()) {
            case SOCKET:
                socket(call, (Request.Socket) r);
                return;
            case SOCKETPAIR:
                socketPair(call, (Request.SocketPair) r);
                return;
            case GETADDRINFO:
                session.ctx.resolver.getAddrInfo(session.loop, session.info, session.policy(), session.lookupQuota(),
                        (Request.GetAddrInfo) r, res -> session.onLoop(() -> call.complete(res)),
                        why -> session.onLoop(() -> session.countDenied("getaddrinfo", why)));
                return;
            case GETNAMEINFO:
                session.ctx.resolver.getNameInfo(session.loop, session.info, session.policy(), session.lookupQuota(),
                        (Request.GetNameInfo) r, res -> session.onLoop(() -> call.complete(res)),
                        why -> session.onLoop(() -> session.countDenied("getnameinfo", why)));
                return;
            case POLL: {
                Request.Poll p = (Request.Poll) r;
                if (p.fds().size() > session.limits.maxSockets() * 2 + 16) {
                    call.fail(Errno.EINVAL, "too many descriptors in poll");
                } else {
                    table.poll(call, p);
                }
                return;
            }
            default:
                break;
        }
        int fd = fdOf(r);
        ProxySocket s = table.get(fd);
        if (s == null) {
            Message.release(r);
            call.fail(Errno.EBADF, "no socket " + fd + " in this session");
            return;
        }
        switch (r.messageType()) {
            case BIND:
                s.bind((Request.Bind) r, call);
                return;
            case CONNECT:
                s.connect((Request.Connect) r, call);
                return;
            case LISTEN:
                s.listen((Request.Listen) r, call);
                return;
            case ACCEPT:
                s.accept((Request.Accept) r, call);
                return;
            case SEND: {
                Request.Send q = (Request.Send) r;
                s.send(call, q.flags(), null, q.data());
                return;
            }
            case SENDTO: {
                Request.SendTo q = (Request.SendTo) r;
                s.send(call, q.flags(), q.address(), q.data());
                return;
            }
            case SENDMSG: {
                Request.SendMsg q = (Request.SendMsg) r;
                s.send(call, q.flags(), q.address(), q.data());
                return;
            }
            case RECV: {
                Request.Recv q = (Request.Recv) r;
                s.recv(call, q.length(), q.flags(), ProxySocket.RecvKind.RECV);
                return;
            }
            case RECVFROM: {
                Request.RecvFrom q = (Request.RecvFrom) r;
                s.recv(call, q.length(), q.flags(), ProxySocket.RecvKind.RECVFROM);
                return;
            }
            case RECVMSG: {
                Request.RecvMsg q = (Request.RecvMsg) r;
                s.recv(call, q.length(), q.flags(), ProxySocket.RecvKind.RECVMSG);
                return;
            }
            case SHUTDOWN:
                s.shutdown((Request.Shutdown) r, call);
                return;
            case CLOSE:
                table.close(s, "closed by the client");
                call.ok();
                return;
            case GETSOCKOPT:
                getSockOpt(call, s, (Request.GetSockOpt) r);
                return;
            case SETSOCKOPT:
                setSockOpt(call, s, (Request.SetSockOpt) r);
                return;
            case GETSOCKNAME:
                call.complete(new Result.Address(s.localAddress()));
                return;
            case GETPEERNAME: {
                InetSocketAddress a = s.peerAddress();
                if (a == null) {
                    call.fail(Errno.ENOTCONN, "socket " + fd + " is not connected");
                } else {
                    call.complete(new Result.Address(a));
                }
                return;
            }
            case PUSH: {
                Request.Push q = (Request.Push) r;
                s.push = q.enabled();
                s.credit = Math.max(0, q.credit());
                s.pushRoute = call.route();
                call.ok();
                s.changed();
                return;
            }
            default:
                Message.release(r);
                call.fail(Errno.ENOSYS, "unsupported call " + r.messageType());
        }
    }

    /** The descriptor a call is on, or -1 for calls on none. */
    static int fdOf(Request r) {
        switch (r.messageType()) {
            case BIND: return ((Request.Bind) r).fd();
            case CONNECT: return ((Request.Connect) r).fd();
            case LISTEN: return ((Request.Listen) r).fd();
            case ACCEPT: return ((Request.Accept) r).fd();
            case SEND: return ((Request.Send) r).fd();
            case SENDTO: return ((Request.SendTo) r).fd();
            case SENDMSG: return ((Request.SendMsg) r).fd();
            case RECV: return ((Request.Recv) r).fd();
            case RECVFROM: return ((Request.RecvFrom) r).fd();
            case RECVMSG: return ((Request.RecvMsg) r).fd();
            case SHUTDOWN: return ((Request.Shutdown) r).fd();
            case CLOSE: return ((Request.Close) r).fd();
            case GETSOCKOPT: return ((Request.GetSockOpt) r).fd();
            case SETSOCKOPT: return ((Request.SetSockOpt) r).fd();
            case GETSOCKNAME: return ((Request.GetSockName) r).fd();
            case GETPEERNAME: return ((Request.GetPeerName) r).fd();
            case PUSH: return ((Request.Push) r).fd();
            default: return -1;
        }
    }

    // ------------------------------------------------------------------ descriptors

    private boolean roomForSocket(EngineCall call, int n) {
        if (table.size() + n > session.limits.maxSockets()) {
            call.fail(Errno.EMFILE, "too many open sockets (limit " + session.limits.maxSockets() + ")");
            return false;
        }
        return true;
    }

    private void socket(EngineCall call, Request.Socket r) {
        int domain = r.domain();
        int type = r.type() & Posix.SOCK_TYPE_MASK;
        boolean nonBlocking = (r.type() & Posix.SOCK_NONBLOCK) != 0;
        if (domain != Posix.AF_INET && domain != Posix.AF_INET6) {
            call.fail(Errno.EAFNOSUPPORT, "address family " + domain + " not supported (AF_INET, AF_INET6 are)");
            return;
        }
        if (type != Posix.SOCK_STREAM && type != Posix.SOCK_DGRAM) {
            call.fail(Errno.ESOCKTNOSUPPORT, "socket type " + type + " not supported (SOCK_STREAM, SOCK_DGRAM are)");
            return;
        }
        int proto = r.protocol();
        if (proto != 0 && proto != (type == Posix.SOCK_STREAM ? Posix.IPPROTO_TCP : Posix.IPPROTO_UDP)) {
            call.fail(Errno.EPROTONOSUPPORT, "protocol " + proto + " does not fit socket type " + type);
            return;
        }
        if (!roomForSocket(call, 1)) {
            return;
        }
        ProxySocket s = type == Posix.SOCK_STREAM ? new StreamSocket(session, domain) : new DgramSocket(session, domain);
        s.nonBlocking = nonBlocking;
        call.value(table.register(s));
    }

    private void socketPair(EngineCall call, Request.SocketPair r) {
        int type = r.type() & Posix.SOCK_TYPE_MASK;
        if (r.domain() != Posix.AF_UNIX) {
            call.fail(Errno.EOPNOTSUPP, "socketpair supports AF_UNIX only");
            return;
        }
        if (type != Posix.SOCK_STREAM && type != Posix.SOCK_DGRAM) {
            call.fail(Errno.ESOCKTNOSUPPORT, "socket type " + type + " not supported");
            return;
        }
        if (!roomForSocket(call, 2)) {
            return;
        }
        PairSocket a = new PairSocket(session, type == Posix.SOCK_STREAM);
        PairSocket b = new PairSocket(session, type == Posix.SOCK_STREAM);
        a.peer = b;
        b.peer = a;
        a.nonBlocking = b.nonBlocking = (r.type() & Posix.SOCK_NONBLOCK) != 0;
        int fa = table.register(a);
        int fb = table.register(b);
        call.complete(new Result.SocketPair(fa, fb));
    }

    // ------------------------------------------------------------------ options

    private void getSockOpt(EngineCall call, ProxySocket s, Request.GetSockOpt r) {
        if (r.level() == SessionCore.SOL_SOCKBRIDGE && r.name() == SessionCore.SB_DATAGRAMS_DROPPED) {
            call.value(s.datagramsDropped);
            return;
        }
        SocketOption<?> opt = SocketOption.of(r.level(), r.name());
        if (opt == null) {
            call.fail(Errno.ENOPROTOOPT, "unknown option level " + r.level() + " name " + r.name());
            return;
        }
        Long v = s.getOption(opt);
        if (v == null) {
            call.fail(Errno.ENOPROTOOPT, opt.name() + " does not apply to this socket");
            return;
        }
        call.value(v);
    }

    private void setSockOpt(EngineCall call, ProxySocket s, Request.SetSockOpt r) {
        if (r.level() == SessionCore.SOL_SOCKBRIDGE && r.name() == SessionCore.SB_DATAGRAMS_DROPPED) {
            call.fail(Errno.ENOPROTOOPT, "SB_DATAGRAMS_DROPPED is read-only");
            return;
        }
        SocketOption<?> opt = SocketOption.of(r.level(), r.name());
        if (opt == null) {
            call.fail(Errno.ENOPROTOOPT, "unknown option level " + r.level() + " name " + r.name());
            return;
        }
        if (opt.readOnly()) {
            call.fail(Errno.ENOPROTOOPT, opt.name() + " is read-only");
            return;
        }
        if ((opt.kind() == SocketOption.Kind.INT && (r.value() < 0 || r.value() > Integer.MAX_VALUE))
                || (opt.kind() == SocketOption.Kind.TIMEOUT && r.value() < 0)) {
            call.fail(Errno.EINVAL, "bad value " + r.value() + " for " + opt.name());
            return;
        }
        Errno e = s.setOption(opt, r.value());
        if (e != null) {
            call.fail(e, opt.name() + " does not apply to this socket");
        } else {
            call.ok();
        }
    }
}
