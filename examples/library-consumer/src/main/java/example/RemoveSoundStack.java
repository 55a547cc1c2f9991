package example;

import java.nio.file.Path;
import java.util.List;
import org.kmod4j.modules.Kmod;
import org.kmod4j.modules.Module;
import org.kmod4j.modules.Plan;
import org.kmod4j.modules.Removal;
import org.kmod4j.modules.RemoveOptions;
import org.kmod4j.modules.Step;

/**
 * Removes modules from a simulated kernel seeded by a scenario, through the kmod4j library alone, and prints what
 * happened and why: first the prediction of removing snd_pcm (made on a copy), then snd (refused, other modules use
 * it), then snd_pcm with its unused dependencies, as {@code modprobe -r} would.
 */
public final class RemoveSoundStack {
    public static void main(String[] args) {
        Kmod kmod = Kmod.scenario(Path.of(args.length > 0 ? args[0] : "../sound-stack.scn"));

        Module snd = kmod.module("snd");
        System.out.println("snd: " + snd.state() + ", refcount " + snd.refcount() + ", used by " + snd.holders());

        Plan plan = kmod.explain(List.of("snd-pcm"), RemoveOptions.modprobe().build());
        System.out.println("explain modprobe -r snd-pcm: " + (plan.succeeded() ? "would succeed" : "would fail")
                + ", cascade " + plan.cascade() + "; snd_pcm still " + kmod.module("snd_pcm").state());

        Removal refused = kmod.remove("snd", RemoveOptions.rmmod().build());
        print("rmmod snd", refused);

        Removal removed = kmod.remove(List.of("snd-pcm"), RemoveOptions.modprobe().build());
        print("modprobe -r snd-pcm", removed);

        Removal again = kmod.remove(List.of("snd-pcm"), RemoveOptions.modprobe().build());
        print("modprobe -r snd-pcm (again)", again);
        System.out.println("absent: " + again.absent());
    }

    private static void print(String what, Removal r) {
        System.out.println(what + ": " + (r.succeeded() ? "succeeded" : "failed"));
        for (Step s : r.steps()) {
            String call = s.call().map(c -> "  delete_module(" + c.name() + ", " + c.flags() + ") = " + c.result())
                    .orElse("");
            String holders = s.holders().isEmpty() ? "" : " " + s.holders();
            System.out.println("  " + s.module() + " (" + s.role().id() + "): " + s.reason() + holders + call);
        }
    }
}
