package dev.sockbridge.api;

import java.util.HashMap;
import java.util.Map;

/**
 * POSIX error numbers as Sockbridge carries them on the wire.
 *
 * <p>Sockbridge uses one numbering everywhere: <b>Linux (x86-64, asm-generic)</b>. A transport or
 * codec for another client family (Emscripten's musl/WASI numbering, say) translates at its edge;
 * the engine and the Java client only ever see these values.
 */
public enum Errno {
    EPERM(1), ENOENT(2), EINTR(4), EIO(5), EBADF(9), EAGAIN(11), ENOMEM(12), EACCES(13), EFAULT(14),
    EBUSY(16), EEXIST(17), EINVAL(22), ENFILE(23), EMFILE(24), ENOSPC(28), EPIPE(32), ERANGE(34),
    ENAMETOOLONG(36), ENOSYS(38), EPROTO(71), EBADMSG(74), EOVERFLOW(75), ENOTSOCK(88), EDESTADDRREQ(89),
    EMSGSIZE(90), EPROTOTYPE(91), ENOPROTOOPT(92), EPROTONOSUPPORT(93), ESOCKTNOSUPPORT(94),
    EOPNOTSUPP(95), EPFNOSUPPORT(96), EAFNOSUPPORT(97), EADDRINUSE(98), EADDRNOTAVAIL(99),
    ENETDOWN(100), ENETUNREACH(101), ENETRESET(102), ECONNABORTED(103), ECONNRESET(104), ENOBUFS(105),
    EISCONN(106), ENOTCONN(107), ESHUTDOWN(108), ETIMEDOUT(110), ECONNREFUSED(111), EHOSTDOWN(112),
    EHOSTUNREACH(113), EALREADY(114), EINPROGRESS(115), ECANCELED(125);

    private static final Map<Integer, Errno> BY_CODE = new HashMap<>();
    static {
        for (Errno e : values()) {
            BY_CODE.put(e.code, e);
        }
    }

    private final int code;

    Errno(int code) {
        this.code = code;
    }

    /** The Linux number of this error. */
    public int code() {
        return code;
    }

    /** The error with this Linux number, or {@code null} if Sockbridge does not know it. */
    public static Errno of(int code) {
        return BY_CODE.get(code);
    }

    /** A name for any number: the constant's name, or {@code "errno N"}. */
    public static String nameOf(int code) {
        Errno e = of(code);
        return e != null ? e.name() : "errno " + code;
    }
}
