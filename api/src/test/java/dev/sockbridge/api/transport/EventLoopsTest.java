package dev.sockbridge.api.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventLoopsTest {

    @Test
    void newGroupIsEpollWhereTheNativeLibraryLoads() throws Exception {
        assumeTrue(Epoll.isAvailable(), "no epoll here");
        assertTrue(EventLoops.isNative());
        assertEquals("epoll", EventLoops.ioName());
        EventLoopGroup group = EventLoops.newGroup(1, "el-test");
        try {
            assertTrue(EventLoops.isNative(group));
            assertTrue(EventLoops.isNative(group.next()), "a loop of the group, as channels report it");
            assertSame(EpollSocketChannel.class, EventLoops.socketChannel(group));
            String name = group.next().submit(() -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS);
            assertTrue(name.startsWith("el-test-"), name);
            assertTrue(group.next().submit(() -> Thread.currentThread().isDaemon()).get(10, TimeUnit.SECONDS));
            tcpAndUdpEcho(group);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void nioGroupGetsNioChannelsAndWorks() throws Exception {
        EventLoopGroup group = EventLoops.newNioGroup(1, "el-nio");
        try {
            assertFalse(EventLoops.isNative(group));
            assertSame(NioSocketChannel.class, EventLoops.socketChannel(group));
            tcpAndUdpEcho(group);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** The three channel classes for {@code group} register on it and carry bytes over loopback. */
    private static void tcpAndUdpEcho(EventLoopGroup group) throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        Channel server = new ServerBootstrap().group(group).channel(EventLoops.serverSocketChannel(group))
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ctx.writeAndFlush(msg);
                    }
                }).bind(lo, 0).sync().channel();
        CompletableFuture<Integer> tcp = new CompletableFuture<>();
        Channel client = new Bootstrap().group(group).channel(EventLoops.socketChannel(group))
                .handler(new SimpleChannelInboundHandler<ByteBuf>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                        tcp.complete((int) msg.getByte(msg.readerIndex()));
                    }
                }).connect(server.localAddress()).sync().channel();
        CompletableFuture<Integer> udp = new CompletableFuture<>();
        Channel dgram = new Bootstrap().group(group).channel(EventLoops.datagramChannel(group))
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                        udp.complete((int) p.content().getByte(p.content().readerIndex()));
                    }
                }).bind(lo, 0).sync().channel();
        try {
            client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {7})).sync();
            dgram.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {9}),
                    (InetSocketAddress) dgram.localAddress())).sync();
            assertEquals(7, tcp.get(10, TimeUnit.SECONDS));
            assertEquals(9, udp.get(10, TimeUnit.SECONDS));
        } finally {
            client.close().sync();
            dgram.close().sync();
            server.close().sync();
        }
    }
}
