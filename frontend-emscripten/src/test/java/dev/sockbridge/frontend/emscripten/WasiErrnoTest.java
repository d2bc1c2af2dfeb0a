package dev.sockbridge.frontend.emscripten;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import dev.sockbridge.frontend.emscripten.internal.WasiErrno;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Linux → Emscripten errno table. */
class WasiErrnoTest {

    @Test
    void matchesTheProtocolSpecTable() {
        // shared/emscripten-protocol.md A3.2, both columns
        int[][] spec = {
                {1, 63}, {2, 44}, {4, 27}, {9, 8}, {11, 6}, {12, 48}, {13, 2}, {14, 21}, {22, 28}, {32, 64}, {38, 52},
                {88, 57}, {89, 17}, {90, 35}, {91, 67}, {92, 50}, {93, 66}, {95, 138}, {97, 5}, {98, 3}, {99, 4},
                {100, 38}, {101, 40}, {102, 39}, {103, 13}, {104, 15}, {105, 42}, {106, 30}, {107, 53}, {108, 140},
                {110, 73}, {111, 14}, {112, 142}, {113, 23}, {114, 7}, {115, 26}};
        for (int[] p : spec) {
            assertEquals(p[1], WasiErrno.fromLinux(p[0]), () -> "Linux " + p[0] + " (" + WasiErrno.linuxName(p[0]) + ")");
        }
    }

    @Test
    void coversEveryErrnoTheEngineUsesAndIsOneToOne() {
        for (Errno e : Errno.values()) {
            int w = WasiErrno.fromLinux(e.code());
            if (e != Errno.EIO) {
                assertNotEquals(WasiErrno.EIO, w, () -> e + " has no Emscripten number");
            }
            assertEquals(e.name(), WasiErrno.linuxName(e.code()));
        }
        Map<Integer, Integer> seen = new HashMap<>();
        for (int linux : WasiErrno.knownLinuxCodes()) {
            Integer prev = seen.put(WasiErrno.fromLinux(linux), linux);
            assertEquals(null, prev, () -> "Linux " + linux + " and another code share Emscripten " + WasiErrno.fromLinux(linux));
        }
        // every Linux errno 1..133 except the two holes (41, 58 are aliases' slots in musl)
        assertEquals(131, WasiErrno.knownLinuxCodes().length);
    }

    @Test
    void zeroStaysZeroAndUnknownsBecomeEio() {
        assertEquals(0, WasiErrno.fromLinux(0));
        assertEquals(29, WasiErrno.fromLinux(41));
        assertEquals(29, WasiErrno.fromLinux(500));
        assertEquals(29, WasiErrno.fromLinux(-3));
        assertEquals(29, WasiErrno.fromLinux(5));
        assertTrue(WasiErrno.fromLinux(Errno.ECANCELED.code()) == 11);
    }
}
