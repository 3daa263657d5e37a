# Sourced by the build scripts of tools/ (after they set REPO): the Go settings every pinned
# tool is built with, and a build that runs only when the binary's stamp changed.
#
# stamped_build NAME WANT LABEL GO-BUILD-ARGS...
#   builds bin/NAME with `go build -trimpath GO-BUILD-ARGS` unless bin/NAME exists and
#   bin/.stamp-NAME holds WANT (what the build depends on: versions, Go, ldflags, hashes).

# -mod=mod: go.mod/go.sum are the pin; let go fill in go.sum if it must. The caches stay the
# user's usual ones unless already overridden. Static binaries, as upstream releases are.
export GOFLAGS=-mod=mod
export GOMODCACHE="${GOMODCACHE:-$(go env GOMODCACHE)}"
export GOCACHE="${GOCACHE:-$(go env GOCACHE)}"
export CGO_ENABLED=0
BIN="$REPO/bin"
mkdir -p "$BIN"

stamped_build() {
  local name=$1 want=$2 label=$3
  shift 3
  local stamp="$BIN/.stamp-$name"
  if [[ -x "$BIN/$name" && -f "$stamp" && "$(<"$stamp")" == "$want" ]]; then
    echo "up to date: bin/$name ($label)"
    return
  fi
  echo "building:   bin/$name ($label)"
  local start=$SECONDS
  # Build to a temporary name so an interrupted build leaves no half binary.
  nice go build -trimpath -o "$BIN/$name.tmp" "$@"
  mv -f "$BIN/$name.tmp" "$BIN/$name"
  printf '%s\n' "$want" >"$stamp"
  echo "built:      bin/$name in $((SECONDS - start))s"
}
