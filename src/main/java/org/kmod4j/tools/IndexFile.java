package org.kmod4j.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A reader of kmod's binary index files ({@code modules.dep.bin}, {@code modules.builtin.bin}, ...; libkmod-index.c):
 * a radix trie, all integers 32-bit big-endian. Header: magic {@code 0xB007F457}, version {@code 0x0002xxxx}, root
 * node offset. A node offset carries flags in its top nibble ({@code 0x80000000} prefix string, {@code 0x40000000}
 * values, {@code 0x20000000} children) and the file offset in the low 28 bits. A node is: the NUL-terminated prefix;
 * the first and last child characters and {@code last-first+1} child offsets; the value count and
 * {@code (priority, NUL-terminated string)} pairs.
 *
 * <p>{@link #search} is libkmod's exact {@code index_search()}; wildcard search is not needed by rmmod or lsmod.
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
}
