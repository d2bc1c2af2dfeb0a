package dev.sockbridge.app;

import dev.sockbridge.proxy.SessionAuthenticator;
import dev.sockbridge.proxy.auth.ClientCertificateAuthenticator;
import dev.sockbridge.proxy.auth.CredentialAuthenticator;
import dev.sockbridge.proxy.auth.TokenAuthenticator;
import dev.sockbridge.frontend.emscripten.TokenFileAuthenticator;
import dev.sockbridge.proxy.auth.TokenKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.SecretKey;

/** The runnable proxy's authentication flags, turned into one authenticator. */
final class ProxyAuth {
    final SessionAuthenticator authenticator;
    /** The first HMAC key, for the demo's token endpoint; null without one. */
    final SecretKey demoMintingKey;
    final List<String> described = new ArrayList<>();

    private ProxyAuth(SessionAuthenticator a, SecretKey demoKey) {
        authenticator = a;
        demoMintingKey = demoKey;
    }

    static boolean configured(ProxyOptions o) {
        return o.has("auth-token-key") || o.has("auth-hmac-key") || o.has("auth-ed25519-public-key") || o.has("auth-token-file")
                || o.has("auth-client-ca") || o.has("auth-client-pin");
    }

    /**
     * Null when no auth flag is given (every session is admitted under the proxy's policy). Otherwise
     * the first authenticator that recognises a request's credential decides: a client certificate,
     * then a signed token, then a token-file token; a request with none is refused (401).
     */
    static ProxyAuth from(ProxyOptions o) throws IOException {
        if (!configured(o)) {
            return null;
        }
        List<CredentialAuthenticator> all = new ArrayList<>();
        List<String> what = new ArrayList<>();
        if (o.has("auth-client-ca") || o.has("auth-client-pin")) {
            ClientCertificateAuthenticator.Builder b = ClientCertificateAuthenticator.builder();
            if (o.has("auth-client-ca")) {
                b.trustCas(ClientCertificateAuthenticator.readCertificates(Path.of(o.get("auth-client-ca", null))));
            }
            for (String pin : o.all("auth-client-pin")) {
                b.pinSha256(pin);
            }
            all.add(b.build());
            what.add("TLS client certificates (" + (o.has("auth-client-ca") ? "CAs in " + o.get("auth-client-ca", null) + ", " : "")
                    + o.all("auth-client-pin").size() + " pin(s))");
        }
        SecretKey first = null;
        List<String> hmacFiles = new ArrayList<>(o.all("auth-hmac-key"));
        List<String> ed25519Files = new ArrayList<>(o.all("auth-ed25519-public-key"));
        for (String f : o.all("auth-token-key")) {
            // a PEM block is an Ed25519 public key; a line of base64 is an HMAC key
            (Files.readString(Path.of(f), StandardCharsets.US_ASCII).contains("-----BEGIN") ? ed25519Files : hmacFiles).add(f);
        }
        if (!hmacFiles.isEmpty() || !ed25519Files.isEmpty()) {
            TokenAuthenticator.Builder b = TokenAuthenticator.builder()
                    .clockSkew(Duration.ofSeconds(o.getInt("auth-clock-skew", 60)));
            for (String f : hmacFiles) {
                SecretKey k = TokenKeys.readHmacKey(Path.of(f));
                b.hmacKey(k);
                first = first == null ? k : first;
            }
            for (String f : ed25519Files) {
                b.ed25519Key(TokenKeys.readEd25519PublicKey(Path.of(f)));
            }
            all.add(b.build());
            what.add("signed tokens in ?token=, Authorization: Bearer, subprotocol " + TokenAuthenticator.SUBPROTOCOL_PREFIX
                    + "* or cookie " + TokenAuthenticator.COOKIE + " ("
                    + hmacFiles.size() + " HMAC-SHA256, " + ed25519Files.size() + " Ed25519 key(s))");
        }
        if (o.has("auth-token-file")) {
            all.add(TokenFileAuthenticator.of(Path.of(o.get("auth-token-file", null))));
            what.add("token file " + o.get("auth-token-file", null));
        }
        ProxyAuth a = new ProxyAuth(CredentialAuthenticator.firstOf(all), first);
        a.described.addAll(what);
        return a;
    }
}
