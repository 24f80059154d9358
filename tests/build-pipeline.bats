#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031
#
# What someone building the fork sees when something is wrong: a base that
# does not exist, a patch that no longer applies, Debian's archive out of
# reach. Each mistake must end with a clear message and a non-zero exit,
# never with a half-made tree passed off as good. The "offline" cases run
# the build scripts inside an empty network namespace (no route anywhere).
# Needs the cache a normal `make` leaves in build/cache.

load lib/common

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

setup_file() {
	dt_setup_file
	dt_ns_new OFFLINE_NS offline
	[[ -d $REPO/build/cache/debian-12 ]] ||
		skip "no cached debian-12 source: run 'make' first"
}

setup() {
	dt_setup
	WORK=$(dt_temp_dir build)
}

# copy_repo DEST: the repository's build scripts and patches, so a test can
# break a patch without touching the real ones.
copy_repo() {
	mkdir -p "$1"
	cp -a "$REPO/scripts" "$REPO/contrib" "$REPO/patches" "$REPO/debian" "$REPO/VERSION" "$REPO/Makefile" "$1/"
}

# offline CMD...: run CMD where Debian's archive cannot be reached.
offline() {
	dt_nsexec "$OFFLINE_NS" "$@"
}

@test "unknown base: make names the bases it knows and fails" {
	run make -C "$REPO" --no-print-directory BASE=debian-99 tree
	echo "$output"
	[[ $status -ne 0 ]]
	[[ $output == *"unknown base 'debian-99'"* ]]
	[[ $output == *debian-12* && $output == *upstream-2.93* ]]
}

@test "archive unreachable and nothing cached: the fetch says so and fails" {
	run offline env BUILD_DIR="$WORK/build" "$REPO/scripts/fetch-source" debian-12
	echo "$output"
	[[ $status -ne 0 ]]
	[[ $output == *"archive unreachable and nothing cached for debian-12"* ]]
}

@test "archive unreachable but cached: the tree is prepared from the cache" {
	mkdir -p "$WORK/build/cache"
	cp -a "$REPO/build/cache/debian-12" "$WORK/build/cache/"
	run offline env BUILD_DIR="$WORK/build" \
		"$REPO/scripts/prepare-tree" debian-12 series "$WORK/src"
	echo "$output"
	[[ $status -eq 0 ]]
	[[ $output == *"unreachable"*"using the cache"* ]]
	grep -qx 'PATCHES=series' "$WORK/src/.base-info"
}

@test "a patch that no longer applies is named, and the old tree is left alone" {
	local patch
	copy_repo "$WORK/repo"
	mkdir -p "$WORK/repo/build/cache"
	cp -a "$REPO/build/cache/debian-12" "$WORK/repo/build/cache/"
	# Break the context of the series' last patch, as an upstream change would.
	patch=$(grep -v '^#' "$WORK/repo/patches/debian-12.series" | tail -n 1)
	sed -i '0,/^ \t/s/^ \t/ \tdrifted /' "$WORK/repo/patches/$patch"
	mkdir -p "$WORK/src" && echo previous >"$WORK/src/marker"

	run offline "$WORK/repo/scripts/prepare-tree" debian-12 series "$WORK/src"
	echo "$output"
	[[ $status -ne 0 ]]
	[[ $output == *"no longer applies"* ]]
	[[ $output == *"${patch##*/}"* ]]
	[[ $(cat "$WORK/src/marker") == previous ]]
	[[ ! -e $WORK/src.new ]]
}

@test "missing build dependencies are named with the package to install" {
	mkdir -p "$WORK/build/cache"
	cp -a "$REPO/build/cache/debian-12" "$WORK/build/cache/"
	run offline env BUILD_DIR="$WORK/build" "$REPO/scripts/prepare-tree" \
		debian-12 none "$WORK/src"
	[[ $status -eq 0 ]] || skip "cannot prepare a tree offline: $output"
	# A pkg-config that finds nothing stands for a machine without the -dev packages.
	run env PKG_CONFIG_LIBDIR=/nonexistent PKG_CONFIG_PATH= \
		"$REPO/scripts/build-tree" "$WORK/src"
	echo "$output"
	[[ $status -ne 0 ]]
	[[ $output == *"missing build dependencies"*libdbus-1-dev*nettle-dev* ]]
	[[ ! -e $WORK/src/dnsmasq ]]
}

@test "a Debian base is built with the same features as Debian's own dnsmasq" {
	local info=$REPO/src/.base-info base deb ours stock
	[[ -x $REPO/src/dnsmasq && -f $info ]] || skip "no build in src/"
	base=$(sed -n 's/^BASE=//p' "$info")
	[[ $base == debian-* ]] || skip "src/ holds $base, not a Debian base"
	[[ $(. /etc/os-release && echo "debian-$VERSION_ID") == "$base" ]] ||
		skip "this host's release does not match $base"
	# Debian's binary package of the host's release, unpacked, never installed.
	(cd "$WORK" && apt-get download -q dnsmasq-base >/dev/null 2>&1) ||
		skip "cannot download Debian's dnsmasq-base"
	deb=$(echo "$WORK"/dnsmasq-base_*.deb)
	dpkg-deb -x "$deb" "$WORK/stock"
	ours=$("$REPO/src/dnsmasq" --version | sed -n 's/^Compile time options: //p')
	stock=$("$WORK/stock/usr/sbin/dnsmasq" --version | sed -n 's/^Compile time options: //p')
	echo "ours:  $ours"
	echo "stock: $stock"
	[[ -n $stock && $ours == "$stock" ]]
}

@test "a cached source file that no longer matches Debian's .dsc is refused" {
	local version
	mkdir -p "$WORK/build/cache"
	cp -a "$REPO/build/cache/debian-12" "$WORK/build/cache/"
	version=$(find "$WORK/build/cache/debian-12" -name '*.dsc' -printf '%h\n' | head -n 1)
	version=${version##*/}
	# One byte of Debian's packaging changed in the cache.
	printf 'x' >>"$WORK/build/cache/debian-12/$version/"*.debian.tar.*
	run offline env BUILD_DIR="$WORK/build" "$REPO/scripts/fetch-source" debian-12
	echo "$output"
	[[ $status -ne 0 ]]
	[[ $output == *"does not match the SHA-256 and size in dnsmasq_$version.dsc"* ]]
}

@test "a changed patch under the same fork revision: the build refuses until the revision is bumped" {
	local patch
	copy_repo "$WORK/repo"
	"$WORK/repo/scripts/fork-revision" check debian-12
	patch=$(grep -v '^#' "$WORK/repo/patches/debian-12.series" | tail -n 1)
	printf '\n' >>"$WORK/repo/patches/$patch"

	run "$WORK/repo/scripts/fork-revision" check debian-12
	echo "$output"
	[[ $status -ne 0 ]]
	[[ $output == *"changed since $(cat "$REPO/VERSION") was recorded"*"make bump-revision"* ]]

	run "$WORK/repo/scripts/fork-revision" bump
	echo "$output"
	[[ $status -eq 0 ]]
	[[ $(cat "$WORK/repo/VERSION") != "$(cat "$REPO/VERSION")" ]]
	"$WORK/repo/scripts/fork-revision" check debian-12
}

# no_git_identity CMD...: run CMD with no git identity anywhere (no global
# or system configuration, outside any repository) and no SENDER.
no_git_identity() {
	env -u SENDER -u GIT_AUTHOR_NAME -u GIT_AUTHOR_EMAIL -u GIT_COMMITTER_NAME -u GIT_COMMITTER_EMAIL \
		-u EMAIL HOME="$WORK" XDG_CONFIG_HOME="$WORK" GIT_CONFIG_NOSYSTEM=1 "$@"
}

@test "upstream mails without a submitter identity: refused, saying how to set one" {
	copy_repo "$WORK/repo"
	run no_git_identity make -C "$WORK/repo" --no-print-directory upstream-patches
	echo "$output"
	[[ $status -ne 0 ]]
	[[ $output == *"no submitter identity"* ]]
	[[ $output == *"git config --global user.name"* && $output == *'SENDER="Your Name <you@example.net>"'* ]]
	[[ ! -e $WORK/repo/dist ]]
}

@test "upstream mails with the stored patches' placeholder author as sender: refused" {
	local placeholder
	copy_repo "$WORK/repo"
	placeholder=$(sed -n '/^$/q; s/^From: //p' "$WORK/repo/patches/source/0001-"*/message)
	[[ $placeholder == *"dnsmasq-tcpifidx developers"* ]]
	run no_git_identity env SENDER="$placeholder" make -C "$WORK/repo" --no-print-directory upstream-patches
	echo "$output"
	[[ $status -ne 0 ]]
	[[ $output == *"is the placeholder author of the stored patches"* ]]
	[[ ! -e $WORK/repo/dist ]]
}

# Every committed patch is what patches/source/ gives (make check-series, in
# CI): a hand edit of a generated patch is caught, and named.
@test "a generated patch edited by hand: the series check fails and names it" {
	local patch
	copy_repo "$WORK/repo"
	patch=$(grep -v '^#' "$WORK/repo/patches/upstream-2.93.series" | tail -n 1)
	printf ' \n' >>"$WORK/repo/patches/$patch"
	# 2.93 alone: the root of the carrying, so its chain needs no other base.
	run env BUILD_DIR="$REPO/build" SERIES_WORK="$WORK/series" SERIES_BASES=upstream-2.93 \
		"$WORK/repo/scripts/series" check
	echo "$output"
	[[ $status -ne 0 ]]
	[[ $output == *"patches/upstream-2.93 differs from what patches/source/ gives"* ]]
	[[ $output == *"${patch##*/}"* ]]
}
