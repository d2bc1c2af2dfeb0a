package dev.sockbridge.proxy.internal;

import io.netty.util.concurrent.ScheduledFuture;

/** A call waiting for a socket to change: retried on every change until it answers. */
abstract class Pending {
    final EngineCall call;
    ScheduledFuture<?> timer;

    Pending(EngineCall call) {
        this.call = call;
    }

    /** Tries again; true once the call is answered. */
    abstract boolean attempt();

    /** The wait timed out (SO_RCVTIMEO and the like): answer accordingly. */
    abstract void expire();

    /** The socket went away: answer with an error. */
    void abort(dev.sockbridge.api.Errno errno, String reason) {
        call.fail(errno, reason);
    }

    void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
