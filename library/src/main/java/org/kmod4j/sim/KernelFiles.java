package org.kmod4j.sim;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kmod4j.api.Errno;
import org.kmod4j.api.ModuleState;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.Taint;
import org.kmod4j.api.ViewException;

/**
 * The files the module subsystem shows: {@code /proc/modules} (kernel/module/procfs.c), {@code /sys/module}
 * (kernel/module/sysfs.c and kernel/params.c) and the sysctls {@code modules_disabled} and {@code tainted}.
 * Each read renders the current state, as the kernel does on every open.
 */
final class KernelFiles {
    private static final String PROC_MODULES = "/proc/modules";
    private static final String SYSCTL_MODULES_DISABLED = "/proc/sys/kernel/modules_disabled";
    private static final String SYSCTL_TAINTED = "/proc/sys/kernel/tainted";
    private static final String SYS_MODULE = "/sys/module";

    private final SimulatedKernel kernel;

    KernelFiles(SimulatedKernel kernel) {
        this.kernel = kernel;
    }

    /** A node of the tree: a directory with entries in readdir order, or a file. */
    private sealed interface Node permits Dir, File {
    }

    private record Dir(List<String> entries) implements Node {
    }

    /** A file; {@code content} null means write-only (reading gives EACCES). */
    private record File(String content, boolean writable) implements Node {
    }

    String read(String path) throws ViewException {
        Node node = resolve(path);
        if (node instanceof File f && f.content != null) {
            return f.content;
        }
        throw new ViewException(path, node instanceof Dir ? Errno.EISDIR : Errno.EACCES);
    }

    List<String> list(String path) throws ViewException {
        if (resolve(path) instanceof Dir d) {
            return d.entries;
        }
        throw new ViewException(path, Errno.ENOTDIR);
    }

    SyscallResult write(String path, String text) {
        Node node;
        try {
            node = resolve(path);
        } catch (ViewException e) {
            return SyscallResult.failed(e.errno());
        }
        if (node instanceof Dir) {
            return SyscallResult.failed(Errno.EISDIR);
        }
        if (!((File) node).writable) {
            return SyscallResult.failed(Errno.EACCES);
        }
        return switch (path) {
            case SYSCTL_MODULES_DISABLED -> parseInt(text) instanceof Long v && v == 1
                    ? kernel.setModulesDisabled(1) : SyscallResult.failed(Errno.EINVAL);
            case SYSCTL_TAINTED -> writeTainted(text);
            default -> SyscallResult.ok(); // uevent: accepted, nothing to model
        };
    }

    /** {@code proc_taint()}: OR in each known bit of the value; bits are never cleared. */
    private SyscallResult writeTainted(String text) {
        if (!(parseInt(text) instanceof Long value) || value < 0) {
            return SyscallResult.failed(Errno.EINVAL);
        }
        for (Taint t : Taint.values()) {
            if ((value & t.mask()) != 0) {
                kernel.addTaint(t, false);
            }
        }
        return SyscallResult.ok();
    }

    private static Long parseInt(String text) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Node resolve(String path) throws ViewException {
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        switch (p) {
            case PROC_MODULES:
                return new File(procModules(), false);
            case SYSCTL_MODULES_DISABLED:
                if (!kernel.profile().hasModulesDisabledSysctl()) {
                    break;
                }
                return new File(kernel.modulesDisabled() ? "1\n" : "0\n", true);
            case SYSCTL_TAINTED:
                return new File(kernel.taintedMask() + "\n", true);
            default:
                break;
        }
        if (kernel.profile().hasSysfs() && (p.equals(SYS_MODULE) || p.startsWith(SYS_MODULE + "/"))) {
            Node node = sysModule(p.equals(SYS_MODULE) ? new String[0] : p.substring(SYS_MODULE.length() + 1).split("/"));
            if (node != null) {
                return node;
            }
        }
        throw new ViewException(path, Errno.ENOENT);
    }

    // ---- /proc/modules ------------------------------------------------------------------------------------

    /**
     * {@code m_show()} for every module that is not UNFORMED, newest first (kernel/module.c, kernel/module/procfs.c
     * from 5.19; 2.4's {@code get_module_list()}).
     */
    private String procModules() {
        StringBuilder out = new StringBuilder();
        kernel.moduleMutex.lock();
        try {
            List<KernelModule> list = kernel.moduleList();
            for (int i = list.size() - 1; i >= 0; i--) {
                KernelModule mod = list.get(i);
                if (mod.state == ModuleState.UNFORMED) {
                    continue;
                }
                switch (kernel.profile().procModulesFormat()) {
                    case LINUX_2_4 -> Linux24Modules.appendProcLine(out, mod);
                    case LINUX_2_6_0 -> appendProcLine(out, mod, false);
                    case MODERN -> appendProcLine(out, mod, true);
                }
            }
        } finally {
            kernel.moduleMutex.unlock();
        }
        return out.toString();
    }

    /** {@code m_show()}; 2.6.0's had no taint field. */
    private void appendProcLine(StringBuilder out, KernelModule mod, boolean withTaints) {
        out.append(mod.name).append(' ').append(mod.totalSize());
        if (kernel.config().moduleUnload()) {
            // print_unload_info(): every user followed by a comma, even the last.
            out.append(' ').append(mod.refcount()).append(' ');
            boolean printed = false;
            for (KernelModule user : mod.sourceList) {
                out.append(user.name).append(',');
                printed = true;
            }
            if (mod.permanent()) {
                out.append("[permanent],");
                printed = true;
            }
            if (!printed) {
                out.append('-');
            }
        } else {
            out.append(" - -");
        }
        out.append(' ').append(mod.state.procText());
        // %p with kptr_restrict as root: 16 hex digits. HexFormat, not String.format: this runs 5,000 times a read.
        out.append(" 0x").append(HexFormat.of().toHexDigits(mod.address));
        if (withTaints && mod.taints != 0) {
            out.append(' ').append(moduleFlags(mod));
        }
        out.append('\n');
    }

    /** {@code module_flags(mod, buf, true)}: the taint letters, then {@code -} while GOING or {@code +} while COMING. */
    private static String moduleFlags(KernelModule mod) {
        String state = switch (mod.state) {
            case GOING -> "-";
            case COMING -> "+";
            default -> "";
        };
        return "(" + Taint.letters(mod.taints) + state + ")";
    }

    // ---- /sys/module --------------------------------------------------------------------------------------

    private Node sysModule(String[] parts) {
        kernel.moduleMutex.lock();
        try {
            if (parts.length > 0) {
                return moduleDirectory(parts);
            }
            List<String> names = new ArrayList<>(kernel.builtins().keySet());
            for (KernelModule mod : kernel.moduleList()) {
                // mod_sysfs_setup() runs once the module is COMING; free_module() tears it down first thing.
                if (mod.state != ModuleState.UNFORMED) {
                    names.add(mod.name);
                }
            }
            return new Dir(Kernfs.readdirOrder(names));
        } finally {
            kernel.moduleMutex.unlock();
        }
    }

    /** {@code /sys/module/NAME/...} of a module past UNFORMED, or of a built-in. Mutex held. */
    private Node moduleDirectory(String[] parts) {
        KernelModule mod = kernel.findModule(parts[0]);
        if (mod != null) {
            return moduleNode(mod, parts);
        }
        BuiltinModule builtin = kernel.builtins().get(parts[0]);
        return builtin == null ? null : builtinNode(builtin, parts);
    }

    private Node moduleNode(KernelModule mod, String[] parts) {
        // Each attribute is made only when read: a tool reads two or three of a module's files, 4,000 times over on
        // a distribution's kernel.
        Map<String, java.util.function.Supplier<Node>> attrs = new LinkedHashMap<>();
        attrs.put("coresize", () -> new File(mod.image.coreSize() + "\n", false));
        attrs.put("holders", () -> new Dir(List.of()));
        attrs.put("initsize", () -> new File(mod.initSize + "\n", false));
        attrs.put("initstate", () -> new File(mod.state.initstate() + "\n", false));
        attrs.put("notes", () -> new Dir(List.of()));
        if (!mod.image.parameters().isEmpty()) {
            attrs.put("parameters", () -> new Dir(List.of()));
        }
        if (kernel.config().moduleUnload()) {
            attrs.put("refcnt", () -> new File(mod.refcount() + "\n", false));
        }
        attrs.put("sections", () -> new Dir(List.of()));
        if (kernel.config().srcversionAll()) {
            attrs.put("srcversion", () -> new File(srcversion(mod.name) + "\n", false));
        }
        attrs.put("taint", () -> new File(Taint.letters(mod.taints) + "\n", false));
        attrs.put("uevent", () -> new File(null, true));
        if (parts.length == 1) {
            return new Dir(Kernfs.readdirOrder(attrs.keySet()));
        }
        String attr = parts[1];
        if (attr.equals("holders")) {
            List<String> users = new ArrayList<>();
            for (KernelModule user : mod.sourceList) {
                users.add(user.name);
            }
            if (parts.length == 2) {
                return new Dir(Kernfs.readdirOrder(users));
            }
            // holders/USER is a symlink to /sys/module/USER.
            if (!users.contains(parts[2])) {
                return null;
            }
            return moduleDirectory(java.util.Arrays.copyOfRange(parts, 2, parts.length));
        }
        if (attr.equals("parameters") && attrs.containsKey("parameters")) {
            return parameterNode(mod.parameterValues, parts);
        }
        java.util.function.Supplier<Node> node = parts.length == 2 ? attrs.get(attr) : null;
        return node == null ? null : node.get();
    }

    private static Node parameterNode(Map<String, String> values, String[] parts) {
        if (parts.length == 2) {
            return new Dir(Kernfs.readdirOrder(values.keySet()));
        }
        String value = parts.length == 3 ? values.get(parts[2]) : null;
        return value == null ? null : new File(value + "\n", false);
    }

    /** A built-in's directory: {@code parameters/} when it has any, and {@code uevent} (kernel/params.c). */
    private static Node builtinNode(BuiltinModule builtin, String[] parts) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String p : builtin.parameters()) {
            values.put(p, "");
        }
        if (parts.length == 1) {
            List<String> entries = new ArrayList<>(List.of("uevent"));
            if (builtin.hasParameters()) {
                entries.add("parameters");
            }
            return new Dir(Kernfs.readdirOrder(entries));
        }
        if (parts[1].equals("uevent") && parts.length == 2) {
            return new File(null, true);
        }
        if (parts[1].equals("parameters") && builtin.hasParameters()) {
            return parameterNode(values, parts);
        }
        return null;
    }

    /** modpost's srcversion is an MD4 of the sources; the simulator derives a stable stand-in from the name. */
    private static String srcversion(String name) {
        return String.format("%08X%08X%07X", name.hashCode(), name.length() * 0x9E3779B9, name.hashCode() >>> 5)
                .substring(0, 23);
    }
}
