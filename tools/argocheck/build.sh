#!/usr/bin/env bash
# Builds bin/argocheck from tools/argocheck (its own go.mod pins
# github.com/argoproj/gitops-engine). Like tools/build.sh, the binary is
# rebuilt only when its stamp (bin/.stamp-argocheck: gitops-engine version, Go
# version, ldflags and a hash of go.mod, go.sum and the non-test .go files)
# changed. A cold build takes about two and a half minutes on 2 cores, one of
# them downloading modules; a second run is instant.
#
# Usage: tools/argocheck/build.sh
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SRC="$REPO/tools/argocheck"
# shellcheck source=../gobuild.sh
source "$REPO/tools/gobuild.sh"
cd "$SRC"

version="$(go list -m -f '{{.Version}}' github.com/argoproj/gitops-engine)"
ldflags="-s -w"
srchash="$(ls ./*.go | grep -v '_test\.go$' | xargs cat go.mod go.sum | sha256sum | cut -c1-16)"
want="github.com/argoproj/gitops-engine@$version $(go env GOVERSION) src=$srchash ldflags=$ldflags"
stamped_build argocheck "$want" "gitops-engine $version" -ldflags "$ldflags" .
