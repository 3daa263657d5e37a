#!/usr/bin/env bash
# Packages chart/ into dist/glance-<version>.tgz and writes the chart repository index
# dist/index.yaml, both reproducibly: the same chart/ gives the same bytes.
#
# Helm stores each file's modification time in the archive and the time of indexing in
# index.yaml. So the archive is made by Helm 4 with SOURCE_DATE_EPOCH (which Helm 3 ignores),
# and the `generated` and `created` times of index.yaml are set to the same instant. That
# instant is $SOURCE_DATE_EPOCH when set, else the time of the last commit that changed
# chart/. Every archive in dist/ is indexed (a repository keeps its older versions); each
# gets that instant as its `created` time.
#
# Usage: tools/package.sh [URL]   URL: where dist/ is served (index.yaml then names
#                                 URL/glance-<version>.tgz); default: relative names
#        DIST=DIR tools/package.sh   write to DIR instead of dist/
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELM="$REPO/bin/helm"
DIST="$(mkdir -p "${DIST:-$REPO/dist}" && cd "${DIST:-$REPO/dist}" && pwd)"
URL="${1:-}"

if [[ $# -gt 1 ]]; then
  echo "usage: tools/package.sh [URL]" >&2
  exit 2
fi
if [[ ! -x "$HELM" ]]; then
  echo "Error: $HELM is missing: run tools/build.sh" >&2
  exit 1
fi
eval "$("$REPO/tools/build.sh" --env)"

epoch="${SOURCE_DATE_EPOCH:-$(git -C "$REPO" log -1 --format=%ct -- chart 2>/dev/null || true)}"
if [[ -z "$epoch" ]]; then
  echo "Error: no commit touches chart/; set SOURCE_DATE_EPOCH" >&2
  exit 1
fi
stamp="$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"

SOURCE_DATE_EPOCH="$epoch" "$HELM" package "$REPO/chart" --destination "$DIST" >/dev/null
version="$(sed -n 's/^version: *//p' "$REPO/chart/Chart.yaml" | tr -d '"'"'")"
archive="$DIST/glance-$version.tgz"
[[ -f "$archive" ]] || { echo "Error: helm wrote no $archive" >&2; exit 1; }

"$HELM" repo index "$DIST" ${URL:+--url "$URL"}
# Helm writes the current time (RFC 3339, quoted or not); replace it with the fixed instant.
sed -E -i \
  -e "s/^(generated: ).*/\\1\"$stamp\"/" \
  -e "s/^( +created: ).*/\\1\"$stamp\"/" \
  "$DIST/index.yaml"

echo "packaged:   ${archive#"$REPO"/} ($(sha256sum "$archive" | cut -c1-16), files dated $stamp)"
echo "indexed:    ${DIST#"$REPO"/}/index.yaml${URL:+ (url $URL)}"
