package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.proxy.spi.Call;
import dev.sockbridge.proxy.spi.Result;
import dev.sockbridge.proxy.spi.Route;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/**
 * The engine's handle on one call in flight: what sockets complete, with a POSIX {@link Result}, instead of
 * building protocol replies. Completing it does the session's bookkeeping (outstanding calls, counters, the
 * listener's {@code callEnded}) and hands the result to the call's {@link Route}. Loop-confined.
 */
final class EngineCall {
    final Call call;
    private final SessionCore session;
    /** When the call started, for the listener's callEnded. */
    final String name;
    final int fd;
    private boolean done;

    EngineCall(SessionCore session, Call call, String name, int fd) {
        this.session = session;
        this.call = call;
        this.name = name;
        this.fd = fd;
    }

    Request request() {
        return call.request();
    }

    Route route() {
        return call.route();
    }

    /** A send with call id 0: nobody waits for its result (see {@link Call}). */
    boolean fireAndForget() {
        return call.request().callId() == 0;
    }

    /** Whether the client can take this call's answer now (its route is writable). */
    boolean writable() {
        return call.route().isWritable();
    }

    boolean isDone() {
        return done;
    }

    /** Completes the call; a second completion is a bug of ours, dropped (and its buffer released). */
    void complete(Result r) {
        if (done) {
            Result.release(r);
            assert false : "call " + call + " completed twice";
            return;
        }
        done = true;
        session.completed(this, r);
    }

    void ok() {
        complete(Result.OK);
    }

    void value(long v) {
        complete(new Result.Value(v));
    }

    void fail(Errno e, String reason) {
        complete(new Result.Error(e, reason));
    }

    /** Fails with a Linux errno number (a socket's pending error). */
    void fail(int errno, String reason) {
        complete(new Result.Error(errno, reason));
    }

    void data(int flags, InetSocketAddress from, ByteBuf data) {
        complete(new Result.Data(flags, from, data));
    }

    /** The policy denied it: EACCES, counted and told to the listener as a denied call. */
    void denied(String what, String reason) {
        session.countDenied(what, reason);
        fail(Errno.EACCES, reason);
    }

    @Override
    public String toString() {
        return name + "#" + call.request().callId();
    }
}
