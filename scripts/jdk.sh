# Sourced by ./kmod4j and ./run-tests: finds JDK 25 or later and exports JAVA_HOME, or says what is missing.
kmod4j_find_jdk() {
    local candidates=() home version line
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
    candidates+=(/usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/*-25-* /usr/lib/jvm/jdk-25* /usr/lib/jvm/java-25-*
                 /usr/lib/jvm/temurin-2[6-9]-jdk-* /usr/lib/jvm/*-2[6-9]-*)
    for home in "${candidates[@]}"; do
        [ -x "$home/bin/java" ] && [ -f "$home/release" ] || continue
        # The JDK's release file names its version without starting a JVM: JAVA_VERSION="25.0.1". Read with
        # builtins: the launcher runs this before every tool.
        version=0
        while IFS= read -r line; do
            case "$line" in
                JAVA_VERSION=*) version="${line#JAVA_VERSION=\"}"; version="${version%%[!0-9]*}" ;;
            esac
        done < "$home/release"
        if [ "${version:-0}" -ge 25 ] 2>/dev/null; then
            JAVA_HOME="$home"
            export JAVA_HOME
            return 0
        fi
    done
    echo "kmod4j: needs JDK 25 or later (for the Foreign Function & Memory API)." >&2
    echo "kmod4j: set JAVA_HOME to one, or install one under /usr/lib/jvm (e.g. Temurin 25)." >&2
    return 1
}
