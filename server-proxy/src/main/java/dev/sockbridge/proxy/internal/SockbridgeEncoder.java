package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.codec.MessageCodec;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.proxy.spi.Result;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The last stage of the Sockbridge CBOR front end: the engine's POSIX results and the session's own messages into
 * frames. No state and no I/O.
 */
final class SockbridgeEncoder {
    private final MessageCodec codec;

    SockbridgeEncoder(MessageCodec codec) {
        this.codec = codec;
    }

    /** The frame answering call {@code callId} with {@code r} (whose buffer it takes). */
    ByteBuf reply(int callId, Result r, ByteBufAllocator alloc) {
        return codec.encode(toReply(callId, r), alloc);
    }

    /** The frame of a push event, a control message or a reply the session makes itself (takes its buffer). */
    ByteBuf message(Message m, ByteBufAllocator alloc) {
        return codec.encode(m, alloc);
    }

    /** The Sockbridge protocol reply to call {@code callId} that carries {@code r} (and its buffer). */
    static Reply toReply(int callId, Result r) {
        if (r instanceof Result.Ok) {
            return new Reply.Ok(callId);
        } else if (r instanceof Result.Value) {
            return new Reply.Value(callId, ((Result.Value) r).value());
        } else if (r instanceof Result.Error) {
            Result.Error e = (Result.Error) r;
            return new Reply.Error(callId, e.code(), e.reason());
        } else if (r instanceof Result.Data) {
            Result.Data d = (Result.Data) r;
            return new Reply.Data(callId, d.flags(), d.from(), d.data());
        } else if (r instanceof Result.Address) {
            return new Reply.Address(callId, ((Result.Address) r).address());
        } else if (r instanceof Result.Accepted) {
            Result.Accepted a = (Result.Accepted) r;
            return new Reply.Accept(callId, a.fd(), a.peer());
        } else if (r instanceof Result.SocketPair) {
            Result.SocketPair p = (Result.SocketPair) r;
            return new Reply.SocketPair(callId, p.fd0(), p.fd1());
        } else if (r instanceof Result.AddrInfos) {
            return new Reply.AddrInfos(callId, ((Result.AddrInfos) r).results());
        } else if (r instanceof Result.NameInfo) {
            Result.NameInfo n = (Result.NameInfo) r;
            return new Reply.NameInfo(callId, n.host(), n.service());
        } else {
            return new Reply.Poll(callId, ((Result.Polled) r).ready());
        }
    }
}
