#!/usr/bin/env bash
# Builds target/kmod4j-native, a GraalVM Native Image of kmod4j (docs/native-image.md).
#
#   scripts/native-image.sh          build, or say exactly why it cannot be built on this machine
#   scripts/native-image.sh --try    on a plain JDK, run the Maven Central builder even when the checks
#                                    below say it must fail, to see the builder's own error
#   scripts/native-image.sh --verify run the same commands with target/kmod4j-native (or $KMOD4J_NATIVE) and
#                                    with `java -jar tools/target/kmod4j-tools.jar`; diff stdout, stderr and exit status
#
# Two routes:
#  A. A GraalVM JDK 25 (GRAALVM_HOME, or JAVA_HOME with bin/native-image, or native-image on PATH): its
#     native-image launcher builds the executable from tools/target/kmod4j-tools.jar and the metadata in the jar.
#  B. A plain JDK 25 (e.g. Temurin): the builder from Maven Central (org.graalvm.nativeimage:svm 25.0.2 and
#     its modules, fetched by `mvn -Pnative package` into tools/target/native-image/builder), run on the JDK's own
#     JVMCI with the Graal compiler jar on the upgrade module path. Maven Central does not carry everything
#     the builder needs (the JDK's static libraries, the builder's C libraries and headers, the FFM
#     support module), so on Temurin this route stops with exit status 3 and the list of what is missing.
#
# Exit status: 0 built; 1 a prerequisite is missing (the message says how to install it); 2 the image
# build failed; 3 Native Image cannot be built with this JDK (keep using the JVM: ./kmod4j).
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$here"
try=false
verify=false
for arg in "$@"; do
    case "$arg" in
        --try) try=true ;;
        --verify) verify=true ;;
        -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "native-image.sh: unknown argument '$arg' (see --help)" >&2; exit 1 ;;
    esac
done

say() { echo "native-image.sh: $*" >&2; }
out=target/kmod4j-native

# --- --verify: the native executable against the jar -------------------------------------------------------
# A fixture root as the tools read it (tools/src/test/java/org/kmod4j/tools/Fixture.java): b uses a.
make_fixture() {
    mkdir -p "$1/proc" "$1/sys/module"
    printf '%s\n' 'b 16384 0 - Live 0xffffffffc0001000' 'a 16384 1 b, Live 0xffffffffc0000000' >"$1/proc/modules"
    for m in a b; do
        mkdir -p "$1/sys/module/$m/holders"
        echo live >"$1/sys/module/$m/initstate"
        echo 16384 >"$1/sys/module/$m/coresize"
        echo >"$1/sys/module/$m/taint"
    done
    echo 1 >"$1/sys/module/a/refcnt"
    echo 0 >"$1/sys/module/b/refcnt"
    ln -s ../../b "$1/sys/module/a/holders/b"
}

run_verify() {
    local native="${KMOD4J_NATIVE:-$here/$out}" tmp failures=0 n=0 line side
    [ -x "$native" ] || { say "no $native: build it first"; exit 1; }
    [ -f tools/target/kmod4j-tools.jar ] ||
        mvn -q -B -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -pl tools -am package
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' RETURN
    # One command a line; FIX stands for a fresh copy of the fixture (rmmod changes it).
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        n=$((n + 1))
        for side in native jvm; do
            rm -rf "$tmp/fix"; make_fixture "$tmp/fix"
            # shellcheck disable=SC2086 # the command line is split on purpose
            set -- ${line//FIX/$tmp/fix}
            if [ $side = native ]; then
                "$native" "$@" >"$tmp/$side.out" 2>"$tmp/$side.err" && echo 0 >"$tmp/$side.status" || echo $? >"$tmp/$side.status"
            else
                java --enable-native-access=ALL-UNNAMED -jar tools/target/kmod4j-tools.jar "$@" \
                    >"$tmp/$side.out" 2>"$tmp/$side.err" && echo 0 >"$tmp/$side.status" || echo $? >"$tmp/$side.status"
            fi
            find "$tmp/fix" -type f -printf '%P ' -exec cat {} \; | sort >"$tmp/$side.tree"
        done
        if cmp -s "$tmp/native.out" "$tmp/jvm.out" && cmp -s "$tmp/native.err" "$tmp/jvm.err" \
                && cmp -s "$tmp/native.status" "$tmp/jvm.status" && cmp -s "$tmp/native.tree" "$tmp/jvm.tree"; then
            echo "same    (status $(cat "$tmp/jvm.status")): $line"
        else
            failures=$((failures + 1))
            echo "DIFFERS: $line"
            for f in out err status tree; do
                diff -u --label "jvm.$f" --label "native.$f" "$tmp/jvm.$f" "$tmp/native.$f" | head -20 || true
            done
        fi
    done <<'COMMANDS'
lsmod --root FIX
rmmod --root FIX a
rmmod --root FIX b
rmmod --root FIX -f a
rmmod --root FIX nosuch
modprobe -r --sim examples/sound-stack.scn snd
modprobe -r --sim examples/sound-stack.scn snd_seq_device
sim run examples/sound-stack.scn
sim run --dmesg examples/sound-stack.scn
sim run nosuch.scn
sim --help
--help
--version
lsmod
rmmod x
rmmod -f x
COMMANDS
    say "$n commands, $failures differ"
    [ $failures -eq 0 ]
}
work=tools/target/native-image
graalvm_version=25.0.2   # keep in step with <graalvm.version> in tools/pom.xml's native profile

# --- JDK 25 and the C toolchain -----------------------------------------------------------------------
. scripts/jdk.sh
kmod4j_find_jdk || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
if $verify; then
    run_verify
    exit $?
fi

missing_pkgs=()
command -v gcc >/dev/null 2>&1 || missing_pkgs+=(gcc)
if command -v gcc >/dev/null 2>&1; then
    echo '#include <stdio.h>' | gcc -E -x c - >/dev/null 2>&1 || missing_pkgs+=(libc6-dev)
    # Native Image links zlib statically: libz.a must be found by the compiler.
    [ "$(gcc -print-file-name=libz.a)" != "libz.a" ] || missing_pkgs+=(zlib1g-dev)
fi
command -v mvn >/dev/null 2>&1 || missing_pkgs+=(maven)
if [ ${#missing_pkgs[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing ${missing_pkgs[*]} (apt-get)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_pkgs[@]}" >&2 || {
            say "apt-get install ${missing_pkgs[*]} failed"; exit 1; }
    else
        say "missing: ${missing_pkgs[*]}; run as root to install them: apt-get install ${missing_pkgs[*]}"
        exit 1
    fi
fi

# --- The jar, the builder and picocli-codegen from Maven Central ----------------------------------------
mkdir -p target tools/target
say "building tools/target/kmod4j-tools.jar and fetching the Native Image builder $graalvm_version" \
    "(mvn -Pnative -pl tools -am package)"
if ! mvn -q -B -Pnative -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -pl tools -am package \
        >"$work.mvn.log" 2>&1; then
    grep -E '^\[ERROR\]' "$work.mvn.log" | head -20 >&2
    say "mvn -Pnative package failed (full log: $work.mvn.log)"
    exit 1
fi
rm -f "$work.mvn.log"
classpath="tools/target/kmod4j-tools.jar:$(ls tools/target/lib/*.jar | tr '\n' ':')"
classpath="${classpath%:}"

# The reflection metadata for picocli must list the classes picocli-codegen finds today.
metadata=tools/src/main/resources/META-INF/native-image/org.kmod4j/kmod4j-tools/reachability-metadata.json
java -cp "$work/codegen/picocli-codegen.jar:$classpath" picocli.codegen.aot.graalvm.ReflectionConfigGenerator \
    org.kmod4j.cli.Kmod4jCommand >"$work/picocli-reflect-config.json"
want="$(sed -n 's/^ *{\{0,1\} *"name" : "\([^"]*\)".*/\1/p' "$work/picocli-reflect-config.json" | sort)"
have="$(sed -n 's/^ *"\(type\|name\)": "\([^"]*\)".*/\2/p' "$metadata" | sort)"
if [ "$want" != "$have" ]; then
    say "$metadata is out of date with picocli's command model; picocli-codegen now generates:"
    diff <(echo "$have") <(echo "$want") >&2 || true
    say "update its \"reflection\" section from $work/picocli-reflect-config.json"
    exit 2
fi

# --- Route A: a GraalVM JDK ---------------------------------------------------------------------------
launcher=""
for candidate in "${GRAALVM_HOME:-}/bin/native-image" "$JAVA_HOME/bin/native-image" "$(command -v native-image || true)"; do
    if [ -n "$candidate" ] && [ "$candidate" != /bin/native-image ] && [ -x "$candidate" ]; then
        launcher="$candidate"
        break
    fi
done
if [ -n "$launcher" ]; then
    say "building $out with $launcher"
    start=$(date +%s)
    if ! "$launcher" -cp "$classpath" -o "$out" org.kmod4j.cli.Main; then
        say "native-image failed"
        exit 2
    fi
    say "built $out ($(du -h "$out" | cut -f1)) in $(( $(date +%s) - start )) s"
    exit 0
fi

# --- Route B: the Maven Central builder on this JDK ---------------------------------------------------
# What the builder needs besides its jars, and where a GraalVM distribution keeps it:
#  - the JDK's native code as static libraries (libjava.a, libnio.a, libnet.a, ...), in
#    <java.home>/lib/static/linux-amd64/glibc: GraalVM and labs-openjdk builds ship them, Temurin does not,
#    and they are not on Maven Central;
#  - the builder's C libraries and headers (SVM_HOSTED_NATIVE: include/*cpufeatures.h, liblibchelper.a,
#    libjvm.a, ...), in <graalvm>/lib/svm/clibraries: published on Maven Central only up to 19.x
#    (org.graalvm.nativeimage:svm-hosted-native-linux-amd64), not for 25.x;
#  - the FFM support module org.graalvm.nativeimage.foreign (NativeDeleteModule's downcalls): never
#    published to Maven Central;
#  - <java.home>/lib/svm/builder/lib/libreporterchelper.so, which the builder loads to print its summary.
static_dir="$JAVA_HOME/lib/static/linux-amd64/glibc"
clibraries="${KMOD4J_SVM_CLIBRARIES:-}"
blockers=()
for lib in java nio net; do   # the libraries the 25.0.2 builder checks for
    [ -f "$static_dir/lib$lib.a" ] || blockers+=("the JDK's static library lib$lib.a (looked in $static_dir)")
done
if [ -z "$clibraries" ] || [ ! -f "$clibraries/include/amd64cpufeatures.h" ]; then
    blockers+=("the builder's C libraries and headers (set KMOD4J_SVM_CLIBRARIES to a GraalVM 25's lib/svm/clibraries/linux-amd64)")
fi
[ -f "$JAVA_HOME/lib/svm/builder/lib/libreporterchelper.so" ] || blockers+=("$JAVA_HOME/lib/svm/builder/lib/libreporterchelper.so")
[ -f "$work/builder/svm-foreign.jar" ] || blockers+=("the FFM support module org.graalvm.nativeimage.foreign (svm-foreign), needed for rmmod's delete_module downcall")

if [ ${#blockers[@]} -gt 0 ]; then
    say "cannot build a native image with $JAVA_HOME:"
    for b in "${blockers[@]}"; do say "  missing: $b"; done
    say "none of these is on Maven Central or in Debian; a GraalVM JDK 25 has them all (route A: GRAALVM_HOME=...)."
    say "details and the builder's own errors: docs/native-image.md; the JVM path (./kmod4j) is unaffected."
    if ! $try; then
        exit 3
    fi
    say "--try: running the builder anyway"
fi

# The builder's modules read JDK internals that the JDK exports only to its own jdk.graal.compiler: open every
# package of the boot layer's modules to them (what the GraalVM JDK's module descriptors grant instead).
targets="org.graalvm.nativeimage.builder,org.graalvm.nativeimage.base,org.graalvm.nativeimage.pointsto"
targets+=",org.graalvm.nativeimage.objectfile,org.graalvm.nativeimage.configure,org.graalvm.truffle.compiler"
targets+=",org.graalvm.espresso.shared.svm,jdk.graal.compiler,ALL-UNNAMED"
args="$work/builder.args"
jimage list "$JAVA_HOME/lib/modules" | awk -v t="$targets" '
    /^Module: / { m = $2; next }
    m != "jdk.graal.compiler" && /\/[^\/]*\.class$/ {
        p = $1; sub(/\/[^\/]*$/, "", p); gsub(/\//, ".", p)
        if (!((m "/" p) in seen)) { seen[m "/" p] = 1; print "--add-exports=" m "/" p "=" t; print "--add-opens=" m "/" p "=" t }
    }' >"$args"
modulepath="$(ls "$work"/builder/*.jar | grep -v '/compiler\.jar$' | tr '\n' ':')"

say "building $out with the Maven Central builder on $JAVA_HOME (slow: minutes)"
start=$(date +%s)
status=0
java -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI -XX:-UseJVMCICompiler -XX:+UseParallelGC -Xss10m \
    -Xlog:disable -Xlog:all=error:stderr \
    -Djdk.internal.lambda.disableEagerInitialization=true -Dcom.oracle.graalvm.isaot=true \
    -Djava.system.class.loader=com.oracle.svm.hosted.NativeImageSystemClassLoader \
    -Dorg.graalvm.version="$graalvm_version" -Dorg.graalvm.nativeimage.imagecode=buildtime \
    -Djdk.module.main=org.graalvm.nativeimage.builder --add-modules=ALL-DEFAULT "@$args" \
    --upgrade-module-path="$work/builder/compiler.jar" --module-path="${modulepath%:}" \
    -m org.graalvm.nativeimage.builder/com.oracle.svm.hosted.NativeImageGeneratorRunner \
    -imagecp "$classpath" -H:Path=target -H:Name=kmod4j-native -H:Class=org.kmod4j.cli.Main \
    -H:+UnlockExperimentalVMOptions -H:ImageBuildID="$(cat /proc/sys/kernel/random/uuid)" \
    -H:EnableNativeAccess=ALL-UNNAMED ${clibraries:+-H:CLibraryPath="$clibraries"} \
    2> >(grep -v '^WARNING: \(package\|Unknown module\)' >&2) || status=$?
if [ $status -ne 0 ] || [ ! -x "$out" ]; then
    say "the image build failed (status $status); see docs/native-image.md"
    exit $(( ${#blockers[@]} > 0 ? 3 : 2 ))
fi
say "built $out ($(du -h "$out" | cut -f1)) in $(( $(date +%s) - start )) s"
