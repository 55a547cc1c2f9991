package org.kmod4j.host;

import java.util.ArrayList;
import java.util.List;
import org.kmod4j.api.Errno;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ModuleName;
import org.kmod4j.api.ModuleState;
import org.kmod4j.api.ViewException;

/**
 * A parser for the modern {@code /proc/modules} format (docs/kernel-rules.md, "/proc/modules"):
 * {@code name size refcount users state 0xaddress [(taints)]}, fields separated by one space.
 *
 * <ul>
 *   <li>{@code users} is {@code -} or every user followed by a comma, plus {@code [permanent],};</li>
 *   <li>a kernel without {@code CONFIG_MODULE_UNLOAD} prints {@code -} for both refcount and users: such a line is
 *       accepted with refcount 0 and no holders (LoadedModule has no "unknown" refcount);</li>
 *   <li>the taint field is {@code (LETTERS)} with an optional {@code +} (loading) or {@code -} (unloading) that is not a
 *       taint letter and is dropped.</li>
 * </ul>
 */
public final class ProcModules {
    /** Where the kernel shows it. */
    public static final String PATH = "/proc/modules";

    private ProcModules() {
    }

    /**
     * Parses the whole file.
     *
     * @param text the file content
     * @param path the path to name in error messages
     * @throws ViewException (EINVAL) naming the first malformed line, with its number and content
     */
    public static List<LoadedModule> parse(String text, String path) throws ViewException {
        List<LoadedModule> modules = new ArrayList<>();
        if (text.isEmpty()) {
            return modules; // no module loaded
        }
        String[] lines = text.split("\n", -1);
        int count = text.endsWith("\n") ? lines.length - 1 : lines.length;
        for (int i = 0; i < count; i++) {
            try {
                modules.add(parseLine(lines[i]));
            } catch (IllegalArgumentException e) {
                throw new ViewException(path + ":" + (i + 1) + ": malformed line \"" + lines[i] + "\" ("
                        + e.getMessage() + ")", Errno.EINVAL);
            }
        }
        return modules;
    }

    /**
     * Whether the file comes from a kernel without CONFIG_MODULE_UNLOAD: its refcount and users columns are
     * {@code - -} ({@link LoadedModule} shows 0 references for such a line).
     */
    public static boolean lacksUnloadInfo(String text) {
        for (String line : text.split("\n")) {
            String[] f = line.split(" ", 4);
            if (f.length > 2 && f[2].equals("-")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses one line (without its newline).
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static LoadedModule parseLine(String line) {
        String[] f = line.split(" ", -1);
        if (f.length != 6 && f.length != 7) {
            throw new IllegalArgumentException("expected 6 or 7 space-separated fields "
                    + "'name size refcount users state address [(taints)]', found " + f.length);
        }
        ModuleName name;
        try {
            name = ModuleName.of(f[0]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad name: " + e.getMessage());
        }
        long size = parseSize(f[1]);
        boolean noUnload = f[2].equals("-");
        int refcount;
        if (noUnload) {
            if (!f[3].equals("-")) {
                throw new IllegalArgumentException("refcount '-' needs users '-' (a kernel without module unloading)");
            }
            refcount = 0;
        } else {
            try {
                refcount = Integer.parseInt(f[2]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad refcount '" + f[2] + "'");
            }
        }
        List<ModuleName> holders = new ArrayList<>();
        boolean permanent = false;
        if (!noUnload && !f[3].equals("-")) {
            if (!f[3].endsWith(",")) {
                throw new IllegalArgumentException("users '" + f[3] + "' must be '-' or end with ','");
            }
            for (String user : f[3].substring(0, f[3].length() - 1).split(",", -1)) {
                if (user.equals("[permanent]")) {
                    permanent = true;
                } else {
                    try {
                        holders.add(ModuleName.of(user));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("bad user '" + user + "' in '" + f[3] + "'");
                    }
                }
            }
        }
        ModuleState state = switch (f[4]) {
            case "Live" -> ModuleState.LIVE;
            case "Loading" -> ModuleState.COMING;
            case "Unloading" -> ModuleState.GOING;
            default -> throw new IllegalArgumentException("bad state '" + f[4] + "' (expected Live, Loading or Unloading)");
        };
        if (!f[5].matches("0x[0-9a-fA-F]+")) {
            throw new IllegalArgumentException("bad address '" + f[5] + "'");
        }
        String taints = "";
        if (f.length == 7) {
            if (!f[6].matches("\\([A-Z]*[+-]?\\)")) {
                throw new IllegalArgumentException("bad taint field '" + f[6] + "' (expected e.g. (OE) or (OE+))");
            }
            taints = f[6].substring(1, f[6].length() - 1).replaceAll("[+-]$", "");
        }
        return new LoadedModule(name, size, refcount, holders, state, taints, permanent);
    }

    private static long parseSize(String text) {
        if (!text.matches("[0-9]+")) {
            throw new IllegalArgumentException("bad size '" + text + "'");
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size out of range '" + text + "'");
        }
    }
}
