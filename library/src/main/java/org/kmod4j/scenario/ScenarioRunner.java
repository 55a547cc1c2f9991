package org.kmod4j.scenario;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.kmod4j.api.Errno;
import org.kmod4j.api.RemoveFlags;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.UserString;
import org.kmod4j.api.ViewException;
import org.kmod4j.scenario.Scenario.Command;
import org.kmod4j.sim.ModuleReference;
import org.kmod4j.sim.Oops;
import org.kmod4j.sim.QueryModuleResult;
import org.kmod4j.sim.SimulatedKernel;
import org.kmod4j.sim.Task;
import org.kmod4j.sim.time.KernelClock;
import org.kmod4j.sim.time.SimulationDeadlockException;

/**
 * Runs a scenario on a simulated kernel and prints its records exactly as the guest probe does on a real kernel
 * (docs/scenario-format.md, "Output"). Each process of the scenario (the main one and every background command) is a
 * task on the kernel's clock; with the default virtual clock a run is deterministic and takes no real time.
 */
public final class ScenarioRunner {
    private final Scenario scenario;
    private final SimulatedKernel kernel;
    private final StringBuilder output = new StringBuilder();
    private final AtomicInteger backgroundRunning = new AtomicInteger();
    private final KernelClock.WaitQueue backgroundDone;
    private final List<Thread> backgroundThreads = new ArrayList<>();
    /** The first unexpected failure of a background command (guarded by {@link #backgroundThreads}). */
    private Throwable backgroundFailure;
    /** References taken with {@code get}: the kernel's, so no process owns them and a fork does not copy them. */
    private final Map<Integer, ModuleReference> kernelReferences = new HashMap<>();
    private volatile boolean done;

    /**
     * A runner on a fresh kernel built from the scenario's declarations.
     *
     * @param scenario the scenario
     */
    public ScenarioRunner(Scenario scenario) {
        this(scenario, newKernel(scenario));
    }

    /**
     * A runner on a given kernel (its images and builtins must already be declared).
     *
     * @param scenario the scenario
     * @param kernel   the kernel to run it on
     */
    public ScenarioRunner(Scenario scenario, SimulatedKernel kernel) {
        this.scenario = scenario;
        this.kernel = kernel;
        this.backgroundDone = kernel.clock().newWaitQueue();
    }

    /**
     * The kernel that a scenario's declarations describe.
     *
     * @param scenario the scenario
     * @return a new kernel, started
     */
    public static SimulatedKernel newKernel(Scenario scenario) {
        SimulatedKernel.Builder b = SimulatedKernel.builder().profile(scenario.profile());
        scenario.images().forEach(b::module);
        scenario.builtins().forEach(b::builtin);
        return b.build();
    }

    /** {@return the kernel the scenario runs on, to inspect after {@link #run()}} */
    public SimulatedKernel kernel() {
        return kernel;
    }

    /**
     * Runs every command and returns the records, ending with {@code DONE}.
     *
     * @return the records, a line each
     * @throws SimulationDeadlockException when the scenario can never finish (the real kernel would hang)
     */
    public String run() {
        Process main = new Process(kernel.newTask("scenario"));
        Throwable[] failure = new Throwable[1];
        Thread thread = kernel.clock().startTask("scenario-main", () -> {
            try {
                for (Command c : scenario.commands()) {
                    if (c.background()) {
                        startBackground(main, c);
                    } else {
                        main.execute(c);
                    }
                }
                // Like the probe, wait for every background command before DONE.
                backgroundDone.await(() -> backgroundRunning.get() == 0, -1, false);
                emit("DONE\n");
                done = true;
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                // handed to the caller's thread, whose entry point reports it in one line (never a stack trace)
                failure[0] = e;
                done = true;
            }
        });
        joinQuietly(thread);
        List<Thread> children;
        synchronized (backgroundThreads) {
            children = new ArrayList<>(backgroundThreads);
        }
        children.forEach(ScenarioRunner::joinQuietly);
        Throwable f = failure[0] != null ? failure[0] : backgroundFailure;
        if (f instanceof RuntimeException e) {
            throw e;
        }
        if (f instanceof Error e) {
            throw e;
        }
        synchronized (output) {
            return output.toString();
        }
    }

    private static void joinQuietly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void startBackground(Process parent, Command c) {
        Process child = parent.fork();
        backgroundRunning.incrementAndGet();
        Thread t = kernel.clock().startTask("scenario-line-" + c.line(), () -> {
            try {
                child.execute(c);
            } catch (SimulationDeadlockException e) {
                // The main process reports the deadlock: it is waiting for this command too.
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                // Not the thread's default handler (a stack trace on stderr): run() rethrows it on the caller's thread.
                synchronized (backgroundThreads) {
                    if (backgroundFailure == null) {
                        backgroundFailure = e;
                    }
                }
            } finally {
                child.exit();
                backgroundRunning.decrementAndGet();
                backgroundDone.wakeAll();
            }
        });
        synchronized (backgroundThreads) {
            backgroundThreads.add(t);
        }
    }

    private void emit(String record) {
        synchronized (output) {
            if (!done) {
                output.append(record);
            }
        }
    }

    /** An open file in a slot: shared between a process and its forks, released on the last close. */
    private static final class OpenFile {
        final ModuleReference reference;
        final AtomicInteger users = new AtomicInteger(1);

        OpenFile(ModuleReference reference) {
            this.reference = reference;
        }
    }

    /** A process of the scenario: its task (credentials) and its descriptor slots. */
    private final class Process {
        final Task task;
        final Map<Integer, OpenFile> slots = new HashMap<>();

        Process(Task task) {
            this.task = task;
        }

        Process fork() {
            Process child = new Process(task.fork(task.name() + "-child"));
            synchronized (slots) {
                slots.forEach((slot, file) -> {
                    file.users.incrementAndGet();
                    child.slots.put(slot, file);
                });
            }
            return child;
        }

        /** Process exit: every descriptor is closed. */
        void exit() {
            List<OpenFile> files;
            synchronized (slots) {
                files = new ArrayList<>(slots.values());
                slots.clear();
            }
            files.forEach(this::closeFile);
        }

        void execute(Command c) {
            switch (c.verb()) {
                case LOAD -> result(c, task.loadModule(c.arg(0), c.args().size() > 1 ? c.arg(1) : ""));
                case DEL -> result(c, task.deleteModule(UserString.of(c.arg(0)), RemoveFlags.parse(c.arg(1))));
                case DELPTR -> result(c, task.deleteModule(UserString.unmapped(ScenarioParser.parseAddress(c.arg(0))),
                        RemoveFlags.parse(c.arg(1))));
                case OPEN -> open(c);
                case CLOSE -> close(c);
                case CAT -> cat(c);
                case LS -> ls(c);
                case WRITE -> result(c, kernel.writeFile(c.arg(0), c.arg(1) + "\n"));
                case DROPCAP -> {
                    task.dropCapSysModule();
                    result(c, SyscallResult.ok());
                }
                case SLEEP -> kernel.clock().sleep(Long.parseLong(c.arg(0)));
                case WAIT -> backgroundDone.await(() -> backgroundRunning.get() == 0, -1, false);
                case DMESG -> emit("DMESG " + c.line() + " <<\n" + kernel.log().takeMessages() + "<<END\n");
                case GET -> get(c);
                case PUT -> put(c);
                case CREATE -> result(c, kernel.createModule(UserString.of(c.arg(0)), Long.parseLong(c.arg(1))));
                case QUERY -> query(c);
            }
        }

        private void result(Command c, Object outcome) {
            emit("RESULT " + c.line() + " " + c.text() + " -> " + outcome + "\n");
        }

        private void open(Command c) {
            int slot = ScenarioParser.parseSlot(c.arg(0));
            String path = c.arg(1);
            OpenFile file;
            if (path.startsWith("/dev/")) {
                SimulatedKernel.DeviceOpen opened = kernel.openDevice(path);
                if (opened.error() != null) {
                    result(c, opened.error().name());
                    return;
                }
                file = new OpenFile(opened.reference());
            } else {
                try {
                    kernel.readFile(path);
                } catch (ViewException e) {
                    if (e.errno() != Errno.EISDIR) {
                        result(c, e.errno().name());
                        return;
                    }
                }
                file = new OpenFile(null);
            }
            OpenFile previous;
            synchronized (slots) {
                previous = slots.put(slot, file);
            }
            if (previous != null) {
                // dup2 semantics: the slot's old descriptor is closed.
                closeFile(previous);
            }
            result(c, "OK");
        }

        /** {@code get SLOT NAME}: a bare try_module_get, as kernel code takes one; ENODEV when refused. */
        private void get(Command c) {
            var reference = kernel.tryModuleGet(c.arg(1));
            if (reference.isEmpty()) {
                result(c, Errno.ENODEV.name());
                return;
            }
            ModuleReference previous;
            synchronized (kernelReferences) {
                previous = kernelReferences.put(ScenarioParser.parseSlot(c.arg(0)), reference.get());
            }
            if (previous != null) {
                previous.release();
            }
            result(c, "OK");
        }

        /** {@code put SLOT}: module_put of a {@code get}'s reference; EBADF for an empty slot. */
        private void put(Command c) {
            ModuleReference reference;
            synchronized (kernelReferences) {
                reference = kernelReferences.remove(ScenarioParser.parseSlot(c.arg(0)));
            }
            if (reference == null) {
                result(c, Errno.EBADF.name());
                return;
            }
            result(c, reference.release() == null ? "OK" : "OOPS");
        }

        /** {@code query NAME|0 WHICH}: 2.4's query_module, NAME 0 being the NULL pointer. */
        private void query(Command c) {
            UserString name = c.arg(0).equals("0") ? UserString.unmapped(0) : UserString.of(c.arg(0));
            QueryModuleResult r = kernel.queryModule(name, QueryModuleResult.Which.valueOf(c.arg(1)));
            StringBuilder record = new StringBuilder("QUERY ").append(c.line()).append(' ').append(c.text());
            if (r.error() != null) {
                record.append(" -> ").append(r.error().name());
            } else if (r.info() != null) {
                QueryModuleResult.ModuleInfo i = r.info();
                record.append(": addr=0x").append(Long.toHexString(i.address())).append(" size=").append(i.size())
                        .append(" flags=0x").append(Long.toHexString(i.flags())).append(" usecount=")
                        .append(i.usecount());
            } else {
                record.append(':');
                r.names().forEach(n -> record.append(' ').append(n));
            }
            emit(record.append('\n').toString());
        }

        private void close(Command c) {
            OpenFile file;
            synchronized (slots) {
                file = slots.remove(ScenarioParser.parseSlot(c.arg(0)));
            }
            if (file == null) {
                result(c, Errno.EBADF.name());
                return;
            }
            Oops oops = closeFile(file);
            result(c, oops == null ? "OK" : "OOPS");
        }

        private Oops closeFile(OpenFile file) {
            if (file.users.decrementAndGet() == 0 && file.reference != null) {
                return file.reference.release();
            }
            return null;
        }

        private void cat(Command c) {
            try {
                String content = kernel.readFile(c.arg(0));
                emit("CAT " + c.line() + " " + c.arg(0) + " <<\n" + content + "<<END\n");
            } catch (ViewException e) {
                emit("CAT " + c.line() + " " + c.arg(0) + " -> " + e.errno().name() + "\n");
            }
        }

        private void ls(Command c) {
            try {
                List<String> entries = kernel.listDirectory(c.arg(0));
                StringBuilder record = new StringBuilder("LS ").append(c.line()).append(' ').append(c.arg(0)).append(':');
                for (String e : entries) {
                    record.append(' ').append(e);
                }
                emit(record.append('\n').toString());
            } catch (ViewException e) {
                emit("LS " + c.line() + " " + c.arg(0) + " -> " + e.errno().name() + "\n");
            }
        }
    }
}
