package dev.sockbridge.api.internal.transport;

import dev.sockbridge.api.transport.Admission;
import dev.sockbridge.api.transport.AdmissionCheck;
import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs an {@link AdmissionCheck} for a transport: failing closed, and back on the connection's loop. */
public final class Admissions {
    private static final Logger LOG = LoggerFactory.getLogger("dev.sockbridge.transport");

    private Admissions() {
    }

    /**
     * Closes a transport that was refused, or that nobody will serve, with {@code code}: started with a listener that
     * releases whatever arrives, so frames already queued for it are freed. Any thread.
     */
    public static void refuse(Transport t, int code, String reason) {
        try {
            t.start(new TransportListener() {
                @Override
                public void frameReceived(ByteBuf frame) {
                    frame.release();
                }

                @Override
                public void closed(int c, String r) {
                }
            });
        } catch (IllegalStateException alreadyStarted) {
            // someone started it: the close below still ends it
        }
        t.close(code, reason);
    }

    /**
     * Asks {@code check} about {@code request}, then runs {@code then} on {@code loop} with the answer, at once if
     * the answer is ready and this is the loop. A check that throws, fails or answers null is a 403. When
     * {@code stillWanted} says no by then (the client left), an admission is released and {@code then} does not
     * run; so does a loop that has stopped. {@code then} owns an admitted answer: it hands a transport out or
     * releases it; if it throws, the admission is released here.
     */
    public static void run(AdmissionCheck check, ConnectRequest request, EventExecutor loop,
                           BooleanSupplier stillWanted, Consumer<Admission> then) {
        CompletionStage<Admission> stage;
        try {
            stage = check.admit(request);
        } catch (RuntimeException | Error e) {
            stage = CompletableFuture.failedFuture(e);
        }
        if (stage == null) {
            stage = CompletableFuture.completedFuture(null);
        }
        stage.whenComplete((a, t) -> {
            if (t != null) {
                LOG.debug("admission check failed for " + request, t);
            }
            Admission answer = t != null || a == null ? Admission.refuse(403, "not allowed") : a;
            Runnable r = () -> {
                if (!stillWanted.getAsBoolean()) {
                    answer.release();
                    return;
                }
                try {
                    then.accept(answer);
                } catch (RuntimeException | Error e) {
                    answer.release();
                    throw e;
                }
            };
            if (loop.inEventLoop()) {
                r.run();
                return;
            }
            try {
                loop.execute(r);
            } catch (RejectedExecutionException e) {
                answer.release();
            }
        });
    }
}
