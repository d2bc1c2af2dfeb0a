package dev.sockbridge.api.message;

import io.netty.buffer.ByteBuf;

/** A message that carries bulk data; see {@link Message} for who releases it. */
public interface DataCarrier {
    ByteBuf data();
}
