package dev.sockbridge.transport.webtransport.internal;

import dev.sockbridge.api.internal.tls.Pem;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;

/**
 * Trusts a server exactly when the SHA-256 of its leaf certificate's DER is one of the pins: the Java
 * counterpart of a page's {@code serverCertificateHashes}. Names and chains are not checked (the pin is
 * stronger); the validity period is.
 *
 * <p>Threading: immutable.
 */
public final class PinnedCertificateTrustManager extends X509ExtendedTrustManager {
    private final List<byte[]> pins;

    public PinnedCertificateTrustManager(List<byte[]> sha256Pins) {
        if (sha256Pins.isEmpty()) {
            throw new IllegalArgumentException("no certificate pin");
        }
        this.pins = sha256Pins.stream().map(byte[]::clone).toList();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("server sent no certificate");
        }
        chain[0].checkValidity();
        byte[] hash = Pem.sha256(chain[0]);
        for (byte[] pin : pins) {
            if (Arrays.equals(pin, hash)) {
                return;
            }
        }
        throw new CertificateException("server certificate sha256 " + Pem.hex(hash) + " matches no pin");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("client certificates are not used");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
