# Sourced by run.sh, test.sh and bench.sh: system packages, .venv, database.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/system_packages.sh ${SSE_SYSTEM_PACKAGES_OPTIONS:-}
scripts/venv.sh
export PATH="$PWD/.venv/bin:$PATH"
# Gives a database to the caller: the user's own when DATABASE_URL is set,
# otherwise the private cluster of the given mode (run | test).
use_database() {
  if [ -z "${DATABASE_URL:-}" ]; then
    DATABASE_URL=$(scripts/postgis.sh "$1")
    export DATABASE_URL
  else
    # Said aloud: a URL left over in the shell (another cluster's, say) would otherwise be used unnoticed.
    # The credentials are left out of what is printed.
    echo "Using the database in DATABASE_URL ($(printf '%s' "$DATABASE_URL" | sed -E 's#//[^@/]*@#//***@#')), not the private '$1' cluster; unset it for that." >&2
  fi
}
