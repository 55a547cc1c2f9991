package org.kmod4j.libc;

import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Where {@code -s} sends messages: {@code openlog(ident, LOG_CONS, LOG_DAEMON)} + {@code syslog()}.
 */
public interface Syslog {
    /** {@code LOG_DAEMON}. */
    public int LOG_DAEMON = 3 << 3;

    /** {@code openlog(ident, LOG_CONS, LOG_DAEMON)}. */
    public void open(String ident);

    /** {@code syslog(priority, "%s", message)}. */
    public void log(int priority, String message);

    /** {@code closelog()}. */
    default void close() {
    }

    /** The real one: {@link UnixSyslog}. */
    public static Syslog system() {
        return new UnixSyslog();
    }

    /**
     * A stand-in for glibc's syslog client: one datagram {@code <PRI>Mmm dd hh:mm:ss IDENT: MESSAGE} to the
     * {@code /dev/log} socket (SOCK_DGRAM, then SOCK_STREAM with a NUL terminator, as glibc tries), sent with the FFM API
     * because Java has no Unix datagram sockets. When that fails, {@code LOG_CONS} writes {@code IDENT: MESSAGE\r\n} to
     * {@code /dev/console}, as glibc does. No {@code LOG_PID}, so no {@code [pid]}.
     */
    public final class UnixSyslog implements Syslog {
        private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ROOT);
        private final String socketPath;
        private final String consolePath;
        private String ident = "kmod4j";

        /** glibc's paths: {@code /dev/log} and {@code /dev/console}. */
        public UnixSyslog() {
            this("/dev/log", "/dev/console");
        }

        /** Other paths (for tests). */
        public UnixSyslog(String socketPath, String consolePath) {
            this.socketPath = socketPath;
            this.consolePath = consolePath;
        }

        @Override
        public void open(String ident) {
            this.ident = ident;
        }

        @Override
        public void log(int priority, String message) {
            String header = "<" + (LOG_DAEMON | priority) + ">" + STAMP.format(LocalDateTime.now()) + " ";
            String body = ident + ": " + message;
            if (send(socketPath, (header + body).getBytes(StandardCharsets.UTF_8))) {
                return;
            }
            try (FileOutputStream console = new FileOutputStream(consolePath, true)) {
                console.write((body + "\r\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException | SecurityException e) {
                // like glibc: nowhere left to log to
            }
        }

        @SuppressWarnings("restricted") // native sockets: Java has no Unix datagram sockets
        private static boolean send(String socketPath, byte[] datagram) {
            try {
                Linker linker = Linker.nativeLinker();
                var lookup = linker.defaultLookup();
                MethodHandle socket = linker.downcallHandle(lookup.find("socket").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_INT));
                MethodHandle connect = linker.downcallHandle(lookup.find("connect").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                                ValueLayout.JAVA_INT));
                MethodHandle sendFn = linker.downcallHandle(lookup.find("send").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
                MethodHandle close = linker.downcallHandle(lookup.find("close").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                try (Arena arena = Arena.ofConfined()) {
                    // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
                    MemorySegment addr = arena.allocate(110);
                    addr.set(ValueLayout.JAVA_SHORT, 0, (short) 1); // AF_UNIX
                    byte[] path = socketPath.getBytes(StandardCharsets.UTF_8);
                    if (path.length > 107) {
                        return false;
                    }
                    MemorySegment.copy(path, 0, addr, ValueLayout.JAVA_BYTE, 2, path.length);
                    for (int type : new int[] {2, 1}) { // SOCK_DGRAM, then SOCK_STREAM
                        int fd = (int) socket.invokeExact(1, type | 0x80000, 0); // SOCK_CLOEXEC
                        if (fd < 0) {
                            continue;
                        }
                        try {
                            if ((int) connect.invokeExact(fd, addr, 110) != 0) {
                                continue;
                            }
                            int length = datagram.length + (type == 1 ? 1 : 0);
                            MemorySegment buf = arena.allocate(length);
                            MemorySegment.copy(datagram, 0, buf, ValueLayout.JAVA_BYTE, 0, datagram.length);
                            if ((long) sendFn.invokeExact(fd, buf, (long) length, 0x4000) >= 0) { // MSG_NOSIGNAL
                                return true;
                            }
                        } finally {
                            int ignored = (int) close.invokeExact(fd);
                        }
                    }
                }
            } catch (Throwable t) {
                return false;
            }
            return false;
        }
    }
}
