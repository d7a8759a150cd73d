#!/usr/bin/env bash
# Builds the Pulumi CLI, its Node.js language host and the YAML and Go language hosts
# from the Go module proxy into a cache outside the repository, and adds the
# plugin that the CLI starts for dynamic resources. A second run reuses the
# cache; a new pin builds anew (the YAML host has its own cache folder and
# stamp, so neither pin rebuilds the other).
#
#   scripts/pulumi-cli.sh                 build if needed, print versions, build time and binary locations
#   scripts/pulumi-cli.sh --bin-dir       the same, then print only the bin folder on stdout
#   scripts/pulumi-cli.sh exec CMD ARG..  the same, then run CMD with the bin folder first on PATH
#                                         (and PULUMI_CLI_BIN_DIR set to it)
#
# Needs Go and Node.js. Modules come only from the Go module proxy (GOPROXY as
# configured); nothing else is downloaded. Messages go to stderr.
set -euo pipefail

# The CLI: github.com/pulumi/pulumi/pkg/v3 (cmd/pulumi) with github.com/pulumi/pulumi/sdk/v3,
# the release of @pulumi/pulumi in package-lock.json.
PULUMI_VERSION=3.248.0
# The Node.js language host. Since 3.69 it is its own module,
# github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3, which the
# proxy does not serve (403 "not available" for every version); 3.68.0 is the
# newest github.com/pulumi/pulumi/sdk/v3 that still holds it as the package
# github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs. It starts
# the program with @pulumi/pulumi's own `cmd/run` from the program's node_modules.
LANGUAGE_HOST_VERSION=3.68.0
# Bump when the way of building changes, so existing caches are rebuilt.
RECIPE=1
# The YAML language host: github.com/pulumi/pulumi-yaml, its own module (the
# proxy serves it), package cmd/pulumi-language-yaml. Runs Pulumi YAML
# programs, which use the provider plugin in plugin/.
YAML_VERSION=1.25.0
YAML_RECIPE=1
# The Go language host: since 3.67 its own module
# (github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3), which the proxy does
# not serve; 3.66.0 is the newest github.com/pulumi/pulumi/sdk/v3 that still
# holds it as the package go/pulumi-language-go. Runs Go programs, which use
# the provider plugin through its generated SDK (plugin/sdks/go).
GO_HOST_VERSION=3.66.0
GO_HOST_RECIPE=1

CLI_MODULE=github.com/pulumi/pulumi/pkg/v3
SDK_MODULE=github.com/pulumi/pulumi/sdk/v3
CLI_PACKAGE=$CLI_MODULE/cmd/pulumi
LANGUAGE_HOST_PACKAGE=$SDK_MODULE/nodejs/cmd/pulumi-language-nodejs
VERSION_SYMBOL=$SDK_MODULE/go/common/version.Version
YAML_MODULE=github.com/pulumi/pulumi-yaml
YAML_PACKAGE=$YAML_MODULE/cmd/pulumi-language-yaml
YAML_VERSION_SYMBOL=$YAML_MODULE/pkg/version.Version
GO_HOST_PACKAGE=$SDK_MODULE/go/pulumi-language-go

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_ROOT=${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-db-backups/cli
KEY=v$PULUMI_VERSION-nodejs-v$LANGUAGE_HOST_VERSION-r$RECIPE
CACHE=$CACHE_ROOT/$KEY
BIN=$CACHE/bin
STAMP=$CACHE/built
YAML_KEY=yaml-v$YAML_VERSION-r$YAML_RECIPE
YAML_CACHE=$CACHE_ROOT/$YAML_KEY
GO_HOST_KEY=go-v$GO_HOST_VERSION-r$GO_HOST_RECIPE
GO_HOST_CACHE=$CACHE_ROOT/$GO_HOST_KEY

say() { printf '%s\n' "$*" >&2; }
die() { say "pulumi-cli: $*"; exit 1; }

mode=show
case "${1:-}" in
    "") ;;
    --bin-dir) mode=bin-dir ;;
    exec) mode=exec; shift; [ $# -gt 0 ] || die "exec needs a command" ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
esac

command -v go >/dev/null 2>&1 || die "Go is not installed: the real-CLI suite needs Go to build the Pulumi CLI from the Go module proxy."
command -v node >/dev/null 2>&1 || die "Node.js is not installed."

# Builds never fetch a toolchain; with an older Go the error says which one is needed.
export GOTOOLCHAIN=local GOFLAGS=-mod=mod

# Downloads module@version from the proxy (into the Go module cache) and prints
# its go.mod path; on failure names the module, the version and the answer.
fetch_module() {
    local module=$1 version=$2 out
    out=$(go mod download -json "$module@$version" 2>&1) || true
    node -e '
        let m = {};
        try { m = JSON.parse(require("fs").readFileSync(0, "utf8")); } catch { }
        if (m.Error || !m.GoMod) process.exit(1);
        process.stdout.write(m.GoMod);' <<<"$out" && return 0
    say "pulumi-cli: the Go module proxy ($(go env GOPROXY)) did not serve $module@$version; it answered:"
    say "$(sed 's/^/    /' <<<"$out")"
    say "pulumi-cli: the real-CLI suite cannot run without it; sources are not fetched any other way."
    exit 3
}

# Prints "-replace=old=new@version" for every replace of a go.mod that points at a
# published module (local-path replaces are the upstream repository's own layout).
replaces_of() {
    go mod edit -json "$1" | node -e '
        const m = JSON.parse(require("fs").readFileSync(0, "utf8"));
        for (const r of m.Replace ?? []) if (r.New.Version) {
            const old = r.Old.Version ? `${r.Old.Path}@${r.Old.Version}` : r.Old.Path;
            console.log(`-replace=${old}=${r.New.Path}@${r.New.Version}`);
        }'
}

# Builds one program from a small wrapper module that requires the pinned modules
# and repeats the replaces of the module that holds the program. Into $BIN and
# $CACHE/build unless OUT_CACHE (and its bin/) is given; the version is linked
# into VERSION_AT (default: the Pulumi SDK's version symbol).
#   build_program NAME PACKAGE VERSION MODULE@VERSION...
build_program() {
    local name=$1 package=$2 version=$3; shift 3
    local cache=${OUT_CACHE:-$CACHE} out=${OUT_CACHE:+$OUT_CACHE/bin} symbol=${VERSION_AT:-$VERSION_SYMBOL}
    out=${out:-$BIN}
    local dir=$cache/build/$name gomod spec flags
    rm -rf "$dir"; mkdir -p "$dir"
    (
        cd "$dir"
        go mod init "pulumi-db-backups.local/build/$name" >/dev/null 2>&1
        for spec in "$@"; do
            gomod=$(fetch_module "${spec%@*}" "${spec#*@}")
            go mod edit -require="$spec"
            flags=$(replaces_of "$gomod")
            # shellcheck disable=SC2086
            [ -z "$flags" ] || go mod edit $flags
        done
        printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$package" > tools.go
        go mod tidy >tidy.log 2>&1 || { cat tidy.log >&2; die "go mod tidy failed for $name (log above)"; }
        go build -trimpath -ldflags "-s -w -X $symbol=v$version" -o "$out/$name" "$package" >build.log 2>&1 ||
            { cat build.log >&2; die "go build of $package failed (log above)"; }
    ) || exit $?
}

# The plugin the CLI starts for dynamic resources: @pulumi/pulumi's
# cmd/dynamic-provider, found from the program folder as Node.js resolves it.
write_dynamic_provider_plugin() {
    cat >"$BIN/pulumi-resource-pulumi-nodejs" <<'EOF'
#!/bin/sh
# Starts @pulumi/pulumi's dynamic-provider host from the program's node_modules.
host=$(node -e 'process.stdout.write(require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [process.cwd()] }))') || {
    echo "pulumi-resource-pulumi-nodejs: @pulumi/pulumi is not installed in $(pwd) or above it (run npm install)" >&2
    exit 1
}
exec node "$host" "$@"
EOF
    chmod +x "$BIN/pulumi-resource-pulumi-nodejs"
}

lock_version=$(node -e '
    const lock = require(process.argv[1]);
    process.stdout.write(lock.packages?.["node_modules/@pulumi/pulumi"]?.version ?? "");' "$REPO_ROOT/package-lock.json")
if [ "$lock_version" != "$PULUMI_VERSION" ]; then
    say "pulumi-cli: note: package-lock.json has @pulumi/pulumi ${lock_version:-(none)}, the CLI is pinned at $PULUMI_VERSION"
fi

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$KEY" ] && [ -x "$BIN/pulumi" ] && [ -x "$BIN/pulumi-language-nodejs" ]; then
    say "pulumi-cli: using the build in $CACHE (built in $(cat "$CACHE/build-seconds" 2>/dev/null || echo '?') s)"
else
    say "pulumi-cli: building pulumi v$PULUMI_VERSION and pulumi-language-nodejs v$LANGUAGE_HOST_VERSION into $CACHE"
    say "pulumi-cli: (the first build takes several minutes; later runs reuse it)"
    rm -rf "$CACHE"; mkdir -p "$BIN"
    started=$(date +%s)
    build_program pulumi-language-nodejs "$LANGUAGE_HOST_PACKAGE" "$LANGUAGE_HOST_VERSION" "$SDK_MODULE@v$LANGUAGE_HOST_VERSION"
    say "pulumi-cli: pulumi-language-nodejs built after $(( $(date +%s) - started )) s"
    build_program pulumi "$CLI_PACKAGE" "$PULUMI_VERSION" "$CLI_MODULE@v$PULUMI_VERSION" "$SDK_MODULE@v$PULUMI_VERSION"
    write_dynamic_provider_plugin
    echo $(( $(date +%s) - started )) >"$CACHE/build-seconds"
    echo "$KEY" >"$STAMP"
    say "pulumi-cli: built in $(cat "$CACHE/build-seconds") s"
fi

# An extra language host, in its own cache folder, linked into the bin folder.
# If the proxy does not serve it, the message names the module and version and
# everything else still works (the suite of that language then fails saying why).
#   extra_host NAME CACHE KEY PACKAGE VERSION VERSION_SYMBOL MODULE@VERSION
extra_host() {
    local name=$1 cache=$2 key=$3 package=$4 version=$5 symbol=$6 spec=$7 started
    if [ -f "$cache/built" ] && [ "$(cat "$cache/built")" = "$key" ] && [ -x "$cache/bin/$name" ]; then
        say "pulumi-cli: using $name from $cache (built in $(cat "$cache/build-seconds" 2>/dev/null || echo '?') s)"
    else
        say "pulumi-cli: building $name v$version (${spec%@*}) into $cache (a few minutes the first time)"
        rm -rf "$cache"; mkdir -p "$cache/bin"
        started=$(date +%s)
        if ( OUT_CACHE=$cache VERSION_AT=$symbol build_program "$name" "$package" "$version" "$spec" ) 2>"$cache/failed"; then
            rm -f "$cache/failed"
            echo $(( $(date +%s) - started )) >"$cache/build-seconds"
            echo "$key" >"$cache/built"
            say "pulumi-cli: $name built in $(cat "$cache/build-seconds") s"
        else
            cat "$cache/failed" >&2
            say "pulumi-cli: $name v$version ($package from module $spec) did not build; programs of that language cannot run (the reason is kept in $cache/failed)"
        fi
    fi
    if [ -x "$cache/bin/$name" ]; then
        ln -sf "$cache/bin/$name" "$BIN/$name"
        say "pulumi-cli: $(printf '%-29s' "$name") $BIN/$name (v$version)"
    else
        rm -f "$BIN/$name"
    fi
}

say "pulumi-cli: pulumi                         $BIN/pulumi ($("$BIN/pulumi" version 2>/dev/null))"
say "pulumi-cli: pulumi-language-nodejs         $BIN/pulumi-language-nodejs (v$LANGUAGE_HOST_VERSION)"
say "pulumi-cli: pulumi-resource-pulumi-nodejs  $BIN/pulumi-resource-pulumi-nodejs"
extra_host pulumi-language-yaml "$YAML_CACHE" "$YAML_KEY" "$YAML_PACKAGE" "$YAML_VERSION" "$YAML_VERSION_SYMBOL" "$YAML_MODULE@v$YAML_VERSION"
extra_host pulumi-language-go "$GO_HOST_CACHE" "$GO_HOST_KEY" "$GO_HOST_PACKAGE" "$GO_HOST_VERSION" "$VERSION_SYMBOL" "$SDK_MODULE@v$GO_HOST_VERSION"

case $mode in
    bin-dir) printf '%s\n' "$BIN" ;;
    exec) export PATH="$BIN:$PATH" PULUMI_CLI_BIN_DIR="$BIN"; exec "$@" ;;
    show) ;;
esac
