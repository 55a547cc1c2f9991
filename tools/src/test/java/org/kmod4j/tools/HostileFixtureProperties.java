package org.kmod4j.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import org.kmod4j.cli.Main;

/**
 * rmmod, modprobe -r and lsmod with {@code --root} on generated hostile fixture trees: odd module names ({@code .},
 * {@code ..}, empty, with a slash, a space, non-ASCII, too long), symbolic links out of the root (into a sentinel
 * directory next to it, or dangling), numbers that are not numbers, binary bytes, missing files, and configuration
 * aliases and remove commands that point at all that. Whatever the tree, through the tools' command-line entry point:
 * the exit status is 0, 1 or 2; no stack trace or Java exception name is printed; the sentinel outside the root is
 * byte for byte unchanged (no remove command ran, nothing was written or deleted through a link); and when the command
 * fails, or only reads (lsmod), the fixture is byte for byte unchanged (but for the lock file).
 */
class HostileFixtureProperties {
    /** Module names: real-looking ones and the ones issue 8 used to escape (only written into files, never made paths
     * by the generator itself). */
    private static final List<String> NAMES = List.of("m", "core", "user", "snd_pcm", "snd-pcm", ".", "..", "",
            "x/y", "a b", "caf\u00e9", "-", "n".repeat(60), "victim");
    private static final List<String> SAFE = List.of("m", "core", "user", "snd_pcm", "snd-pcm", "caf\u00e9", "-",
            "victim");
    private static final List<String> LINKABLE = List.of("sys/module", "proc/modules", "proc", "sys/module/%s",
            "sys/module/%s/refcnt", "sys/module/%s/initstate", "sys/module/%s/holders", "sys/module/%s/holders/core",
            "etc/modprobe.d", "etc/modprobe.d/x.conf", "proc/sys/kernel/tainted", ".kmod4j.lock", "lib/modules");
    private static final List<String> LINK_TARGETS = List.of("dir", "dir/%s", "dir/%s/refcnt", "dir/modules", "file",
            "nowhere", "../../..", "/dev/zero", "/etc");
    /** Names of the modules the sentinel mirrors, as a tree that a link out of the root could make look loaded. */
    private static final List<String> KERNEL_NAMES = List.of("m", "core", "user", "snd_pcm", "caf\u00e9", "victim");

    private static final Map<String, AtomicInteger> OUTCOMES = new ConcurrentHashMap<>();
    private static final AtomicInteger TRIES = new AtomicInteger();

    /** One change to the generated tree. */
    sealed interface Op permits Loaded, ProcLine, ProcBytes, SysDir, NumberFile, LinkOut, Config, Missing {
    }

    /** A well-formed loaded module (line and sysfs directory) used by {@code users}: removals can succeed. */
    record Loaded(String name, List<String> users) implements Op {
    }

    record ProcLine(String name, String size, String refcnt, String users, String state, String addr) implements Op {
    }

    record ProcBytes(byte[] bytes) implements Op {
        @Override
        public String toString() {
            return "ProcBytes" + java.util.Arrays.toString(bytes);
        }
    }

    record SysDir(String name, String initstate, String refcnt, List<String> holders, boolean linkHolders)
            implements Op {
    }

    record NumberFile(String path, String content) implements Op {
    }

    record LinkOut(String path, String module, String target) implements Op {
    }

    record Config(int alias, String name, boolean removeCommand) implements Op {
    }

    record Missing(String path) implements Op {
    }

    record Plan(List<Op> ops, List<String> command) {
    }

    @Provide
    Arbitrary<Plan> plans() {
        Arbitrary<String> names = Arbitraries.of(NAMES);
        Arbitrary<String> safe = Arbitraries.of(SAFE);
        Arbitrary<String> kernelNames = Arbitraries.of(KERNEL_NAMES);
        Arbitrary<Op> procLine = Combinators.combine(names, Arbitraries.of("4096", "-1", "x", "99999999999999999999"),
                Arbitraries.of("0", "1", "2", "-", "-1", "x"), Arbitraries.of("-", "core,", "user,core,", ".,", "..,",
                        "bad", "m,"), Arbitraries.of("Live", "Loading", "Unloading", "Zombie"),
                Arbitraries.of("0xffffffffc0000000", "zz")).as(ProcLine::new);
        Arbitrary<Op> procBytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(12).map(ProcBytes::new);
        Arbitrary<String> content = Arbitraries.of("0\n", "1\n", "2\n", "-1\n", "live\n", "going\n", "coming\n",
                "x\n", "", "\u0000\u00ff", "99999999999999999999\n", null);
        Arbitrary<Op> sysDir = Combinators.combine(safe, content, content, safe.list().ofMaxSize(3),
                Arbitraries.of(true, false)).as(SysDir::new);
        Arbitrary<Op> numberFile = Combinators.combine(Arbitraries.of("proc/sys/kernel/tainted",
                "proc/sys/kernel/modules_disabled", "proc/sys/kernel/osrelease"), content
                .filter(c -> c != null)).as(NumberFile::new);
        // Directories linked out are the dangerous ones (a write below them would land outside), so they come often,
        // mostly into the sentinel's mirror of module directories.
        Arbitrary<String> linkable = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, Arbitraries.of("sys/module",
                "sys/module/%s/holders", "proc")), net.jqwik.api.Tuple.of(3, Arbitraries.of(LINKABLE)));
        Arbitrary<String> linkTarget = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, Arbitraries.just("dir")),
                net.jqwik.api.Tuple.of(4, Arbitraries.of(LINK_TARGETS)));
        Arbitrary<Op> linkOut = Combinators.combine(linkable, kernelNames, linkTarget).as(LinkOut::new);
        Arbitrary<Op> config = Combinators.combine(Arbitraries.integers().between(0, 3), names,
                Arbitraries.of(true, false)).as(Config::new);
        Arbitrary<Loaded> loaded = Combinators.combine(kernelNames, kernelNames.list().ofMaxSize(2).uniqueElements())
                .as(Loaded::new);
        Arbitrary<Op> missing = Arbitraries.of("proc/modules", "sys/module", "proc").map(Missing::new);
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, loaded.map(l -> (Op) l)), net.jqwik.api.Tuple.of(3, procLine), net.jqwik.api.Tuple.of(1, procBytes),
                net.jqwik.api.Tuple.of(4, sysDir), net.jqwik.api.Tuple.of(1, numberFile),
                net.jqwik.api.Tuple.of(2, linkOut), net.jqwik.api.Tuple.of(2, config),
                net.jqwik.api.Tuple.of(1, missing));
        Arbitrary<String> tools = Arbitraries.of("rmmod", "rmmod -f", "rmmod -f", "modprobe -r", "modprobe -r -f",
                "modprobe -r -f", "modprobe -r -v", "lsmod");
        Arbitrary<List<String>> command = Combinators.combine(tools,
                Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, safe), net.jqwik.api.Tuple.of(2, names),
                        net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 3).map(i -> "a" + i))),
                Arbitraries.of(true, false)).as((tool, target, json) -> {
                    List<String> c = new ArrayList<>(List.of(tool.split(" ")));
                    if (json) {
                        c.add("--json");
                    }
                    if (!tool.equals("lsmod")) {
                        c.add(target);
                    }
                    return c;
                });
        // Half the trees are well-formed modules with a few hostile changes, so that removals also succeed and the
        // apply step is exercised; the other half are anything.
        Arbitrary<Op> hostile = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(1, procLine),
                net.jqwik.api.Tuple.of(1, procBytes), net.jqwik.api.Tuple.of(2, sysDir),
                net.jqwik.api.Tuple.of(2, numberFile), net.jqwik.api.Tuple.of(8, linkOut),
                net.jqwik.api.Tuple.of(2, config), net.jqwik.api.Tuple.of(1, missing));
        // Their command names one of their modules.
        Arbitrary<Plan> mostlySane = Combinators.combine(loaded.list().ofMinSize(1).ofMaxSize(5),
                hostile.list().ofMaxSize(3), tools, Arbitraries.integers().between(0, 4), Arbitraries.of(true, false))
                .as((mods, bad, tool, pick, json) -> {
                    List<Op> all = new ArrayList<>(mods);
                    all.addAll(bad);
                    List<String> c = new ArrayList<>(List.of(tool.split(" ")));
                    if (json) {
                        c.add("--json");
                    }
                    if (!tool.equals("lsmod")) {
                        c.add(mods.get(pick % mods.size()).name());
                    }
                    return new Plan(all, c);
                });
        return Arbitraries.oneOf(mostlySane, Combinators.combine(op.list().ofMaxSize(10), command).as(Plan::new));
    }

    @Property(tries = 1000, edgeCases = net.jqwik.api.EdgeCasesMode.NONE)
    void hostileFixturesNeverEscapeTheRootNorAreLeftHalfEdited(@ForAll("plans") Plan plan) throws IOException {
        Path base = Files.createTempDirectory("kmod4j-hostile");
        try {
            Path root = base.resolve("root");
            Path sentinel = base.resolve("outside");
            build(plan, root, sentinel);
            TreeSnapshot outsideBefore = TreeSnapshot.of(sentinel);
            TreeSnapshot rootBefore = TreeSnapshot.ofFixture(root);

            List<String> args = new ArrayList<>(plan.command());
            args.add(1, "--root");
            args.add(2, root.toString());
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int status = Main.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));

            TRIES.incrementAndGet();
            boolean changed = !rootBefore.equals(TreeSnapshot.ofFixture(root));
            OUTCOMES.computeIfAbsent(plan.command().getFirst() + " status " + status
                    + (err.toString().contains("fixture ") ? " refused" : "") + (changed ? " changed" : ""),
                    k -> new AtomicInteger()).incrementAndGet();
            assertTrue(status == 0 || status == 1 || status == 2, "status " + status);
            for (String s : List.of(out.toString(), err.toString())) {
                assertFalse(s.contains("Exception") || s.contains("java.") || s.contains("\tat ")
                        || s.contains("Input length"), s);
            }
            assertEquals(outsideBefore, TreeSnapshot.of(sentinel), "the sentinel outside the root changed");
            if (status != 0 || plan.command().getFirst().equals("lsmod")) {
                assertEquals(rootBefore, TreeSnapshot.ofFixture(root), "the fixture changed: " + err);
            }
        } finally {
            TreeSnapshot.delete(base);
        }
    }

    @AfterContainer
    static void report() {
        System.out.println("HostileFixtureProperties: " + TRIES.get() + " tries, outcomes " + new TreeMap<>(OUTCOMES));
    }

    // ---- building a tree -------------------------------------------------------------------------------------------

    /** No directory between the root and {@code p} is a symbolic link (so the generator never writes through one). */
    private static boolean noLinkAbove(Path root, Path p) {
        Path prefix = root;
        for (Path name : root.relativize(p.getParent())) {
            prefix = prefix.resolve(name);
            if (Files.isSymbolicLink(prefix)) {
                return false;
            }
        }
        return true;
    }

    private static void build(Plan plan, Path root, Path sentinel) throws IOException {
        StringBuilder mirror = new StringBuilder();
        for (String n : KERNEL_NAMES) {
            Files.createDirectories(sentinel.resolve("dir").resolve(n).resolve("holders"));
            Files.writeString(sentinel.resolve("dir").resolve(n).resolve("initstate"), "live\n");
            Files.writeString(sentinel.resolve("dir").resolve(n).resolve("refcnt"), "0\n");
            mirror.append(n).append(" 4096 0 - Live 0xffffffffc0000000\n");
        }
        Files.writeString(sentinel.resolve("dir/modules"), mirror);
        Files.createDirectories(sentinel.resolve("dir/sys/kernel"));
        Files.writeString(sentinel.resolve("dir/sys/kernel/tainted"), "0\n");
        Files.writeString(sentinel.resolve("dir/x.conf"), "alias a0 victim\nremove m touch " + sentinel.resolve("pwned")
                + "\n");
        Files.writeString(sentinel.resolve("file"), "0\n");
        Files.createDirectories(root.resolve("sys/module"));
        Files.createDirectories(root.resolve("proc"));
        StringBuilder proc = new StringBuilder();
        StringBuilder conf = new StringBuilder();
        Set<Integer> aliases = new HashSet<>();
        List<Op> later = new ArrayList<>();
        for (Op op : plan.ops()) {
            switch (op) {
                case Loaded l -> {
                    Path dir = root.resolve("sys/module").resolve(l.name());
                    if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                        continue;
                    }
                    proc.append(l.name()).append(" 4096 ").append(l.users().size()).append(' ')
                            .append(l.users().isEmpty() ? "-" : String.join(",", l.users()) + ",")
                            .append(" Live 0xffffffffc0000000\n");
                    Files.createDirectories(dir.resolve("holders"));
                    Files.writeString(dir.resolve("initstate"), "live\n");
                    Files.writeString(dir.resolve("refcnt"), l.users().size() + "\n");
                    for (String u : l.users()) {
                        Files.createSymbolicLink(dir.resolve("holders").resolve(u), Path.of("../../" + u));
                    }
                    conf.append("alias ").append(l.name()).append(' ').append(l.name()).append('\n');
                }
                case ProcLine l -> proc.append(String.join(" ", l.name(), l.size(), l.refcnt(), l.users(), l.state(),
                        l.addr())).append('\n');
                case ProcBytes b -> proc.append(new String(b.bytes(), StandardCharsets.ISO_8859_1)).append('\n');
                case SysDir d -> {
                    Path dir = root.resolve("sys/module").resolve(d.name());
                    if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                        continue;
                    }
                    Files.createDirectories(dir.resolve("holders"));
                    if (d.initstate() != null) {
                        Files.writeString(dir.resolve("initstate"), d.initstate());
                    }
                    if (d.refcnt() != null) {
                        Files.write(dir.resolve("refcnt"), d.refcnt().getBytes(StandardCharsets.ISO_8859_1));
                    }
                    for (String h : new HashSet<>(d.holders())) {
                        if (d.linkHolders()) {
                            Files.createSymbolicLink(dir.resolve("holders").resolve(h), Path.of("../../" + h));
                        } else {
                            Files.writeString(dir.resolve("holders").resolve(h), "");
                        }
                    }
                }
                case Config c -> {
                    if (c.removeCommand()) {
                        conf.append("remove ").append(c.name()).append(" touch ").append(sentinel.resolve("pwned"))
                                .append('\n');
                    } else if (aliases.add(c.alias())) {
                        conf.append("alias a").append(c.alias()).append(' ').append(c.name()).append('\n');
                    }
                }
                default -> later.add(op); // links and deletions after the files they replace
            }
        }
        Files.write(root.resolve("proc/modules"), proc.toString().getBytes(StandardCharsets.ISO_8859_1));
        Files.createDirectories(root.resolve("etc/modprobe.d"));
        Files.writeString(root.resolve("etc/modprobe.d/gen.conf"), conf.toString());
        for (Op op : later) {
            switch (op) {
                case NumberFile n -> {
                    Path p = root.resolve(n.path());
                    if (noLinkAbove(root, p)) {
                        Files.createDirectories(p.getParent());
                        TreeSnapshot.delete(p);
                        Files.write(p, n.content().getBytes(StandardCharsets.ISO_8859_1));
                    }
                }
                case LinkOut l -> {
                    Path p = root.resolve(String.format(l.path(), l.module()));
                    if (!noLinkAbove(root, p) || !Files.isDirectory(p.getParent(), LinkOption.NOFOLLOW_LINKS)) {
                        continue; // its directory is gone or is under a link: never create through a link
                    }
                    TreeSnapshot.delete(p);
                    String t = String.format(l.target(), l.module());
                    Path target = t.startsWith("/") || t.startsWith("..") ? Path.of(t) : sentinel.resolve(t);
                    Files.createSymbolicLink(p, target);
                }
                case Missing m -> {
                    Path p = root.resolve(m.path());
                    if (noLinkAbove(root, p)) {
                        TreeSnapshot.delete(p);
                    }
                }
                default -> throw new IllegalStateException(op.toString());
            }
        }
    }
}
