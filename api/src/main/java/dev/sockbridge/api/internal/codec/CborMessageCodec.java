package dev.sockbridge.api.internal.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import com.fasterxml.jackson.dataformat.cbor.CBORReadContext;
import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.codec.ProtocolException;
import dev.sockbridge.api.message.AddrInfo;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.DataCarrier;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.MessageType;
import dev.sockbridge.api.message.PollFd;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.CompositeByteBuf;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The CBOR codec on Jackson; see {@link MessageCodec} and docs/protocol.md for the layouts. */
public final class CborMessageCodec implements MessageCodec {
    public static final CborMessageCodec INSTANCE = new CborMessageCodec();

    /** Direct frames are parsed from a heap copy of at most this many leading bytes, data excluded. */
    private static final int PREFIX = 512;
    /** Bulk data at least this long is appended as a composite component instead of copied. */
    private static final int COMPOSITE_THRESHOLD = 256;

    private final CBORFactory factory;

    private CborMessageCodec() {
        factory = new CBORFactory();
        factory.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        factory.disable(JsonGenerator.Feature.AUTO_CLOSE_JSON_CONTENT);
        factory.disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
    }

    // ------------------------------------------------------------------ encode

    @Override
    public ByteBuf encode(Message m, ByteBufAllocator alloc) {
        ByteBuf head = alloc.buffer(64);
        ByteBuf data = m instanceof DataCarrier ? ((DataCarrier) m).data() : null;
        try {
            try (ByteBufOutputStream out = new ByteBufOutputStream(head);
                 CBORGenerator g = (CBORGenerator) factory.createGenerator((java.io.OutputStream) out)) {
                writeFields(g, m);
                g.flush();
            }
            if (data == null) {
                return head;
            }
            int len = data.readableBytes();
            writeTypeAndLength(head, 2, len);
            if (len < COMPOSITE_THRESHOLD) {
                head.writeBytes(data, data.readerIndex(), len);
                data.release();
                return head;
            }
            CompositeByteBuf c = alloc.compositeBuffer(2);
            c.addComponent(true, head);
            c.addComponent(true, data);
            return c;
        } catch (IOException | RuntimeException e) {
            head.release();
            if (data != null && data.refCnt() > 0) {
                data.release();
            }
            throw new IllegalArgumentException("cannot encode " + m.messageType() + ": " + e.getMessage(), e);
        }
    }

    static void writeTypeAndLength(ByteBuf out, int major, long len) {
        int mt = major << 5;
        if (len < 24) {
            out.writeByte(mt | (int) len);
        } else if (len < 0x100) {
            out.writeByte(mt | 24).writeByte((int) len);
        } else if (len < 0x10000) {
            out.writeByte(mt | 25).writeShort((int) len);
        } else if (len < 0x100000000L) {
            out.writeByte(mt | 26).writeInt((int) len);
        } else {
            out.writeByte(mt | 27).writeLong(len);
        }
    }

    /** Writes the array header and every element but trailing data, which the caller appends raw. */
    private static void writeFields(CBORGenerator g, Message m) throws IOException {
        MessageType t = m.messageType();
        switch (t) {
            case HELLO: {
                Control.Hello h = (Control.Hello) m;
                start(g, t, 3);
                g.writeStartArray(null, h.versions().size());
                for (int v : h.versions()) {
                    g.writeNumber(v);
                }
                g.writeEndArray();
                str(g, h.agent());
                return;
            }
            case WELCOME: {
                Control.Welcome w = (Control.Welcome) m;
                start(g, t, 7);
                g.writeNumber(w.version());
                str(g, w.agent());
                g.writeNumber(w.maxFrameSize());
                g.writeNumber(w.maxSockets());
                g.writeNumber(w.maxOutstandingCalls());
                g.writeNumber(w.maxBufferedBytes());
                return;
            }
            case GOODBYE: {
                Control.Goodbye b = (Control.Goodbye) m;
                start(g, t, 3);
                g.writeNumber(b.code());
                str(g, b.reason());
                return;
            }
            case GOING_AWAY: {
                Control.GoingAway a = (Control.GoingAway) m;
                start(g, t, 2);
                str(g, a.reason());
                return;
            }
            case CREDIT: {
                Control.Credit c = (Control.Credit) m;
                start(g, t, 3);
                g.writeNumber(c.fd());
                g.writeNumber(c.bytes());
                return;
            }
            case DATA_EVENT: {
                Event.Data d = (Event.Data) m;
                start(g, t, 5);
                g.writeNumber(d.fd());
                g.writeNumber(d.flags());
                addr(g, d.from());
                return;
            }
            case ACCEPT_EVENT: {
                Event.Accept a = (Event.Accept) m;
                start(g, t, 4);
                g.writeNumber(a.fd());
                g.writeNumber(a.newFd());
                addr(g, a.peer());
                return;
            }
            case READY_EVENT: {
                Event.Ready r = (Event.Ready) m;
                start(g, t, 4);
                g.writeNumber(r.fd());
                g.writeNumber(r.events());
                g.writeNumber(r.errno());
                return;
            }
            case SOCKET: {
                Request.Socket r = (Request.Socket) m;
                call(g, t, r.callId(), 5);
                ints(g, r.domain(), r.type(), r.protocol());
                return;
            }
            case SOCKETPAIR: {
                Request.SocketPair r = (Request.SocketPair) m;
                call(g, t, r.callId(), 5);
                ints(g, r.domain(), r.type(), r.protocol());
                return;
            }
            case BIND: {
                Request.Bind r = (Request.Bind) m;
                call(g, t, r.callId(), 4);
                g.writeNumber(r.fd());
                addr(g, r.address());
                return;
            }
            case CONNECT: {
                Request.Connect r = (Request.Connect) m;
                call(g, t, r.callId(), 4);
                g.writeNumber(r.fd());
                addr(g, r.address());
                return;
            }
            case LISTEN: {
                Request.Listen r = (Request.Listen) m;
                call(g, t, r.callId(), 4);
                ints(g, r.fd(), r.backlog());
                return;
            }
            case ACCEPT: {
                Request.Accept r = (Request.Accept) m;
                call(g, t, r.callId(), 4);
                ints(g, r.fd(), r.flags());
                return;
            }
            case SEND: {
                Request.Send r = (Request.Send) m;
                call(g, t, r.callId(), 5);
                ints(g, r.fd(), r.flags());
                return;
            }
            case RECV: {
                Request.Recv r = (Request.Recv) m;
                call(g, t, r.callId(), 5);
                ints(g, r.fd(), r.length(), r.flags());
                return;
            }
            case SENDTO: {
                Request.SendTo r = (Request.SendTo) m;
                call(g, t, r.callId(), 6);
                ints(g, r.fd(), r.flags());
                addr(g, r.address());
                return;
            }
            case RECVFROM: {
                Request.RecvFrom r = (Request.RecvFrom) m;
                call(g, t, r.callId(), 5);
                ints(g, r.fd(), r.length(), r.flags());
                return;
            }
            case SENDMSG: {
                Request.SendMsg r = (Request.SendMsg) m;
                call(g, t, r.callId(), 6);
                ints(g, r.fd(), r.flags());
                addr(g, r.address());
                return;
            }
            case RECVMSG: {
                Request.RecvMsg r = (Request.RecvMsg) m;
                call(g, t, r.callId(), 5);
                ints(g, r.fd(), r.length(), r.flags());
                return;
            }
            case SHUTDOWN: {
                Request.Shutdown r = (Request.Shutdown) m;
                call(g, t, r.callId(), 4);
                ints(g, r.fd(), r.how());
                return;
            }
            case CLOSE: {
                Request.Close r = (Request.Close) m;
                call(g, t, r.callId(), 3);
                g.writeNumber(r.fd());
                return;
            }
            case GETSOCKOPT: {
                Request.GetSockOpt r = (Request.GetSockOpt) m;
                call(g, t, r.callId(), 5);
                ints(g, r.fd(), r.level(), r.name());
                return;
            }
            case SETSOCKOPT: {
                Request.SetSockOpt r = (Request.SetSockOpt) m;
                call(g, t, r.callId(), 6);
                ints(g, r.fd(), r.level(), r.name());
                g.writeNumber(r.value());
                return;
            }
            case GETADDRINFO: {
                Request.GetAddrInfo r = (Request.GetAddrInfo) m;
                call(g, t, r.callId(), 8);
                str(g, r.host());
                str(g, r.service());
                ints(g, r.flags(), r.family(), r.socktype(), r.protocol());
                return;
            }
            case GETNAMEINFO: {
                Request.GetNameInfo r = (Request.GetNameInfo) m;
                call(g, t, r.callId(), 4);
                addr(g, r.address());
                g.writeNumber(r.flags());
                return;
            }
            case POLL: {
                Request.Poll r = (Request.Poll) m;
                call(g, t, r.callId(), 4);
                pollFds(g, r.fds());
                g.writeNumber(r.timeoutMillis());
                return;
            }
            case GETSOCKNAME: {
                Request.GetSockName r = (Request.GetSockName) m;
                call(g, t, r.callId(), 3);
                g.writeNumber(r.fd());
                return;
            }
            case GETPEERNAME: {
                Request.GetPeerName r = (Request.GetPeerName) m;
                call(g, t, r.callId(), 3);
                g.writeNumber(r.fd());
                return;
            }
            case PUSH: {
                Request.Push r = (Request.Push) m;
                call(g, t, r.callId(), 5);
                g.writeNumber(r.fd());
                g.writeBoolean(r.enabled());
                g.writeNumber(r.credit());
                return;
            }
            case ERROR_REPLY: {
                Reply.Error r = (Reply.Error) m;
                call(g, t, r.callId(), 4);
                g.writeNumber(r.code());
                str(g, r.reason() == null ? "" : r.reason());
                return;
            }
            case OK_REPLY:
                call(g, t, ((Reply.Ok) m).callId(), 2);
                return;
            case VALUE_REPLY: {
                Reply.Value r = (Reply.Value) m;
                call(g, t, r.callId(), 3);
                g.writeNumber(r.value());
                return;
            }
            case SOCKETPAIR_REPLY: {
                Reply.SocketPair r = (Reply.SocketPair) m;
                call(g, t, r.callId(), 4);
                ints(g, r.fd0(), r.fd1());
                return;
            }
            case ACCEPT_REPLY: {
                Reply.Accept r = (Reply.Accept) m;
                call(g, t, r.callId(), 4);
                g.writeNumber(r.fd());
                addr(g, r.peer());
                return;
            }
            case DATA_REPLY: {
                Reply.Data r = (Reply.Data) m;
                call(g, t, r.callId(), 5);
                g.writeNumber(r.flags());
                addr(g, r.from());
                return;
            }
            case ADDRESS_REPLY: {
                Reply.Address r = (Reply.Address) m;
                call(g, t, r.callId(), 3);
                addr(g, r.address());
                return;
            }
            case ADDRINFO_REPLY: {
                Reply.AddrInfos r = (Reply.AddrInfos) m;
                call(g, t, r.callId(), 3);
                g.writeStartArray(null, r.results().size());
                for (AddrInfo ai : r.results()) {
                    g.writeStartArray(null, 5);
                    ints(g, ai.family(), ai.socktype(), ai.protocol());
                    addr(g, ai.address());
                    str(g, ai.canonName());
                    g.writeEndArray();
                }
                g.writeEndArray();
                return;
            }
            case NAMEINFO_REPLY: {
                Reply.NameInfo r = (Reply.NameInfo) m;
                call(g, t, r.callId(), 4);
                str(g, r.host());
                str(g, r.service());
                return;
            }
            case POLL_REPLY: {
                Reply.Poll r = (Reply.Poll) m;
                call(g, t, r.callId(), 3);
                pollFds(g, r.ready());
                return;
            }
            default:
                throw new IllegalArgumentException("unknown message type " + t);
        }
    }

    private static void start(CBORGenerator g, MessageType t, int size) throws IOException {
        g.writeStartArray(null, size);
        g.writeNumber(t.code());
    }

    private static void call(CBORGenerator g, MessageType t, int callId, int size) throws IOException {
        start(g, t, size);
        g.writeNumber(callId);
    }

    private static void ints(CBORGenerator g, int... v) throws IOException {
        for (int i : v) {
            g.writeNumber(i);
        }
    }

    /**
     * null, or a definite-length text string. (Jackson's {@code writeString} switches to indefinite-length
     * chunks above about 4000 characters; the protocol uses definite lengths throughout.)
     */
    private static void str(CBORGenerator g, String s) throws IOException {
        if (s == null) {
            g.writeNull();
        } else {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            g.writeUTF8String(utf8, 0, utf8.length);
        }
    }

    private static void pollFds(CBORGenerator g, List<PollFd> fds) throws IOException {
        g.writeStartArray(null, fds.size() * 2);
        for (PollFd p : fds) {
            g.writeNumber(p.fd());
            g.writeNumber(p.events());
        }
        g.writeEndArray();
    }

    /** null, [0, "host", port], [2, h'4 bytes', port], [10, h'16 bytes', port] or [10, h'16 bytes', port, scope]. */
    private static void addr(CBORGenerator g, InetSocketAddress a) throws IOException {
        if (a == null) {
            g.writeNull();
            return;
        }
        InetAddress ia = a.getAddress();
        if (ia == null) {
            g.writeStartArray(null, 3);
            g.writeNumber(0);
            str(g, a.getHostString());
            g.writeNumber(a.getPort());
        } else if (ia instanceof Inet6Address && ((Inet6Address) ia).getScopeId() != 0) {
            g.writeStartArray(null, 4);
            g.writeNumber(10);
            g.writeBinary(ia.getAddress());
            g.writeNumber(a.getPort());
            g.writeNumber(((Inet6Address) ia).getScopeId());
        } else {
            g.writeStartArray(null, 3);
            byte[] b = ia.getAddress();
            g.writeNumber(b.length == 4 ? 2 : 10);
            g.writeBinary(b);
            g.writeNumber(a.getPort());
        }
        g.writeEndArray();
    }

    // ------------------------------------------------------------------ decode

    @Override
    public Message decode(ByteBuf frame) throws ProtocolException {
        int readable = frame.readableBytes();
        if (readable == 0) {
            throw new ProtocolException("empty frame", -1, -1, null);
        }
        if (frame.hasArray()) {
            return decode(frame, frame.array(), frame.arrayOffset() + frame.readerIndex(), readable, true);
        }
        int n = Math.min(readable, PREFIX);
        byte[] prefix = new byte[n];
        frame.getBytes(frame.readerIndex(), prefix);
        try {
            return decode(frame, prefix, 0, n, n == readable);
        } catch (Truncated e) {
            byte[] all = new byte[readable];
            frame.getBytes(frame.readerIndex(), all);
            return decode(frame, all, 0, readable, true);
        }
    }

    /** The prefix ended before the message did; retry with the whole frame. */
    private static final class Truncated extends RuntimeException {
        private static final long serialVersionUID = 1L;
        Truncated() {
            super(null, null, false, false);
        }
    }

    private Message decode(ByteBuf frame, byte[] arr, int off, int len, boolean complete) throws ProtocolException {
        Reader r = null;
        try (CBORParser p = (CBORParser) factory.createParser(arr, off, len)) {
            r = new Reader(p, frame, arr, off, off + len, complete);
            return r.message();
        } catch (Truncated t) {
            throw t;
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            if (!complete && isEof(e)) {
                throw new Truncated();
            }
            int type = r == null ? -1 : r.type;
            int id = r == null ? -1 : r.callId;
            throw new ProtocolException(describe(e), type, id, e);
        }
    }

    private static boolean isEof(Throwable e) {
        return e instanceof com.fasterxml.jackson.core.io.JsonEOFException
                || (e.getMessage() != null && e.getMessage().contains("end-of-input"));
    }

    private static String describe(Throwable e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = msg.indexOf('\n');
        return "malformed frame: " + (nl > 0 ? msg.substring(0, nl) : msg);
    }

    /** Reads one message; keeps what it has read so far for error replies. */
    private static final class Reader {
        final CBORParser p;
        final ByteBuf frame;
        /** Where the frame's first byte is in the array the parser reads (its byte offsets count from the array's start). */
        final int arrayOffset;
        /** The array the parser reads, and the end of the bytes it may read there. */
        final byte[] arr;
        final int arrayEnd;
        final boolean complete;
        int type = -1;
        int callId = -1;

        Reader(CBORParser p, ByteBuf frame, byte[] arr, int arrayOffset, int arrayEnd, boolean complete) {
            this.p = p;
            this.frame = frame;
            this.arr = arr;
            this.arrayOffset = arrayOffset;
            this.arrayEnd = arrayEnd;
            this.complete = complete;
        }

        Message message() throws IOException, ProtocolException {
            expect(JsonToken.START_ARRAY, "a message is a CBOR array");
            type = i32();
            MessageType t = MessageType.of(type);
            if (t == null) {
                JsonToken next = next();
                if (next == null && !complete) {
                    throw new Truncated(); // the call id may lie past the prefix
                }
                if (next == JsonToken.VALUE_NUMBER_INT) {
                    callId = p.getIntValue();
                }
                throw new ProtocolException("unknown message type " + type, type, callId, null);
            }
            if (t.isRequest() || t.code() >= 0x40) {
                callId = i32();
            }
            Message m = body(t);
            return m;
        }

        private Message body(MessageType t) throws IOException, ProtocolException {
            switch (t) {
                case HELLO: {
                    expect(JsonToken.START_ARRAY, "versions");
                    List<Integer> vs = new ArrayList<>();
                    while (next() != JsonToken.END_ARRAY) {
                        vs.add(intValue());
                    }
                    String agent = str();
                    end();
                    return new Control.Hello(vs, agent);
                }
                case WELCOME: {
                    Control.Welcome w = new Control.Welcome(i32(), str(), i32(), i32(), i32(), i64());
                    end();
                    return w;
                }
                case GOODBYE: {
                    Control.Goodbye b = new Control.Goodbye(i32(), str());
                    end();
                    return b;
                }
                case GOING_AWAY: {
                    Control.GoingAway a = new Control.GoingAway(str());
                    end();
                    return a;
                }
                case CREDIT: {
                    Control.Credit c = new Control.Credit(i32(), i64());
                    end();
                    return c;
                }
                case DATA_EVENT: {
                    int fd = i32();
                    int flags = i32();
                    InetSocketAddress from = addr();
                    return new Event.Data(fd, flags, from, data());
                }
                case ACCEPT_EVENT: {
                    Event.Accept a = new Event.Accept(i32(), i32(), addr());
                    end();
                    return a;
                }
                case READY_EVENT: {
                    Event.Ready r = new Event.Ready(i32(), i32(), i32());
                    end();
                    return r;
                }
                case SOCKET:
                    return done(new Request.Socket(callId, i32(), i32(), i32()));
                case SOCKETPAIR:
                    return done(new Request.SocketPair(callId, i32(), i32(), i32()));
                case BIND:
                    return done(new Request.Bind(callId, i32(), addr()));
                case CONNECT:
                    return done(new Request.Connect(callId, i32(), addr()));
                case LISTEN:
                    return done(new Request.Listen(callId, i32(), i32()));
                case ACCEPT:
                    return done(new Request.Accept(callId, i32(), i32()));
                case SEND: {
                    int fd = i32();
                    int flags = i32();
                    return new Request.Send(callId, fd, flags, data());
                }
                case RECV:
                    return done(new Request.Recv(callId, i32(), i32(), i32()));
                case SENDTO: {
                    int fd = i32();
                    int flags = i32();
                    InetSocketAddress a = addr();
                    return new Request.SendTo(callId, fd, flags, a, data());
                }
                case RECVFROM:
                    return done(new Request.RecvFrom(callId, i32(), i32(), i32()));
                case SENDMSG: {
                    int fd = i32();
                    int flags = i32();
                    InetSocketAddress a = addr();
                    return new Request.SendMsg(callId, fd, flags, a, data());
                }
                case RECVMSG:
                    return done(new Request.RecvMsg(callId, i32(), i32(), i32()));
                case SHUTDOWN:
                    return done(new Request.Shutdown(callId, i32(), i32()));
                case CLOSE:
                    return done(new Request.Close(callId, i32()));
                case GETSOCKOPT:
                    return done(new Request.GetSockOpt(callId, i32(), i32(), i32()));
                case SETSOCKOPT:
                    return done(new Request.SetSockOpt(callId, i32(), i32(), i32(), i64()));
                case GETADDRINFO:
                    return done(new Request.GetAddrInfo(callId, str(), str(), i32(), i32(), i32(), i32()));
                case GETNAMEINFO:
                    return done(new Request.GetNameInfo(callId, addr(), i32()));
                case POLL:
                    return done(new Request.Poll(callId, pollFds(), i32()));
                case GETSOCKNAME:
                    return done(new Request.GetSockName(callId, i32()));
                case GETPEERNAME:
                    return done(new Request.GetPeerName(callId, i32()));
                case PUSH:
                    return done(new Request.Push(callId, i32(), bool(), i64()));
                case ERROR_REPLY:
                    return done(new Reply.Error(callId, i32(), str()));
                case OK_REPLY:
                    return done(new Reply.Ok(callId));
                case VALUE_REPLY:
                    return done(new Reply.Value(callId, i64()));
                case SOCKETPAIR_REPLY:
                    return done(new Reply.SocketPair(callId, i32(), i32()));
                case ACCEPT_REPLY:
                    return done(new Reply.Accept(callId, i32(), addr()));
                case DATA_REPLY: {
                    int flags = i32();
                    InetSocketAddress from = addr();
                    return new Reply.Data(callId, flags, from, data());
                }
                case ADDRESS_REPLY:
                    return done(new Reply.Address(callId, addr()));
                case ADDRINFO_REPLY: {
                    expect(JsonToken.START_ARRAY, "addrinfo list");
                    List<AddrInfo> list = new ArrayList<>();
                    while (next() != JsonToken.END_ARRAY) {
                        check(JsonToken.START_ARRAY, "addrinfo entry");
                        AddrInfo ai = new AddrInfo(i32(), i32(), i32(), addr(), str());
                        expect(JsonToken.END_ARRAY, "end of addrinfo entry");
                        list.add(ai);
                    }
                    return done(new Reply.AddrInfos(callId, list));
                }
                case NAMEINFO_REPLY:
                    return done(new Reply.NameInfo(callId, str(), str()));
                case POLL_REPLY:
                    return done(new Reply.Poll(callId, pollFds()));
                default:
                    throw new ProtocolException("unexpected message type " + t, type, callId, null);
            }
        }

        private Message done(Message m) throws IOException, ProtocolException {
            end();
            return m;
        }

        private void end() throws IOException, ProtocolException {
            JsonToken t = next();
            if (t != JsonToken.END_ARRAY) {
                throw new ProtocolException("too many elements in " + MessageType.of(type), type, callId, null);
            }
            // Where the message ended, not whether another token follows: Jackson reads trailing tags and then
            // reports no token. A message that ends inside a direct frame's prefix leaves the rest of the frame.
            if (!complete || p.currentLocation().getByteOffset() != arrayEnd) {
                throw new ProtocolException("trailing bytes after message", type, callId, null);
            }
        }

        /**
         * The next token. Jackson reports none (rather than end-of-input) when the bytes stop inside tags; in a
         * direct frame's prefix that means the frame must be read whole.
         */
        private JsonToken next() throws IOException {
            JsonToken t = p.nextToken();
            if (t == null && !complete) {
                throw new Truncated();
            }
            return t;
        }

        private void expect(JsonToken want, String what) throws IOException, ProtocolException {
            next();
            check(want, what);
        }

        private void check(JsonToken want, String what) throws ProtocolException {
            JsonToken got = p.currentToken();
            if (got != want) {
                if (got == null && !complete) {
                    // Jackson ends a prefix that stops inside tags with no token rather than an EOF error
                    throw new Truncated();
                }
                if (got == null || got == JsonToken.END_ARRAY) {
                    throw new ProtocolException("truncated message: missing " + what, type, callId, null);
                }
                throw new ProtocolException("wrong type for " + what + ": " + got, type, callId, null);
            }
        }

        private int i32() throws IOException, ProtocolException {
            next();
            return intValue();
        }

        private int intValue() throws IOException, ProtocolException {
            check(JsonToken.VALUE_NUMBER_INT, "an integer field");
            if (p.getNumberType() != JsonParser.NumberType.INT) {
                throw new ProtocolException("integer out of range", type, callId, null);
            }
            return p.getIntValue();
        }

        private long i64() throws IOException, ProtocolException {
            expect(JsonToken.VALUE_NUMBER_INT, "an integer field");
            JsonParser.NumberType nt = p.getNumberType();
            if (nt != JsonParser.NumberType.INT && nt != JsonParser.NumberType.LONG) {
                throw new ProtocolException("integer out of range", type, callId, null);
            }
            return p.getLongValue();
        }

        private boolean bool() throws IOException, ProtocolException {
            JsonToken t = next();
            if (t == JsonToken.VALUE_TRUE) {
                return true;
            }
            if (t == JsonToken.VALUE_FALSE) {
                return false;
            }
            check(JsonToken.VALUE_TRUE, "a boolean field");
            return false;
        }

        private String str() throws IOException, ProtocolException {
            JsonToken t = next();
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            check(JsonToken.VALUE_STRING, "a text field");
            String text = p.getText();
            if (!sameAsRaw(text.getBytes(StandardCharsets.UTF_8))) {
                throw new ProtocolException("text is not valid UTF-8", type, callId, null);
            }
            return text;
        }

        /**
         * Whether the current text string's bytes in the frame are exactly {@code utf8}. Jackson decodes invalid
         * UTF-8 leniently, into other characters or unpaired surrogates that do not encode back to the same
         * bytes; valid UTF-8 always does. Walks the tags Jackson skips and the chunks of an indefinite string.
         */
        private boolean sameAsRaw(byte[] utf8) {
            int pos = (int) p.currentTokenLocation().getByteOffset();
            while (pos < arrayEnd && (arr[pos] & 0xe0) == 0xc0) {
                pos += 1 + argumentBytes(arr[pos]); // a tag
            }
            if (pos >= arrayEnd || (arr[pos] & 0xe0) != 0x60) {
                return false;
            }
            boolean indefinite = (arr[pos] & 0x1f) == 31;
            if (indefinite) {
                pos++;
            }
            int matched = 0;
            do {
                if (indefinite && pos < arrayEnd && arr[pos] == (byte) 0xff) {
                    break;
                }
                if (pos >= arrayEnd || (arr[pos] & 0xe0) != 0x60 || (arr[pos] & 0x1f) > 27) {
                    return false;
                }
                int n = argumentBytes(arr[pos]);
                long len = n == 0 ? arr[pos] & 0x1f : 0;
                for (int k = 1; k <= n; k++) {
                    len = (len << 8) | (arr[pos + k] & 0xff);
                }
                pos += 1 + n;
                if (len < 0 || len > utf8.length - matched
                        || !java.util.Arrays.equals(arr, pos, pos + (int) len, utf8, matched, matched + (int) len)) {
                    return false;
                }
                pos += (int) len;
                matched += (int) len;
            } while (indefinite);
            return matched == utf8.length;
        }

        /** How many bytes follow an initial byte before its value (0 for a value in the initial byte). */
        private int argumentBytes(byte initial) {
            int ai = initial & 0x1f;
            return ai < 24 ? 0 : ai == 24 ? 1 : ai == 25 ? 2 : ai == 26 ? 4 : ai == 27 ? 8 : 0;
        }

        private List<PollFd> pollFds() throws IOException, ProtocolException {
            expect(JsonToken.START_ARRAY, "poll list");
            List<PollFd> out = new ArrayList<>();
            while (next() != JsonToken.END_ARRAY) {
                int fd = intValue();
                int ev = i32();
                out.add(new PollFd(fd, ev));
            }
            return out;
        }

        private InetSocketAddress addr() throws IOException, ProtocolException {
            JsonToken t = next();
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            check(JsonToken.START_ARRAY, "an address");
            int fam = i32();
            InetSocketAddress out;
            if (fam == 0) {
                String host = str();
                int port = port();
                if (host == null || host.isEmpty() || host.length() > 253) {
                    throw new ProtocolException("bad host name", type, callId, null);
                }
                out = InetSocketAddress.createUnresolved(host, port);
            } else if (fam == 2 || fam == 10) {
                expect(JsonToken.VALUE_EMBEDDED_OBJECT, "address bytes");
                byte[] b = p.getBinaryValue();
                if (b.length != (fam == 2 ? 4 : 16)) {
                    throw new ProtocolException("address of family " + fam + " has " + b.length + " bytes", type, callId, null);
                }
                int port = port();
                InetAddress ia;
                JsonToken next = next();
                if (fam == 2) {
                    ia = InetAddress.getByAddress(b);
                } else if (next == JsonToken.VALUE_NUMBER_INT) {
                    ia = Inet6Address.getByAddress(null, b, p.getIntValue());
                    next = next();
                } else {
                    // an Inet6Address even for ::ffff:a.b.c.d, which InetAddress.getByAddress would turn into IPv4
                    ia = Inet6Address.getByAddress(null, b, -1);
                }
                if (next != JsonToken.END_ARRAY) {
                    throw new ProtocolException("bad address", type, callId, null);
                }
                return new InetSocketAddress(ia, port);
            } else {
                throw new ProtocolException("unknown address family " + fam, type, callId, null);
            }
            expect(JsonToken.END_ARRAY, "end of address");
            return out;
        }

        private int port() throws IOException, ProtocolException {
            int port = i32();
            if (port < 0 || port > 65535) {
                throw new ProtocolException("port out of range: " + port, type, callId, null);
            }
            return port;
        }

        /** The trailing byte string, as a retained slice of the frame (no copy), which must end the message. */
        private ByteBuf data() throws IOException, ProtocolException {
            JsonToken t = next();
            check(JsonToken.VALUE_EMBEDDED_OBJECT, "data bytes");
            CBORReadContext ctx = p.getParsingContext();
            if (!ctx.hasExpectedLength() || ctx.getCurrentIndex() + 1 != ctx.getExpectedLength()) {
                throw new ProtocolException("data must be the last element of a definite-length array", type, callId, null);
            }
            long at = p.currentTokenLocation().getByteOffset() - arrayOffset;
            int pos = frame.readerIndex() + (int) at;
            int initial = frame.getUnsignedByte(pos);
            if ((initial >> 5) != 2) {
                throw new ProtocolException("data is not a byte string", type, callId, null);
            }
            int ai = initial & 0x1f;
            long len;
            int hdr;
            if (ai < 24) {
                len = ai;
                hdr = 1;
            } else if (ai == 24) {
                len = need(pos, 2) ? frame.getUnsignedByte(pos + 1) : -1;
                hdr = 2;
            } else if (ai == 25) {
                len = need(pos, 3) ? frame.getUnsignedShort(pos + 1) : -1;
                hdr = 3;
            } else if (ai == 26) {
                len = need(pos, 5) ? frame.getUnsignedInt(pos + 1) : -1;
                hdr = 5;
            } else {
                throw new ProtocolException("indefinite or oversized byte string", type, callId, null);
            }
            int endOfFrame = frame.writerIndex();
            if (len < 0 || pos + hdr + len > endOfFrame) {
                throw new ProtocolException("truncated message: data shorter than its length", type, callId, null);
            }
            if (pos + hdr + len != endOfFrame) {
                throw new ProtocolException("data must be the last element of " + MessageType.of(type), type, callId, null);
            }
            return frame.retainedSlice(pos + hdr, (int) len);
        }

        private boolean need(int pos, int n) {
            return pos + n <= frame.writerIndex();
        }
    }
}
