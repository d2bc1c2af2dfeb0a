package dev.sockbridge.transport.webtransport;

import dev.sockbridge.api.testing.EchoServer;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The native peers of the end-to-end tests, each a shared {@link EchoServer} with its own script: a TCP and UDP
 * echo, a TCP sink that does not read until released (a stalled peer, with a small receive window so it backs up
 * soon), and a TCP source that writes a known byte pattern and half-closes.
 */
final class NativePeers implements AutoCloseable {
    final EchoServer echo;
    final EchoServer sink;
    final EchoServer source;
    final InetSocketAddress tcpEcho;
    final InetSocketAddress tcpSink;
    final InetSocketAddress tcpSource;
    final InetSocketAddress udpEcho;

    NativePeers(int sourceBytes) throws IOException {
        echo = EchoServer.start();
        sink = EchoServer.builder().tcp(EchoServer.Script.drop().afterStall(EchoServer.MAX_STALL))
                .receiveBufferSize(16 * 1024).start();
        source = EchoServer.builder().tcp(EchoServer.Script.source(sourceBytes)).start();
        tcpEcho = echo.tcpAddress();
        tcpSink = sink.tcpAddress();
        tcpSource = source.tcpAddress();
        udpEcho = echo.udpAddress();
    }

    /** The sink connections accepted so far start reading (and read until their peer closes); later ones wait. */
    void releaseSink() {
        sink.release();
    }

    /** Byte {@code i} of what the source writes. */
    static byte sourceByte(long i) {
        return EchoServer.patternByte(i);
    }

    @Override
    public void close() {
        echo.close();
        sink.close();
        source.close();
    }
}
