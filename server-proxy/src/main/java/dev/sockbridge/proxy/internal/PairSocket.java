package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.proxy.spi.Result;
import dev.sockbridge.api.message.Request;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/**
 * One end of a socketpair: both ends live in the session, and data moves between their queues
 * without touching the network. A send waits (or says EAGAIN) while the other end's queue is full.
 */
final class PairSocket extends ProxySocket {
    PairSocket peer;
    private boolean writeShutdown;

    PairSocket(SessionCore session, boolean stream) {
        super(session, Posix.AF_UNIX, stream);
    }

    @Override
    void send(EngineCall call, int flags, InetSocketAddress to, ByteBuf data) {
        int n = data.readableBytes();
        // a parked send holds its data in the proxy: counted from parking until it moves or is dropped
        var p = new Pending(call) {
            boolean counted;

            void uncount() {
                if (counted) {
                    counted = false;
                    session.addBuffered(-n);
                }
            }

            @Override
            boolean attempt() {
                if (!peerClosedOrShut() && (peer == null || !peer.hasRoom())) {
                    return false;
                }
                uncount();
                return trySend(call, data);
            }

            @Override
            void expire() {
                uncount();
                data.release();
                call.fail(Errno.EAGAIN, "send timed out (SO_SNDTIMEO)");
            }

            @Override
            void abort(Errno e, String reason) {
                uncount();
                data.release();
                call.fail(e, reason);
            }

            void park() {
                if (!session.bufferRoom(n)) {
                    data.release();
                    call.fail(Errno.ENOBUFS, session.bufferFullReason(n));
                    return;
                }
                counted = true;
                session.addBuffered(n);
                session.park(sendWaiters, this, timeout(dev.sockbridge.api.SocketOption.SO_SNDTIMEO));
            }
        };
        if (!sendWaiters.isEmpty() || !p.attempt()) {
            if (nonBlocking || (flags & Posix.MSG_DONTWAIT) != 0) {
                data.release();
                call.fail(Errno.EAGAIN, "peer's queue is full");
            } else {
                p.park();
            }
        }
    }

    private boolean peerClosedOrShut() {
        return writeShutdown || peer == null || peer.closed || peer.readShutdown;
    }

    private boolean trySend(EngineCall call, ByteBuf data) {
        if (peerClosedOrShut()) {
            data.release();
            call.fail(Errno.EPIPE, "the other end is closed");
            return true;
        }
        if (!peer.hasRoom()) {
            return false;
        }
        int n = data.readableBytes();
        peer.received(data, null);
        call.value(n);
        peer.changed();
        return true;
    }

    @Override
    void afterConsume() {
        if (peer != null && !peer.closed) {
            peer.changed();
        }
    }

    @Override
    void shutdown(Request.Shutdown r, EngineCall call) {
        int how = r.how();
        if (how == Posix.SHUT_RD || how == Posix.SHUT_RDWR) {
            readShutdown = true;
        }
        if (how == Posix.SHUT_WR || how == Posix.SHUT_RDWR) {
            writeShutdown = true;
            if (peer != null) {
                peer.eof = true;
                peer.changed();
            }
        }
        call.ok();
        changed();
    }

    @Override
    int readiness() {
        int ev = 0;
        if (!inbound.isEmpty() || eof || readShutdown) {
            ev |= Posix.POLLIN;
        }
        if (!writeShutdown && peer != null && !peer.closed && peer.hasRoom()) {
            ev |= Posix.POLLOUT;
        }
        if (peer == null || peer.closed) {
            ev |= Posix.POLLHUP;
        }
        return ev;
    }

    @Override
    boolean canReceive() {
        return peer != null && !peer.closed;
    }

    @Override
    void maybeRead() {
    }

    @Override
    InetSocketAddress localAddress() {
        return null;
    }

    @Override
    InetSocketAddress peerAddress() {
        return null;
    }

    @Override
    io.netty.channel.Channel nativeChannel() {
        return null;
    }

    @Override
    void closeNative() {
        if (peer != null) {
            peer.eof = true;
            PairSocket p = peer;
            peer = null;
            p.changed();
        }
    }
}
