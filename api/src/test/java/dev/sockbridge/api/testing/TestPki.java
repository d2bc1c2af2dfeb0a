package dev.sockbridge.api.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A CA and the client certificates it issues, made at test time (EC P-256, DER written by hand: the
 * JDK has no public certificate builder, and the api's generator makes self-signed leaves only).
 * One helper for every module's authentication and TLS tests, with PEM output for TLS stacks that read files.
 *
 * <p>Threading: stateless; every method may be called from any thread.
 */
public final class TestPki {
    /** A key pair and its certificate. */
    public record Issued(KeyPair keys, X509Certificate certificate) {
    }

    private TestPki() {
    }

    /** Writes the certificate to {@code dir/name.pem} and its key (PKCS#8) to {@code dir/name.key}. */
    public static void writePem(Issued i, java.nio.file.Path dir, String name) throws Exception {
        java.nio.file.Files.writeString(dir.resolve(name + ".pem"), pem("CERTIFICATE", i.certificate().getEncoded()));
        java.nio.file.Files.writeString(dir.resolve(name + ".key"), pem("PRIVATE KEY", i.keys().getPrivate().getEncoded()));
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    public static KeyPair ecKeys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    public static Issued ca(String name) throws Exception {
        KeyPair k = ecKeys();
        return new Issued(k, sign(name, name, k, k.getPrivate(), true, Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600)));
    }

    public static Issued issue(Issued ca, String name, Instant notBefore, Instant notAfter) throws Exception {
        KeyPair k = ecKeys();
        String issuer = ca.certificate().getSubjectX500Principal().getName().replaceFirst("^CN=", "");
        return new Issued(k, sign(name, issuer, k, ca.keys().getPrivate(), false, notBefore, notAfter));
    }

    public static Issued issue(Issued ca, String name) throws Exception {
        return issue(ca, name, Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
    }

    private static X509Certificate sign(String subject, String issuer, KeyPair subjectKeys, PrivateKey issuerKey,
                                        boolean isCa, Instant notBefore, Instant notAfter) throws Exception {
        byte[] alg = seq(oid(1, 2, 840, 10045, 4, 3, 2)); // ecdsa-with-SHA256
        byte[] basic = isCa ? seq(tlv(0x01, new byte[] {(byte) 0xff})) : seq();
        byte[] keyUsage = isCa ? tlv(0x03, new byte[] {1, 0x06}) /* keyCertSign, cRLSign */ : tlv(0x03, new byte[] {7, (byte) 0x80});
        byte[] exts = seq(
                seq(oid(2, 5, 29, 19), tlv(0x01, new byte[] {(byte) 0xff}), tlv(0x04, basic)),
                seq(oid(2, 5, 29, 15), tlv(0x01, new byte[] {(byte) 0xff}), tlv(0x04, keyUsage)));
        byte[] tbs = seq(
                tlv(0xa0, tlv(0x02, new byte[] {2})),
                tlv(0x02, new BigInteger(64, new java.security.SecureRandom()).setBit(62).toByteArray()),
                alg, name(issuer),
                seq(time(notBefore), time(notAfter)),
                name(subject),
                subjectKeys.getPublic().getEncoded(),
                tlv(0xa3, exts));
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(issuerKey);
        s.update(tbs);
        byte[] sig = s.sign();
        byte[] bits = new byte[sig.length + 1];
        System.arraycopy(sig, 0, bits, 1, sig.length);
        byte[] der = seq(tbs, alg, tlv(0x03, bits));
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }

    private static byte[] name(String cn) {
        return seq(tlv(0x31, seq(oid(2, 5, 4, 3), tlv(0x0c, cn.getBytes(StandardCharsets.UTF_8)))));
    }

    private static byte[] time(Instant t) {
        String s = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC).format(t);
        return tlv(0x17, s.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] oid(int... arcs) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(arcs[0] * 40 + arcs[1]);
        for (int i = 2; i < arcs.length; i++) {
            int v = arcs[i];
            int n = 0;
            byte[] tmp = new byte[5];
            do {
                tmp[n++] = (byte) (v & 0x7f);
                v >>>= 7;
            } while (v != 0);
            for (int j = n - 1; j >= 0; j--) {
                o.write(tmp[j] | (j > 0 ? 0x80 : 0));
            }
        }
        return tlv(0x06, o.toByteArray());
    }

    private static byte[] seq(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return tlv(0x30, o.toByteArray());
    }

    private static byte[] tlv(int tag, byte[] v) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(tag);
        int n = v.length;
        if (n < 128) {
            o.write(n);
        } else if (n < 256) {
            o.write(0x81);
            o.write(n);
        } else {
            o.write(0x82);
            o.write(n >> 8);
            o.write(n);
        }
        o.writeBytes(v);
        return o.toByteArray();
    }
}
