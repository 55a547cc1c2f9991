package org.kmod4j.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmod4j.kmod.KmodLog;

class SyslogTest {
    @TempDir
    Path tmp;

    /** A stream socket (Java has no Unix datagram sockets): the client's SOCK_DGRAM attempt fails, SOCK_STREAM works. */
    @Test
    void sendsARecordToTheLogSocket() throws Exception {
        Path socket = tmp.resolve("log");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                try (SocketChannel c = server.accept()) {
                    ByteBuffer buf = ByteBuffer.allocate(4096);
                    while (c.read(buf) >= 0) {
                        // until the client closes
                    }
                    return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
                } catch (Exception e) {
                    return "failed: " + e;
                }
            });
            Syslog log = new Syslog.UnixSyslog(socket.toString(), tmp.resolve("console").toString());
            log.open("rmmod");
            log.log(KmodLog.LOG_ERR, "ERROR: Module x is not currently loaded\n");
            String record = received.get(30, TimeUnit.SECONDS);
            // <daemon.err>Mmm dd hh:mm:ss rmmod: ERROR: ...\n, NUL-terminated on a stream socket as glibc does
            assertTrue(record.matches("<27>[A-Z][a-z]{2} [ 0-9]\\d \\d\\d:\\d\\d:\\d\\d rmmod: ERROR: Module x is not "
                    + "currently loaded\n\0"), record);
        }
    }

    @Test
    void fallsBackToTheConsole() throws Exception {
        Path console = tmp.resolve("console");
        Files.writeString(console, "");
        Syslog log = new Syslog.UnixSyslog(tmp.resolve("no-socket").toString(), console.toString());
        log.open("rmmod");
        log.log(KmodLog.LOG_ERR, "ERROR: x\n");
        assertEquals("rmmod: ERROR: x\n\r\n", Files.readString(console));
    }
}
