#!/usr/bin/env bash
# Builds a production Temporal server and its SQL schema tool from the Go module proxy (GitHub
# release downloads are not reachable from CI), into a per-release cache directory so that runs
# on the same machine reuse them. Also copies the PostgreSQL schema files out of the module source,
# so the cache stays usable even if the Go module cache is cleaned.
#
# Usage: temporal/production/build.sh [release]
# Prints (stdout, last lines) KEY=VALUE pairs read by src/services/temporal-production-server.ts:
#   TEMPORAL_SERVER_BIN, TEMPORAL_SQL_TOOL_BIN, TEMPORAL_SCHEMA_DIR
set -euo pipefail

# v1.32.1 is the newest release whose go.mod accepts Go 1.26.8 (v1.32.2, v1.31.5 and v1.30.9
# require go 1.26.10) and it matches the server embedded in our temporal CLI 1.9.1 (1.32.0).
RELEASE="${1:-${TEMPORAL_SERVER_RELEASE:-v1.32.1}}"
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project_root="$(cd "$script_dir/../.." && pwd)"
cache_root="${RESYNC_CACHE_DIR:-$project_root/.cache}"
out="$cache_root/temporal-server/$RELEASE"
server_bin="$out/temporal-server"
sql_bin="$out/temporal-sql-tool"
schema_dir="$out/schema/postgresql/v12"

is_cached() { [[ -x "$server_bin" && -x "$sql_bin" && -f "$schema_dir/temporal/versioned/v1.0/schema.sql" ]]; }

if ! is_cached; then
  mkdir -p "$out"
  # Two jobs starting on a cold cache would both build and race on the schema copy: the second
  # waits here and then finds the cache complete. (flock is util-linux; skipped if absent.)
  if command -v flock >/dev/null; then exec 9>"$out/.lock" && flock 9; fi
fi

if is_cached; then
  echo "temporal-server $RELEASE: cached in $out" >&2
elif ! command -v go >/dev/null; then
  echo "temporal-server $RELEASE: not cached in $out, and there is no Go toolchain to build it with:" \
    "install Go 1.26 (https://go.dev/dl/), or point the tests at a running Temporal with TEMPORAL_ADDRESS" >&2
  exit 1
else
  # GOTOOLCHAIN=local: fail loudly instead of trying to download a newer toolchain (no internet).
  # CGO_ENABLED=0: how upstream builds release binaries; no C toolchain needed.
  # GOBIN points into a temporary directory so a half-finished build never looks cached.
  gobin="$(mktemp -d "$out/.gobin.XXXXXX")"
  trap 'rm -rf "$gobin"' EXIT
  start=$(date +%s)
  echo "temporal-server $RELEASE: building (about 4 minutes on 2 cores with a cold Go cache)..." >&2
  GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$gobin" GOFLAGS="${GOFLAGS:-} -mod=mod" \
    go install "go.temporal.io/server/cmd/server@$RELEASE" "go.temporal.io/server/cmd/tools/sql@$RELEASE"
  echo "temporal-server $RELEASE: built in $(( $(date +%s) - start ))s" >&2

  # The schema files ship only in the module source, which `go install` has just downloaded.
  module_dir="$(go env GOMODCACHE)/go.temporal.io/server@$RELEASE"
  rm -rf "$out/schema"
  mkdir -p "$out/schema/postgresql"
  cp -R "$module_dir/schema/postgresql/v12" "$out/schema/postgresql/"
  chmod -R u+w "$out/schema"   # the module cache is read-only; keep our copy deletable

  # Binaries last: their presence is what marks the cache complete.
  mv "$gobin/server" "$server_bin"
  mv "$gobin/sql" "$sql_bin"
fi

echo "TEMPORAL_SERVER_BIN=$server_bin"
echo "TEMPORAL_SQL_TOOL_BIN=$sql_bin"
echo "TEMPORAL_SCHEMA_DIR=$schema_dir"
