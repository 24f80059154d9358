#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031
#
# make deb DSC=... (scripts/build-deb --dsc): a derivative's own source
# package, verified, with our series after its own patches. The derivative
# is made here: Debian's trixie source package from build/cache, its
# changelog moved to a distribution of its own ("fakeos-stable",
# 2.91-1fakeos1), one patch of its own, Maintainer its own with Debian's in
# XSBC-Original-Maintainer (as Ubuntu's are), rebuilt with dpkg-source -b and
# signed with a throwaway key (GNUPGHOME in the test's directory). Then
# tampered, re-signed and unsigned copies of it, each of which must be
# refused before anything is unpacked.
#
# Builds the package once (a few minutes): not part of the suite that
# `make check` runs; `make check-derivative` runs it. Needs the cache that
# `make BASE=debian-13` leaves in build/cache, and root (tests/run).

load ../lib/common
dt_kit_use debsrc

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
: "${DT_TEST_TIMEOUT:=900}"
OURS='dnsmasq-tcpifidx developers <dnsmasq-tcpifidx@example.org>'
THEIRS='FakeOS Developers <devel@fakeos.invalid>'
VERSION_FAKE=2.91-1fakeos1

setup_file() {
	dt_setup_file
	dt_require_tools dscverify dch debsign dpkg-source dpkg-deb gpg quilt lintian
	dt_cached_dsc CACHED debian-13
	WORK=$DT_STATE/derivative
	mkdir -p "$WORK"
	SUFFIX=$(tr -d ' \n' <"$REPO/VERSION")
	OUR_VERSION=$VERSION_FAKE+$SUFFIX
	export WORK CACHED SUFFIX OUR_VERSION
	make_keys
	make_derivative "$VERSION_FAKE" "$WORK/fake" theirs
	DIST=$WORK/repo/dist/dsc-$VERSION_FAKE
	export DIST
}

# built: the package, built once (by the first test that reads it) with the
# command a user types; fails unless that build succeeded. Its output is in
# $WORK/build.log. The refusal tests do not need it (bats --filter refused).
built() {
	local status=0
	if [[ ! -f $WORK/build.status ]]; then
		copy_repo "$WORK/repo"
		nice -n 10 make -C "$WORK/repo" --no-print-directory deb \
			DSC="$WORK/fake/dnsmasq_$VERSION_FAKE.dsc" DSC_KEYRING="$WORK/fakeos.gpg" \
			>"$WORK/build.log" 2>&1 || status=$?
		echo "$status" >"$WORK/build.status"
	fi
	[[ $(cat "$WORK/build.status") -eq 0 ]]
}

teardown_file() {
	dt_gpg_stop
	dt_teardown_file
}

# The derivative's uploader's key (in the keyring handed to the build)
# and a stranger's (not in it).
make_keys() {
	dt_gpg_home "$WORK/gnupg"
	FAKEOS_KEY=$(dt_gpg_key 'FakeOS uploader <uploader@fakeos.invalid>' never)
	STRANGER_KEY=$(dt_gpg_key 'Stranger <stranger@example.invalid>' never)
	export FAKEOS_KEY STRANGER_KEY
	gpg --batch --export "$FAKEOS_KEY" >"$WORK/fakeos.gpg"
}

# make_derivative VERSION DIR [conflict] [unsigned]: Debian's trixie source
# as a derivative's, in DIR: version VERSION, distribution fakeos-stable,
# its own Maintainer with Debian's in XSBC-Original-Maintainer, one patch
# of its own (fakeos-branding.patch, first line of src/dnsmasq.c; with
# "conflict", also a line our first patch changes); signed by its uploader
# unless "unsigned".
make_derivative() {
	local version=$1 dir=$2 tree upstream orig
	shift 2
	tree=$dir/tree
	upstream=${version%-*}
	mkdir -p "$dir"
	dpkg-source -x "$CACHED" "$tree" >/dev/null 2>&1
	orig=$(find "$(dirname "$CACHED")" -maxdepth 1 -name 'dnsmasq_*.orig.tar.*')
	cp "$orig" "$dir/dnsmasq_$upstream.orig.tar.${orig##*.orig.tar.}"
	(
		cd "$tree" || exit 1
		sed -i "s/^Maintainer: \(.*\)/Maintainer: $THEIRS\nXSBC-Original-Maintainer: \1/" debian/control
		export QUILT_PATCHES=debian/patches
		quilt --quiltrc=- new fakeos-branding.patch >/dev/null
		quilt --quiltrc=- add src/dnsmasq.c src/forward.c >/dev/null
		sed -i '1i /* FakeOS: built for fakeos-stable. */' src/dnsmasq.c
		if [[ " $* " == *" conflict "* ]]; then
			sed -i 's|if (!indextoname(listen->fd, if_index, ifr.ifr_name))|& /* FakeOS */|' src/forward.c
			grep -q '/\* FakeOS \*/' src/forward.c
		fi
		quilt --quiltrc=- refresh >/dev/null
		quilt --quiltrc=- pop -a >/dev/null
		rm -rf .pc
		DEBFULLNAME='FakeOS uploader' DEBEMAIL=uploader@fakeos.invalid \
			dch --no-conf -b -v "$version" -D fakeos-stable --force-distribution \
			"FakeOS build, with a branding patch." 2>/dev/null
	)
	(cd "$dir" && dpkg-source -b tree >/dev/null 2>&1)
	rm -rf "$tree"
	if [[ " $* " != *" unsigned "* ]]; then
		debsign --no-conf -k"$FAKEOS_KEY" "$dir/dnsmasq_$version.dsc" >/dev/null
	fi
}

# copy_repo DEST: what the build needs, so its build/ and dist/ are the test's.
copy_repo() {
	mkdir -p "$1"
	cp -a "$REPO/scripts" "$REPO/patches" "$REPO/debian" "$REPO/VERSION" "$REPO/Makefile" "$1/"
}

# copy_fake DEST: the derivative's files, to change a copy.
copy_fake() {
	mkdir -p "$1"
	cp "$WORK/fake"/dnsmasq_* "$1/"
}

# refused DSC [OPTIONS...]: build-deb --dsc DSC in a fresh copy of the
# repository; prints what it said. Fails unless it failed and left nothing
# behind: no unpacked tree, no package.
refused() {
	local dsc=$1 repo status=0
	shift
	repo=$(dt_temp_dir repo)
	copy_repo "$repo"
	output=$("$repo/scripts/build-deb" --dsc "$dsc" --prepare-only "$@" 2>&1) || status=$?
	printf '%s\n' "$output"
	[[ $status -ne 0 ]] || { echo "build-deb accepted it"; return 1; }
	[[ ! -e $repo/build/deb && ! -e $repo/dist ]] || { echo "something was unpacked or built"; return 1; }
	[[ $output == *"nothing built"* || $output == *"no series of ours"* ]]
}

# field FILE NAME: a field of a .dsc or .changes.
field() {
	sed -n "s/^$2: //p" "$1" | head -n 1
}

our_dsc() {
	printf '%s/dnsmasq_%s.dsc\n' "$DIST" "$OUR_VERSION"
}

@test "derivative: make deb DSC=... builds it, version above theirs and below their next upload" {
	built || { cat "$WORK/build.log"; false; }
	tail -n 40 "$WORK/build.log"
	[[ -f $(our_dsc) ]]
	[[ $(field "$(our_dsc)" Version) == "$OUR_VERSION" ]]
	dpkg --compare-versions "$OUR_VERSION" gt "$VERSION_FAKE"
	dpkg --compare-versions "$OUR_VERSION" lt 2.91-1fakeos2
	dpkg --compare-versions "$OUR_VERSION" lt 2.91-1fakeos1.1
	# The tool checked it too, and said so.
	grep -q "version $VERSION_FAKE < $OUR_VERSION < 2.91-1fakeos2" "$WORK/build.log"
	grep -q "verified: good signature (key $FAKEOS_KEY)" "$WORK/build.log"
	# On this host (fakeos-stable is no Debian suite), lintian run, no errors.
	grep -q 'fakeos-stable is not a Debian suite we build in: building on this host' "$WORK/build.log"
	grep -q "lintian dnsmasq_${OUR_VERSION}_" "$WORK/build.log"
	local deb
	for deb in dnsmasq-base dnsmasq-base-lua dnsmasq-utils dnsmasq; do
		deb=$(find "$DIST" -name "${deb}_${OUR_VERSION}_*.deb")
		[[ -f $deb ]]
		[[ $(dpkg-deb -f "$deb" Version) == "$OUR_VERSION" ]]
	done
	[[ $(dpkg-deb -f "$DIST/dnsmasq-base_${OUR_VERSION}_"*.deb Depends) == *libc6* ]]
}

@test "derivative: Maintainer is ours, their XSBC-Original-Maintainer kept, in the .dsc and every .deb" {
	built
	local deb tree
	[[ $(field "$(our_dsc)" Maintainer) == "$OURS" ]]
	[[ $(field "$(our_dsc)" Original-Maintainer) == 'Simon Kelley <simon@thekelleys.org.uk>' ]]
	for deb in "$DIST"/*.deb; do
		echo "$deb"
		[[ $(dpkg-deb -f "$deb" Maintainer) == "$OURS" ]]
		[[ $(dpkg-deb -f "$deb" Original-Maintainer) == 'Simon Kelley <simon@thekelleys.org.uk>' ]]
	done
	tree=$(dt_temp_dir unpacked)/t
	dpkg-source --skip-patches -x "$(our_dsc)" "$tree" >/dev/null 2>&1
	[[ $(grep -c '^XSBC-Original-Maintainer:' "$tree/debian/control") -eq 1 ]]
	[[ $(grep -c "$THEIRS" "$tree/debian/control") -eq 0 ]]
}

@test "derivative: their patches first and still there, then ours; their changelog below our entry" {
	built
	local tree series theirs_line ours_line orig n
	tree=$(dt_temp_dir unpacked)/t
	dpkg-source -x "$(our_dsc)" "$tree" >/dev/null 2>&1
	orig=$(dt_temp_dir orig)/t
	dpkg-source --skip-patches -x "$WORK/fake/dnsmasq_$VERSION_FAKE.dsc" "$orig" >/dev/null 2>&1
	series=$tree/debian/patches/series
	cat "$series"
	theirs_line=$(grep -n '^fakeos-branding.patch$' "$series" | cut -d: -f1)
	ours_line=$(grep -n '^tcpifidx/' "$series" | head -n 1 | cut -d: -f1)
	[[ -n $theirs_line && -n $ours_line && $theirs_line -lt $ours_line ]]
	# Their whole series (Debian's patches and their own), unchanged, first.
	n=$(wc -l <"$orig/debian/patches/series")
	[[ $n -gt 1 ]]
	cmp <(head -n "$n" "$series") "$orig/debian/patches/series"
	# Applied, as dpkg-source applies them: theirs and ours both in the code.
	[[ $(head -n 1 "$tree/src/dnsmasq.c") == '/* FakeOS: built for fakeos-stable. */' ]]
	grep -q 'check_arrival_interface' "$tree/src/forward.c"
	[[ $(cat "$tree/VERSION") == "$OUR_VERSION" ]]
	# Our entry on top (dch's: their distribution, the key that signed
	# theirs), theirs unchanged below.
	[[ $(dpkg-parsechangelog -l "$tree/debian/changelog" -S Distribution) == fakeos-stable ]]
	[[ $(dpkg-parsechangelog -l "$tree/debian/changelog" -S Maintainer) == "$OURS" ]]
	dpkg-parsechangelog -l "$tree/debian/changelog" -S Changes | tr -d '\n' | grep -q "signature (key $FAKEOS_KEY)"
	cmp <(sed '1,/^ -- /d' "$tree/debian/changelog" | sed '1{/^$/d}') "$orig/debian/changelog"
}

@test "derivative refused: a file changed after signing (checksum)" {
	local dir
	dir=$(dt_temp_dir tampered)
	copy_fake "$dir"
	printf 'x' >>"$dir/dnsmasq_$VERSION_FAKE.debian.tar.xz"
	refused "$dir/dnsmasq_$VERSION_FAKE.dsc" --keyring "$WORK/fakeos.gpg"
	[[ $output == *"dnsmasq_$VERSION_FAKE.debian.tar.xz"* ]]
	# Unsigned builds check the checksums too.
	refused "$dir/dnsmasq_$VERSION_FAKE.dsc" --unsigned
	[[ $output == *"do not match its checksums"* ]]
}

@test "derivative refused: signed by a key not in the keyring" {
	local dir
	dir=$(dt_temp_dir stranger)
	copy_fake "$dir"
	debsign --no-conf --re-sign -k"$STRANGER_KEY" "$dir/dnsmasq_$VERSION_FAKE.dsc" >/dev/null
	refused "$dir/dnsmasq_$VERSION_FAKE.dsc" --keyring "$WORK/fakeos.gpg"
	[[ $output == *"does not verify against $WORK/fakeos.gpg"* ]]
}

@test "derivative refused: a signed .dsc changed after signing (bad signature)" {
	local dir
	dir=$(dt_temp_dir badsig)
	copy_fake "$dir"
	sed -i 's|^Homepage: .*|Homepage: https://fakeos.invalid/|' "$dir/dnsmasq_$VERSION_FAKE.dsc"
	refused "$dir/dnsmasq_$VERSION_FAKE.dsc" --keyring "$WORK/fakeos.gpg"
	[[ $output == *"does not verify against"* ]]
}

@test "derivative refused: unsigned without DSC_UNSIGNED=1, or with no keyring" {
	local dir
	dir=$(dt_temp_dir unsigned)
	make_derivative "$VERSION_FAKE" "$dir" unsigned
	refused "$dir/dnsmasq_$VERSION_FAKE.dsc" --keyring "$WORK/fakeos.gpg"
	[[ $output == *"does not verify against"* ]]
	# No keyring at all: refused, saying what to give.
	refused "$WORK/fake/dnsmasq_$VERSION_FAKE.dsc"
	[[ $output == *"DSC_KEYRING"* && $output == *"DSC_UNSIGNED=1"* ]]
}

@test "derivative: unsigned with DSC_UNSIGNED=1 is prepared, saying loudly it was not verified" {
	local dir repo
	dir=$(dt_temp_dir unsigned)
	make_derivative "$VERSION_FAKE" "$dir" unsigned
	repo=$(dt_temp_dir repo)
	copy_repo "$repo"
	run "$repo/scripts/build-deb" --dsc "$dir/dnsmasq_$VERSION_FAKE.dsc" --unsigned --prepare-only
	echo "$output"
	[[ $status -eq 0 ]]
	[[ $output == *"WARNING: dnsmasq_$VERSION_FAKE.dsc was NOT VERIFIED (--unsigned)"* ]]
	dpkg-parsechangelog -l "$repo/build/deb/dsc-$VERSION_FAKE/dnsmasq-2.91/debian/changelog" -S Changes |
		grep -q 'NOT VERIFIED: built from'
}

@test "derivative refused: an upstream version we have no series for, naming those we have" {
	local dir
	dir=$(dt_temp_dir old)
	make_derivative 2.89-1fakeos1 "$dir" unsigned
	refused "$dir/dnsmasq_2.89-1fakeos1.dsc" --unsigned
	[[ $output == *"no series of ours for upstream dnsmasq 2.89; we have:"* ]]
	[[ $output == *"2.91 (debian-13)"* && $output == *"2.93 (upstream-2.93)"* ]]
}

@test "derivative refused: our series does not apply after their patches, naming the patch" {
	local dir repo first
	dir=$(dt_temp_dir conflict)
	make_derivative "$VERSION_FAKE" "$dir" conflict unsigned
	repo=$(dt_temp_dir repo)
	copy_repo "$repo"
	run "$repo/scripts/build-deb" --dsc "$dir/dnsmasq_$VERSION_FAKE.dsc" --unsigned --prepare-only
	echo "$output"
	[[ $status -ne 0 ]]
	first=$(sed -e 's/#.*//' "$REPO/patches/debian-13.series" | awk 'NF { sub(".*/", ""); print; exit }')
	[[ $output == *"$first does not apply to dnsmasq_$VERSION_FAKE.dsc after its own patches"* ]]
	[[ $output == *"needs a rebase"* ]]
	[[ ! -e $repo/dist ]]
}
