package dev.sockbridge.frontend.emscripten.internal;

import java.util.Arrays;

/**
 * Linux errno → Emscripten errno. Emscripten's musl numbers errors the WASI way
 * ({@code __WASI_ERRNO_*}, dense 1–76) and gives the codes WASI lacks numbers from 100 up, so
 * almost every value differs from Linux (ECONNREFUSED 111 → 14, EAGAIN 11 → 6, ...).
 *
 * <p>The table is complete: every name in musl's {@code arch/generic/bits/errno.h} (the Linux
 * numbering the engine uses) joined by name with {@code arch/emscripten/bits/errno.h} and
 * {@code include/wasi/api.h} of Emscripten 3.1.6 ({@code /usr/share/emscripten/system}), generated
 * by script, not typed in. Aliases (EWOULDBLOCK, EDEADLOCK, ENOTSUP) share their target's number;
 * note that Emscripten's EOPNOTSUPP/ENOTSUP is 138, not WASI's NOTSUP 58.
 */
public final class WasiErrno {
    private static final int[] WASI;
    private static final String[] NAMES;
    private static final Row[] ROWS = {
            row(1, "EPERM", 63),
            row(2, "ENOENT", 44),
            row(3, "ESRCH", 71),
            row(4, "EINTR", 27),
            row(5, "EIO", 29),
            row(6, "ENXIO", 60),
            row(7, "E2BIG", 1),
            row(8, "ENOEXEC", 45),
            row(9, "EBADF", 8),
            row(10, "ECHILD", 12),
            row(11, "EAGAIN", 6),
            row(12, "ENOMEM", 48),
            row(13, "EACCES", 2),
            row(14, "EFAULT", 21),
            row(15, "ENOTBLK", 105),
            row(16, "EBUSY", 10),
            row(17, "EEXIST", 20),
            row(18, "EXDEV", 75),
            row(19, "ENODEV", 43),
            row(20, "ENOTDIR", 54),
            row(21, "EISDIR", 31),
            row(22, "EINVAL", 28),
            row(23, "ENFILE", 41),
            row(24, "EMFILE", 33),
            row(25, "ENOTTY", 59),
            row(26, "ETXTBSY", 74),
            row(27, "EFBIG", 22),
            row(28, "ENOSPC", 51),
            row(29, "ESPIPE", 70),
            row(30, "EROFS", 69),
            row(31, "EMLINK", 34),
            row(32, "EPIPE", 64),
            row(33, "EDOM", 18),
            row(34, "ERANGE", 68),
            row(35, "EDEADLK", 16),
            row(36, "ENAMETOOLONG", 37),
            row(37, "ENOLCK", 46),
            row(38, "ENOSYS", 52),
            row(39, "ENOTEMPTY", 55),
            row(40, "ELOOP", 32),
            row(42, "ENOMSG", 49),
            row(43, "EIDRM", 24),
            row(44, "ECHRNG", 106),
            row(45, "EL2NSYNC", 156),
            row(46, "EL3HLT", 107),
            row(47, "EL3RST", 108),
            row(48, "ELNRNG", 109),
            row(49, "EUNATCH", 110),
            row(50, "ENOCSI", 111),
            row(51, "EL2HLT", 112),
            row(52, "EBADE", 113),
            row(53, "EBADR", 114),
            row(54, "EXFULL", 115),
            row(55, "ENOANO", 104),
            row(56, "EBADRQC", 103),
            row(57, "EBADSLT", 102),
            row(59, "EBFONT", 101),
            row(60, "ENOSTR", 100),
            row(61, "ENODATA", 116),
            row(62, "ETIME", 117),
            row(63, "ENOSR", 118),
            row(64, "ENONET", 119),
            row(65, "ENOPKG", 120),
            row(66, "EREMOTE", 121),
            row(67, "ENOLINK", 47),
            row(68, "EADV", 122),
            row(69, "ESRMNT", 123),
            row(70, "ECOMM", 124),
            row(71, "EPROTO", 65),
            row(72, "EMULTIHOP", 36),
            row(73, "EDOTDOT", 125),
            row(74, "EBADMSG", 9),
            row(75, "EOVERFLOW", 61),
            row(76, "ENOTUNIQ", 126),
            row(77, "EBADFD", 127),
            row(78, "EREMCHG", 128),
            row(79, "ELIBACC", 129),
            row(80, "ELIBBAD", 130),
            row(81, "ELIBSCN", 131),
            row(82, "ELIBMAX", 132),
            row(83, "ELIBEXEC", 133),
            row(84, "EILSEQ", 25),
            row(85, "ERESTART", 134),
            row(86, "ESTRPIPE", 135),
            row(87, "EUSERS", 136),
            row(88, "ENOTSOCK", 57),
            row(89, "EDESTADDRREQ", 17),
            row(90, "EMSGSIZE", 35),
            row(91, "EPROTOTYPE", 67),
            row(92, "ENOPROTOOPT", 50),
            row(93, "EPROTONOSUPPORT", 66),
            row(94, "ESOCKTNOSUPPORT", 137),
            row(95, "EOPNOTSUPP", 138),
            row(96, "EPFNOSUPPORT", 139),
            row(97, "EAFNOSUPPORT", 5),
            row(98, "EADDRINUSE", 3),
            row(99, "EADDRNOTAVAIL", 4),
            row(100, "ENETDOWN", 38),
            row(101, "ENETUNREACH", 40),
            row(102, "ENETRESET", 39),
            row(103, "ECONNABORTED", 13),
            row(104, "ECONNRESET", 15),
            row(105, "ENOBUFS", 42),
            row(106, "EISCONN", 30),
            row(107, "ENOTCONN", 53),
            row(108, "ESHUTDOWN", 140),
            row(109, "ETOOMANYREFS", 141),
            row(110, "ETIMEDOUT", 73),
            row(111, "ECONNREFUSED", 14),
            row(112, "EHOSTDOWN", 142),
            row(113, "EHOSTUNREACH", 23),
            row(114, "EALREADY", 7),
            row(115, "EINPROGRESS", 26),
            row(116, "ESTALE", 72),
            row(117, "EUCLEAN", 143),
            row(118, "ENOTNAM", 144),
            row(119, "ENAVAIL", 145),
            row(120, "EISNAM", 146),
            row(121, "EREMOTEIO", 147),
            row(122, "EDQUOT", 19),
            row(123, "ENOMEDIUM", 148),
            row(124, "EMEDIUMTYPE", 149),
            row(125, "ECANCELED", 11),
            row(126, "ENOKEY", 150),
            row(127, "EKEYEXPIRED", 151),
            row(128, "EKEYREVOKED", 152),
            row(129, "EKEYREJECTED", 153),
            row(130, "EOWNERDEAD", 62),
            row(131, "ENOTRECOVERABLE", 56),
            row(132, "ERFKILL", 154),
            row(133, "EHWPOISON", 155)
    };

    static {
        int max = 0;
        for (Row r : ROWS) {
            max = Math.max(max, r.linux);
        }
        WASI = new int[max + 1];
        NAMES = new String[max + 1];
        Arrays.fill(WASI, -1);
        for (Row r : ROWS) {
            WASI[r.linux] = r.wasi;
            NAMES[r.linux] = r.name;
        }
    }

    /** Emscripten's EIO: what an errno without an Emscripten counterpart becomes. */
    public static final int EIO = 29;

    private WasiErrno() {
    }

    private record Row(int linux, String name, int wasi) {
    }

    private static Row row(int linux, String name, int wasi) {
        return new Row(linux, name, wasi);
    }

    /** The Emscripten number of a Linux errno; 0 stays 0, anything unknown (or negative) becomes EIO. */
    public static int fromLinux(int linux) {
        if (linux == 0) {
            return 0;
        }
        if (linux < 0 || linux >= WASI.length || WASI[linux] < 0) {
            return EIO;
        }
        return WASI[linux];
    }

    /** The Linux name of a Linux errno, or null. */
    public static String linuxName(int linux) {
        return linux > 0 && linux < NAMES.length ? NAMES[linux] : null;
    }

    /** Every Linux errno this table knows, ascending. */
    public static int[] knownLinuxCodes() {
        return Arrays.stream(ROWS).mapToInt(Row::linux).toArray();
    }
}
