#!/usr/bin/env bash
# Pushes the packaged chart (tools/package.sh) to an OCI registry: dist/glance-<version>.tgz,
# with its provenance file dist/glance-<version>.tgz.prov when there is one (Helm pushes it as
# a layer of the same artifact, which `helm install --verify` and `helm pull --verify` fetch).
# Log in first (`helm registry login <host>`) where the registry asks for it.
#
# Usage: tools/publish.sh oci://HOST[:PORT]/PATH [HELM-PUSH-FLAGS...]
#        e.g. tools/publish.sh oci://registry.example.com/charts
#             tools/publish.sh oci://127.0.0.1:5000/charts --plain-http
# Environment: DIST=DIR (default dist/), HELM=PATH (default bin/helm)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELM="${HELM:-$REPO/bin/helm}"
DIST="${DIST:-$REPO/dist}"
REGISTRY="${1:-}"

if [[ "$REGISTRY" != oci://* ]]; then
  echo "usage: tools/publish.sh oci://HOST[:PORT]/PATH [HELM-PUSH-FLAGS...]" >&2
  exit 2
fi
shift
eval "$("$REPO/tools/build.sh" --env)"

version="$(sed -n 's/^version: *//p' "$REPO/chart/Chart.yaml" | tr -d '"'"'")"
archive="$DIST/glance-$version.tgz"
if [[ ! -f "$archive" ]]; then
  echo "Error: $archive is missing: run make package first" >&2
  exit 1
fi
"$HELM" push "$archive" "$REGISTRY" "$@"
if [[ -f "$archive.prov" ]]; then
  echo "pushed:     glance $version with its provenance to $REGISTRY/glance"
else
  echo "pushed:     glance $version to $REGISTRY/glance, unsigned (package with SIGN_KEY to sign)"
fi
