package dev.sockbridge.api;

/**
 * getaddrinfo/getnameinfo error codes (glibc numbering, negative as {@code gai_strerror} takes them).
 * They travel in the same field as an errno, told apart by their sign.
 */
public final class GaiError {
    public static final int EAI_BADFLAGS = -1;
    public static final int EAI_NONAME = -2;
    public static final int EAI_AGAIN = -3;
    public static final int EAI_FAIL = -4;
    public static final int EAI_NODATA = -5;
    public static final int EAI_FAMILY = -6;
    public static final int EAI_SOCKTYPE = -7;
    public static final int EAI_SERVICE = -8;
    public static final int EAI_MEMORY = -10;
    public static final int EAI_SYSTEM = -11;
    public static final int EAI_OVERFLOW = -12;

    private GaiError() {
    }

    public static String nameOf(int code) {
        switch (code) {
            case EAI_BADFLAGS: return "EAI_BADFLAGS";
            case EAI_NONAME: return "EAI_NONAME";
            case EAI_AGAIN: return "EAI_AGAIN";
            case EAI_FAIL: return "EAI_FAIL";
            case EAI_NODATA: return "EAI_NODATA";
            case EAI_FAMILY: return "EAI_FAMILY";
            case EAI_SOCKTYPE: return "EAI_SOCKTYPE";
            case EAI_SERVICE: return "EAI_SERVICE";
            case EAI_MEMORY: return "EAI_MEMORY";
            case EAI_SYSTEM: return "EAI_SYSTEM";
            case EAI_OVERFLOW: return "EAI_OVERFLOW";
            default: return "EAI " + code;
        }
    }
}
