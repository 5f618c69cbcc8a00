# Shared by the bin/ launchers: find a built jar or explain how to build it. Sourced, not executed.
LLMD_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# require_jar <path relative to the repo> <what> : prints the path, or a clear message and exit 2
require_jar() {
  local jar="$LLMD_HOME/$1"
  if [ ! -f "$jar" ]; then
    echo "error: $2 is not built yet ($1 is missing)." >&2
    echo "build it first with:  ./mvnw -B -DskipTests install" >&2
    exit 2
  fi
  printf '%s' "$jar"
}
