package org.kmod4j.host;

import java.util.ArrayList;
import java.util.List;
import org.kmod4j.api.RemoveFlags;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.UserString;

/** Records every {@code delete_module(name, flags)} call, then passes it on. */
public final class RecordingDeleteModule implements DeleteModuleSyscall {

    /** One call and what it returned. */
    public record Call(UserString name, int flags, SyscallResult result) {
        /** {@code name 0xFLAGS}, the form the conformance logs use. */
        @Override
        public String toString() {
            return name + " 0x" + Integer.toHexString(flags) + " (" + RemoveFlags.describe(flags) + ") -> " + result;
        }
    }

    private final DeleteModuleSyscall delegate;
    private final List<Call> calls = new ArrayList<>();

    public RecordingDeleteModule(DeleteModuleSyscall delegate) {
        this.delegate = delegate;
    }

    @Override
    public synchronized SyscallResult deleteModule(UserString name, int flags) {
        SyscallResult result = delegate.deleteModule(name, flags);
        calls.add(new Call(name, flags, result));
        return result;
    }

    /** The calls so far, oldest first. */
    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }
}
