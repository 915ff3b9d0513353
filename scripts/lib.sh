# Shared by ./backplane and scripts/*: find the JDK 25 (never the machine's default java 17).
# shellcheck shell=bash

find_jdk() {
  local candidates=()
  if [ -n "${BACKPLANE_JAVA_HOME:-}" ]; then
    # Named explicitly: use it or say why not, never fall back to another JDK without a word.
    local f
    f=$("$BACKPLANE_JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' || true)
    if [ ! -x "$BACKPLANE_JAVA_HOME/bin/java" ] || [ ! -x "$BACKPLANE_JAVA_HOME/bin/javac" ] || ! [ "${f:-0}" -ge 25 ] 2>/dev/null; then
      echo "backplane: BACKPLANE_JAVA_HOME=$BACKPLANE_JAVA_HOME is not a JDK 25 or later (needs bin/java and bin/javac${f:+; found Java $f}); fix it or unset it" >&2
      return 1
    fi
    candidates+=("$BACKPLANE_JAVA_HOME")
  fi
  candidates+=("/usr/lib/jvm/temurin-25-jdk-amd64")
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  local d
  for d in /usr/lib/jvm/*25* /usr/lib/jvm/*; do [ -d "$d" ] && candidates+=("$d"); done
  for d in "${candidates[@]}"; do
    if [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ]; then
      local feature
      feature=$("$d/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
      if [ -n "$feature" ] && [ "$feature" -ge 25 ] 2>/dev/null; then
        export JAVA_HOME="$d"
        return 0
      fi
    fi
  done
  echo "backplane: no JDK 25 found (looked in \$BACKPLANE_JAVA_HOME, /usr/lib/jvm/temurin-25-jdk-amd64, \$JAVA_HOME, /usr/lib/jvm/*)." >&2
  echo "backplane: install Temurin 25 at /usr/lib/jvm/temurin-25-jdk-amd64 or point BACKPLANE_JAVA_HOME at a JDK 25." >&2
  return 1
}

# Maven with the JDK 25, batch mode, no download progress.
mvn_jdk() {
  JAVA_HOME="$JAVA_HOME" mvn -B -ntp "$@"
}
