#!/usr/bin/env bash
# Builds kube-score, a linter platform teams run on charts, into $REPO/bin
# from this directory's go.mod:
#   bin/kube-score   github.com/zegl/kube-score (tests/chart/test_linters.py)
# Like tools/build.sh, a binary is rebuilt only when its stamp
# (bin/.stamp-<name>: module version, Go version, ldflags and a hash of
# go.mod/go.sum) changed. A cold build takes about a minute on 2 cores; a
# second run is instant.
#
# Usage: tools/kube-score/build.sh
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SRC="$REPO/tools/kube-score"
# shellcheck source=../gobuild.sh
source "$REPO/tools/gobuild.sh"
cd "$SRC"

VKS="$(go list -m -f '{{.Version}}' github.com/zegl/kube-score)"
GOVER="$(go env GOVERSION)"
MODHASH="$(cat go.mod go.sum | sha256sum | cut -c1-16)"

# What kube-score's release build stamps in, so `kube-score version` names the pin.
ldflags="-s -w -X main.version=$VKS -X main.commit=none -X main.date=none"
stamped_build kube-score \
  "github.com/zegl/kube-score@$VKS $GOVER mods=$MODHASH ldflags=$ldflags" "$VKS" \
  -ldflags "$ldflags" github.com/zegl/kube-score/cmd/kube-score
