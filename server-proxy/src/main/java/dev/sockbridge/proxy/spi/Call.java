package dev.sockbridge.proxy.spi;

import dev.sockbridge.api.message.Request;
import java.util.Objects;

/**
 * One POSIX call a front end hands the engine ({@link EngineSession#submit}): the request and the {@link Route}
 * its result goes back on. The engine completes every call it accepts exactly once, with a {@link Result} given
 * to {@code route().completed(this, result)}; the call object itself comes back, so a front end may subclass
 * {@code Call} to keep what its encoder needs (the client's own call id, the caller's buffer sizes, ...).
 *
 * <p><b>Call ids.</b> The engine does not read {@link Request#callId()} except for one rule: a
 * send/sendto/sendmsg with call id 0 is fire-and-forget (the datagram path). Its result does not reach the route;
 * its failure counts as a dropped datagram of its socket.
 *
 * <p><b>Buffers.</b> Submitting gives the request's buffer (send data) to the engine; read only the request's
 * scalar fields afterwards.
 *
 * <p><b>Push mode.</b> The route of a {@link Request.Push} call is where that socket's push events go from then on
 * ({@link Route#pushed}), and whose {@link Route#isWritable()} paces them.
 */
public class Call {
    private final Request request;
    private final Route route;

    public Call(Request request, Route route) {
        this.request = Objects.requireNonNull(request);
        this.route = Objects.requireNonNull(route);
    }

    public final Request request() {
        return request;
    }

    public final Route route() {
        return route;
    }

    @Override
    public String toString() {
        return request.messageType() + "#" + request.callId();
    }
}
