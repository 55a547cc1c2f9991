package org.kmod4j.kmod;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.kmod4j.api.BadInputException;
import org.kmod4j.libc.Fnmatch;

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
 *
 * <p>A corrupt index. libkmod maps the file and follows its offsets without any check ({@code index_mm_read_node()}):
 * an offset past the end makes it read outside the mapping (SIGSEGV), a child that points back at an ancestor makes
 * {@code index_mm_searchwild_all()} recurse until the stack runs out. Nothing sensible can be copied from that, so the
 * whole trie is checked once when the file is opened (every node is read once, so the check costs one pass over the
 * file) and a corrupt index is refused with a {@link CorruptIndexException} that names the file, the byte offset and
 * what is wrong there. A checked index has no cycle, no shared node and no offset outside the file, so the lookups
 * below can neither loop nor read past the end. A file with the wrong magic or major version is still "no index", as
 * libkmod treats it.
 */
public final class IndexFile {
    /** {@code INDEX_MAGIC}. */
    public static final int MAGIC = 0xB007F457;
    /** {@code INDEX_VERSION_MAJOR}: the high half of the version word. */
    public static final int VERSION_MAJOR = 0x0002;

    /**
     * The largest index file read (real ones are a few MiB: Debian 12's modules.alias.bin is about 1.5 MiB). A bigger
     * file is refused instead of being read whole into memory.
     */
    public static final int MAX_FILE_SIZE = 64 << 20;

    /**
     * The longest key (in bytes) a checked index may hold. Keys are module names, symbols and modaliases; the kernel's
     * whole uevent environment, modalias included, fits in 2048 bytes (UEVENT_BUFFER_SIZE), so no real key comes close.
     * The bound keeps the key buffer of the wildcard search, and the fnmatch calls on it, small.
     */
    public static final int MAX_KEY_LENGTH = 4096;

    private static final int HEADER_SIZE = 12;
    private static final int FLAG_PREFIX = 0x80000000;
    private static final int FLAG_VALUES = 0x40000000;
    private static final int FLAG_CHILDS = 0x20000000;
    private static final int OFFSET_MASK = 0x0FFFFFFF;

    /** An index file that is not a well-formed trie: the message names the file, the offset and the fault. */
    public static final class CorruptIndexException extends BadInputException {
        private static final long serialVersionUID = 1L;
        private final String file;
        private final long offset;

        public CorruptIndexException(String file, long offset, String what) {
            super(file + ": corrupt index at offset " + offset + " (0x" + Long.toHexString(offset) + "): " + what);
            this.file = file;
            this.offset = offset;
        }

        public CorruptIndexException(String file, String what) {
            super(file + ": " + what);
            this.file = file;
            this.offset = -1;
        }

        /** The file as it was named to {@link #open(Path, String)}. */
        public String file() {
            return file;
        }

        /** The byte offset of the fault, or -1 when it is the file as a whole. */
        public long offset() {
            return offset;
        }
    }

    /** A file longer than the bound {@link #readBounded} was given. */
    public static final class TooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        public TooLargeException(String message) {
            super(message);
        }
    }

    /**
     * The whole content of {@code file}, refusing it when it holds more than {@code max} bytes. The size is not taken
     * from {@code stat} alone: /proc and /sys files report 0 or 4096, and a FIFO or a growing file never ends, so the
     * bytes are counted while they are read and the read stops one byte after the bound (so /dev/zero ends too). A
     * FIFO or a socket is refused: opening one would block the tool until some other process writes to it.
     */
    public static byte[] readBounded(Path file, int max) throws IOException {
        if (Files.exists(file) && !Files.isRegularFile(file) && !Files.isDirectory(file)) {
            int type = ((Integer) Files.getAttribute(file, "unix:mode")) & 0170000;
            if (type == 0010000 || type == 0140000) {
                throw new IOException(file + ": a FIFO or socket, not read");
            }
        }
        try (java.io.InputStream in = Files.newInputStream(file)) {
            byte[] data = in.readNBytes(max);
            if (data.length == max && in.read() >= 0) {
                throw new TooLargeException(file + ": larger than " + max + " bytes");
            }
            return data;
        }
    }

    private final byte[] data;
    private final int rootOffset;

    private IndexFile(byte[] data, int rootOffset) {
        this.data = data;
        this.rootOffset = rootOffset;
    }

    /** {@link #open(Path, String)} naming the file by its path. */
    public static IndexFile open(Path file) {
        return open(file, file.toString());
    }

    /**
     * {@code index_file_open()}: null when the file cannot be read or has the wrong magic or major version, as libkmod
     * then treats the index as absent.
     *
     * @param name the file as messages name it (the path libkmod would open, for a fixture tree)
     * @throws CorruptIndexException when the header is an index's but the trie is not well formed, or the file is
     *                               larger than {@link #MAX_FILE_SIZE}
     */
    public static IndexFile open(Path file, String name) {
        byte[] data;
        try {
            data = readBounded(file, MAX_FILE_SIZE);
        } catch (TooLargeException e) {
            throw new CorruptIndexException(name, "larger than " + (MAX_FILE_SIZE >> 20)
                    + " MiB, not read (an index is a few MiB)");
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return parse(data, name);
    }

    /** An index from its bytes, or null when the header is not an index header. */
    public static IndexFile parse(byte[] data) {
        return parse(data, "index");
    }

    /**
     * An index from its bytes, or null when the header is not an index header.
     *
     * @throws CorruptIndexException when the trie is not well formed
     */
    public static IndexFile parse(byte[] data, String name) {
        if (data.length < HEADER_SIZE || u32(data, 0) != MAGIC || (u32(data, 4) >>> 16) != VERSION_MAJOR) {
            return null;
        }
        IndexFile index = new IndexFile(data, u32(data, 8));
        index.check(name);
        return index;
    }

    private static int u32(byte[] d, int at) {
        return ((d[at] & 0xff) << 24) | ((d[at + 1] & 0xff) << 16) | ((d[at + 2] & 0xff) << 8) | (d[at + 3] & 0xff);
    }

    // ---- the check ---------------------------------------------------------------------------------------------

    /** Where the parts of a node are, all inside the file once {@link #layout} returned. */
    private record Layout(int pos, int prefixEnd, int first, int last, int childrenAt, int valuesAt, int valueCount) {
        public int childCount() {
            return childrenAt < 0 ? 0 : last - first + 1;
        }
    }

    /** The NUL that ends the string at {@code at}, or -1 when the file ends first. */
    private int nul(int at) {
        for (int i = at; i < data.length; i++) {
            if (data[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    /** Reads a node's layout, checking that every part of it lies inside the file. */
    private Layout layout(int offset, String name, long from) {
        int pos = offset & OFFSET_MASK;
        if (pos < HEADER_SIZE) {
            throw new CorruptIndexException(name, from, "node offset " + pos + " points into the 12-byte header");
        }
        // A node without flags has no bytes at all: depmod writes an empty index as a header whose root offset is
        // the end of the file (12). Any other node needs at least one byte inside the file.
        boolean empty = (offset & (FLAG_PREFIX | FLAG_CHILDS | FLAG_VALUES)) == 0;
        if (pos > data.length || (pos == data.length && !empty)) {
            throw new CorruptIndexException(name, from, "node offset " + pos + " is past the end of the file ("
                    + data.length + " bytes)");
        }
        int p = pos;
        int prefixEnd = -1;
        if ((offset & FLAG_PREFIX) != 0) {
            prefixEnd = nul(p);
            if (prefixEnd < 0) {
                throw new CorruptIndexException(name, p, "the prefix string runs past the end of the file");
            }
            p = prefixEnd + 1;
        }
        int first = 1;
        int last = 0;
        int childrenAt = -1;
        if ((offset & FLAG_CHILDS) != 0) {
            if (p + 2 > data.length) {
                throw new CorruptIndexException(name, p, "the child range runs past the end of the file");
            }
            first = data[p] & 0xff;
            last = data[p + 1] & 0xff;
            if (first > last) {
                throw new CorruptIndexException(name, p, "the first child character (" + first
                        + ") comes after the last (" + last + ")");
            }
            childrenAt = p + 2;
            p = childrenAt + 4 * (last - first + 1);
            if (p > data.length) {
                throw new CorruptIndexException(name, childrenAt, (last - first + 1)
                        + " child offsets run past the end of the file");
            }
        }
        int valuesAt = -1;
        int count = 0;
        if ((offset & FLAG_VALUES) != 0) {
            if (p + 4 > data.length) {
                throw new CorruptIndexException(name, p, "the value count runs past the end of the file");
            }
            long n = u32(data, p) & 0xffffffffL;
            // Each value takes at least 5 bytes (a priority and a NUL): a count the rest of the file cannot hold is
            // refused before anything is allocated for it.
            if (n > (data.length - p - 4) / 5) {
                throw new CorruptIndexException(name, p, "value count " + n + " is more than the rest of the file holds");
            }
            count = (int) n;
            valuesAt = p + 4;
            int v = valuesAt;
            for (int i = 0; i < count; i++) {
                int end = v + 4 <= data.length ? nul(v + 4) : -1;
                if (end < 0) {
                    throw new CorruptIndexException(name, v, "value " + (i + 1) + " of " + count
                            + " runs past the end of the file");
                }
                v = end + 1;
            }
        }
        return new Layout(pos, prefixEnd, first, last, childrenAt, valuesAt, count);
    }

    /**
     * One pass over the trie from the root, without recursion: every node's parts must lie inside the file, no node may
     * be reached twice (the writer, depmod, writes a tree: a node reached again is a cycle when it is an ancestor of
     * itself, else a shared node that libkmod would visit once per parent), and no key may exceed
     * {@link #MAX_KEY_LENGTH}. Each node is read once, so the work is bounded by the file's size.
     */
    private void check(String name) {
        if ((rootOffset & OFFSET_MASK) == 0) {
            return; // no root: an empty index, every lookup misses
        }
        BitSet seen = new BitSet(data.length);
        BitSet onPath = new BitSet(data.length);
        // The path from the root: each node's layout, the next child to visit and the key length up to the node.
        List<Layout> path = new ArrayList<>();
        List<Integer> nextChild = new ArrayList<>();
        List<Integer> keyLength = new ArrayList<>();
        Layout root = layout(rootOffset, name, 8);
        if (root.pos() < data.length) {
            seen.set(root.pos());
            onPath.set(root.pos());
        }
        path.add(root);
        nextChild.add(0);
        keyLength.add(prefixLength(root));
        checkKeyLength(name, root, keyLength.getLast());
        while (!path.isEmpty()) {
            int top = path.size() - 1;
            Layout node = path.get(top);
            int i = nextChild.get(top);
            if (i >= node.childCount()) {
                if (node.pos() < data.length) {
                    onPath.clear(node.pos());
                }
                path.removeLast();
                nextChild.removeLast();
                keyLength.removeLast();
                continue;
            }
            nextChild.set(top, i + 1);
            int at = node.childrenAt() + 4 * i;
            int child = u32(data, at);
            if ((child & OFFSET_MASK) == 0) {
                continue;
            }
            int pos = child & OFFSET_MASK;
            if ((child & (FLAG_PREFIX | FLAG_CHILDS | FLAG_VALUES)) == 0) {
                // a node of zero bytes: nothing to read below it, and another zero-byte node may share its offset
                layout(child, name, at);
                continue;
            }
            if (pos < data.length && onPath.get(pos)) {
                throw new CorruptIndexException(name, at, "the child '" + printable(node.first() + i)
                        + "' points back at its ancestor node at offset " + pos + " (a cycle)");
            }
            if (pos < data.length && seen.get(pos)) {
                throw new CorruptIndexException(name, at, "the child '" + printable(node.first() + i)
                        + "' points at node " + pos + ", which another parent already has");
            }
            Layout layout = layout(child, name, at);
            int length = keyLength.get(top) + 1 + prefixLength(layout);
            checkKeyLength(name, layout, length);
            seen.set(pos);
            onPath.set(pos);
            path.add(layout);
            nextChild.add(0);
            keyLength.add(length);
        }
    }

    private static int prefixLength(Layout node) {
        return node.prefixEnd() < 0 ? 0 : node.prefixEnd() - node.pos();
    }

    private static void checkKeyLength(String name, Layout node, int length) {
        if (length > MAX_KEY_LENGTH) {
            throw new CorruptIndexException(name, node.pos(), "a key longer than " + MAX_KEY_LENGTH + " bytes");
        }
    }

    private static String printable(int ch) {
        return ch > 0x20 && ch < 0x7f && ch != '\'' ? String.valueOf((char) ch) : String.format("\\x%02x", ch);
    }

    // ---- lookups -----------------------------------------------------------------------------------------------

    /** The first value stored for exactly {@code key}, or null. */
    public String search(String key) {
        return search(key.getBytes(StandardCharsets.UTF_8));
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
        public int child(int ch) {
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
     * priority already found). Empty for no match.
     */
    public List<String> searchWild(String key) {
        List<Value> out = new ArrayList<>();
        if ((rootOffset & OFFSET_MASK) != 0) {
            wildNode(readNode(rootOffset), new StringBuilder(), key.getBytes(StandardCharsets.UTF_8), 0, out);
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

    /** A node of {@link #wildAll}'s walk: the node, the next child character to visit, the key length before it. */
    private static final class Frame {
        public final Node node;
        public int next;
        public final int bufBefore;

        public Frame(Node node, int bufBefore) {
            this.node = node;
            this.next = node.first();
            this.bufBefore = bufBefore;
        }
    }

    /**
     * Level 3 ({@code index_mm_searchwild_all()}): a stored key with a wildcard from here on: collect every key below
     * and fnmatch it. libkmod recurses; this walks the same nodes in the same order (children by character, then the
     * node's own values) with an explicit stack, so a deep trie cannot overflow the Java stack.
     */
    private void wildAll(Node start, int j, StringBuilder buf, String subkey, List<Value> out) {
        int base = buf.length();
        for (; j < start.prefix().length; j++) {
            buf.append((char) (start.prefix()[j] & 0xff));
        }
        List<Frame> stack = new ArrayList<>();
        stack.add(new Frame(start, base));
        while (!stack.isEmpty()) {
            Frame f = stack.getLast();
            Node node = f.node;
            if (f.next <= node.last()) {
                int ch = f.next++;
                int child = node.child(ch);
                if ((child & OFFSET_MASK) == 0) {
                    continue;
                }
                int before = buf.length();
                buf.append((char) ch);
                Node c = readNode(child);
                for (byte b : c.prefix()) {
                    buf.append((char) (b & 0xff));
                }
                stack.add(new Frame(c, before));
                continue;
            }
            if (!node.values().isEmpty() && Fnmatch.matches(buf.toString(), subkey)) {
                allValues(node, out);
            }
            buf.setLength(f.bufBefore);
            stack.removeLast();
        }
        buf.setLength(base);
    }

    private static String subkey(byte[] key, int from) {
        int start = Math.min(from, key.length);
        return new String(key, start, key.length - start, StandardCharsets.ISO_8859_1);
    }
}
