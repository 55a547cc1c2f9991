#!/usr/bin/env bash
# Builds kmod4j's jcstress tests and runs them in a bounded, CI-friendly mode; exits non-zero if any test saw a
# FORBIDDEN outcome, failed, errored (exception, timeout, VM crash) or was skipped.
#
#   jcstress/run.sh                     all tests, quick mode (about 2-3 minutes on 2 cores)
#   jcstress/run.sh -t TryGetVsDelete   only the tests whose name matches a regexp
#   JCSTRESS_OPTS="-m default" jcstress/run.sh    other run settings (replaces the defaults below)
#
# Needs JDK 25 (found like ./kmod4j does: JAVA_HOME, else /usr/lib/jvm) and Maven; Maven Central for the first build.
# The simulator under test is ../library/src/main/java as it is in the working tree, compiled into target/jcstress.jar.
# The full jcstress log, the HTML report and the binary results go to target/jcstress-run/.
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(dirname "$here")"
. "$root/scripts/jdk.sh"
kmod4j_find_jdk || exit 1
export JAVA_HOME
java="$JAVA_HOME/bin/java"

# Quick mode, one iteration per configuration, unified compilation: each test runs in 4 forked JVMs (interpreter, C1,
# C2, C2 with the scheduling stress flags), ~200 ms of sampling each.
opts=(${JCSTRESS_OPTS:--m quick -sc false -iters 1 -time 200})

start=$(date +%s)
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$root" status --porcelain -- library/src/main 2>/dev/null)" ]; then
    commit="$commit + uncommitted changes in library/src/main"
fi
echo "== building target/jcstress.jar (simulator from $root/library/src/main/java, $commit)"
mkdir -p "$here/target"
if ! (cd "$here" && mvn -q -B package) > "$here/target/build.log" 2>&1; then
    cat "$here/target/build.log" >&2
    echo "jcstress: FAIL: the build failed" >&2
    exit 1
fi

run="$here/target/jcstress-run"
rm -rf "$run"
mkdir -p "$run"
log="$run/jcstress.log"
echo "== running jcstress ${opts[*]} $* (log: ${log#$root/})"
set +e
# --enable-native-access: jcstress sets thread affinity through JNA; the forks inherit the flag.
(cd "$run" && "$java" --enable-native-access=ALL-UNNAMED -jar "$here/target/jcstress.jar" \
    "${opts[@]}" -v -r "$run/results" "$@") > "$log" 2>&1
rc=$?
set -e
end=$(date +%s)

# The merged results table of every test (RUN RESULTS, all configurations together), without jcstress's progress lines.
if grep -q '^RUN RESULTS:' "$log"; then
    sed -n '/^RUN RESULTS:/,$p' "$log" | sed '/^  HTML report generated/,$d'
else
    tail -n 60 "$log"
fi

problems=()
[ "$rc" -eq 0 ] || problems+=("jcstress exited with status $rc")
grep -q '^RUN RESULTS:' "$log" || problems+=("no results (see $log)")
grep -qE '^  Failed tests: No matches\.' "$log" || problems+=("failed tests (a FORBIDDEN outcome was seen)")
grep -qE '^  Error tests: No matches\.' "$log" || problems+=("error tests (exception, timeout or VM failure)")
grep -q '\[SKIPPED\]' "$log" && problems+=("skipped tests")
# Belt and braces: any FORBIDDEN row of the merged tables with a non-zero sample count.
forbidden="$(sed -n '/^RUN RESULTS:/,$p' "$log" | grep -E '[0-9][0-9,]* +[<0-9.]+% +Forbidden' | grep -vE ' 0 +0\.00% +Forbidden' || true)"
[ -z "$forbidden" ] || problems+=("FORBIDDEN outcomes observed:
$forbidden")
tests=$(sed -n '/^RUN RESULTS:/,$p' "$log" | grep -cE '^\.+ \[[A-Z ]+\] ' || true)
[ "$tests" -gt 0 ] || problems+=("no test ran")

echo "== $tests tests, $((end - start)) s in all (build included); simulator: $commit"
if [ ${#problems[@]} -ne 0 ]; then
    printf 'jcstress: FAIL: %s\n' "${problems[@]}" >&2
    exit 1
fi
echo "jcstress: PASS: no FORBIDDEN outcome, no failed, errored or skipped test"
