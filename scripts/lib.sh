# shellcheck shell=bash
# Shared by the build helpers: messages, base definitions, paths.
# A base is data: patches/<base>.base holds KEY=value lines (see patches/README.md).

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
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

# base_available BASE: whether the base's source can be had here: always
# for a base from Debian's archive; for one whose tarball the user supplies
# (TARBALL_FROM=user), once it has been supplied and cached.
base_available() {
  [[ $(base_get "$1" TARBALL_FROM) == user ]] || return 0
  compgen -G "$(cache_dir "$1")/*/.complete" >/dev/null
}

# Where a base's downloads and private apt state live.
cache_dir() { printf '%s/cache/%s\n' "$BUILD_DIR" "$1"; }
apt_dir() { printf '%s/apt/%s\n' "$BUILD_DIR" "$1"; }

# The fork's patch level, appended to the base version: 2.90-4~deb12u2+tcpifidx1.
fork_suffix() { tr -d ' \n' <"$TOP/VERSION"; }

# The maintainer of our packages, "Name <address>" (debian/maintainer).
fork_maintainer() { sed -e '/^#/d' -e '/^[[:space:]]*$/d' "$TOP/debian/maintainer" | head -n 1; }

# Patch file names listed in a quilt series file (comments and blanks skipped).
series_patches() {
  sed -e 's/#.*//' -e 's/[[:space:]].*//' "$1" | awk 'NF'
}

# A patch mail's subject, unfolded, without "[PATCH n/m]".
patch_subject() {
  git mailinfo -k /dev/null /dev/null <"$1" 2>/dev/null |
    sed -n 's/^Subject: //p' | sed -E 's/^\[[^]]*\][[:space:]]*//'
}

# --- verifying Debian source packages ------------------------------------------
# The chain (README, "How the build works"): apt checks the archive's signed
# InRelease with debian-archive-keyring, the Sources index against InRelease,
# and every downloaded file against Sources. On every later use the .dsc is
# checked again against the Sources index apt verified (or, without it, the
# SHA-256 recorded at download), and each file against the .dsc.

# dsc_checksums DSC: "sha256 size name" for each file the .dsc lists.
dsc_checksums() {
  awk '/^Checksums-Sha256:/ { on = 1; next }
       on && /^ / { print $1, $2, $3; next }
       on { exit }' "$1"
}

# verify_dsc_files DSC: every file the .dsc names lies beside it with the
# size and SHA-256 the .dsc gives.
verify_dsc_files() {
  local dsc=$1 dir sum size name n=0
  dir=$(dirname "$dsc")
  while read -r sum size name; do
    n=$((n + 1))
    [[ -f $dir/$name ]] || die "$name, listed in ${dsc##*/}, is missing from $dir"
    [[ $(stat -c %s "$dir/$name") == "$size" && $(sha256sum "$dir/$name" | cut -d' ' -f1) == "$sum" ]] ||
      die "$dir/$name does not match the SHA-256 and size in ${dsc##*/}: the download or the cache is corrupt; delete $dir and build again"
  done < <(dsc_checksums "$dsc")
  ((n > 0)) || die "${dsc##*/} lists no files under Checksums-Sha256"
}

# --- the fork revision ------------------------------------------------------------
# patches/REVISION records, for the revision in VERSION, a digest of what
# each base's package is made from (scripts/fork-revision).

revision_file() { printf '%s/patches/REVISION\n' "$TOP"; }

# series_digest BASE: SHA-256 of the base's series, its patches and, for
# Debian bases, what debian/ adds to Debian's packaging.
series_digest() {
  local base=$1 series=$TOP/patches/$1.series p f
  {
    printf 'series %s\n' "$base"
    series_patches "$series"
    series_patches "$series" | while read -r p; do
      printf '=== %s\n' "$p"
      cat "$TOP/patches/$p"
    done
    if [[ $(base_get "$base" DEBIAN_PATCHES) == yes ]]; then
      (cd "$TOP" && find debian -type f | LC_ALL=C sort) | while read -r f; do
        printf '=== %s\n' "$f"
        cat "$TOP/$f"
      done
    fi
  } | sha256sum | cut -d' ' -f1
}

# recorded_digest BASE: the digest patches/REVISION holds for BASE (empty if none).
recorded_digest() {
  [[ -f $(revision_file) ]] || return 0
  awk -v b="$1" '$1 == b { print $2 }' "$(revision_file)"
}

# recorded_revision: the revision patches/REVISION was recorded for.
recorded_revision() {
  [[ -f $(revision_file) ]] || return 0
  sed -n 's/^revision //p' "$(revision_file)"
}

# check_revision BASE: fails unless VERSION is the recorded revision and
# BASE's digest is the recorded one.
check_revision() {
  local base=$1 have want
  have=$(series_digest "$base")
  want=$(recorded_digest "$base")
  if [[ $(recorded_revision) != "$(fork_suffix)" ]]; then
    die "VERSION says $(fork_suffix) but patches/REVISION was recorded for '$(recorded_revision)': run 'make revision' (records the series for $(fork_suffix))"
  fi
  [[ $have == "$want" ]] ||
    die "the $base series (patches, or debian/) changed since $(fork_suffix) was recorded in patches/REVISION; a changed package must not reuse a version: run 'make bump-revision' (VERSION becomes the next tcpifidxN), or 'make revision' if $(fork_suffix) was never released"
}
