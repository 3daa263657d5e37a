#!/usr/bin/env bash
# Packages chart/ into dist/glance-<version>.tgz, signs it when given a key, and writes the chart
# repository index dist/index.yaml, all reproducibly: the same chart/ gives the same bytes,
# whichever Helm packages it.
#
# Helm stores each file's modification time in the archive (Helm 4 the SOURCE_DATE_EPOCH it is
# given, Helm 3 the time it runs) and the time of indexing in index.yaml. So the archive Helm
# writes is rewritten in one canonical form (tools/normalize_archive.py: Helm's entries, each
# dated the same instant, gzip without a time), and the `generated` and `created` times of
# index.yaml are set to that instant. The instant is $SOURCE_DATE_EPOCH when set, else the time
# of the last commit that changed chart/. Every archive in dist/ is indexed (a repository keeps
# its older versions); each gets that instant as its `created` time.
#
# With SIGN_KEY, the archive gets the provenance file `helm package --sign` writes
# (<archive>.prov: Chart.yaml and the archive's SHA-256, clear-signed with OpenPGP), made with
# gpg from the key of that name in the GnuPG keyring (no export to a legacy keyring needed), and
# checked with `helm verify` before it is kept. The packaged Chart.yaml then also names the key
# for Artifact Hub (annotation artifacthub.io/signKey: its fingerprint and SIGN_KEY_URL).
#
# Usage: tools/package.sh [URL]   URL: where dist/ is served (index.yaml then names
#                                 URL/glance-<version>.tgz); default: relative names
# Environment:
#   DIST=DIR                  write to DIR instead of dist/
#   HELM=PATH                 the Helm that packages and verifies (default bin/helm; bin/helm3
#                             gives the same bytes)
#   SIGN_KEY=NAME             sign with this key of the GnuPG keyring ($GNUPGHOME or ~/.gnupg)
#   SIGN_KEY_URL=URL          where users fetch the public key (required with SIGN_KEY)
#   SIGN_PASSPHRASE_FILE=FILE the key's passphrase, where gpg-agent cannot ask for it
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELM="${HELM:-$REPO/bin/helm}"
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
if [[ -n "${SIGN_KEY:-}" && -z "${SIGN_KEY_URL:-}" ]]; then
  echo "Error: set SIGN_KEY_URL to where users fetch the public key of $SIGN_KEY" >&2
  exit 2
fi
eval "$("$REPO/tools/build.sh" --env)"

epoch="${SOURCE_DATE_EPOCH:-$(git -C "$REPO" log -1 --format=%ct -- chart 2>/dev/null || true)}"
if [[ -z "$epoch" ]]; then
  echo "Error: no commit touches chart/; set SOURCE_DATE_EPOCH" >&2
  exit 1
fi
stamp="$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -R "$REPO/chart" "$work/glance"
# gpg with the options every call here shares.
gpg_sign=(gpg --batch --yes --local-user "${SIGN_KEY:-}")
if [[ -n "${SIGN_PASSPHRASE_FILE:-}" ]]; then
  gpg_sign+=(--pinentry-mode loopback --passphrase-file "$SIGN_PASSPHRASE_FILE")
fi

if [[ -n "${SIGN_KEY:-}" ]]; then
  fingerprint="$(gpg --batch --with-colons --list-secret-keys "$SIGN_KEY" |
    awk -F: '$1 == "fpr" { print $10; exit }')"
  if [[ -z "$fingerprint" ]]; then
    echo "Error: no secret key $SIGN_KEY in the GnuPG keyring" >&2
    exit 1
  fi
  # chartgen writes `annotations` last in Chart.yaml, so the key's entry goes at its end.
  last="$(grep -E '^[A-Za-z]' "$work/glance/Chart.yaml" | tail -1)"
  if [[ "$last" != "annotations:" ]]; then
    echo "Error: chart/Chart.yaml does not end with its annotations" >&2
    exit 1
  fi
  printf '  artifacthub.io/signKey: |\n    fingerprint: %s\n    url: %s\n' \
    "$fingerprint" "$SIGN_KEY_URL" >>"$work/glance/Chart.yaml"
fi

SOURCE_DATE_EPOCH="$epoch" "$HELM" package "$work/glance" --destination "$work" >/dev/null
version="$(sed -n 's/^version: *//p' "$REPO/chart/Chart.yaml" | tr -d '"'"'")"
name="glance-$version.tgz"
[[ -f "$work/$name" ]] || { echo "Error: helm wrote no $name" >&2; exit 1; }
python3 "$REPO/tools/normalize_archive.py" "$work/$name" "$epoch"

if [[ -n "${SIGN_KEY:-}" ]]; then
  # What `helm package --sign` signs: the archive's Chart.yaml, a YAML document end, and the
  # archive's checksum by file name.
  {
    tar -xzOf "$work/$name" glance/Chart.yaml
    printf '\n...\nfiles:\n  %s: sha256:%s\n' "$name" "$(sha256sum "$work/$name" | cut -d' ' -f1)"
  } >"$work/message"
  "${gpg_sign[@]}" --digest-algo SHA512 --clearsign --output "$work/$name.prov" "$work/message"
  gpg --batch --yes --export --output "$work/pubring.gpg" "$SIGN_KEY"
  "$HELM" verify "$work/$name" --keyring "$work/pubring.gpg" >/dev/null
  mv -f "$work/$name.prov" "$DIST/$name.prov"
fi
mv -f "$work/$name" "$DIST/$name"
archive="$DIST/$name"

"$HELM" repo index "$DIST" ${URL:+--url "$URL"}
# Helm writes the current time (RFC 3339, quoted or not); replace it with the fixed instant.
sed -E -i \
  -e "s/^(generated: ).*/\\1\"$stamp\"/" \
  -e "s/^( +created: ).*/\\1\"$stamp\"/" \
  "$DIST/index.yaml"

echo "packaged:   ${archive#"$REPO"/} ($(sha256sum "$archive" | cut -c1-16), files dated $stamp)"
if [[ -n "${SIGN_KEY:-}" ]]; then
  echo "signed:     ${archive#"$REPO"/}.prov (key $fingerprint, checked by helm verify)"
fi
echo "indexed:    ${DIST#"$REPO"/}/index.yaml${URL:+ (url $URL)}"
