package org.kmod4j.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A reader of kmod's binary index files ({@code modules.dep.bin}, {@code modules.builtin.bin}, ...; libkmod-index.c):
 * a radix trie, all integers 32-bit big-endian. Header: magic {@code 0xB007F457}, version {@code 0x0002xxxx}, root
 * node offset. A node offset carries flags in its top nibble ({@code 0x80000000} prefix string, {@code 0x40000000}
 * values, {@code 0x20000000} children) and the file offset in the low 28 bits. A node is: the NUL-terminated prefix;
 * the first and last child characters and {@code last-first+1} child offsets; the value count and
 * {@code (priority, NUL-terminated string)} pairs.
 *
 * <p>{@link #search} is libkmod's exact {@code index_search()}; {@link #searchWild} is its {@code index_searchwild()},
 * the lookup of {@code modules.alias.bin} and its kin, whose keys may be fnmatch patterns.
 */
public final class IndexFile {
    /** {@code INDEX_MAGIC}. */
    public static final int MAGIC = 0xB007F457;
    /** {@code INDEX_VERSION_MAJOR}: the high half of the version word. */
    public static final int VERSION_MAJOR = 0x0002;

    private static final int FLAG_PREFIX = 0x80000000;
    private static final int FLAG_VALUES = 0x40000000;
    private static final int FLAG_CHILDS = 0x20000000;
    private static final int OFFSET_MASK = 0x0FFFFFFF;

    private final byte[] data;
    private final int rootOffset;

    private IndexFile(byte[] data, int rootOffset) {
        this.data = data;
        this.rootOffset = rootOffset;
    }

    /**
     * {@code index_file_open()}: null when the file cannot be read or has the wrong magic or major version, as libkmod
     * then treats the index as absent.
     */
    public static IndexFile open(Path file) {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return parse(data);
    }

    /** An index from its bytes, or null when the header is not an index header. */
    public static IndexFile parse(byte[] data) {
        if (data.length < 12 || u32(data, 0) != MAGIC || (u32(data, 4) >>> 16) != VERSION_MAJOR) {
            return null;
        }
        return new IndexFile(data, u32(data, 8));
    }

    private static int u32(byte[] d, int at) {
        return ((d[at] & 0xff) << 24) | ((d[at + 1] & 0xff) << 16) | ((d[at + 2] & 0xff) << 8) | (d[at + 3] & 0xff);
    }

    /** The first value stored for exactly {@code key}, or null (also for a corrupt file). */
    public String search(String key) {
        try {
            return search(key.getBytes(StandardCharsets.UTF_8));
        } catch (ArrayIndexOutOfBoundsException e) {
            return null;
        }
    }

    private String search(byte[] key) {
        int offset = rootOffset;
        int i = 0;
        while ((offset & OFFSET_MASK) != 0) {
            int pos = offset & OFFSET_MASK;
            // prefix
            if ((offset & FLAG_PREFIX) != 0) {
                int j = 0;
                while (data[pos] != 0) {
                    if (i + j >= key.length || data[pos] != key[i + j]) {
                        return null;
                    }
                    pos++;
                    j++;
                }
                pos++;
                i += j;
            }
            int first = -1;
            int last = -2;
            int childrenAt = -1;
            if ((offset & FLAG_CHILDS) != 0) {
                first = data[pos] & 0xff;
                last = data[pos + 1] & 0xff;
                childrenAt = pos + 2;
                pos = childrenAt + 4 * Math.max(0, last - first + 1);
            }
            if (i == key.length) {
                if ((offset & FLAG_VALUES) == 0) {
                    return null;
                }
                int count = u32(data, pos);
                if (count <= 0) {
                    return null;
                }
                // The values are stored sorted by priority; libkmod returns the first one.
                int start = pos + 8;
                int end = start;
                while (data[end] != 0) {
                    end++;
                }
                return new String(data, start, end - start, StandardCharsets.UTF_8);
            }
            // libkmod compares a plain (signed) char with the unsigned range: bytes >= 0x80 never match a child.
            int ch = key[i];
            if (ch < first || ch > last || childrenAt < 0) {
                return null;
            }
            offset = u32(data, childrenAt + 4 * (ch - first));
            i++;
        }
        return null;
    }

    /** One value of a node: its priority and its string. */
    private record Value(long priority, String value) {
    }

    /** A node: its prefix, its children by character ({@code first..last}, 0 for none) and its values. */
    private record Node(byte[] prefix, int first, int last, int[] children, List<Value> values) {
        int child(int ch) {
            return ch < first || ch > last ? 0 : children[ch - first];
        }
    }

    private Node readNode(int offset) {
        int pos = offset & OFFSET_MASK;
        byte[] prefix = new byte[0];
        if ((offset & FLAG_PREFIX) != 0) {
            int end = pos;
            while (data[end] != 0) {
                end++;
            }
            prefix = java.util.Arrays.copyOfRange(data, pos, end);
            pos = end + 1;
        }
        int first = 1;
        int last = 0;
        int[] children = new int[0];
        if ((offset & FLAG_CHILDS) != 0) {
            first = data[pos] & 0xff;
            last = data[pos + 1] & 0xff;
            pos += 2;
            children = new int[Math.max(0, last - first + 1)];
            for (int i = 0; i < children.length; i++) {
                children[i] = u32(data, pos + 4 * i);
            }
            pos += 4 * children.length;
        }
        List<Value> values = new ArrayList<>();
        if ((offset & FLAG_VALUES) != 0) {
            int count = u32(data, pos);
            pos += 4;
            for (int i = 0; i < count; i++) {
                long priority = u32(data, pos) & 0xffffffffL;
                pos += 4;
                int end = pos;
                while (data[end] != 0) {
                    end++;
                }
                values.add(new Value(priority, new String(data, pos, end - pos, StandardCharsets.UTF_8)));
                pos = end + 1;
            }
        }
        return new Node(prefix, first, last, children, values);
    }

    /**
     * {@code index_searchwild()}: the values of every key that matches {@code key}, where stored keys may hold the
     * wildcards {@code *}, {@code ?} and {@code [...]} (matched with fnmatch from the first wildcard on). The values
     * come sorted by priority, as libkmod's {@code add_value()} inserts them (a value goes before those of equal
     * priority already found). Empty for no match or a corrupt file.
     */
    public List<String> searchWild(String key) {
        List<Value> out = new ArrayList<>();
        try {
            wildNode(readNode(rootOffset), new StringBuilder(), key.getBytes(StandardCharsets.UTF_8), 0, out);
        } catch (ArrayIndexOutOfBoundsException e) {
            return List.of();
        }
        List<String> values = new ArrayList<>(out.size());
        for (Value v : out) {
            values.add(v.value());
        }
        return values;
    }

    private static void addValue(List<Value> out, Value v) {
        int i = 0;
        while (i < out.size() && out.get(i).priority() < v.priority()) {
            i++;
        }
        out.add(i, v);
    }

    private static void allValues(Node node, List<Value> out) {
        for (Value v : node.values()) {
            addValue(out, v);
        }
    }

    /** Level 2: descend while the stored key has no wildcard. */
    private void wildNode(Node node, StringBuilder buf, byte[] key, int i, List<Value> out) {
        while (node != null) {
            int j;
            for (j = 0; j < node.prefix().length; j++) {
                int ch = node.prefix()[j];
                if (ch == '*' || ch == '?' || ch == '[') {
                    wildAll(node, j, buf, subkey(key, i + j), out);
                    return;
                }
                if (i + j >= key.length || ch != key[i + j]) {
                    return;
                }
            }
            i += j;
            for (char w : new char[] {'*', '?', '['}) {
                int child = node.child(w);
                if ((child & OFFSET_MASK) != 0) {
                    buf.append(w);
                    wildAll(readNode(child), 0, buf, subkey(key, i), out);
                    buf.setLength(buf.length() - 1);
                }
            }
            if (i >= key.length) {
                allValues(node, out);
                return;
            }
            int child = key[i] < 0 ? 0 : node.child(key[i]);
            node = (child & OFFSET_MASK) != 0 ? readNode(child) : null;
            i++;
        }
    }

    /** Level 3: a stored key with a wildcard from here on: collect every key below and fnmatch it. */
    private void wildAll(Node node, int j, StringBuilder buf, String subkey, List<Value> out) {
        int pushed = 0;
        for (; j < node.prefix().length; j++) {
            buf.append((char) (node.prefix()[j] & 0xff));
            pushed++;
        }
        for (int ch = node.first(); ch <= node.last(); ch++) {
            int child = node.child(ch);
            if ((child & OFFSET_MASK) == 0) {
                continue;
            }
            buf.append((char) ch);
            wildAll(readNode(child), 0, buf, subkey, out);
            buf.setLength(buf.length() - 1);
        }
        if (!node.values().isEmpty() && Fnmatch.matches(buf.toString(), subkey)) {
            allValues(node, out);
        }
        buf.setLength(buf.length() - pushed);
    }

    private static String subkey(byte[] key, int from) {
        int start = Math.min(from, key.length);
        return new String(key, start, key.length - start, StandardCharsets.ISO_8859_1);
    }
}
