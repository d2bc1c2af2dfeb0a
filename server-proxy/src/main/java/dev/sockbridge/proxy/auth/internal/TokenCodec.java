package dev.sockbridge.proxy.auth.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sockbridge.proxy.auth.GrantClaims;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.EdECKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.SecretKey;

/**
 * The token format: {@code base64url(claims JSON) "." base64url(signature)}, no padding. The
 * signature covers the ASCII bytes of {@code "sockbridge-token-v1." + first segment}, so a key that
 * also signs something else cannot be tricked into signing a token. There is no algorithm field: the
 * verifier's keys decide, and the signature's length picks the key kind (32 bytes HMAC-SHA256, 64
 * bytes Ed25519), so a token cannot ask to be checked another way.
 */
public final class TokenCodec {
    public static final int MAX_TOKEN_CHARS = 4096;
    public static final int HMAC_SIG_BYTES = 32;
    public static final int ED25519_SIG_BYTES = 64;
    private static final byte[] DOMAIN = "sockbridge-token-v1.".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_RULES = 64;
    private static final Set<String> FIELDS = Set.of("v", "sub", "iat", "nbf", "exp", "sexp", "connect", "bind",
            "lookup", "reverse", "limits");
    private static final Set<String> LIMIT_FIELDS = Set.of("sockets", "calls", "bufferedBytes");
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8)
                .maxStringLength(MAX_TOKEN_CHARS).maxNumberLength(24).build());
        JSON.enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }

    private TokenCodec() {
    }

    /** A token's two parts, decoded; null when the text does not have the token's shape. */
    public record Parts(String payloadSegment, byte[] payload, byte[] signature) {
    }

    public static Parts split(String token) {
        if (token == null || token.length() > MAX_TOKEN_CHARS) {
            return null;
        }
        int dot = token.indexOf('.');
        if (dot <= 0 || dot != token.lastIndexOf('.') || dot == token.length() - 1) {
            return null;
        }
        String p = token.substring(0, dot);
        String s = token.substring(dot + 1);
        if (!p.matches("[A-Za-z0-9_-]+") || !s.matches("[A-Za-z0-9_-]+")) {
            return null;
        }
        try {
            byte[] sig = Base64.getUrlDecoder().decode(s);
            if (sig.length != HMAC_SIG_BYTES && sig.length != ED25519_SIG_BYTES) {
                return null;
            }
            return new Parts(p, Base64.getUrlDecoder().decode(p), sig);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public static String encode(GrantClaims c, Key signingKey) {
        String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(json(c));
        byte[] sig;
        try {
            if (signingKey instanceof SecretKey k) {
                sig = hmac(k, payload);
            } else if (signingKey instanceof PrivateKey k && isEd25519(k)) {
                Signature s = Signature.getInstance("Ed25519");
                s.initSign(k);
                s.update(DOMAIN);
                s.update(payload.getBytes(StandardCharsets.US_ASCII));
                sig = s.sign();
            } else {
                throw new IllegalArgumentException("an HMAC secret key or an Ed25519 private key, not " + signingKey.getAlgorithm());
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing failed", e);
        }
        return payload + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
    }

    public static boolean isEd25519(Key k) {
        return k instanceof EdECKey e && e.getParams().getName().equalsIgnoreCase("Ed25519");
    }

    public static byte[] hmac(SecretKey key, String payloadSegment) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(key);
        mac.update(DOMAIN);
        return mac.doFinal(payloadSegment.getBytes(StandardCharsets.US_ASCII));
    }

    /** True when {@code parts} carry a valid signature by one of these keys (of the kind its length names). */
    public static boolean verify(Parts parts, List<SecretKey> hmacKeys, List<PublicKey> ed25519Keys) {
        try {
            if (parts.signature().length == HMAC_SIG_BYTES) {
                for (SecretKey k : hmacKeys) {
                    if (MessageDigest.isEqual(hmac(k, parts.payloadSegment()), parts.signature())) {
                        return true;
                    }
                }
            } else {
                for (PublicKey k : ed25519Keys) {
                    Signature s = Signature.getInstance("Ed25519");
                    s.initVerify(k);
                    s.update(DOMAIN);
                    s.update(parts.payloadSegment().getBytes(StandardCharsets.US_ASCII));
                    try {
                        if (s.verify(parts.signature())) {
                            return true;
                        }
                    } catch (java.security.SignatureException e) {
                        // a signature that is not even well-formed: not this key's
                    }
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signature check failed", e);
        }
        return false;
    }

    static byte[] json(GrantClaims c) {
        ObjectNode o = JSON.createObjectNode();
        o.put("v", 1);
        o.put("sub", c.subject());
        if (c.issuedAt() != null) {
            o.put("iat", c.issuedAt().getEpochSecond());
        }
        if (c.notBefore() != null) {
            o.put("nbf", c.notBefore().getEpochSecond());
        }
        o.put("exp", c.expiresAt().getEpochSecond());
        if (c.sessionExpiresAt() != null) {
            o.put("sexp", c.sessionExpiresAt().getEpochSecond());
        }
        array(o, "connect", c.connect());
        array(o, "bind", c.bind());
        array(o, "lookup", c.lookup());
        if (c.reverseLookups()) {
            o.put("reverse", true);
        }
        if (c.maxSockets() != null || c.maxOutstandingCalls() != null || c.maxBufferedBytes() != null) {
            ObjectNode l = o.putObject("limits");
            if (c.maxSockets() != null) {
                l.put("sockets", c.maxSockets());
            }
            if (c.maxOutstandingCalls() != null) {
                l.put("calls", c.maxOutstandingCalls());
            }
            if (c.maxBufferedBytes() != null) {
                l.put("bufferedBytes", c.maxBufferedBytes());
            }
        }
        try {
            return JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void array(ObjectNode o, String name, List<String> values) {
        if (!values.isEmpty()) {
            ArrayNode a = o.putArray(name);
            values.forEach(a::add);
        }
    }

    /**
     * The claims of a signed payload. Unknown fields are refused rather than ignored: a restriction
     * this verifier does not understand must not silently widen what the token allows.
     */
    public static GrantClaims parse(byte[] payload) {
        JsonNode o;
        try {
            o = JSON.readTree(payload);
        } catch (IOException e) {
            throw new IllegalArgumentException("claims are not JSON");
        }
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("claims are not a JSON object");
        }
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new IllegalArgumentException("unknown claim '" + trim(f) + "'");
            }
        }
        if (!o.path("v").isInt() || o.get("v").intValue() != 1) {
            throw new IllegalArgumentException("unsupported token version");
        }
        if (!o.path("sub").isTextual()) {
            throw new IllegalArgumentException("no subject");
        }
        GrantClaims.Builder b = GrantClaims.builder(o.get("sub").textValue());
        b.issuedAt(time(o, "iat", false)).notBefore(time(o, "nbf", false)).expiresAt(time(o, "exp", true))
                .sessionExpiresAt(time(o, "sexp", false));
        b.connect(strings(o, "connect")).bind(strings(o, "bind")).lookup(strings(o, "lookup"));
        if (o.has("reverse")) {
            if (!o.get("reverse").isBoolean()) {
                throw new IllegalArgumentException("'reverse' is not a boolean");
            }
            b.reverseLookups(o.get("reverse").booleanValue());
        }
        if (o.has("limits")) {
            JsonNode l = o.get("limits");
            if (!l.isObject()) {
                throw new IllegalArgumentException("'limits' is not an object");
            }
            for (Iterator<String> it = l.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!LIMIT_FIELDS.contains(f)) {
                    throw new IllegalArgumentException("unknown limit '" + trim(f) + "'");
                }
            }
            if (l.has("sockets")) {
                b.maxSockets(intField(l, "sockets"));
            }
            if (l.has("calls")) {
                b.maxOutstandingCalls(intField(l, "calls"));
            }
            if (l.has("bufferedBytes")) {
                if (!l.get("bufferedBytes").canConvertToLong() || !l.get("bufferedBytes").isIntegralNumber()) {
                    throw new IllegalArgumentException("limit 'bufferedBytes' is not an integer");
                }
                b.maxBufferedBytes(l.get("bufferedBytes").longValue());
            }
        }
        try {
            return b.build();
        } catch (NullPointerException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    private static int intField(JsonNode l, String name) {
        if (!l.get(name).isInt()) {
            throw new IllegalArgumentException("limit '" + name + "' is not an integer");
        }
        return l.get(name).intValue();
    }

    private static Instant time(JsonNode o, String name, boolean required) {
        JsonNode n = o.get(name);
        if (n == null) {
            if (required) {
                throw new IllegalArgumentException("no '" + name + "' claim");
            }
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0 || n.longValue() > 253402300799L) {
            throw new IllegalArgumentException("'" + name + "' is not a time in seconds");
        }
        return Instant.ofEpochSecond(n.longValue());
    }

    private static String[] strings(JsonNode o, String name) {
        JsonNode n = o.get(name);
        if (n == null) {
            return new String[0];
        }
        if (!n.isArray() || n.size() > MAX_RULES) {
            throw new IllegalArgumentException("'" + name + "' is not a list of at most " + MAX_RULES + " strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw new IllegalArgumentException("'" + name + "' holds a non-string");
            }
            out.add(e.textValue());
        }
        return out.toArray(new String[0]);
    }

    private static String trim(String s) {
        return s.length() > 32 ? s.substring(0, 32) + "..." : s;
    }
}
