#!/usr/bin/env bash
# Builds the Kubernetes control plane of tests/kubernetes into $REPO/bin from
# this directory's go.mod (one module, so every binary has the same k8s.io/*
# versions and they share the Go build cache):
#   bin/etcd                     go.etcd.io/etcd/server/v3
#   bin/kwok                     sigs.k8s.io/kwok (the kubelet of fake nodes)
#   bin/kubectl, bin/kube-scheduler, bin/kube-controller-manager,
#   bin/kube-apiserver           k8s.io/kubernetes
#   bin/argosync                 Argo CD's sync engine (argosync/, its own go.mod)
# Like tools/build.sh, a binary is rebuilt only when its stamp
# (bin/.stamp-<name>: module version, Go version, ldflags and a hash of
# go.mod/go.sum, and argosync's sources) changed. A cold build took 9.5 minutes
# on 2 cores (Go build cache empty, modules already downloaded; downloading them
# takes about 30 s more); a second run is instant.
#
# Usage: tools/k8s/build.sh
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SRC="$REPO/tools/k8s"
# shellcheck source=../gobuild.sh
source "$REPO/tools/gobuild.sh"
cd "$SRC"

versions="$(go list -m -f '{{.Version}}' k8s.io/kubernetes go.etcd.io/etcd/server/v3 sigs.k8s.io/kwok)"
read -r VK8S VETCD VKWOK <<<"${versions//$'\n'/ }"
GOVER="$(go env GOVERSION)"
MODHASH="$(cat go.mod go.sum | sha256sum | cut -c1-16)"

# What Kubernetes' own build stamps in (hack/lib/version.sh): without it the
# server reports v0.0.0-master, which fails the chart's kubeVersion.
K8S_MINOR="$(echo "$VK8S" | cut -d. -f2)"
K8S_LDFLAGS=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  K8S_LDFLAGS+=" -X $pkg.gitVersion=$VK8S -X $pkg.gitMajor=1 -X $pkg.gitMinor=$K8S_MINOR"
  K8S_LDFLAGS+=" -X $pkg.gitTreeState=clean"
done

# build NAME PACKAGE VERSION LDFLAGS
build() {
  local ldflags="-s -w$4"
  stamped_build "$1" "$2@$3 $GOVER mods=$MODHASH ldflags=$ldflags" "$3" -ldflags "$ldflags" "$2"
}

# Smallest first; each later build reuses the packages the earlier ones compiled.
build etcd go.etcd.io/etcd/server/v3 "$VETCD" ""
build kwok sigs.k8s.io/kwok/cmd/kwok "$VKWOK" ""
build kubectl k8s.io/kubernetes/cmd/kubectl "$VK8S" "$K8S_LDFLAGS"
build kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler "$VK8S" "$K8S_LDFLAGS"
build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$VK8S" "$K8S_LDFLAGS"
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$VK8S" "$K8S_LDFLAGS"

# Argo CD's sync engine, in a module of its own: gitops-engine v0.7.3 needs the
# Kubernetes libraries of its time (v0.23), which cannot share this go.mod.
cd "$SRC/argosync"
VGE="$(go list -m -f '{{.Version}}' github.com/argoproj/gitops-engine)"
MODHASH="$(ls ./*.go | grep -v '_test\.go$' | xargs cat go.mod go.sum | sha256sum | cut -c1-16)"
build argosync glance-chart/tools/k8s/argosync "gitops-engine@$VGE" ""
