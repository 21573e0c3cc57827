#!/usr/bin/env bash
# Set everything up, then run the plugin against a Dify instance in remote debug mode.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
missing=""
for key in REMOTE_INSTALL_URL REMOTE_INSTALL_KEY; do
  grep -Eq "^${key}=.+" .env 2>/dev/null || missing="$missing $key"
done
if [ -n "$missing" ]; then
  cat >&2 <<MSG
.env is missing or incomplete (missing:$missing).

Create .env in $(pwd) (copy .env.example) with:

  INSTALL_METHOD=remote
  REMOTE_INSTALL_URL=<host:port>     e.g. debug.dify.ai:5003 or localhost:5003
  REMOTE_INSTALL_KEY=<debug key>

Where to find them: in Dify open Plugins, then the bug icon ("Debug plugin") at the
top right; it shows the URL (host:port) and the key. For self-hosted Dify the port is
the plugin daemon's PLUGIN_REMOTE_INSTALLING_PORT (default 5003).
MSG
  exit 2
fi
# Export .env, so settings such as GMAIL_DIFY_FILE_HOSTS reach the plugin too.
set -a
# shellcheck disable=SC1091
. ./.env
set +a
exec env INSTALL_METHOD=remote .venv/bin/python -m main
