package dev.sockbridge.transport.websocket.internal;

import dev.sockbridge.api.internal.tls.Pem;
import dev.sockbridge.api.internal.tls.SelfSignedCertificateGenerator;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A development certificate for wss: ECDSA P-256, self-signed, for the given host names and
 * addresses. Made by the generator the WebTransport transport uses too (api's internal tls package).
 */
public final class SelfSignedCertificate {
    private final PrivateKey key;
    private final X509Certificate certificate;

    private SelfSignedCertificate(PrivateKey key, X509Certificate certificate) {
        this.key = key;
        this.certificate = certificate;
    }

    public PrivateKey key() {
        return key;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    @Override
    public String toString() {
        return "self-signed " + certificate.getSubjectX500Principal() + " until " + certificate.getNotAfter();
    }

    /** Makes one for {@code hosts} (names and IP literals), valid for {@code validity} from now. */
    public static SelfSignedCertificate generate(List<String> hosts, Duration validity) throws GeneralSecurityException {
        List<String> names = new ArrayList<>();
        List<InetAddress> ips = new ArrayList<>();
        for (String h : hosts) {
            if (isIpLiteral(h)) {
                try {
                    ips.add(InetAddress.getByAddress(NetUtil.createByteArrayFromIpAddressString(h.replace("[", "").replace("]", ""))));
                } catch (java.net.UnknownHostException e) {
                    throw new AssertionError(e); // a literal never needs a lookup
                }
            } else {
                names.add(h);
            }
        }
        String cn = names.isEmpty() ? hosts.get(0) : names.get(0);
        var made = SelfSignedCertificateGenerator.loopback(validity).withNames(cn, names, ips).generate();
        return new SelfSignedCertificate(made.privateKey(), made.certificate());
    }

    /** localhost, 127.0.0.1, ::1 and the bind host unless it is a wildcard. */
    public static List<String> defaultHosts(String bindHost) {
        Set<String> hosts = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
        if (bindHost != null && !bindHost.isBlank() && !bindHost.equals("0.0.0.0") && !bindHost.equals("::")) {
            hosts.add(bindHost);
        }
        return new ArrayList<>(hosts);
    }

    static boolean isIpLiteral(String host) {
        String h = host.replace("[", "").replace("]", "");
        return NetUtil.isValidIpV4Address(h) || NetUtil.isValidIpV6Address(h);
    }

    public String certificatePem() {
        return Pem.certificate(certificate);
    }

    public String keyPem() {
        return Pem.privateKey(key);
    }

    public void writeCertificate(Path file) throws IOException {
        Files.writeString(file, certificatePem());
    }
}
