package dev.sockbridge.proxy.internal;

/** The reason text a failure may show an untrusted client (see {@link ErrnoMapper#reason}). */
public final class PublicReason {
    private PublicReason() {
    }

    public static String of(Throwable t) {
        return ErrnoMapper.reason(t);
    }
}
