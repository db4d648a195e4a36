# Sourced by ./test, ./mxguard and bench/jmh: finding a JDK 21 or newer.
# find_jdk prints its home: $JAVA_HOME if new enough, else the newest /usr/lib/jvm/*, else the
# javac on PATH. pick_jdk exports JAVA_HOME to it.
MIN_JAVA=${MIN_JAVA:-21}
declare -F log >/dev/null || log() { printf '[mxguard] %s\n' "$*" >&2; }

# Major version of a java binary ("21", "25"; "8" for 1.8), or nothing if it does not run.
java_major() {
    local v
    v=$("$1" -XshowSettings:properties -version 2>&1 |
        sed -n 's/^ *java\.specification\.version = *//p' | head -n 1) || true
    case "$v" in
        1.*) v=${v#1.} ;;
    esac
    v=${v%%.*}
    [[ "$v" =~ ^[0-9]+$ ]] && printf '%s\n' "$v"
}

# A JDK home (with bin/java and bin/javac) whose java is >= MIN_JAVA, or nothing.
find_jdk() {
    local major best="" best_major=0 home javac_path
    if [[ -n "${JAVA_HOME:-}" ]]; then
        if [[ -x "$JAVA_HOME/bin/java" && -x "$JAVA_HOME/bin/javac" ]]; then
            major=$(java_major "$JAVA_HOME/bin/java" || true)
            if [[ -n "$major" && "$major" -ge $MIN_JAVA ]]; then
                printf '%s\n' "$JAVA_HOME"
                return 0
            fi
            log "ignoring JAVA_HOME=$JAVA_HOME (Java ${major:-?} < $MIN_JAVA)"
        else
            log "ignoring JAVA_HOME=$JAVA_HOME (no bin/java and bin/javac there)"
        fi
    fi
    for home in /usr/lib/jvm/*/; do
        home=${home%/}
        [[ -x "$home/bin/java" && -x "$home/bin/javac" ]] || continue
        major=$(java_major "$home/bin/java" || true)
        [[ -n "$major" ]] || continue
        if [[ "$major" -ge $MIN_JAVA && "$major" -gt "$best_major" ]]; then
            best=$home
            best_major=$major
        fi
    done
    if [[ -n "$best" ]]; then
        printf '%s\n' "$best"
        return 0
    fi
    if javac_path=$(command -v javac 2>/dev/null); then
        home=$(dirname "$(dirname "$(readlink -f "$javac_path")")")
        if [[ -x "$home/bin/java" ]]; then
            major=$(java_major "$home/bin/java" || true)
            if [[ -n "$major" && "$major" -ge $MIN_JAVA ]]; then
                printf '%s\n' "$home"
                return 0
            fi
        fi
    fi
    return 1
}

pick_jdk() {
  local home
  home=$(find_jdk) || return 1
  export JAVA_HOME="$home"
}

# The JVM options mxguard runs with: MXGUARD_JAVA_OPTS, and the Parallel collector unless those name
# a collector. On the few cores a mail gateway usually gets, G1's concurrent work and write barriers
# cost more than they give (gateway-vs-postfix, 2 cores: 15-20% more messages per second with
# Parallel, at a heap of a few hundred MB whose young collections take milliseconds).
mxguard_java_opts() {
    local opts="${MXGUARD_JAVA_OPTS:-}"
    [[ "$opts" == *-XX:+Use*GC* ]] || opts="-XX:+UseParallelGC${opts:+ $opts}"
    printf '%s\n' "$opts"
}

# The AOT cache option for a long-running command (serve, policy, milter) when MXGUARD_AOT_DIR is
# set and the JDK is 25 or newer: -XX:AOTCache=DIR/COMMAND.aot when that file is newer than the
# jar, else -XX:AOTCacheOutput=DIR/COMMAND.aot (this run records which classes load and how the hot
# code behaves, and the JVM writes the file when it stops); nothing otherwise. A JVM started from
# the cache reaches full speed sooner: JIT warm-up is what a fresh gateway loses against Postfix
# (BENCHMARKS.md). A stale cache (the jar rebuilt) is removed and recorded again.
#   mxguard_aot_opts COMMAND JAR
mxguard_aot_opts() {
    local command="$1" jar="$2" dir="${MXGUARD_AOT_DIR:-}" major cache
    [[ -n "$dir" ]] || return 0
    case "$command" in serve|policy|milter) ;; *) return 0 ;; esac
    major=$(java_major "$JAVA_HOME/bin/java" || true)
    if [[ -z "$major" || "$major" -lt 25 ]]; then
        log "MXGUARD_AOT_DIR needs Java 25 or newer (this is ${major:-unknown}); running without an AOT cache"
        return 0
    fi
    mkdir -p "$dir"
    cache="$dir/$command.aot"
    if [[ -f "$cache" && "$cache" -nt "$jar" ]]; then
        printf '%s\n' "-XX:AOTCache=$cache"
    else
        rm -f "$cache"
        printf '%s\n' "-XX:AOTCacheOutput=$cache"
    fi
}
