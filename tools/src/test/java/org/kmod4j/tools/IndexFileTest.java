package org.kmod4j.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmod4j.kmod.BuiltinIndex;
import org.kmod4j.kmod.IndexFile;
import org.kmod4j.kmod.Libkmod;

class IndexFileTest {
    @TempDir
    Path tmp;

    @Test
    void readsAnIndexMadeByDepmod() throws IOException {
        Fixture fx = new Fixture(tmp);
        assumeTrue(fx.builtin("kernel/drivers/a/kmod4j-builtin-a.ko", "kernel/net/kmod4j_builtin_b.ko",
                "kernel/x/kmod4j_bi.ko", "kernel/x/zz.ko", "kernel/x/kmod4j_builtin_ab.ko"), "depmod is not available");
        Path bin = tmp.resolve("lib/modules").resolve(Fixture.release()).resolve("modules.builtin.bin");
        IndexFile index = IndexFile.open(bin);
        assertNotNull(index);
        for (String name : new String[] {"kmod4j_builtin_a", "kmod4j_builtin_b", "kmod4j_bi", "zz",
                                         "kmod4j_builtin_ab"}) {
            assertNotNull(index.search(name), name);
        }
        for (String name : new String[] {"kmod4j_builtin", "kmod4j-builtin-a", "kmod4j_builtin_a.ko", "kmod4j_b", "",
                                         "z", "zzz", "kmod4j_builtin_c", "\u00e9"}) {
            assertNull(index.search(name), name);
        }
        BuiltinIndex builtins = BuiltinIndex.file(bin);
        assertTrue(builtins.isBuiltin("kmod4j_bi"));
        assertFalse(builtins.isBuiltin("kmod4j_b"));
        assertFalse(BuiltinIndex.file(tmp.resolve("missing.bin")).isBuiltin("kmod4j_bi"));
    }

    /**
     * Every name of a large list that depmod indexed is found, and no near miss is: names made to share long
     * prefixes, end inside one another and use dashes and underscores, as a distribution's 4,000 modules do (the
     * list is generated, so the test needs only depmod, never what an earlier run left in /lib/modules).
     */
    @Test
    void findsEveryNameOfALargeDepmodIndexAndNoNearMiss() throws IOException {
        java.util.Random random = new java.util.Random(42);
        String[] stems = {"snd", "snd_hda", "snd_hda_codec", "nf", "nf_conntrack", "nf_nat", "x", "usb", "usbcore"};
        java.util.Set<String> names = new java.util.TreeSet<>();
        while (names.size() < 3000) {
            StringBuilder name = new StringBuilder(stems[random.nextInt(stems.length)]);
            for (int parts = random.nextInt(3); parts > 0; parts--) {
                name.append(random.nextBoolean() ? '_' : '-');
                name.append(Integer.toString(random.nextInt(50_000), 36));
            }
            names.add(name.toString());
        }
        Fixture fx = new Fixture(tmp);
        assumeTrue(fx.builtin(names.stream().map(n -> "kernel/drivers/" + n + ".ko").toArray(String[]::new)),
                "depmod is not available (apt-get install kmod)");
        IndexFile index = IndexFile.open(tmp.resolve("lib/modules").resolve(Fixture.release())
                .resolve("modules.builtin.bin"));
        assertNotNull(index);
        java.util.Set<String> normalized = new java.util.HashSet<>();
        names.forEach(n -> normalized.add(Libkmod.normalize(n)));
        for (String name : normalized) {
            assertNotNull(index.search(name), name);
            if (!normalized.contains(name + "0")) {
                assertNull(index.search(name + "0"), name + "0");
            }
        }
    }

    /** The check refuses nothing depmod wrote: every index of this machine's module directories opens. */
    @Test
    void everyIndexDepmodWritesPassesTheCheck() throws IOException {
        Fixture fx = new Fixture(tmp);
        assumeTrue(fx.builtin("kernel/a/kmod4j_a.ko", "kernel/b/kmod4j-b.ko"),
                "depmod is not available (apt-get install kmod)");
        int opened = 0;
        try (DirectoryStream<Path> bins = Files.newDirectoryStream(fx.moduleDir(), "modules.*.bin")) {
            for (Path bin : bins) { // modules.dep.bin, modules.alias.bin, ... most of them empty indexes here
                if (Files.size(bin) == 0) {
                    // depmod leaves modules.builtin.alias.bin empty without modules.builtin.modinfo: no index
                    assertNull(IndexFile.open(bin), bin.toString());
                } else {
                    assertNotNull(IndexFile.open(bin), bin.toString());
                    opened++;
                }
            }
        }
        assertTrue(opened >= 4, "depmod wrote " + opened + " index files");
    }

    @Test
    void rejectsWhatIsNotAnIndex() {
        assertNull(IndexFile.parse(new byte[0]));
        assertNull(IndexFile.parse("not an index at all".getBytes()));
        byte[] header = {(byte) 0xb0, 0x07, (byte) 0xf4, 0x57, 0x00, 0x03, 0x00, 0x01, 0, 0, 0, 12};
        assertNull(IndexFile.parse(header)); // wrong major version
        header[5] = 0x02;
        // depmod's empty index: the root is a node without flags, which has no bytes, at the end of the file
        IndexFile empty = IndexFile.parse(Arrays.copyOf(header, 12), "t.bin");
        assertNull(empty.search("anything"));
        assertNull(empty.search(""));
        assertEquals(List.of(), empty.searchWild("anything"));
        // a root with values there lies beyond the end: refused when opened, naming the offset of the root word
        header[8] = 0x40;
        IndexFile.CorruptIndexException e = assertThrows(IndexFile.CorruptIndexException.class,
                () -> IndexFile.parse(Arrays.copyOf(header, 12), "t.bin"));
        assertEquals("t.bin: corrupt index at offset 8 (0x8): node offset 12 is past the end of the file (12 bytes)",
                e.getMessage());
        header[8] = 0;
        header[11] = 0; // root offset 0: no root, every lookup misses
        IndexFile none = IndexFile.parse(header);
        assertNull(none.search("anything"));
        assertEquals(List.of(), none.searchWild("anything"));
    }

    /** What depmod writes for a module without aliases, symbols or builtins: a header and an empty root. */
    @Test
    void emptyIndexWrittenByDepmodIsAccepted() throws IOException, InterruptedException {
        assumeTrue(Fixture.canBuildModules(), "gcc or depmod missing");
        Fixture fx = new Fixture(tmp);
        fx.ko("kernel/a/kmod4j_plain.ko", List.of(), List.of());
        assumeTrue(fx.depmod(), "depmod failed");
        IndexFile index = IndexFile.open(fx.moduleDir().resolve("modules.alias.bin"));
        assertNotNull(index);
        assertEquals(List.of(), index.searchWild("kmod4j_plain"));
        assertNotNull(IndexFile.open(fx.moduleDir().resolve("modules.dep.bin")).search("kmod4j_plain"));
    }

    // ---- corrupt indexes: refused when opened, with the file and the offset ------------------------------------

    private static IndexBytes aliases() {
        return new IndexBytes().add("kmod4j:a*", "kmod4j_a").add("kmod4j:b", "kmod4j_b").add("kmod4j:c?", "kmod4j_c");
    }

    @Test
    void wellFormedIndexFromTheTestWriterIsReadBack() {
        IndexFile index = IndexFile.parse(aliases().build(), "modules.alias.bin");
        assertEquals(List.of("kmod4j_a"), index.searchWild("kmod4j:abc"));
        assertEquals(List.of("kmod4j_c"), index.searchWild("kmod4j:cx"));
        assertEquals("kmod4j_b", index.search("kmod4j:b"));
        assertNull(index.search("kmod4j:"));
    }

    @Test
    void cyclicAliasIndexIsReportedWithFileAndOffsetNotAStackOverflow() {
        IndexBytes w = aliases();
        byte[] data = w.build();
        // every child word in turn pointed back at the root: each one is a cycle
        for (int at : w.childWords) {
            if (IndexBytes.get(data, at) == 0) {
                continue;
            }
            byte[] bad = data.clone();
            IndexBytes.put(bad, at, IndexBytes.get(data, 8));
            IndexFile.CorruptIndexException e = assertThrows(IndexFile.CorruptIndexException.class,
                    () -> IndexFile.parse(bad, "/lib/modules/6.1.0/modules.alias.bin"));
            assertTrue(e.getMessage().startsWith("/lib/modules/6.1.0/modules.alias.bin: corrupt index at offset "
                    + at + " "), e.getMessage());
            assertTrue(e.getMessage().contains("(a cycle)"), e.getMessage());
            assertEquals(at, e.offset());
        }
    }

    @Test
    void nodeReachedFromTwoParentsIsReported() {
        IndexBytes w = aliases();
        byte[] data = w.build();
        List<Integer> used = w.childWords.stream().filter(at -> IndexBytes.get(data, at) != 0).toList();
        assertTrue(used.size() >= 2);
        byte[] bad = data.clone();
        // the last child word (visited last) now points at the node the first one points at
        IndexBytes.put(bad, used.getLast(), IndexBytes.get(data, used.getFirst()));
        IndexFile.CorruptIndexException e = assertThrows(IndexFile.CorruptIndexException.class,
                () -> IndexFile.parse(bad, "x.bin"));
        assertTrue(e.getMessage().contains("which another parent already has"), e.getMessage());
    }

    @Test
    void childOffsetPastTheEndIsReportedWithItsOffset() {
        IndexBytes w = aliases();
        byte[] data = w.build();
        int at = w.childWords.stream().filter(a -> IndexBytes.get(data, a) != 0).findFirst().orElseThrow();
        byte[] bad = data.clone();
        IndexBytes.put(bad, at, 0x40000000 | 0x0ffffff0);
        IndexFile.CorruptIndexException e = assertThrows(IndexFile.CorruptIndexException.class,
                () -> IndexFile.parse(bad, "x.bin"));
        assertEquals("x.bin: corrupt index at offset " + at + " (0x" + Integer.toHexString(at)
                + "): node offset 268435440 is past the end of the file (" + data.length + " bytes)", e.getMessage());
    }

    @Test
    void everyTruncationOfAnIndexIsRefusedNotReadPastItsEnd() {
        byte[] data = aliases().build();
        for (int length = 12; length < data.length; length++) {
            byte[] cut = Arrays.copyOf(data, length);
            assertThrows(IndexFile.CorruptIndexException.class, () -> IndexFile.parse(cut, "cut.bin"),
                    "truncated to " + length);
        }
    }

    @Test
    void valueCountLargerThanTheFileIsRefusedBeforeAllocating() {
        byte[] data = new IndexBytes().add("a", "m").build();
        int root = IndexBytes.get(data, 8) & 0x0fffffff;
        // the root: prefix "a\0", then the value count
        byte[] bad = data.clone();
        IndexBytes.put(bad, root + 2, 0x7fffffff);
        IndexFile.CorruptIndexException e = assertThrows(IndexFile.CorruptIndexException.class,
                () -> IndexFile.parse(bad, "x.bin"));
        assertTrue(e.getMessage().contains("value count 2147483647 is more than the rest of the file holds"),
                e.getMessage());
    }

    @Test
    void childRangeWithFirstAfterLastIsRefused() {
        IndexBytes w = aliases();
        byte[] data = w.build();
        int word = w.childWords.getFirst();
        byte[] bad = data.clone();
        // the two range bytes just before the node's first child word
        bad[word - 2] = (byte) 0x7a;
        bad[word - 1] = (byte) 0x61;
        IndexFile.CorruptIndexException e = assertThrows(IndexFile.CorruptIndexException.class,
                () -> IndexFile.parse(bad, "x.bin"));
        assertTrue(e.getMessage().contains("the first child character (122) comes after the last (97)"),
                e.getMessage());
    }

    /** A trie as deep as a key may be long is walked without recursion: no stack overflow, every node visited. */
    @Test
    void deepTrieIsSearchedWithoutStackOverflow() {
        IndexBytes w = new IndexBytes();
        StringBuilder key = new StringBuilder("*");
        for (int i = 0; i < IndexFile.MAX_KEY_LENGTH - 1; i++) {
            key.append('a');
            w.add(key.toString(), "m" + i);
        }
        IndexFile index = IndexFile.parse(w.build(), "deep.bin");
        assertEquals(List.of(), index.searchWild("zzz"));
        assertEquals(List.of("m0"), index.searchWild("xa"));
        assertEquals(List.of("m0", "m1"), index.searchWild("xaa"));
    }

    @Test
    void keyLongerThanTheBoundIsRefused() {
        IndexBytes w = new IndexBytes();
        StringBuilder key = new StringBuilder();
        for (int i = 0; i <= IndexFile.MAX_KEY_LENGTH; i++) {
            key.append(i % 2 == 0 ? 'a' : 'b');
            w.add(key.toString(), "m");
        }
        IndexFile.CorruptIndexException e = assertThrows(IndexFile.CorruptIndexException.class,
                () -> IndexFile.parse(w.build(), "long.bin"));
        assertTrue(e.getMessage().contains("a key longer than 4096 bytes"), e.getMessage());
    }

    @Test
    void indexLargerThanTheBoundIsRefusedWithoutReadingItWhole() throws IOException {
        Path big = tmp.resolve("modules.alias.bin");
        try (var ch = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(aliases().build()));
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]), IndexFile.MAX_FILE_SIZE); // sparse: no disk used
        }
        IndexFile.CorruptIndexException e = assertThrows(IndexFile.CorruptIndexException.class,
                () -> IndexFile.open(big, "/lib/modules/r/modules.alias.bin"));
        assertEquals("/lib/modules/r/modules.alias.bin: larger than 64 MiB, not read (an index is a few MiB)",
                e.getMessage());
    }

    @Test
    void fifoInPlaceOfAnIndexIsNotOpenedSoNothingBlocks() throws Exception {
        Path fifo = tmp.resolve("modules.dep.bin");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(p.waitFor() == 0, "mkfifo failed");
        assertNull(IndexFile.open(fifo)); // as a missing index, at once
    }

    /**
     * The wildcard search of modules.alias.bin against kmod 30's own lookup ({@code modprobe -R}, which prints the
     * modules an alias resolves to), on aliases made by the real depmod: the same modules in the same order.
     */
    @Test
    void wildcardSearchAgreesWithKmodsLookup() throws IOException, InterruptedException {
        assumeTrue(Fixture.canBuildModules(), "gcc or depmod missing");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/modprobe")), "kmod's modprobe is not installed");
        Fixture fx = new Fixture(tmp);
        fx.ko("kernel/a/kmod4j_wa.ko", List.of(), List.of(), "alias=kmod4j:a*", "alias=kmod4j:x?z",
                "alias=kmod4j:v[0-9]d*");
        fx.ko("kernel/a/kmod4j_wb.ko", List.of(), List.of(), "alias=kmod4j:ab*", "alias=kmod4j:[xy]1",
                "alias=kmod4j:v1d*");
        fx.ko("kernel/a/kmod4j_wc.ko", List.of(), List.of(), "alias=kmod4j:a*", "alias=kmod4j:exact",
                "alias=kmod4j:[!xy]1");
        assumeTrue(fx.depmod(), "depmod failed");
        IndexFile index = IndexFile.open(fx.moduleDir().resolve("modules.alias.bin"));
        assertNotNull(index);
        int matched = 0;
        for (String key : new String[] {"kmod4j:a", "kmod4j:abc", "kmod4j:ab", "kmod4j:xyz", "kmod4j:xz",
                                        "kmod4j:x1", "kmod4j:y1", "kmod4j:z1", "kmod4j:exact", "kmod4j:exac",
                                        "kmod4j:", "kmod4j:v1d", "kmod4j:v1dx", "kmod4j:v2d", "kmod4j_wa", "other"}) {
            Process p = new ProcessBuilder("/usr/sbin/modprobe", "-R", "-C", "/dev/null", "-d", tmp.toString(), key)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            List<String> kmod = new String(p.getInputStream().readAllBytes()).lines().toList();
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
            if (key.equals("kmod4j_wa")) {
                assertEquals(List.of("kmod4j_wa"), kmod); // a module name: found in modules.dep first
                assertEquals(List.of(), index.searchWild(key));
                continue;
            }
            assertEquals(kmod, index.searchWild(key), key);
            matched += kmod.size();
        }
        assertTrue(matched >= 12, "matched " + matched);
    }
}
