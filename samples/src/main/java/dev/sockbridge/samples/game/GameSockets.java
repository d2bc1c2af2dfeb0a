package dev.sockbridge.samples.game;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The game's own native sockets, which know nothing of Sockbridge: inputs and snapshots as UDP datagrams, chat as
 * TCP lines (the first line a client sends is its name, each later one is said to everyone as "name: text").
 * Both on 127.0.0.1, so that only the proxy in this JVM can reach them for browsers.
 *
 * <p><b>Threading.</b> One event loop runs the UDP socket, the chat and the tick, so {@link Game} needs no locks.
 *
 * <p><b>Backpressure.</b> A snapshot that cannot be sent at once is worthless by the next tick: when the UDP socket
 * is not writable the tick's snapshots are skipped, not queued. A chat client that does not read misses lines.
 */
final class GameSockets implements AutoCloseable {
    static final int TICK_MILLIS = 50;
    static final int MAX_LINE = 200;

    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Game<InetSocketAddress> game = new Game<>();
    private final ChannelGroup chatters = new DefaultChannelGroup(loop.next());
    private Channel udp;
    private Channel chat;

    static GameSockets start() throws InterruptedException {
        GameSockets s = new GameSockets();
        try {
            s.udp = new Bootstrap().group(s.loop).channel(NioDatagramChannel.class).handler(s.new Inputs())
                    .bind("127.0.0.1", 0).sync().channel();
            s.chat = new ServerBootstrap().group(s.loop).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new LineBasedFrameDecoder(MAX_LINE), new StringDecoder(StandardCharsets.UTF_8),
                                    new StringEncoder(StandardCharsets.UTF_8), s.new Chat());
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            s.close();
            throw e;
        }
        s.udp.eventLoop().scheduleAtFixedRate(s::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        return s;
    }

    private void tick() {
        game.tick();
        if (!udp.isWritable()) {
            return;
        }
        for (InetSocketAddress to : game.addresses()) {
            udp.write(new DatagramPacket(Unpooled.wrappedBuffer(game.snapshot(to)), to));
        }
        udp.flush();
    }

    private final class Inputs extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
            Game.Input in = Game.decodeInput(p.content().nioBuffer());
            if (in != null) {
                game.input(p.sender(), in);
            }
        }
    }

    private final class Chat extends SimpleChannelInboundHandler<String> {
        private String name;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            chatters.add(ctx.channel()); // and removed when it closes
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, String line) {
            String text = line.replaceAll("\\p{Cntrl}", "").strip();
            if (name == null) {
                name = text.isEmpty() ? "anonymous" : text.substring(0, Math.min(text.length(), Game.MAX_NAME));
                say("* " + name + " joined");
            } else if (!text.isEmpty()) {
                say(name + ": " + text);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            String why = cause instanceof TooLongFrameException ? "line over " + MAX_LINE + " bytes" : cause.toString();
            ctx.writeAndFlush("* closed: " + why + "\n").addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void say(String line) {
        chatters.writeAndFlush(line + "\n", Channel::isWritable);
    }

    InetSocketAddress udpAddress() {
        return (InetSocketAddress) udp.localAddress();
    }

    InetSocketAddress chatAddress() {
        return (InetSocketAddress) chat.localAddress();
    }

    @Override
    public void close() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
