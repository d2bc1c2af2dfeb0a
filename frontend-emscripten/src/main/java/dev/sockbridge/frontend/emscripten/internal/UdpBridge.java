package dev.sockbridge.frontend.emscripten.internal;

import dev.sockbridge.api.Posix;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.frontend.emscripten.BridgeTargets;
import dev.sockbridge.proxy.spi.Call;
import dev.sockbridge.proxy.spi.EngineSession;
import io.netty.buffer.ByteBuf;

/**
 * SOCKFS UDP for one WebSocket, which stands for one destination: every binary message is one datagram to the
 * target, every datagram from the target is one binary message. The engine socket is connected, so datagrams
 * from anyone else are dropped.
 *
 * <p>A SOCKFS socket that was {@code bind()}-ed first sends a 10-byte port announcement
 * {@code FF FF FF FF 'p' 'o' 'r' 't' hi lo} on each new peer WebSocket: if the first message is exactly that, it
 * is consumed here, not sent.
 *
 * <p><b>Backpressure.</b> UDP has none: sends are fire-and-forget (a datagram the socket cannot take is dropped and
 * counted), and while the WebSocket is not writable the engine stops reading the socket (the kernel drops, as it
 * would for a slow reader).
 */
public final class UdpBridge extends Bridge {
    public static final String PROTOCOL = "websockify-udp";
    private static final byte[] ANNOUNCE = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'p', 'o', 'r', 't'};

    private boolean first = true;
    private volatile int announcedPort = -1;

    public UdpBridge(EngineSession session, Transport ws, BridgeTargets.Target target) {
        super(session, ws, target);
    }

    /** The port the client announced in its first message, or -1. */
    public int announcedPort() {
        return announcedPort;
    }

    /** True for the 10-byte SOCKFS port announcement. */
    public static boolean isPortAnnouncement(ByteBuf b) {
        if (b.readableBytes() != ANNOUNCE.length + 2) {
            return false;
        }
        for (int i = 0; i < ANNOUNCE.length; i++) {
            if (b.getByte(b.readerIndex() + i) != ANNOUNCE[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    int socketType() {
        return Posix.SOCK_DGRAM;
    }

    @Override
    void toTarget(ByteBuf data) {
        if (first) {
            first = false;
            if (isPortAnnouncement(data)) {
                announcedPort = data.getUnsignedShort(data.readerIndex() + ANNOUNCE.length);
                data.release();
                return;
            }
        }
        // call id 0: fire-and-forget, a datagram the engine cannot send is counted as dropped
        session.submit(new Call(new Request.Send(0, fd, 0, data), this));
    }

    @Override
    void ready(Event.Ready r) {
        if ((r.events() & Posix.POLLERR) != 0) {
            // ICMP port unreachable and the like: UDP carries on, the datagram is simply lost
            session.datagramDropped(fd);
        }
    }
}
