package dev.sockbridge.app;

import dev.sockbridge.proxy.auth.GrantClaims;
import dev.sockbridge.proxy.auth.TokenKeys;
import dev.sockbridge.proxy.auth.TokenMinter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import javax.crypto.SecretKey;

/**
 * The game backend's side, as a command: makes keys and mints a token for one player, which the
 * page passes to the proxy ({@code ?token=...}). A real backend calls {@link TokenMinter} the same
 * way when a player joins a match.
 *
 * <pre>
 *   MintToken --new-hmac-key token.key
 *   MintToken --new-ed25519-key signing.pem verify.pem
 *   MintToken (--hmac-key FILE | --ed25519-private-key FILE) --subject player-42 --ttl 600
 *             --connect 10.1.2.3:7777/tcp --connect 10.1.2.3:7778/udp [--bind RULE] [--lookup NAME]
 *             [--reverse-lookups] [--session-ttl SECONDS] [--max-sockets N]
 * </pre>
 */
public final class MintToken {
    private static final java.util.Set<String> OPTIONS = java.util.Set.of("--hmac-key", "--ed25519-private-key", "--subject",
            "--ttl", "--session-ttl", "--connect", "--bind", "--lookup", "--max-sockets", "--reverse-lookups");

    private MintToken() {
    }

    public static void main(String[] args) throws Exception {
        try {
            System.out.println(run(args));
        } catch (IllegalArgumentException e) {
            System.err.println("mint-token: " + e.getMessage());
            System.exit(2);
        } catch (java.io.IOException e) {
            System.err.println("mint-token: " + e);
            System.exit(1);
        }
    }

    static String run(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--new-hmac-key")) {
            writeSecret(Path.of(args[1]), TokenKeys.newHmacKeyText() + "\n");
            return "wrote a new HMAC key to " + args[1] + " (give the proxy --auth-token-key " + args[1] + ")";
        }
        if (args.length == 3 && args[0].equals("--new-ed25519-key")) {
            KeyPair k = TokenKeys.newEd25519KeyPair();
            writeSecret(Path.of(args[1]), TokenKeys.pem(k.getPrivate()));
            Files.writeString(Path.of(args[2]), TokenKeys.pem(k.getPublic()));
            return "wrote the signing key to " + args[1] + " (keep it in the backend) and the public key to " + args[2]
                    + " (give the proxy --auth-token-key " + args[2] + ")";
        }
        TokenMinter minter = null;
        GrantClaims.Builder b = null;
        String subject = "player";
        long ttl = 600;
        Long sessionTtl = null;
        java.util.List<String[]> rules = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!OPTIONS.contains(a)) {
                throw new IllegalArgumentException("unknown option " + a + " (see the class comment)");
            }
            if (i + 1 >= args.length && !a.equals("--reverse-lookups")) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            switch (a) {
                case "--hmac-key" -> minter = TokenMinter.hmac(TokenKeys.readHmacKey(Path.of(args[++i])));
                case "--ed25519-private-key" -> minter = TokenMinter.ed25519(TokenKeys.readEd25519PrivateKey(Path.of(args[++i])));
                case "--subject" -> subject = args[++i];
                case "--ttl" -> ttl = Long.parseLong(args[++i]);
                case "--session-ttl" -> sessionTtl = Long.parseLong(args[++i]);
                case "--connect", "--bind", "--lookup", "--max-sockets" -> rules.add(new String[] {a, args[++i]});
                case "--reverse-lookups" -> rules.add(new String[] {a, "true"});
                default -> throw new IllegalArgumentException("unknown option " + a + " (see the class comment)");
            }
        }
        if (minter == null) {
            throw new IllegalArgumentException("--hmac-key FILE or --ed25519-private-key FILE");
        }
        b = GrantClaims.builder(subject).validFor(Duration.ofSeconds(ttl));
        if (sessionTtl != null) {
            b.sessionExpiresAt(Instant.now().plusSeconds(sessionTtl));
        }
        for (String[] r : rules) {
            switch (r[0]) {
                case "--connect" -> b.connect(r[1]);
                case "--bind" -> b.bind(r[1]);
                case "--lookup" -> b.lookup(r[1]);
                case "--max-sockets" -> b.maxSockets(Integer.parseInt(r[1]));
                default -> b.reverseLookups(true);
            }
        }
        return minter.mint(b.build());
    }

    /**
     * What the demo's backend hands the demo page: ten minutes to reach the demo's echo servers,
     * plus what the page's own checks do on loopback (a TCP listener on 127.0.0.1 and connections to
     * it, a lookup of localhost).
     */
    static String demoToken(SecretKey key, InetSocketAddress tcpEcho, InetSocketAddress udpEcho) {
        return TokenMinter.hmac(key).mint(GrantClaims.builder("demo-player").validFor(Duration.ofMinutes(10))
                .connect(rule(tcpEcho, "tcp"), rule(udpEcho, "udp"), "127.0.0.1/tcp")
                .bind("127.0.0.1/tcp").lookup("localhost").build());
    }

    private static String rule(InetSocketAddress a, String proto) {
        String h = a.getAddress().getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort() + "/" + proto;
    }

    /** Owner-only before the secret is written, so it is never readable by others, not even briefly. */
    private static void writeSecret(Path p, String text) throws java.io.IOException {
        try {
            if (!Files.exists(p)) {
                Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the caller protects the file
        }
        Files.writeString(p, text);
    }
}
