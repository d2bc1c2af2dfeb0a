package dev.sockbridge.proxy.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keys for signed tokens, in the file formats the runnable proxy reads: an HMAC key is a line of
 * base64 (standard or URL alphabet) holding at least 32 random bytes; Ed25519 keys are PEM
 * ({@code PUBLIC KEY}: X.509 SubjectPublicKeyInfo; {@code PRIVATE KEY}: PKCS#8), as
 * {@code openssl genpkey -algorithm ed25519} and {@code openssl pkey -pubout} write them.
 */
public final class TokenKeys {
    /** The smallest HMAC key accepted: as many bytes as the SHA-256 output. */
    public static final int MIN_HMAC_KEY_BYTES = 32;

    private TokenKeys() {
    }

    public static SecretKey hmacKey(byte[] key) {
        if (key.length < MIN_HMAC_KEY_BYTES) {
            throw new IllegalArgumentException("an HMAC key needs at least " + MIN_HMAC_KEY_BYTES + " bytes, not " + key.length);
        }
        return new SecretKeySpec(key, "HmacSHA256");
    }

    /** 32 new random bytes, as the base64url line an HMAC key file holds. */
    public static String newHmacKeyText() {
        byte[] b = new byte[MIN_HMAC_KEY_BYTES];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public static SecretKey readHmacKey(Path file) throws IOException {
        String t = Files.readString(file, StandardCharsets.US_ASCII).strip();
        byte[] key;
        try {
            key = t.indexOf('+') >= 0 || t.indexOf('/') >= 0 ? Base64.getDecoder().decode(t) : Base64.getUrlDecoder().decode(t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": an HMAC key file holds one line of base64", e);
        }
        try {
            return hmacKey(key);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    public static KeyPair newEd25519KeyPair() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519", e);
        }
    }

    public static PublicKey ed25519PublicKey(byte[] x509) throws GeneralSecurityException {
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509));
    }

    public static PrivateKey ed25519PrivateKey(byte[] pkcs8) throws GeneralSecurityException {
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    }

    public static PublicKey readEd25519PublicKey(Path file) throws IOException {
        try {
            return ed25519PublicKey(pem(file, "PUBLIC KEY"));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(file + ": not an Ed25519 public key", e);
        }
    }

    public static PrivateKey readEd25519PrivateKey(Path file) throws IOException {
        try {
            return ed25519PrivateKey(pem(file, "PRIVATE KEY"));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(file + ": not an Ed25519 private key", e);
        }
    }

    /** PEM text for a public ({@code PUBLIC KEY}) or private ({@code PRIVATE KEY}) key. */
    public static String pem(java.security.Key key) {
        String label = key instanceof PrivateKey ? "PRIVATE KEY" : "PUBLIC KEY";
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                + "\n-----END " + label + "-----\n";
    }

    private static byte[] pem(Path file, String label) throws IOException {
        String t = Files.readString(file, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int b = t.indexOf(begin);
        int e = t.indexOf(end);
        if (b < 0 || e < b) {
            throw new IllegalArgumentException(file + ": no '" + begin + "' block");
        }
        return Base64.getMimeDecoder().decode(t.substring(b + begin.length(), e));
    }
}
