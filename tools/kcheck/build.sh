#!/usr/bin/env bash
# Builds bin/kcheck from tools/kcheck (its go.mod pins k8s.io/kubernetes
# v1.37.2 as tools/k8s does, so the two share the Go build cache). The binary
# is rebuilt only when its stamp (bin/.stamp-kcheck: Kubernetes version, Go
# version, ldflags and a hash of go.mod, go.sum and the non-test .go files)
# changed. With the cache warm from tools/k8s a build takes seconds; cold,
# about five minutes on 2 cores.
#
# Usage: tools/kcheck/build.sh
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SRC="$REPO/tools/kcheck"
# shellcheck source=../gobuild.sh
source "$REPO/tools/gobuild.sh"
cd "$SRC"

version="$(go list -m -f '{{.Version}}' k8s.io/kubernetes)"
ldflags="-s -w"
srchash="$(ls ./*.go | grep -v '_test\.go$' | xargs cat go.mod go.sum | sha256sum | cut -c1-16)"
want="k8s.io/kubernetes@$version $(go env GOVERSION) src=$srchash ldflags=$ldflags"
stamped_build kcheck "$want" "kubernetes $version" -ldflags "$ldflags" .
