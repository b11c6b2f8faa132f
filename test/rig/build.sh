#!/usr/bin/env bash
# Builds or installs the real components of the test rig, each pinned, into a cache outside the clone:
# etcd, kube-apiserver, spire-server and helm (for the chart tests) from the Go module proxy (the wrapper
# modules in test/rig/go pin them and their go.sum pins every dependency), moto from PyPI into its own
# virtualenv; and Debian's postgresql package (for spire-server's postgres datastore), installed when
# missing if this runs as root. What is already in the cache at the same version is not built again.
# Prints where the cache is and what each step took.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spire-eks-workload-registrar}
moto_version=5.2.5
mkdir -p "$cache/bin"

# The wrapper modules name exact versions; the installed Go must build them as they are.
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
# The checksum database has no record of this one spire dependency; go.sum (which matches spire's own)
# still pins its content.
export GONOSUMDB=github.com/GoogleCloudPlatform/cloudsql-proxy

module_version() { # module-dir module-path -> the version the wrapper requires
  awk -v m="$2" '$1 == "require" && $2 == m { print $3 } $1 == m && $2 ~ /^v/ { print $2 }' "$here/go/$1/go.mod" | head -n 1
}

build_go() { # name module-dir module-path package cgo [ldflags]
  local name=$1 dir=$2 module=$3 package=$4 cgo=$5 ldflags=${6:-}
  local version target start
  version=$(module_version "$dir" "$module")
  target="$cache/bin/$name-$version"
  if [ -x "$target" ]; then
    echo "rig: $name $version cached"
  else
    echo "rig: building $name $version (first time only; kube-apiserver takes several minutes)"
    start=$SECONDS
    (cd "$here/go/$dir" && CGO_ENABLED=$cgo go build -trimpath -ldflags "${ldflags//@VERSION@/$version}" -o "$target.tmp" "$package")
    mv "$target.tmp" "$target"
    echo "rig: built $name $version in $((SECONDS - start))s"
  fi
  ln -sfn "$name-$version" "$cache/bin/$name"
}

install_moto() {
  local venv="$cache/moto-$moto_version" start
  # A virtualenv cannot be moved once made, so a marker, written last, says the install finished.
  if [ -f "$venv/.installed" ]; then
    echo "rig: moto $moto_version cached"
  else
    echo "rig: installing moto $moto_version from PyPI"
    start=$SECONDS
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$moto_version"
    touch "$venv/.installed"
    echo "rig: installed moto $moto_version in $((SECONDS - start))s"
  fi
  ln -sfn "moto-$moto_version" "$cache/moto"
}

install_postgres() {
  local start
  if compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    echo "rig: postgresql installed"
  elif [ "$(id -u)" = 0 ]; then
    # Debian's, as .ci/run installs the other Debian packages; the rig starts its own servers from it.
    echo "rig: installing Debian's postgresql"
    start=$SECONDS
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    echo "rig: installed postgresql in $((SECONDS - start))s"
  else
    echo "rig: postgresql is not installed and this is not root: tests on the postgres datastore are skipped (as root: apt-get install postgresql)"
  fi
}

build_go etcd etcd go.etcd.io/etcd/server/v3 go.etcd.io/etcd/server/v3 0
build_go spire-server spire-server github.com/spiffe/spire github.com/spiffe/spire/cmd/spire-server 1
build_go spire-controller-manager spire-controller-manager github.com/spiffe/spire-controller-manager github.com/spiffe/spire-controller-manager/cmd 0
# Without these, kube-apiserver reports its version as v0.0.0-master.
kube_version_flags='-X k8s.io/component-base/version.gitVersion=@VERSION@ -X k8s.io/component-base/version.gitTreeState=clean'
build_go kube-apiserver kube-apiserver k8s.io/kubernetes k8s.io/kubernetes/cmd/kube-apiserver 0 "$kube_version_flags"
# Without this, helm reports its version as v4.3 (its source's default).
build_go helm helm helm.sh/helm/v4 helm.sh/helm/v4/cmd/helm 0 '-X helm.sh/helm/v4/internal/version.version=@VERSION@'
install_moto
install_postgres
echo "rig: components in $cache ($(du -sh "$cache" | cut -f1))"
