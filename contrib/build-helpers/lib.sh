# shellcheck shell=bash
# Shared by the build helpers: messages, base definitions, paths.
# A base is data: patches/<base>.base holds KEY=value lines (see patches/README.md).

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$TOP/build}

say() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# The names of all bases, one per line.
list_bases() {
  local f
  for f in "$TOP"/patches/*.base; do
    f=${f##*/}
    printf '%s\n' "${f%.base}"
  done
}

base_file() {
  local file=$TOP/patches/$1.base
  [[ -f $file ]] || die "unknown base '$1'; known bases: $(list_bases | tr '\n' ' ')"
  printf '%s\n' "$file"
}

# base_get BASE KEY: the value of KEY in the base definition (empty if unset).
base_get() {
  local file
  file=$(base_file "$1") || exit 1
  sed -n "s/^$2=//p" "$file" | tail -n 1
}

# Where a base's downloads and private apt state live.
cache_dir() { printf '%s/cache/%s\n' "$BUILD_DIR" "$1"; }
apt_dir() { printf '%s/apt/%s\n' "$BUILD_DIR" "$1"; }

# The fork's patch level, appended to the base version: 2.90-4~deb12u2+tcpifidx1.
fork_suffix() { tr -d ' \n' <"$TOP/VERSION"; }

# Patch file names listed in a quilt series file (comments and blanks skipped).
series_patches() {
  sed -e 's/#.*//' -e 's/[[:space:]].*//' "$1" | awk 'NF'
}
