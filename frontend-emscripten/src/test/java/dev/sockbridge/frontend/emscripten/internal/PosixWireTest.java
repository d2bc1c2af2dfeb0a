package dev.sockbridge.frontend.emscripten.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.sockbridge.api.SocketOption;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The fixed facts of the wire (shared/emscripten-protocol.md A1.8, A2.2, A3.12), without sockets. */
class PosixWireTest {

    @Test
    void opcodesAreTheClientsNumbers() {
        int[] ops = {PosixWire.SOCKET, PosixWire.SOCKETPAIR, PosixWire.SHUTDOWN, PosixWire.BIND, PosixWire.CONNECT,
                PosixWire.LISTEN, PosixWire.ACCEPT, PosixWire.GETSOCKNAME, PosixWire.GETPEERNAME, PosixWire.SEND,
                PosixWire.RECV, PosixWire.SENDTO, PosixWire.RECVFROM, PosixWire.SENDMSG, PosixWire.RECVMSG,
                PosixWire.GETSOCKOPT, PosixWire.SETSOCKOPT, PosixWire.GETADDRINFO, PosixWire.GETNAMEINFO};
        String[] names = {"SOCKET", "SOCKETPAIR", "SHUTDOWN", "BIND", "CONNECT", "LISTEN", "ACCEPT", "GETSOCKNAME",
                "GETPEERNAME", "SEND", "RECV", "SENDTO", "RECVFROM", "SENDMSG", "RECVMSG", "GETSOCKOPT", "SETSOCKOPT",
                "GETADDRINFO", "GETNAMEINFO"};
        for (int i = 0; i < ops.length; i++) {
            assertEquals(i + 1, ops[i], names[i]);
            assertEquals(names[i], PosixWire.name(ops[i]));
        }
        assertEquals("opcode 99", PosixWire.name(99));
    }

    @Test
    void minimumReplySizesAreWhatTheClientWaitsFor() {
        // A2.2 "Min resp." and the F checklist: 12 in general, 20 SOCKETPAIR, 16 GETSOCKNAME/GETPEERNAME, 2064 GETADDRINFO
        int[][] expected = {{1, 12}, {2, 20}, {3, 12}, {4, 12}, {5, 12}, {6, 12}, {7, 12}, {8, 16}, {9, 16}, {10, 12},
                {11, 12}, {12, 12}, {13, 12}, {16, 12}, {17, 12}, {18, 2064}};
        for (int[] e : expected) {
            assertEquals(e[1], PosixWire.minReplySize(e[0]), PosixWire.name(e[0]));
        }
        // a request too short for its opcode can only be a truncated GETSOCKNAME/GETPEERNAME
        assertEquals(16, PosixWire.minReplySize(PosixWire.TRUNCATED));
        // calls the client never makes: nobody waits for a size
        assertEquals(12, PosixWire.minReplySize(PosixWire.SENDMSG));
        assertEquals(12, PosixWire.minReplySize(PosixWire.GETNAMEINFO));
        assertEquals(12, PosixWire.minReplySize(1234));
        assertEquals(2064, PosixWire.GETADDRINFO_REPLY);
    }

    @Test
    void minimumRequestSizesAreTheFixedFields() {
        int[][] expected = {{1, 20}, {2, 20}, {3, 16}, {4, 16}, {5, 16}, {6, 16}, {7, 16}, {8, 12}, {9, 12}, {10, 20},
                {11, 20}, {12, 280}, {13, 24}, {16, 24}, {17, 24}, {18, 2204}, {14, 8}, {99, 8}};
        for (int[] e : expected) {
            assertEquals(e[1], PosixWire.minRequestSize(e[0]), PosixWire.name(e[0]));
        }
        assertEquals(2204, PosixWire.GETADDRINFO_REQUEST);
    }

    @Test
    void muslSocketOptionsMapToLinuxOnes() {
        // wasm32 musl takes the 32-bit-long branch: SO_RCVTIMEO 66, SO_SNDTIMEO 67, SO_TIMESTAMP 63 (A1.8)
        assertSame(SocketOption.SO_RCVTIMEO, PosixWire.option(1, 66));
        assertSame(SocketOption.SO_SNDTIMEO, PosixWire.option(1, 67));
        // musl's SO_TIMESTAMP* (63-65) are Linux's 29/35/37, which the engine does not offer: never Linux's 63-65
        for (int[] m : new int[][] {{63, 29}, {64, 35}, {65, 37}}) {
            SocketOption<?> o = PosixWire.option(1, m[0]);
            assertEquals(SocketOption.of(1, m[1]), o, "musl " + m[0]);
        }
        // wasm64 builds send Linux's own numbers, which mean the same
        assertSame(SocketOption.SO_RCVTIMEO, PosixWire.option(1, 20));
        // the rest match Linux: SO_REUSEADDR 2, SO_ERROR 4, SO_LINGER 13, TCP_NODELAY 1 at IPPROTO_TCP
        assertSame(SocketOption.SO_ERROR, PosixWire.option(1, 4));
        assertSame(SocketOption.SO_LINGER, PosixWire.option(1, 13));
        assertEquals(SocketOption.of(6, 1), PosixWire.option(6, 1));
        // 66 at another level is not a timeout
        assertEquals(SocketOption.of(6, 66), PosixWire.option(6, 66));
    }

    @Test
    void u32FieldsClampAboveIntMax() {
        ByteBuf b = Unpooled.buffer().writeIntLE(0xffff_fff0).writeIntLE(7);
        assertEquals(Integer.MAX_VALUE, PosixWire.u32(b, 0));
        assertEquals(7, PosixWire.u32(b, 4));
    }

    @Test
    void cStringsStopAtTheNulOrTheField() {
        ByteBuf b = Unpooled.buffer().writeBytes("abc\0def".getBytes(StandardCharsets.US_ASCII)).writeBytes("xyz".getBytes(StandardCharsets.US_ASCII));
        assertEquals("abc", PosixWire.cString(b, 0, 10));
        assertEquals("def", PosixWire.cString(b, 4, 3)); // no NUL within the field: all of it
        assertEquals("", PosixWire.cString(b, 3, 4));
    }
}
