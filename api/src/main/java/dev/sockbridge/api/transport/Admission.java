package dev.sockbridge.api.transport;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The answer of an {@link AdmissionCheck}: admit a client (with an opaque attachment for whoever serves the
 * session) or refuse it, before any session exists. Immutable, apart from the one-shot {@link #release()}.
 *
 * <p><b>Refusals</b> carry an HTTP status (401 no or bad credentials, 403 not allowed, 503 over a limit,
 * with {@link #retryAfterSeconds()} when waiting helps) and a short reason. Transports with HTTP answer the
 * upgrade or CONNECT with that status and the reason as body; the others close with {@link #closeCode()}
 * (1008 policy, 1013 try again later) and the reason.
 *
 * <p><b>Release.</b> An admission may hold something that must be given back when the connection ends (a
 * slot of a session limit). The transport that asked for it calls {@link #release()} once the connection it
 * admitted has ended, and also when it drops the admission without handing a {@link Transport} out (the
 * client left while the check ran, the handshake failed). It is idempotent, so whoever serves the session may
 * call it too. Any thread.
 */
public final class Admission {
    private static final Admission ADMIT_ALL = new Admission(true, 0, 0, "", -1, null, null);

    private final boolean admitted;
    private final int httpStatus;
    private final int closeCode;
    private final String reason;
    private final int retryAfterSeconds;
    private final Object attachment;
    private final Runnable onRelease;
    private final AtomicBoolean released = new AtomicBoolean();

    private Admission(boolean admitted, int httpStatus, int closeCode, String reason, int retryAfterSeconds,
                      Object attachment, Runnable onRelease) {
        this.admitted = admitted;
        this.httpStatus = httpStatus;
        this.closeCode = closeCode;
        this.reason = reason;
        this.retryAfterSeconds = retryAfterSeconds;
        this.attachment = attachment;
        this.onRelease = onRelease;
    }

    /** Admits, with nothing attached and nothing to release. */
    public static Admission admit() {
        return ADMIT_ALL;
    }

    /**
     * Admits; {@code attachment} (may be null) is handed to whoever serves the session through
     * {@link Transport#attachment()}; {@code onRelease} (may be null) runs once at {@link #release()}.
     */
    public static Admission admit(Object attachment, Runnable onRelease) {
        return new Admission(true, 0, 0, "", -1, attachment, onRelease);
    }

    /**
     * Refuses with an HTTP status (4xx or 5xx) and a short reason the client is told. The close code for
     * transports without HTTP is 1013 (try again later) for 429 and 5xx, else 1008 (policy violation).
     */
    public static Admission refuse(int httpStatus, String reason) {
        if (httpStatus < 400 || httpStatus > 599) {
            throw new IllegalArgumentException("a refusal is a 4xx or 5xx status, not " + httpStatus);
        }
        int code = (httpStatus == 429 || httpStatus >= 500 ? CloseCode.TRY_AGAIN_LATER : CloseCode.POLICY_VIOLATION).code();
        return new Admission(false, httpStatus, code, Objects.requireNonNullElse(reason, ""), -1, null, null);
    }

    /** This refusal with a Retry-After of {@code seconds} (at least 1). */
    public Admission withRetryAfter(int seconds) {
        if (admitted) {
            throw new IllegalStateException("only a refusal has a Retry-After");
        }
        return new Admission(false, httpStatus, closeCode, reason, Math.max(1, seconds), null, null);
    }

    public boolean isAdmitted() {
        return admitted;
    }

    /** The HTTP status of a refusal; 0 when admitted. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The close code (WebSocket numbering) of a refusal where there is no HTTP; 0 when admitted. */
    public int closeCode() {
        return closeCode;
    }

    /** The reason of a refusal; empty when admitted. */
    public String reason() {
        return reason;
    }

    /** Seconds after which a refused client may try again, or -1 when not said. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** What the check attached for the server of the session; null if nothing. */
    public Object attachment() {
        return attachment;
    }

    /** Gives back what the admission holds. Idempotent, any thread. */
    public void release() {
        if (onRelease != null && released.compareAndSet(false, true)) {
            onRelease.run();
        }
    }

    @Override
    public String toString() {
        return admitted ? "Admission[admitted]" : "Admission[refused " + httpStatus + " " + reason + "]";
    }
}
