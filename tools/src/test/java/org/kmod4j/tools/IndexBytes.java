package org.kmod4j.tools;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.kmod4j.kmod.IndexFile;

/**
 * Writes kmod's index format (libkmod-index.c) for tests, as depmod lays it out: a key set becomes a radix trie, each
 * node written after its children, the root offset in the header. {@link #nodeOffsets} lets a test corrupt a written
 * node (point a child back at the root, say).
 */
final class IndexBytes {
    private final TreeMap<String, List<String>> keys = new TreeMap<>();
    /** File offsets of the written nodes, in writing order (the root last). */
    final List<Integer> nodeOffsets = new ArrayList<>();
    /** File offsets of the child offset words, in writing order. */
    final List<Integer> childWords = new ArrayList<>();

    IndexBytes add(String key, String value) {
        keys.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        return this;
    }

    private static final class Node {
        String prefix = "";
        final TreeMap<Character, Node> children = new TreeMap<>();
        final List<String> values = new ArrayList<>();
    }

    /**
     * The index bytes. The writer recurses over the trie, so it runs on a thread with a large stack: deep tries are
     * what some tests need (a plain 4096-deep recursion overflows a default thread stack, which is why the reader
     * under test must not recurse).
     */
    byte[] build() {
        byte[][] result = new byte[1][];
        RuntimeException[] failure = new RuntimeException[1];
        Thread t = new Thread(null, () -> {
            try {
                result[0] = buildHere();
            } catch (RuntimeException e) {
                failure[0] = e;
            }
        }, "index-writer", 256L << 20);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        return result[0];
    }

    private byte[] buildHere() {
        Node root = new Node();
        for (Map.Entry<String, List<String>> e : keys.entrySet()) {
            Node n = root;
            for (char c : e.getKey().toCharArray()) {
                n = n.children.computeIfAbsent(c, x -> new Node());
            }
            n.values.addAll(e.getValue());
        }
        compress(root);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[12]);
        int rootWord = write(root, out);
        byte[] data = out.toByteArray();
        put(data, 0, IndexFile.MAGIC);
        put(data, 4, 0x00020001);
        put(data, 8, rootWord);
        return data;
    }

    /** Merges single-child, value-less chains into prefixes, as depmod's writer does. */
    private static void compress(Node n) {
        while (n.values.isEmpty() && n.children.size() == 1) {
            Map.Entry<Character, Node> only = n.children.firstEntry();
            Node c = only.getValue();
            n.prefix += only.getKey() + c.prefix;
            n.children.clear();
            n.children.putAll(c.children);
            n.values.addAll(c.values);
        }
        for (Node c : n.children.values()) {
            compress(c);
        }
    }

    private int write(Node n, ByteArrayOutputStream out) {
        Map<Character, Integer> childWordsOf = new TreeMap<>();
        for (Map.Entry<Character, Node> c : n.children.entrySet()) {
            childWordsOf.put(c.getKey(), write(c.getValue(), out));
        }
        int pos = out.size();
        nodeOffsets.add(pos);
        int flags = 0;
        if (!n.prefix.isEmpty()) {
            flags |= 0x80000000;
            out.writeBytes(n.prefix.getBytes(StandardCharsets.ISO_8859_1));
            out.write(0);
        }
        if (!n.children.isEmpty()) {
            flags |= 0x20000000;
            int first = n.children.firstKey();
            int last = n.children.lastKey();
            out.write(first);
            out.write(last);
            for (int ch = first; ch <= last; ch++) {
                childWords.add(out.size());
                Integer w = childWordsOf.get((char) ch);
                out.writeBytes(word(w == null ? 0 : w));
            }
        }
        if (!n.values.isEmpty()) {
            flags |= 0x40000000;
            out.writeBytes(word(n.values.size()));
            for (String v : n.values) {
                out.writeBytes(word(0));
                out.writeBytes(v.getBytes(StandardCharsets.ISO_8859_1));
                out.write(0);
            }
        }
        return pos | flags;
    }

    static byte[] word(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    static void put(byte[] data, int at, int v) {
        System.arraycopy(word(v), 0, data, at, 4);
    }

    static int get(byte[] d, int at) {
        return ((d[at] & 0xff) << 24) | ((d[at + 1] & 0xff) << 16) | ((d[at + 2] & 0xff) << 8) | (d[at + 3] & 0xff);
    }
}
