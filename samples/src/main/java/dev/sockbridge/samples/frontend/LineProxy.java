package dev.sockbridge.samples.frontend;

import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.transport.websocket.WebSocketRoute;
import dev.sockbridge.transport.websocket.WebSocketServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link LineFrontEnd}: a proxy serving it in-process and on {@code ws://127.0.0.1:8090/lines} (binary
 * messages, no subprotocol), a TCP echo server on loopback, and a short scripted session through it. With
 * {@code --serve} it then keeps serving, e.g. for {@code websocat -b ws://127.0.0.1:8090/lines}.
 */
public final class LineProxy {
    public static void main(String[] args) throws Exception {
        SockbridgeProxy proxy = SockbridgeProxy.builder().build(); // default policy: loopback targets only
        WebSocketServer ws = WebSocketServer.builder().bind("127.0.0.1", 8090).build();
        ws.addRoute(WebSocketRoute.builder("/lines", s -> proxy.attach(s, LineFrontEnd.FACTORY))
                .admission(proxy.admission()).build());
        ws.start().get(10, TimeUnit.SECONDS);
        URI uri = URI.create("inprocess://lines");
        ServerTransport inProcess = Transports.forUri(uri).newServer(uri, TransportOptions.defaults());
        proxy.serve(inProcess, LineFrontEnd.FACTORY).get(10, TimeUnit.SECONDS);
        ServerSocket echo = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!echo.isClosed()) {
                try (Socket s = echo.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    in.transferTo(out);
                } catch (Exception e) {
                    // the next connection, or the end
                }
            }
        }, "echo");
        t.setDaemon(true);
        t.start();

        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Transport client = Transports.forUri(uri).connect(uri, TransportOptions.defaults()).get(10, TimeUnit.SECONDS);
        client.start(new TransportListener() {
            @Override
            public void frameReceived(ByteBuf frame) {
                lines.add(frame.toString(StandardCharsets.UTF_8));
                frame.release();
            }

            @Override
            public void closed(int code, String reason) {
            }
        });
        String[][] script = {{"CONNECT 127.0.0.1 " + echo.getLocalPort(), "1"}, {"SEND hello, proxy", "2"}, {"CLOSE", "1"},
                {"CONNECT 10.0.0.1 80", "1"}};
        for (String[] step : script) {
            System.out.println("> " + step[0]);
            client.send(ByteBufUtil.writeUtf8(client.alloc(), step[0]));
            for (int i = Integer.parseInt(step[1]); i > 0; i--) {
                System.out.println("< " + lines.poll(10, TimeUnit.SECONDS));
            }
        }
        client.close(CloseCode.NORMAL.code(), "done");
        if (args.length > 0 && args[0].equals("--serve")) {
            System.out.println("serving ws://127.0.0.1:8090/lines (binary messages), echo server at 127.0.0.1:"
                    + echo.getLocalPort() + "; Ctrl-C to stop");
            Thread.currentThread().join();
        }
        ws.shutdownNow().get(10, TimeUnit.SECONDS);
        proxy.shutdown(Duration.ofSeconds(1)).get(10, TimeUnit.SECONDS);
        echo.close();
    }
}
