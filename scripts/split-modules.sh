#!/usr/bin/env bash
# TEMPORARY (issue 9; delete once the split is merged): moves the single-module tree src/ into the Maven modules
# library/ (org.kmod4j:kmod4j) and tools/ (org.kmod4j:kmod4j-tools), one package directory at a time, with git mv.
#
# Idempotent: a directory or file that does not exist (already moved, or not there yet) is skipped, and a package
# directory whose destination exists already is merged file by file, so the script can be run again after merging
# branches that still add files under src/ (new packages, new tests). It never overwrites: a file present at both
# places stops it. At the end it lists what is left under src/ (a package it does not know) and fails if anything is.
#
#   scripts/split-modules.sh        (from anywhere in the work tree; then: mvn -o -q -DskipTests install)
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

# The library's packages (org.kmod4j.sim includes org.kmod4j.sim.time) and the tools' (picocli lives there).
LIBRARY_PACKAGES=(api sim scenario host modules kmod libc snapshot)
TOOLS_PACKAGES=(tools cli graph)
# Tests of a library package that need the tools' code (or their test helpers) to compile: they go with the tools.
TOOLS_TESTS=(
    org/kmod4j/host/FixtureAtomicityTest.java   # uses org.kmod4j.tools.TreeSnapshot
)

moved=0
# move SRC DEST: git mv of a file, or of every file under a directory (merged into DEST); nothing if SRC is gone.
move() {
    local src="$1" dest="$2" f rel
    [ -e "$src" ] || return 0
    if [ -d "$src" ]; then
        while IFS= read -r -d '' f; do
            rel="${f#"$src"/}"
            move "$f" "$dest/$rel"
        done < <(find "$src" \( -type f -o -type l \) -print0 | sort -z)
        find "$src" -depth -type d -empty -delete
        return 0
    fi
    if [ -e "$dest" ] || [ -L "$dest" ]; then
        if cmp -s -- "$src" "$dest"; then   # the same file on both sides of a merge: keep the moved one
            git rm -q -- "$src" 2>/dev/null || rm -f -- "$src"
            return 0
        fi
        echo "split-modules: $src and $dest both exist and differ: merge them by hand, then run this again" >&2
        echo "split-modules: (to keep $src as it is: git rm -qf $dest && $0)" >&2
        exit 1
    fi
    mkdir -p "$(dirname "$dest")"
    if git ls-files --error-unmatch -- "$src" >/dev/null 2>&1; then
        git mv -- "$src" "$dest"
    else
        mv -- "$src" "$dest"   # not tracked (yet): moved all the same, for the next git add
    fi
    moved=$((moved + 1))
}

for t in "${TOOLS_TESTS[@]}"; do
    move "src/test/java/$t" "tools/src/test/java/$t"
done
for kind in main test; do
    for p in "${LIBRARY_PACKAGES[@]}"; do
        move "src/$kind/java/org/kmod4j/$p" "library/src/$kind/java/org/kmod4j/$p"
        move "src/$kind/resources/org/kmod4j/$p" "library/src/$kind/resources/org/kmod4j/$p"
    done
    for p in "${TOOLS_PACKAGES[@]}"; do
        move "src/$kind/java/org/kmod4j/$p" "tools/src/$kind/java/org/kmod4j/$p"
        move "src/$kind/resources/org/kmod4j/$p" "tools/src/$kind/resources/org/kmod4j/$p"
    done
done
# GraalVM Native Image metadata (picocli's reflection, the FFM downcalls): the executable is built from the tools jar.
# Its directory follows the convention META-INF/native-image/GROUP/ARTIFACT.
move src/main/resources/META-INF/native-image/org.kmod4j/kmod4j \
    tools/src/main/resources/META-INF/native-image/org.kmod4j/kmod4j-tools
# The jqwik settings are now the surefire configuration parameters of the parent pom (both modules run properties).
if [ -e src/test/resources/junit-platform.properties ]; then
    git rm -q -- src/test/resources/junit-platform.properties
    moved=$((moved + 1))
fi

# The placeholder that lets module-info export org.kmod4j.modules goes once the package has a class of its own.
placeholder=library/src/main/java/org/kmod4j/modules/SplitPlaceholder.java
if [ -e "$placeholder" ] && ls "${placeholder%/*}"/*.java | grep -qv '/\(package-info\|SplitPlaceholder\)\.java$'; then
    git rm -qf -- "$placeholder"
    echo "split-modules: org.kmod4j.modules has classes now: $placeholder removed"
fi

[ -d src ] && find src -depth -type d -empty -delete
if [ -d src ]; then
    echo "split-modules: left under src/ (a package this script does not know: add it to a list above):" >&2
    find src -type f | sed 's/^/  /' >&2
    exit 1
fi
echo "split-modules: $moved file(s) moved; src/ is gone"
