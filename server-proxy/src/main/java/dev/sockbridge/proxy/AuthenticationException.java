package dev.sockbridge.proxy;

/** A {@link SessionAuthenticator}'s refusal: the HTTP status and short reason the client is told. */
public final class AuthenticationException extends RuntimeException {
    private final int status;

    /** {@code status} is 401 (no or bad credentials) or 403 (valid, but not allowed). */
    public AuthenticationException(int status, String reason) {
        super(reason, null, false, false);
        if (status != 401 && status != 403) {
            throw new IllegalArgumentException("status 401 or 403, not " + status);
        }
        this.status = status;
    }

    public int status() {
        return status;
    }

    public String reason() {
        return getMessage();
    }
}
