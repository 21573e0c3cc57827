#!/usr/bin/env bash
# Set everything up, then run the real plugin process against the sample Gmail (or yours) and
# show what workflows and agents get. Make variables (or environment variables):
#   GMAIL=real   your own Gmail (OAuth in the browser; read-only unless WRITE=yes)
#   TOOL=name    call one tool instead of the scenario; ARGS='name=value …' its parameters
#   WRITE=yes    with GMAIL=real: allow changes (full access; the scenario undoes its own)
# Options after the script name go to `python -m devkit.tryout` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
options=(--gmail "${GMAIL:-sample}")
[ -n "${TOOL:-}" ] && options+=(--tool "$TOOL")
[ -n "${ARGS:-}" ] && options+=(--args "$ARGS")
case "${WRITE:-}" in
  "" | no | false | 0) ;;
  yes | true | 1) options+=(--write) ;;
  *) echo "WRITE must be yes or no (got '$WRITE')." >&2; exit 2 ;;
esac
exec .venv/bin/python -m devkit.tryout "${options[@]}" "$@"
