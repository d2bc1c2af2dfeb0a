package dev.sockbridge.api.testing;

import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import java.net.SocketAddress;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A transport that hands every call to another, for tests that change one thing about a real transport
 * (hide its capabilities, hold its listener). It forwards the methods every transport implements; the
 * optional ones (datagrams, streams, held bytes, connect request, attachment) keep {@link Transport}'s
 * defaults unless a subclass forwards them too, so a wrapper offers no more than it says.
 */
public abstract class ForwardingTransport implements Transport {
    protected final Transport t;

    protected ForwardingTransport(Transport t) {
        this.t = Objects.requireNonNull(t, "transport");
    }

    @Override
    public void start(TransportListener listener) {
        t.start(listener);
    }

    @Override
    public void send(ByteBuf frame) {
        t.send(frame);
    }

    @Override
    public boolean isWritable() {
        return t.isWritable();
    }

    @Override
    public void setAutoRead(boolean autoRead) {
        t.setAutoRead(autoRead);
    }

    @Override
    public Set<Capability> capabilities() {
        return t.capabilities();
    }

    @Override
    public void close(int code, String reason) {
        t.close(code, reason);
    }

    @Override
    public CompletableFuture<Void> closeFuture() {
        return t.closeFuture();
    }

    @Override
    public EventExecutor executor() {
        return t.executor();
    }

    @Override
    public ByteBufAllocator alloc() {
        return t.alloc();
    }

    @Override
    public SocketAddress remoteAddress() {
        return t.remoteAddress();
    }

    @Override
    public String scheme() {
        return t.scheme();
    }
}
