#!/usr/bin/env bash
# Builds the pinned tools of tools/go.mod into $REPO/bin:
#   bin/helm           Helm 4 (helm.sh/helm/v4)
#   bin/helm3          Helm 3 (helm.sh/helm/v3)
#   bin/helm-unittest  helm-unittest, also installed as the helm plugin
#                      $REPO/.helm/plugins/unittest (works for Helm 4 and 3)
# A binary is rebuilt only when its stamp (bin/.stamp-<name>: module version,
# Go version, ldflags and a hash of go.mod/go.sum) changed, so a second run
# is nearly instant. A cold build takes several minutes on 2 cores.
#
# Usage: tools/build.sh          build what is missing or stale
#        tools/build.sh --env    print the exports that make helm use the
#                                repo's plugin dir and keep it out of ~/, e.g.
#                                eval "$(tools/build.sh --env)"
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$REPO/tools"
HELM_HOME_DIR="$REPO/.helm"

if [[ "${1:-}" == "--env" ]]; then
  cat <<EOF
export HELM_PLUGINS="$HELM_HOME_DIR/plugins"
export HELM_CACHE_HOME="$HELM_HOME_DIR/cache"
export HELM_CONFIG_HOME="$HELM_HOME_DIR/config"
export HELM_DATA_HOME="$HELM_HOME_DIR/data"
EOF
  exit 0
fi

# shellcheck source=gobuild.sh
source "$TOOLS/gobuild.sh"
cd "$TOOLS"

# Versions come from go.mod (single source of truth), in one call.
versions="$(go list -m -f '{{.Version}}' helm.sh/helm/v4 helm.sh/helm/v3 \
  github.com/helm-unittest/helm-unittest k8s.io/client-go)"
read -r V4 V3 VUT K8S <<<"${versions//$'\n'/ }"
GOVER="$(go env GOVERSION)"
MODHASH="$(cat go.mod go.sum | sha256sum | cut -c1-16)"

# Helm 3 (like its Makefile) reports Kubernetes 1.<client-go minor> as the
# default .Capabilities.KubeVersion; without these flags it says v1.20.0.
# Helm 4 derives it from the build info by itself.
K8S_MINOR="$(echo "$K8S" | cut -d. -f2)"

# build NAME PACKAGE VERSION LDFLAGS
build() {
  local ldflags="-s -w $4"
  stamped_build "$1" "$2@$3 $GOVER mods=$MODHASH ldflags=$ldflags" "$3" -ldflags "$ldflags" "$2"
}

# metadata= empty makes `helm version` print the plain tag, as a release does.
build helm helm.sh/helm/v4/cmd/helm "$V4" \
  "-X helm.sh/helm/v4/internal/version.version=$V4 -X helm.sh/helm/v4/internal/version.metadata="
build helm3 helm.sh/helm/v3/cmd/helm "$V3" \
  "-X helm.sh/helm/v3/internal/version.version=$V3 -X helm.sh/helm/v3/internal/version.metadata= \
-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$K8S_MINOR \
-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$K8S_MINOR"
build helm-unittest github.com/helm-unittest/helm-unittest/cmd/helm-unittest "$VUT" \
  "-X github.com/helm-unittest/helm-unittest/internal/build.version=${VUT#v}"

# The plugin. Its plugin.yaml is in the legacy (no apiVersion) format, which
# Helm 3 reads and Helm 4 still loads; Helm 4 checks signatures only on
# `helm plugin install`, not when it finds a plugin in $HELM_PLUGINS.
# Upstream's plugin.yaml names per-platform prebuilt binaries and an install
# hook that downloads them, so we write our own pointing at bin/helm-unittest.
PLUGIN="$HELM_HOME_DIR/plugins/unittest"
mkdir -p "$PLUGIN" "$HELM_HOME_DIR"/{cache,config,data}
ln -sfn ../../../bin/helm-unittest "$PLUGIN/untt"
cat >"$PLUGIN/plugin.yaml.tmp" <<EOF
name: "unittest"
version: "${VUT#v}"
usage: "unittest for helm charts"
description: "Unit test for helm chart in YAML with ease to keep your chart functional and robust."
ignoreFlags: false
platformCommand:
  - command: "\$HELM_PLUGIN_DIR/untt"
EOF
mv -f "$PLUGIN/plugin.yaml.tmp" "$PLUGIN/plugin.yaml"
