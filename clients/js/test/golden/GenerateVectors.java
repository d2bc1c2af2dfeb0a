import dev.sockbridge.api.internal.codec.CborMessageCodec;
import dev.sockbridge.api.message.AddrInfo;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.PollFd;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints test/golden/vectors.json: the Java codec's bytes for the messages that test/codec.test.js
 * builds by the same names. Run from clients/js with the api jar and its dependencies:
 *
 * <pre>
 * M=~/.m2/repository
 * java -cp ../../api/target/classes:$M/com/fasterxml/jackson/core/jackson-core/2.18.2/jackson-core-2.18.2.jar:\
 * $M/com/fasterxml/jackson/dataformat/jackson-dataformat-cbor/2.18.2/jackson-dataformat-cbor-2.18.2.jar:\
 * $M/io/netty/netty-buffer/4.2.18.Final/netty-buffer-4.2.18.Final.jar:$M/io/netty/netty-common/4.2.18.Final/netty-common-4.2.18.Final.jar \
 *   test/golden/GenerateVectors.java > test/golden/vectors.json
 * </pre>
 */
public class GenerateVectors {
    static ByteBuf bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + 1);
        }
        return Unpooled.wrappedBuffer(b);
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 7);
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 443);
        byte[] ll = InetAddress.getByName("fe80::1:2").getAddress();
        InetSocketAddress v6scope = new InetSocketAddress(Inet6Address.getByAddress(null, ll, 3), 8080);
        InetSocketAddress name = InetSocketAddress.createUnresolved("example.org", 80);

        Map<String, Message> m = new LinkedHashMap<>();
        m.put("hello", new Control.Hello(List.of(1), "sockbridge-js/0.1"));
        m.put("welcome", new Control.Welcome(1, "sockbridge-proxy/0.1", 1048576, 256, 1024, 16777216L));
        m.put("welcome_big", new Control.Welcome(1, "p", 65536, 8, 16, 1L << 40));
        m.put("goodbye", new Control.Goodbye(1000, "bye"));
        m.put("credit", new Control.Credit(3, 65536));
        m.put("credit_big", new Control.Credit(3, 1L << 33));
        m.put("data_event_stream", new Event.Data(3, 0, null, bytes(5)));
        m.put("data_event_dgram", new Event.Data(4, 0, v4, bytes(300)));
        m.put("data_event_empty", new Event.Data(4, 0x20, v6, bytes(0)));
        m.put("accept_event", new Event.Accept(5, 6, v4));
        m.put("ready_eof", new Event.Ready(3, 0x2001, 0));
        m.put("ready_err", new Event.Ready(3, 0x8, 111));
        m.put("socket", new Request.Socket(1, 2, 1, 0));
        m.put("socket_nonblock", new Request.Socket(2, 10, 2 | 0x800, 17));
        m.put("socketpair", new Request.SocketPair(3, 1, 1, 0));
        m.put("bind_v4", new Request.Bind(4, 3, v4));
        m.put("connect_name", new Request.Connect(5, 3, name));
        m.put("connect_v6", new Request.Connect(6, 3, v6));
        m.put("connect_v6_scope", new Request.Connect(7, 3, v6scope));
        m.put("listen", new Request.Listen(8, 3, 128));
        m.put("accept", new Request.Accept(9, 3, 0x800));
        m.put("send", new Request.Send(10, 3, 0x4000, bytes(3)));
        m.put("send_256", new Request.Send(11, 3, 0, bytes(256)));
        m.put("send_70000", new Request.Send(12, 3, 0, bytes(70000)));
        m.put("recv", new Request.Recv(13, 3, 65536, 0x2));
        m.put("sendto", new Request.SendTo(14, 4, 0, v4, bytes(4)));
        m.put("sendto_connected", new Request.SendTo(15, 4, 0, null, bytes(1)));
        m.put("sendto_datagram", new Request.SendTo(0, 4, 0, v4, bytes(2)));
        m.put("recvfrom", new Request.RecvFrom(16, 4, 1500, 0));
        m.put("sendmsg", new Request.SendMsg(17, 4, 0, v6, bytes(24)));
        m.put("recvmsg", new Request.RecvMsg(18, 4, 100, 0x100));
        m.put("shutdown", new Request.Shutdown(19, 3, 1));
        m.put("close", new Request.Close(20, 3));
        m.put("getsockopt", new Request.GetSockOpt(21, 3, 1, 4));
        m.put("setsockopt", new Request.SetSockOpt(22, 3, 6, 1, 1));
        m.put("setsockopt_negative", new Request.SetSockOpt(23, 3, 1, 13, -1));
        m.put("setsockopt_big", new Request.SetSockOpt(24, 3, 1, 20, 5_000_000_000L));
        m.put("getaddrinfo", new Request.GetAddrInfo(25, "localhost", null, 0x20, 0, 1, 0));
        m.put("getaddrinfo_service", new Request.GetAddrInfo(26, null, "http", 0x1, 2, 0, 6));
        m.put("getnameinfo", new Request.GetNameInfo(27, v4, 0x3));
        m.put("poll", new Request.Poll(28, List.of(new PollFd(3, 1), new PollFd(4, 0x2005)), -1));
        m.put("poll_empty", new Request.Poll(29, List.of(), 0));
        m.put("getsockname", new Request.GetSockName(30, 3));
        m.put("getpeername", new Request.GetPeerName(31, 3));
        m.put("push_on", new Request.Push(32, 3, true, 262144));
        m.put("push_off", new Request.Push(33, 3, false, 0));
        m.put("call_id_max", new Request.Close(Integer.MAX_VALUE, 65535));
        m.put("error_reply", new Reply.Error(5, 111, "Connection refused"));
        m.put("error_reply_gai", new Reply.Error(25, -2, "Name or service not known"));
        m.put("error_reply_long_reason", new Reply.Error(6, 22, "x".repeat(40)));
        m.put("ok_reply", new Reply.Ok(4));
        m.put("value_reply", new Reply.Value(1, 3));
        m.put("value_reply_negative", new Reply.Value(21, -1));
        m.put("value_reply_big", new Reply.Value(21, 1L << 35));
        m.put("socketpair_reply", new Reply.SocketPair(3, 5, 6));
        m.put("accept_reply", new Reply.Accept(9, 7, v6));
        m.put("data_reply", new Reply.Data(13, 0, null, bytes(10)));
        m.put("data_reply_from", new Reply.Data(16, 0x20, v4, bytes(24)));
        m.put("data_reply_eof", new Reply.Data(13, 0, null, bytes(0)));
        m.put("address_reply", new Reply.Address(30, v4));
        m.put("address_reply_null", new Reply.Address(30, null));
        m.put("address_reply_scope", new Reply.Address(30, v6scope));
        m.put("addrinfo_reply", new Reply.AddrInfos(25, List.of(
                new AddrInfo(2, 1, 6, new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), "localhost"),
                new AddrInfo(10, 1, 6, new InetSocketAddress(InetAddress.getByName("::1"), 0), null))));
        m.put("addrinfo_reply_empty", new Reply.AddrInfos(25, List.of()));
        m.put("nameinfo_reply", new Reply.NameInfo(27, "localhost", "7"));
        m.put("poll_reply", new Reply.Poll(28, List.of(new PollFd(4, 0x2001))));

        CborMessageCodec codec = CborMessageCodec.INSTANCE;
        StringBuilder out = new StringBuilder("{\n");
        int i = 0;
        for (Map.Entry<String, Message> e : m.entrySet()) {
            ByteBuf b = codec.encode(e.getValue(), ByteBufAllocator.DEFAULT);
            String hex = ByteBufUtil.hexDump(b);
            b.release();
            out.append("  \"").append(e.getKey()).append("\": \"").append(hex).append('"');
            out.append(++i < m.size() ? ",\n" : "\n");
        }
        out.append("}\n");
        System.out.print(out);
    }
}
