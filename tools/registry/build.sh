#!/usr/bin/env bash
# Builds the OCI registry of the packaging tests into $REPO/bin from this
# directory's go.mod:
#   bin/registry   github.com/distribution/distribution/v3 (the CNCF
#                  distribution registry), which tests/chart/test_publish.py
#                  starts on 127.0.0.1 to push the chart to and install from
# Like tools/build.sh, the binary is rebuilt only when its stamp
# (bin/.stamp-registry: module version, Go version, ldflags and a hash of
# go.mod/go.sum) changed. The registry is built without its optional
# storage drivers' cgo parts (CGO_ENABLED=0, as every pinned tool).
#
# Usage: tools/registry/build.sh
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SRC="$REPO/tools/registry"
# shellcheck source=../gobuild.sh
source "$REPO/tools/gobuild.sh"
cd "$SRC"

VREG="$(go list -m -f '{{.Version}}' github.com/distribution/distribution/v3)"
GOVER="$(go env GOVERSION)"
MODHASH="$(cat go.mod go.sum | sha256sum | cut -c1-16)"

# What the registry's own release build stamps in (its version package), so
# `registry --version` names the pin.
ldflags="-s -w -X github.com/distribution/distribution/v3/version.version=$VREG"
stamped_build registry \
  "github.com/distribution/distribution/v3@$VREG $GOVER mods=$MODHASH ldflags=$ldflags" "$VREG" \
  -ldflags "$ldflags" github.com/distribution/distribution/v3/cmd/registry
