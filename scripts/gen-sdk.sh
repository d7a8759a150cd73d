#!/usr/bin/env bash
# Writes the Go and Python SDKs of the provider plugin (plugin/sdks/go,
# plugin/sdks/python) from its package schema, with the code generators of the
# Pulumi release the real-CLI suite builds (github.com/pulumi/pulumi/pkg/v3,
# the version in scripts/gen-sdk/go.mod). Run it after changing an input,
# output or description; a real-CLI test fails while the checked-in SDKs
# differ from what the schema generates.
#
#   scripts/gen-sdk.sh            regenerate plugin/sdks/{go,python}
#   scripts/gen-sdk.sh --check    regenerate into a temporary folder and compare (exit 1 on a difference)
#
# Needs Go (modules from the Go module proxy) and the compiled package (dist/).
# .NET is not generated: its generator lives in github.com/pulumi/pulumi-dotnet,
# which the Go module proxy does not serve.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC=$REPO_ROOT/scripts/gen-sdk
OUT=$REPO_ROOT/plugin/sdks
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-db-backups/gen-sdk
export GOTOOLCHAIN=local GOFLAGS=-mod=mod

say() { printf '%s\n' "$*" >&2; }

mode=write
case "${1:-}" in
    "") ;;
    --check) mode=check ;;
    *) say "gen-sdk: unknown argument '$1' (use --check or nothing)"; exit 2 ;;
esac
command -v go >/dev/null 2>&1 || { say "gen-sdk: Go is not installed"; exit 1; }
[ -f "$REPO_ROOT/dist/plugin/schema.js" ] || { say "gen-sdk: run npm run build first"; exit 1; }

# The generator, rebuilt when its source or its pinned modules change.
key=$(cat "$SRC/main.go" "$SRC/go.mod" "$SRC/go.sum" | sha256sum | cut -c1-16)
bin=$CACHE/gen-sdk-$key
if [ ! -x "$bin" ]; then
    say "gen-sdk: building the generator (a few minutes the first time)"
    mkdir -p "$CACHE"
    started=$(date +%s)
    (cd "$SRC" && go build -trimpath -o "$bin.tmp" .) && mv "$bin.tmp" "$bin"
    say "gen-sdk: generator built in $(( $(date +%s) - started )) s"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node -e '
    const { packageSchema } = require(process.argv[1] + "/dist/plugin/schema.js");
    const { MANUAL_BACKUP_REPLACE_KEYS } = require(process.argv[1] + "/dist/provider/manual-backup.js");
    const { RETENTION_SET_REPLACE_KEYS } = require(process.argv[1] + "/dist/provider/retention-set.js");
    const version = require(process.argv[1] + "/package.json").version;
    const schema = packageSchema(version, { manualBackup: MANUAL_BACKUP_REPLACE_KEYS, retentionSet: RETENTION_SET_REPLACE_KEYS });
    process.stdout.write(JSON.stringify(schema, null, 2) + "\n");' "$REPO_ROOT" >"$work/schema.json"
"$bin" "$work/schema.json" "$work/out"

if [ "$mode" = check ]; then
    for lang in go python; do
        if ! diff -r -x go.mod -x go.sum "$work/out/$lang" "$OUT/$lang" >"$work/diff" 2>&1; then
            say "gen-sdk: plugin/sdks/$lang differs from what the schema generates; run npm run gen-sdk and commit the result:"
            head -40 "$work/diff" >&2
            exit 1
        fi
    done
    say "gen-sdk: plugin/sdks/go and plugin/sdks/python match the schema"
else
    rm -rf "$OUT/go/dbbackups" "$OUT/python"
    mkdir -p "$OUT"
    cp -R "$work/out/go/." "$OUT/go/"
    cp -R "$work/out/python" "$OUT/python"
    say "gen-sdk: wrote plugin/sdks/go and plugin/sdks/python"
fi
