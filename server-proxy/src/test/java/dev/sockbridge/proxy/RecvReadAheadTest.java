package dev.sockbridge.proxy;

import static dev.sockbridge.api.Posix.AF_INET;
import static dev.sockbridge.api.Posix.SOCK_STREAM;
import static dev.sockbridge.proxy.LockStepPeer.pattern;
import static dev.sockbridge.proxy.LockStepPeer.writeInLockStep;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.testing.EchoServer;
import io.netty.buffer.ByteBufUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A recv returns everything that has arrived, up to the caller's length: the proxy reads ahead into a bounded
 * per-socket buffer and one recv hands it all over, however small the pieces the native peer wrote (the
 * Sockbridge protocol's pull mode, over the in-process transport, with a real TCP peer on loopback).
 */
@Timeout(60)
class RecvReadAheadTest extends EngineTestBase {
    static final int TOTAL = 200 << 10;

    static byte[] data(Reply r) {
        Reply.Data d = assertInstanceOf(Reply.Data.class, r, () -> "expected data, got " + r);
        try {
            return ByteBufUtil.getBytes(d.data());
        } finally {
            Message.release(d);
        }
    }

    /**
     * Many small round trips on one socket: Netty's read buffer guess shrinks to the size of the reads (64 bytes),
     * so reads fill their buffer exactly; none of them may leave a waiting recv unanswered.
     */
    @Test
    void smallRoundTripsKeepFlowingAsTheReadBufferShrinks() throws Exception {
        startProxy(SockbridgeProxy.builder());
        try (EchoServer echo = EchoServer.start(); RawSession s = RawSession.open(uri)) {
            int fd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.ok(new Request.Connect(s.nextId(), fd, echo.tcpAddress()));
            for (int i = 0; i < 300; i++) {
                byte[] msg = new byte[64];
                Arrays.fill(msg, (byte) i);
                // the recv first, so it waits when the echo comes
                java.util.concurrent.CompletableFuture<Reply> recv = s.callAsync(new Request.Recv(s.nextId(), fd, 64, 0));
                s.value(new Request.Send(s.nextId(), fd, 0, io.netty.buffer.Unpooled.wrappedBuffer(msg)));
                byte[] got = data(recv.get(RawSession.TIMEOUT_S, TimeUnit.SECONDS));
                assertArrayEquals(msg, got, "round trip " + i);
            }
        }
    }

    @Test
    void oneRecvReturnsEverythingThatArrivedInSmallPieces() throws Exception {
        startProxy(SockbridgeProxy.builder());
        byte[] data = pattern(TOTAL);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             RawSession s = RawSession.open(uri)) {
            int fd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.ok(new Request.Connect(s.nextId(), fd, new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    server.getLocalPort())));
            try (Socket peer = server.accept()) {
                peer.setTcpNoDelay(true);
                writeInLockStep(peer, data, 512, () -> proxy.stats().bytesFromNative());
                // MSG_PEEK sees all of it and leaves it queued
                byte[] peeked = data(s.call(new Request.Recv(s.nextId(), fd, 256 << 10, dev.sockbridge.api.Posix.MSG_PEEK)));
                assertEquals(TOTAL, peeked.length, "a peek sees all that arrived");
                assertArrayEquals(data, peeked);
                byte[] got = data(s.call(new Request.Recv(s.nextId(), fd, 256 << 10, 0)));
                System.out.println("pull mode: one recv of 256 KiB after " + TOTAL + " bytes arrived in 512-byte pieces"
                        + " returned " + got.length);
                assertEquals(TOTAL, got.length, "one recv returns all that arrived");
                assertArrayEquals(data, got);
                // a recv shorter than what waits takes its length and leaves the rest, in order
                byte[] more = pattern(3000);
                writeInLockStep(peer, more, 100, () -> proxy.stats().bytesFromNative());
                byte[] first = data(s.call(new Request.Recv(s.nextId(), fd, 1234, 0)));
                byte[] rest = data(s.call(new Request.Recv(s.nextId(), fd, 256 << 10, 0)));
                assertArrayEquals(Arrays.copyOfRange(more, 0, 1234), first);
                assertArrayEquals(Arrays.copyOfRange(more, 1234, 3000), rest);
            }
        }
    }
}
