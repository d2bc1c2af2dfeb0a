package dev.sockbridge.proxy.internal;

import io.netty.util.concurrent.ScheduledFuture;

/** A call waiting for a socket to change: retried on every change until it answers. */
abstract class Pending {
    final int callId;
    final Object route;
    ScheduledFuture<?> timer;

    Pending(int callId, Object route) {
        this.callId = callId;
        this.route = route;
    }

    /** Tries again; true once the call is answered. */
    abstract boolean attempt();

    /** The wait timed out (SO_RCVTIMEO and the like): answer accordingly. */
    abstract void expire();

    /** The socket went away: answer with an error. */
    abstract void abort(dev.sockbridge.api.Errno errno, String reason);

    void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
