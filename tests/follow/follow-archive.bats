#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031
#
# Following Debian's uploads (scripts/follow-archive), fully
# local: a signed file:// archive stands in for Debian's, holding the cached
# debian-12 source (bookworm) and a simulated security upload made from it
# (<version>~deb12u3-like, bookworm-security); follow-archive is pointed at
# it (--sources) and publishes to a reprepro repository signed with a
# throwaway key (GNUPGHOME in the test's directory). A client, a
# copy-on-write clone of this machine (overlayfs over /, in a private mount
# namespace, chroot), holds a stand-in for Debian's dnsmasq-base and
# upgrades from that repository with apt-get upgrade.
#
# Builds the package once (a few minutes): not part of the suite that
# `make check` runs by default; `make check-follow` runs it (CI: its own stage).
# Needs the cache a normal `make` leaves in build/cache, and root.

load ../lib/common
dt_kit_use debsrc

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
: "${DT_TEST_TIMEOUT:=600}"

setup_file() {
	dt_setup_file
	dt_require_tools reprepro gpg dch dpkg-source dpkg-deb unshare debsign dscverify
	dt_cached_dsc CACHED debian-12
	WORK=$DT_STATE/follow
	mkdir -p "$WORK"
	export WORK CACHED
	make_key
	make_archive
}

teardown_file() {
	dt_gpg_stop
	dt_teardown_file
}

# A throwaway signing key, as an operator would make one.
make_key() {
	dt_gpg_home "$WORK/gnupg"
	KEYID=$(dt_gpg_key 'dnsmasq-tcpifidx test archive <follow@example.invalid>' never)
	export KEYID
	gpg --batch --export --export-options export-minimal "$KEYID" >"$WORK/key.gpg"
}

# The stand-in for Debian's archive: the cached version in bookworm, a
# newer upload of it (changelog entry only) in bookworm-security.
make_archive() {
	local base_version dir
	base_version=$(sed -n 's/^Version: //p' "$CACHED")
	NEW_VERSION=${base_version%u*}u$((${base_version##*u} + 1))
	export NEW_VERSION
	dir=$WORK/archive
	mkdir -p "$dir/conf"
	cat >"$dir/conf/distributions" <<-EOF
		Origin: Debian
		Label: Debian
		Codename: bookworm
		Architectures: source
		Components: main
		SignWith: $KEYID

		Origin: Debian
		Label: Debian-Security
		Codename: bookworm-security
		Architectures: source
		Components: main
		SignWith: $KEYID
	EOF
	reprepro -b "$dir" -S net -P optional includedsc bookworm "$CACHED" >/dev/null
	new_upload "$NEW_VERSION" "$WORK/upload"
	reprepro -b "$dir" -S net -P optional includedsc bookworm-security \
		"$WORK/upload/dnsmasq_${NEW_VERSION}.dsc" >/dev/null
	cat >"$WORK/sources" <<-EOF
		Types: deb-src
		URIs: file://$dir
		Suites: bookworm bookworm-security
		Components: main
		Signed-By: $WORK/key.gpg
	EOF
}

# new_upload VERSION DIR: the cached source with one more changelog entry,
# as a source package in DIR.
new_upload() {
	local version=$1 dir=$2
	mkdir -p "$dir"
	dpkg-source -x "$CACHED" "$dir/tree" >/dev/null
	(cd "$dir/tree" && DEBFULLNAME='Test Uploader' DEBEMAIL=upload@example.invalid \
		dch -v "$version" -D bookworm-security --force-distribution \
		"Simulated security upload for tests/follow/follow-archive.bats.")
	(cd "$dir" && dpkg-source -b tree >/dev/null)
	rm -rf "$dir/tree"
}

# copy_repo DEST: what the build needs, so a test can change the series
# without touching the real one.
copy_repo() {
	mkdir -p "$1"
	cp -a "$REPO/scripts" "$REPO/contrib" "$REPO/patches" "$REPO/debian" "$REPO/VERSION" "$REPO/Makefile" "$1/"
}

follow() {
	local top=$1 repo=$2
	"$top/scripts/follow-archive" --base debian-12 --key "$KEYID" \
		--repo "$repo" --sources "$WORK/sources" --no-check
}

# published REPO: "package version" lines reprepro lists for bookworm.
published() {
	# shellcheck disable=SC2016 # reprepro's format
	reprepro -b "$1" --list-format '${package} ${version}\n' list bookworm 2>/dev/null || true
}

# client_upgrade PUBLIC: in a clone of this machine whose only apt source is
# the repository PUBLIC (as README tells a node to add it), install a
# stand-in for Debian's dnsmasq-base of the cached version, then
# apt-get update && apt-get upgrade. Prints what apt and dpkg then say.
# The clone's apt sees only that repository: no traffic, and this machine's
# packages (the libraries dnsmasq-base needs) stand in for the node's.
client_upgrade() {
	local public=$1 tmp fake stock
	tmp=$(mktemp -d "$WORK/client.XXXXXX")
	stock=$(sed -n 's/^Version: //p' "$CACHED")
	fake=$tmp/fake
	mkdir -p "$fake/DEBIAN" "$tmp/mnt"
	cat >"$fake/DEBIAN/control" <<-EOF
		Package: dnsmasq-base
		Version: $stock
		Architecture: $(dpkg --print-architecture)
		Maintainer: Test <follow@example.invalid>
		Description: stand-in for Debian's dnsmasq-base $stock
	EOF
	# With Debian's relations (those of our build), as the real one has.
	dpkg-deb -f "$(find "$public/pool" -name 'dnsmasq-base_*.deb')" Depends Recommends >>"$fake/DEBIAN/control"
	dpkg-deb --root-owner-group --build "$fake" "$tmp/stock.deb" >/dev/null
	cat >"$tmp/node.sh" <<-'EOF'
		set -eu
		rm -f /etc/apt/sources.list /etc/apt/sources.list.d/* /etc/apt/preferences.d/*
		k=/usr/share/keyrings/dnsmasq-tcpifidx-archive-keyring.gpg
		cp /srv/repo/dnsmasq-tcpifidx-archive-keyring.gpg "$k"
		printf '%s\n' 'Types: deb' 'URIs: file:///srv/repo' 'Suites: bookworm' \
			'Components: main' "Signed-By: $k" \
			>/etc/apt/sources.list.d/dnsmasq-tcpifidx.sources
		dpkg -i /srv/stock.deb >/dev/null
		echo "before: $(dpkg-query -W -f '${Version}' dnsmasq-base)"
		apt-get -q update
		DEBIAN_FRONTEND=noninteractive apt-get -q -y install dnsmasq-tcpifidx-archive-keyring
		echo "keyring owner: $(dpkg -S "$k")"
		DEBIAN_FRONTEND=noninteractive apt-get -q -y upgrade
		echo "after: $(dpkg-query -W -f '${Version}' dnsmasq-base)"
		dnsmasq --version | head -n 1
		apt-cache policy dnsmasq-base && apt-cache policy
	EOF
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --propagation private sh -c '
		set -e
		t=$1 public=$2
		mount -t tmpfs tmpfs "$t/mnt"
		mkdir "$t/mnt/upper" "$t/mnt/work" "$t/mnt/root"
		mount -t overlay overlay -o "lowerdir=/,upperdir=$t/mnt/upper,workdir=$t/mnt/work" "$t/mnt/root"
		r=$t/mnt/root
		mount -t proc proc "$r/proc"
		mount --bind /dev "$r/dev"
		mkdir -p "$r/srv/repo"
		mount --bind -o ro "$public" "$r/srv/repo"
		cp "$t/stock.deb" "$r/srv/stock.deb"
		cp "$t/node.sh" "$r/srv/node.sh"
		chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 sh /srv/node.sh
	' client "$tmp" "$public" 2>&1
}

# dsc_verify FILE: dscverify of a .dsc or .changes with the keyring the
# repository publishes (the keyring package's file), nothing else.
dsc_verify() {
	[[ -f $1 ]] || dt_fail "no such file: '$1'"
	dscverify --no-conf --no-default-keyrings \
		--keyring "$WORK/repo/public/dnsmasq-tcpifidx-archive-keyring.gpg" "$1"
}

# unsigned_copy DSC DIR: the .dsc without its OpenPGP signature, in DIR
# beside links to the files it lists.
unsigned_copy() {
	local dsc=$1 dir=$2 name
	mkdir -p "$dir"
	sed -e '1,/^$/d' -e '/^-----BEGIN PGP SIGNATURE-----$/,$d' "$dsc" >"$dir/${dsc##*/}"
	grep -q '^Checksums-Sha256:' "$dir/${dsc##*/}" || dt_fail "the unsigned copy of $dsc lost its fields"
	while read -r name; do
		ln -sf "$(dirname "$dsc")/$name" "$dir/$name"
	done < <(awk '/^Files:/ { on = 1; next } on && /^ / { print $3; next } on { exit }' "$dir/${dsc##*/}")
}

# valid_for_days RELEASE N: RELEASE has a Valid-Until N days after its Date.
valid_for_days() {
	local date until
	date=$(sed -n 's/^Date: //p' "$1")
	until=$(sed -n 's/^Valid-Until: //p' "$1")
	[[ -n $until ]] || dt_fail "$1 has no Valid-Until"
	(($(date -d "$until" +%s) - $(date -d "$date" +%s) == $2 * 86400)) ||
		dt_fail "$1: Valid-Until $until is not $2 days after $date"
}

@test "a newer Debian upload is rebuilt, published signed, and a node upgrades to it with apt-get upgrade" {
	local top=$WORK/top repo=$WORK/repo ours
	copy_repo "$top"
	ours=$NEW_VERSION+$(tr -d ' \n' <"$REPO/VERSION")
	run follow "$top" "$repo"
	echo "$output"
	[[ $status -eq 0 ]]
	[[ $output == *"Debian's newest for debian-12"*": $NEW_VERSION;"* ]]
	[[ $output == *"published $ours to $repo/public (bookworm)"* ]]
	run published "$repo"
	echo "$output"
	grep -qxF "dnsmasq-base $ours" <<<"$output"
	grep -qxF "dnsmasq $ours" <<<"$output"
	# The keyring package, with the signing key, beside it.
	grep -qxF "dnsmasq-tcpifidx-archive-keyring 1" <<<"$output"
	# Signed with the operator's key, and saying who it is for unattended-upgrades.
	gpgv --keyring "$WORK/key.gpg" "$repo/public/dists/bookworm/InRelease"
	grep -qx 'Origin: dnsmasq-tcpifidx' "$repo/public/dists/bookworm/Release"
	grep -qx 'Label: dnsmasq-tcpifidx' "$repo/public/dists/bookworm/Release"
	cmp "$WORK/key.gpg" "$repo/public/dnsmasq-tcpifidx-archive-keyring.gpg"
	# The source package published, and the .changes, signed with debsign:
	# dscverify checks the signature (with the keyring the nodes have) and
	# every file listed; the same .dsc without its signature fails.
	dsc_verify "$(find "$repo/public/pool" -name "dnsmasq_${ours#*:}.dsc")"
	dsc_verify "$(find "$top/dist/debian-12" -name "dnsmasq_${ours#*:}_*.changes")"
	unsigned_copy "$(find "$repo/public/pool" -name "dnsmasq_${ours#*:}.dsc")" "$WORK/unsigned"
	run dsc_verify "$WORK/unsigned/dnsmasq_${ours#*:}.dsc"
	echo "$output"
	((status != 0)) || dt_fail "dscverify accepted an unsigned .dsc"
	# Valid-Until, FOLLOW_VALID_FOR (3 days) after its Date: a repository
	# whose follow runs stop expires on the nodes.
	valid_for_days "$repo/public/dists/bookworm/Release" 3

	run client_upgrade "$repo/public"
	echo "$output"
	[[ $status -eq 0 ]]
	grep -qx "before: $(sed -n 's/^Version: //p' "$CACHED")" <<<"$output"
	grep -qx "after: $ours" <<<"$output"
	grep -q "^Dnsmasq version $ours " <<<"$output"
	# The node installed the keyring package, which took over the key file
	# it had been bootstrapped with, and it still verifies.
	grep -qx 'keyring owner: dnsmasq-tcpifidx-archive-keyring: /usr/share/keyrings/dnsmasq-tcpifidx-archive-keyring.gpg' <<<"$output"
	grep -q 'o=dnsmasq-tcpifidx,.*n=bookworm,l=dnsmasq-tcpifidx' <<<"$output"
}

@test "nothing newer in the archive: a second run says up to date and builds nothing" {
	local top=$WORK/top repo=$WORK/repo before
	run published "$repo"
	[[ -n $output ]] || dt_fail "needs the repository the previous test published"
	before=$output
	run follow "$top" "$repo"
	echo "$output"
	[[ $status -eq 0 ]]
	[[ $output == *"up to date: $repo has $NEW_VERSION+"* ]]
	[[ $output != *"build-deb"* ]]
	[[ $output == *"(Release re-signed, valid for 3d)"* ]]
	run published "$repo"
	[[ $output == "$before" ]]
	# Re-exported and signed again, still with its Valid-Until.
	gpgv --keyring "$WORK/key.gpg" "$repo/public/dists/bookworm/InRelease"
	valid_for_days "$repo/public/dists/bookworm/Release" 3
}

@test "a patch that no longer applies: the run fails naming it and publishes no dnsmasq" {
	local top=$WORK/broken repo=$WORK/repo-broken patch=0099-Deliberately-broken-follow-test.patch
	copy_repo "$top"
	cat >"$top/patches/$patch" <<-'EOF'
		From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
		From: Test <follow@example.invalid>
		Date: Thu, 1 Jan 2026 00:00:00 +0000
		Subject: [PATCH] Deliberately broken: its context is in no dnsmasq

		---
		 src/dnsmasq.c | 2 +-
		 1 file changed, 1 insertion(+), 1 deletion(-)

		--- a/src/dnsmasq.c
		+++ b/src/dnsmasq.c
		@@ -1,3 +1,3 @@
		 this line is not in dnsmasq.c
		-nor is this one
		+so the patch cannot apply
		 and neither is this one
	EOF
	printf '%s\n' "$patch" >>"$top/patches/debian-12.series"
	"$top/scripts/fork-revision" record
	run follow "$top" "$repo"
	echo "$output"
	[[ $status -ne 0 ]]
	[[ $output == *"our patch patches/$patch no longer applies to Debian's dnsmasq $NEW_VERSION"* ]]
	[[ $output == *"nothing was published"* ]]
	# No dnsmasq: only the keyring package, which every run keeps up to
	# date before it asks the archive.
	run published "$repo"
	echo "$output"
	[[ $(sort -u <<<"$output") == "dnsmasq-tcpifidx-archive-keyring 1" ]] || dt_fail "published: $output"
	[[ -z $(find "$repo" -name 'dnsmasq[_-]*' ! -name 'dnsmasq-tcpifidx-archive-keyring*') ]]
}
