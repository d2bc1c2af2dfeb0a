package dev.sockbridge.api.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sockbridge.api.message.AddrInfo;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.DataCarrier;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.PollFd;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CodecRoundTripTest {
    private final MessageCodec codec = MessageCodec.cbor();

    static List<Message> samples() throws Exception {
        InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8080);
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 443);
        InetSocketAddress host = InetSocketAddress.createUnresolved("example.test", 53);
        return List.of(
                new Control.Hello(List.of(1), "test"),
                new Control.Welcome(1, "sockbridge", 1 << 20, 64, 256, 4 << 20),
                new Control.Goodbye(1002, "bad"),
                new Control.Credit(3, 1L << 40),
                new Event.Accept(3, 4, v6),
                new Event.Ready(3, 4, 0),
                new Request.Socket(1, 2, 1 | 0x800, 0),
                new Request.SocketPair(2, 1, 1, 0),
                new Request.Bind(3, 5, v4),
                new Request.Connect(4, 5, host),
                new Request.Listen(5, 5, 128),
                new Request.Accept(6, 5, 0x800),
                new Request.Recv(7, 5, 65536, 0x2),
                new Request.RecvFrom(8, 5, 100, 0),
                new Request.RecvMsg(9, 5, 100, 0),
                new Request.Shutdown(10, 5, 1),
                new Request.Close(11, 5),
                new Request.GetSockOpt(12, 5, 1, 4),
                new Request.SetSockOpt(13, 5, 6, 1, 1),
                new Request.GetAddrInfo(14, "localhost", null, 2, 0, 1, 0),
                new Request.GetNameInfo(15, v6, 3),
                new Request.Poll(16, List.of(new PollFd(5, 1), new PollFd(6, 4)), -1),
                new Request.GetSockName(17, 5),
                new Request.GetPeerName(18, 5),
                new Request.Push(19, 5, true, 65536),
                new Reply.Error(20, 111, "Connection refused"),
                new Reply.Ok(21),
                new Reply.Value(22, 7),
                new Reply.SocketPair(23, 7, 8),
                new Reply.Accept(24, 9, v4),
                new Reply.Address(25, null),
                new Reply.AddrInfos(26, List.of(new AddrInfo(2, 1, 6, v4, "localhost"), new AddrInfo(10, 1, 6, v6, null))),
                new Reply.NameInfo(27, "localhost", "http"),
                new Reply.Poll(28, List.of(new PollFd(5, 1))));
    }

    @Test
    void everyMessageWithoutDataRoundTrips() throws Exception {
        for (Message m : samples()) {
            ByteBuf f = codec.encode(m, UnpooledByteBufAllocator.DEFAULT);
            try {
                assertEquals(m, codec.decode(f), () -> "round trip of " + m);
            } finally {
                f.release();
            }
        }
    }

    @Test
    void dataMessagesRoundTripWithoutCopyingAtEverySize() throws Exception {
        Random rnd = new Random(1);
        for (int size : new int[] {0, 1, 23, 24, 255, 256, 511, 512, 65535, 65536, 1 << 20}) {
            byte[] payload = new byte[size];
            rnd.nextBytes(payload);
            for (boolean direct : new boolean[] {true, false}) {
                ByteBuf data = direct ? PooledByteBufAllocator.DEFAULT.directBuffer(size) : Unpooled.buffer(size);
                data.writeBytes(payload);
                Message m = new Request.SendTo(42, 3, 0, new InetSocketAddress("127.0.0.1", 9), data);
                ByteBuf f = codec.encode(m, direct ? PooledByteBufAllocator.DEFAULT : UnpooledByteBufAllocator.DEFAULT);
                Message back = codec.decode(f);
                f.release();
                Request.SendTo s = assertInstanceOf(Request.SendTo.class, back);
                assertEquals(42, s.callId());
                assertEquals(new InetSocketAddress("127.0.0.1", 9), s.address());
                assertEquals(ByteBufUtil.hexDump(payload), ByteBufUtil.hexDump(((DataCarrier) back).data()));
                Message.release(back);
                assertEquals(0, data.refCnt(), "the codec and the message hold no stray references");
            }
        }
    }

    @Test
    void eventAndReplyDataRoundTrip() throws Exception {
        Message[] ms = {
            new Event.Data(3, 0x20, new InetSocketAddress("::1", 5), Unpooled.wrappedBuffer(new byte[] {1, 2, 3})),
            new Reply.Data(4, 0, null, Unpooled.wrappedBuffer(new byte[600])),
            new Request.Send(5, 6, 0x4000, Unpooled.wrappedBuffer(new byte[] {9})),
            new Request.SendMsg(6, 6, 0, null, Unpooled.wrappedBuffer(new byte[] {8, 7})),
        };
        for (Message m : ms) {
            String hex = ByteBufUtil.hexDump(((DataCarrier) m).data());
            ByteBuf f = codec.encode(m, PooledByteBufAllocator.DEFAULT);
            Message back = codec.decode(f);
            f.release();
            assertEquals(m.messageType(), back.messageType());
            assertEquals(hex, ByteBufUtil.hexDump(((DataCarrier) back).data()));
            Message.release(back);
        }
    }

    @Test
    void badFramesGiveProtocolExceptionsWithTheCallIdWhenKnown() {
        // [0x16 SEND, 7, fd 3] then missing flags and data
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> codec.decode(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("8516070318"))));
        assertEquals(7, e.callId());
        ProtocolException unknown = assertThrows(ProtocolException.class,
                () -> codec.decode(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("83187f0901"))));
        assertEquals(9, unknown.callId());
        assertEquals(0x7f, unknown.messageType());
        ProtocolException wrongType = assertThrows(ProtocolException.class,
                () -> codec.decode(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("83101461"))));
        assertEquals(20, wrongType.callId());
        assertThrows(ProtocolException.class, () -> codec.decode(Unpooled.wrappedBuffer(new byte[] {(byte) 0xff})));
        assertThrows(ProtocolException.class, () -> codec.decode(Unpooled.EMPTY_BUFFER));
    }
}
