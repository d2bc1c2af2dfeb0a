package dev.sockbridge.transport.webtransport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.Quic;
import io.netty.handler.codec.quic.QuicTokenHandler;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * QUIC address validation (RFC 9000 §8.1): a client's first Initial without a token gets a Retry whose token only
 * the same address and port can bring back, and only before it expires. So the server keeps no state and spends
 * no handshake on a spoofed source address, and what it sends to an address that never asked is one small Retry.
 *
 * <pre>
 *   token = expiry (8, epoch millis) | HMAC-SHA256(key, expiry | client IP | client port | odcid)[0..16) | odcid
 * </pre>
 *
 * The key is 32 random bytes made per server, never stored: a restarted server only costs clients one more
 * round trip. Tokens that fail (forged, expired, other address) make the codec drop the packet, silently, as
 * RFC 9000 allows; they are counted in {@link #invalidTokens()}.
 *
 * <p>Threading: the codec calls it on its event loop; one server may use several loops, so the MAC is guarded.
 */
public final class AddressValidationTokens implements QuicTokenHandler {
    private static final int EXPIRY_BYTES = 8;
    private static final int MAC_BYTES = 16;
    private static final int ODCID_OFFSET = EXPIRY_BYTES + MAC_BYTES;

    private final Mac mac;
    private final long lifetimeMillis;
    private final LongSupplier clock;
    private final LongAdder retries = new LongAdder();
    private final LongAdder invalid = new LongAdder();

    /** @param lifetime how long a token is good for; a Retry is answered at once, so seconds are plenty */
    public AddressValidationTokens(Duration lifetime) {
        this(lifetime, System::currentTimeMillis);
    }

    AddressValidationTokens(Duration lifetime, LongSupplier clock) {
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("token lifetime must be positive: " + lifetime);
        }
        this.lifetimeMillis = lifetime.toMillis();
        this.clock = clock;
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    @Override
    public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
        long expiry = clock.getAsLong() + lifetimeMillis;
        byte[] odcid = new byte[dcid.readableBytes()];
        dcid.getBytes(dcid.readerIndex(), odcid);
        out.writeLong(expiry).writeBytes(sign(expiry, address, odcid)).writeBytes(odcid);
        retries.increment();
        return true;
    }

    @Override
    public int validateToken(ByteBuf token, InetSocketAddress address) {
        int start = token.readerIndex();
        int n = token.readableBytes();
        if (n < ODCID_OFFSET || n > maxTokenLength()) {
            invalid.increment();
            return -1;
        }
        long expiry = token.getLong(start);
        byte[] given = new byte[MAC_BYTES];
        token.getBytes(start + EXPIRY_BYTES, given);
        byte[] odcid = new byte[n - ODCID_OFFSET];
        token.getBytes(start + ODCID_OFFSET, odcid);
        // compare before looking at the time, in constant time, so a forged token learns nothing from timing
        boolean genuine = MessageDigest.isEqual(given, sign(expiry, address, odcid));
        if (!genuine || clock.getAsLong() > expiry) {
            invalid.increment();
            return -1;
        }
        return ODCID_OFFSET; // the codec reads the original destination connection id from here
    }

    @Override
    public int maxTokenLength() {
        return ODCID_OFFSET + Quic.MAX_CONN_ID_LEN;
    }

    /** Retry packets sent (each one a token minted). */
    public long retries() {
        return retries.sum();
    }

    /** Tokens refused: forged, expired, or from another address. */
    public long invalidTokens() {
        return invalid.sum();
    }

    private byte[] sign(long expiry, InetSocketAddress address, byte[] odcid) {
        byte[] ip = address.getAddress().getAddress();
        int port = address.getPort();
        byte[] full;
        synchronized (mac) {
            for (int i = 7; i >= 0; i--) {
                mac.update((byte) (expiry >>> (i * 8)));
            }
            mac.update((byte) ip.length);
            mac.update(ip);
            mac.update((byte) (port >>> 8));
            mac.update((byte) port);
            mac.update(odcid);
            full = mac.doFinal();
        }
        byte[] out = new byte[MAC_BYTES];
        System.arraycopy(full, 0, out, 0, MAC_BYTES);
        return out;
    }
}
