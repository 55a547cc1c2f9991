package org.kmod4j.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void rejectsWhatIsNotAnIndex() {
        assertNull(IndexFile.parse(new byte[0]));
        assertNull(IndexFile.parse("not an index at all".getBytes()));
        byte[] header = {(byte) 0xb0, 0x07, (byte) 0xf4, 0x57, 0x00, 0x03, 0x00, 0x01, 0, 0, 0, 12};
        assertNull(IndexFile.parse(header)); // wrong major version
        header[5] = 0x02;
        IndexFile truncated = IndexFile.parse(Arrays.copyOf(header, 12));
        assertNotNull(truncated);
        assertNull(truncated.search("anything")); // the root node lies beyond the end: no crash, nothing found
        assertEquals(null, truncated.search(""));
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
