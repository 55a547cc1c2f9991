package org.kmod4j.modules;

import java.nio.file.Path;
import org.kmod4j.kmod.ModuleDirectory;

/**
 * The files around a kernel that modprobe reads: {@code /etc/modprobe.d} and the other configuration directories, and
 * {@code /lib/modules/RELEASE}.
 */
interface ModuleFiles {
    /** No files at all. */
    ModuleFiles NONE = new ModuleFiles() {
        @Override
        public String release() {
            return "";
        }

        @Override
        public Path resolve(String absolutePath) {
            return null;
        }
    };

    /** The kernel release that names the module directory ({@code uname -r}). */
    String release();

    /** The file behind an absolute path of the target, or null when the target has no such file system. */
    Path resolve(String absolutePath);

    /** The module directory {@code /lib/modules/RELEASE} of the target. */
    default ModuleDirectory moduleDirectory(String release) {
        return ModuleDirectory.files("/lib/modules/" + release, this::resolve);
    }
}
