package org.kmod4j.host;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import org.kmod4j.api.Errno;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.UserString;

/**
 * The running kernel's {@code delete_module(2)}, called through the C library's variadic {@code syscall(long, ...)}
 * with the Foreign Function &amp; Memory API (glibc has no {@code delete_module} wrapper of its own in its headers).
 * errno is captured right after the call ({@code Linker.Option.captureCallState("errno")}).
 *
 * <p>Syscall numbers: 176 on x86_64, 106 on aarch64 (asm-generic); other architectures are refused.
 *
 * <p>The JVM needs native access ({@code --enable-native-access=ALL-UNNAMED}, which the launcher, the jar manifest
 * and the test setup give); everything is looked up lazily, on the first call, so that merely loading this class
 * never touches native code.
 */
public final class NativeDeleteModule implements DeleteModuleSyscall {
    /** {@code __NR_delete_module} on x86_64. */
    public static final long NR_X86_64 = 176;
    /** {@code __NR_delete_module} on arm64 (asm-generic/unistd.h). */
    public static final long NR_AARCH64 = 106;

    private final long number;

    /** The syscall for the architecture this JVM runs on. */
    public NativeDeleteModule() {
        this(System.getProperty("os.arch", ""));
    }

    /**
     * The syscall for a given {@code os.arch}.
     *
     * @throws UnsupportedOperationException for an architecture whose syscall number kmod4j does not know
     */
    public NativeDeleteModule(String osArch) {
        this.number = syscallNumber(osArch);
    }

    /** The {@code delete_module} number for an {@code os.arch} value. */
    public static long syscallNumber(String osArch) {
        return switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> NR_X86_64;
            case "aarch64", "arm64" -> NR_AARCH64;
            default -> throw new UnsupportedOperationException(
                    "delete_module: kmod4j knows the syscall number only for x86_64 and aarch64, not for '" + osArch + "'");
        };
    }

    /** The syscall number used by this instance. */
    public long number() {
        return number;
    }

    @Override
    public SyscallResult deleteModule(UserString name, int flags) {
        Native n = Native.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment namePointer = switch (name) {
                case UserString.Bytes b -> {
                    byte[] bytes = b.bytes();
                    MemorySegment s = arena.allocate(bytes.length + 1L);
                    MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
                    s.set(ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
                    yield s;
                }
                case UserString.Unmapped u -> MemorySegment.ofAddress(u.address());
            };
            MemorySegment state = arena.allocate(n.stateLayout);
            long ret;
            try {
                ret = (long) n.syscall.invokeExact(state, number, namePointer, Integer.toUnsignedLong(flags));
            } catch (Throwable t) {
                throw new IllegalStateException("delete_module: the native call failed: " + t, t);
            }
            if (ret == 0) {
                return SyscallResult.ok();
            }
            int errno = (int) n.errno.get(state, 0L);
            Errno e = Errno.ofNumber(errno);
            if (e == null) {
                throw new UnknownErrnoException(errno, n.strerror(errno));
            }
            return SyscallResult.failed(e);
        }
    }

    @Override
    public String toString() {
        return "native delete_module (syscall " + number + ")";
    }

    /** The native handles, bound once. */
    @SuppressWarnings("restricted") // native access is the point of this class; the JVM is started with it enabled
    private static final class Native {
        private static Native instance;

        final MethodHandle syscall;
        final MethodHandle strerror;
        final StructLayout stateLayout;
        final VarHandle errno;

        private Native() {
            Linker linker = Linker.nativeLinker();
            MemorySegment syscallAddress = linker.defaultLookup().find("syscall")
                    .orElseThrow(() -> new IllegalStateException("the C library has no 'syscall' function"));
            // long syscall(long number, ...): the name pointer and the flags are variadic.
            syscall = linker.downcallHandle(syscallAddress,
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_LONG),
                    Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
            strerror = linker.downcallHandle(linker.defaultLookup().find("strerror").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            stateLayout = Linker.Option.captureStateLayout();
            errno = stateLayout.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        }

        static synchronized Native get() {
            if (instance == null) {
                instance = new Native();
            }
            return instance;
        }

        String strerror(int errno) {
            try {
                MemorySegment text = (MemorySegment) strerror.invokeExact(errno);
                return text.reinterpret(4096).getString(0);
            } catch (Throwable t) {
                return "Unknown error " + errno;
            }
        }
    }
}
