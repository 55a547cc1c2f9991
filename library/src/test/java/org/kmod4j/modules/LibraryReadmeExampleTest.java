package org.kmod4j.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's library example does what the README says. */
class LibraryReadmeExampleTest {

    /** {@code examples/NAME}, found from the working directory up (the build may run in a module's directory). */
    static Path example(String name) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve("examples").resolve(name);
            if (Files.exists(p)) {
                return p;
            }
        }
        throw new IllegalStateException("examples/" + name + " not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    void readmeLibraryExampleGivesTheStepsTheReadmeShows() {
        Kmod kmod = Kmod.scenario(example("sound-stack.scn"));
        Removal r = kmod.remove(List.of("snd-pcm"), RemoveOptions.modprobe().build());
        assertEquals(List.of("snd_pcm (argument): REMOVED", "snd_timer (dependency): REMOVED"),
                r.steps().stream().map(s -> s.module() + " (" + s.role().id() + "): " + s.reason()).toList());
        Removal refused = kmod.remove("snd", RemoveOptions.rmmod().build());
        Step first = refused.steps().getFirst();
        assertEquals(Reason.IN_USE_BY_HOLDERS, first.reason());
        assertEquals(List.of("snd_seq_device"), first.holders());
    }
}
