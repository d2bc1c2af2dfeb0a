package dev.sockbridge.api.internal.tls;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DerTest {
    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    @Test
    void encodesObjectIdentifiersWithBase128Arcs() {
        assertEquals("06082a8648ce3d040302", hex(Der.oid("1.2.840.10045.4.3.2")));
        assertEquals("0603551d11", hex(Der.oid("2.5.29.17")));
    }

    @Test
    void integersAreMinimalTwosComplement() {
        assertEquals("020100", hex(Der.integer(0)));
        assertEquals("020102", hex(Der.integer(2)));
        assertEquals("02020080", hex(Der.integer(BigInteger.valueOf(128))));
    }

    @Test
    void longLengthsUseTheLongForm() {
        assertEquals("047f", hex(Der.octetString(new byte[127])).substring(0, 4));
        assertEquals("048180", hex(Der.octetString(new byte[128])).substring(0, 6));
        assertEquals("04820100", hex(Der.octetString(new byte[256])).substring(0, 8));
    }
}
