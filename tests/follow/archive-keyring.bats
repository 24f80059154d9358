#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031
#
# The follow repository's keyring package (dnsmasq-tcpifidx-archive-keyring,
# scripts/archive-keyring, published by scripts/follow-archive --keys-only)
# and a rotation of the repository key, on a reprepro repository of its own
# signed with throwaway keys (GNUPGHOME in the test's directory). No
# package of dnsmasq is built and Debian's archive is not asked: five
# builds of the keyring package and a dozen apt runs.
#
# A node is apt with a private configuration (APT_CONFIG: no part of this
# machine's apt configuration, lists, cache or dpkg database) and a
# throwaway root in the test's directory that dpkg installs into (dpkg
# --root, through apt-get install): the keyring package is really
# installed, in a dpkg database of its own, and the node's Signed-By names
# the file it installed. Needs root (dpkg --root).
#
# `make check-archive-keyring`; not part of `make check`.

load ../lib/common
dt_kit_use debsrc

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
PACKAGE=dnsmasq-tcpifidx-archive-keyring
KEYRING=/usr/share/keyrings/$PACKAGE.gpg

setup_file() {
	dt_setup_file
	dt_require_tools reprepro gpg gpgv dpkg-buildpackage debsign dscverify apt-get
	((EUID == 0)) || skip "needs root (dpkg --root)"
	WORK=$DT_STATE/keyring
	mkdir -p "$WORK"
	# follow-archive's and archive-keyring's build state, away from the
	# checkout's build/.
	export BUILD_DIR=$WORK/build
	dt_gpg_home "$WORK/gnupg"
	OLD=$(dt_gpg_key 'dnsmasq-tcpifidx test archive 1 <old@example.invalid>' 2y)
	NEW=$(dt_gpg_key 'dnsmasq-tcpifidx test archive 2 <new@example.invalid>' 2y)
	export WORK OLD NEW
}

teardown_file() {
	dt_gpg_stop
	dt_teardown_file
}


# export_key FILE KEY...: the public keys, as an operator would copy them.
export_key() {
	local file=$1
	shift
	gpg --batch --export "$@" >"$file"
}

# keys REPOSITORY ARGS...: follow-archive's keys step alone.
keys() {
	local repo=$1
	shift
	"$REPO/scripts/follow-archive" --keys-only --base debian-12 --repo "$repo" "$@"
}

# signers RELEASE KEYRING: the fingerprints gpgv finds good signatures of.
signers() {
	gpgv --status-fd 1 --keyring "$2" "$1" 2>/dev/null | awk '$2 == "VALIDSIG" { print $3 }' | sort
}

# published REPOSITORY SUITE: the keyring package's version there.
published() {
	# shellcheck disable=SC2016 # reprepro's format
	reprepro -b "$1" -T deb --list-format '${version}\n' list "$2" "$PACKAGE" 2>/dev/null
}

# node_init NAME PUBLIC [KEYFILE]: a node whose only apt source is the
# repository PUBLIC (file://), trusted through Signed-By with the file the
# keyring package installs in its root (README's first install: that file
# fetched by hand, then the package takes it over); or, with KEYFILE, with
# a key copied by hand to its /etc/apt/keyrings and no keyring package.
node_init() {
	local node=$WORK/node-$1 public=$2 keyfile=${3:-} signed_by
	mkdir -p "$node/root/var/lib/dpkg/info" "$node/root/var/lib/dpkg/updates" \
		"$node/root/usr/share/keyrings" "$node/root/etc/apt/keyrings" \
		"$node/lists/partial" "$node/cache/archives/partial" "$node/apt.conf.d"
	: >"$node/root/var/lib/dpkg/status"
	if [[ -n $keyfile ]]; then
		signed_by=$node/root/etc/apt/keyrings/dnsmasq-tcpifidx.gpg
		cp "$keyfile" "$signed_by"
	else
		signed_by=$node/root$KEYRING
		cp "$public/$PACKAGE.gpg" "$signed_by"
	fi
	printf '%s\n' 'Types: deb' "URIs: file://$public" 'Suites: bookworm' \
		'Components: main' "Signed-By: $signed_by" >"$node/sources.sources"
	cat >"$node/apt.conf" <<-EOF
		Dir::Etc::Parts "$node/apt.conf.d";
		Dir::Etc::main "/dev/null";
		Dir::Etc::sourcelist "$node/sources.sources";
		Dir::Etc::sourceparts "/dev/null";
		Dir::Etc::preferences "/dev/null";
		Dir::Etc::preferencesparts "/dev/null";
		Dir::Etc::trusted "/dev/null";
		Dir::Etc::trustedparts "/dev/null";
		Dir::State::Lists "$node/lists";
		Dir::State::status "$node/root/var/lib/dpkg/status";
		Dir::Cache "$node/cache";
		Dir::Log "$node";
		APT::Sandbox::User "root";
		Debug::NoLocking "1";
		DPkg::Options { "--root=$node/root"; "--log=$node/dpkg.log"; };
	EOF
}

# node NAME COMMAND...: apt-get (apt-cache, dpkg, dpkg-query) on the node.
node() {
	local node=$WORK/node-$1 cmd=$2
	shift 2
	case $cmd in
		apt-get) APT_CONFIG=$node/apt.conf DEBIAN_FRONTEND=noninteractive apt-get -q "$@" ;;
		apt-cache) APT_CONFIG=$node/apt.conf apt-cache "$@" ;;
		dpkg | dpkg-query) "$cmd" --root="$node/root" "$@" ;;
	esac
}

# node_update NAME: apt-get update on the node; output in $output.
node_update() {
	run node "$1" apt-get update
	printf '$ apt-get update   (node %s, exit %s)\n%s\n' "$1" "$status" "$output"
}

# installed NAME: the keyring package's installed version on the node.
installed() {
	# shellcheck disable=SC2016 # dpkg-query's format
	node "$1" dpkg-query -W -f '${Version}' "$PACKAGE"
}

# keyring_keys FILE: the fingerprints a keyring file holds.
keyring_keys() {
	gpg --batch --with-colons --show-keys "$1" 2>/dev/null |
		awk -F: '$1 == "pub" { p = 1; next } p && $1 == "fpr" { print $10; p = 0 }' | sort
}

@test "the keyring package is built from the signing key, published to every suite, and installs the key that verifies the repository" {
	local repo=$WORK/repo public node=$WORK/node-first dsc
	public=$repo/public
	run keys "$repo" --key "$OLD"
	echo "$output"
	((status == 0)) || dt_fail "follow-archive --keys-only failed"
	[[ $output == *"keyring: published $PACKAGE 1 ($OLD) to every suite"* ]] || dt_fail "no keyring package published"
	[[ $(published "$repo" bookworm) == 1 && $(published "$repo" trixie) == 1 ]] ||
		dt_fail "not in both suites: bookworm '$(published "$repo" bookworm)', trixie '$(published "$repo" trixie)'"
	[[ $(signers "$public/dists/bookworm/InRelease" "$public/$PACKAGE.gpg") == "$OLD" ]] ||
		dt_fail "bookworm's InRelease is not signed by $OLD"

	# Its source package, signed with debsign: dscverify accepts it with
	# the published keyring, and not without the key.
	dsc=$(find "$public/pool" -name "${PACKAGE}_1.dsc")
	dscverify --no-conf --no-default-keyrings --keyring "$public/$PACKAGE.gpg" "$dsc"
	export_key "$WORK/new-only.gpg" "$NEW"
	! dscverify --no-conf --no-default-keyrings --keyring "$WORK/new-only.gpg" "$dsc" ||
		dt_fail "dscverify accepted the .dsc with a keyring that lacks its signer"

	node_init first "$public"
	node_update first
	((status == 0)) || dt_fail "the node's apt-get update failed"
	run node first apt-get -y install "$PACKAGE"
	echo "$output"
	((status == 0)) || dt_fail "apt-get install $PACKAGE failed on the node"
	[[ $(installed first) == 1 ]] || dt_fail "$PACKAGE 1 is not installed"
	# dpkg owns the file now (it took over the hand-copied one), and it is
	# intact.
	node first dpkg -S "$KEYRING" | grep -qx "$PACKAGE: $KEYRING" || dt_fail "dpkg does not own $KEYRING"
	[[ -z $(node first dpkg --verify "$PACKAGE") ]] || dt_fail "dpkg --verify $PACKAGE found changes"
	# Nothing in apt's global trust, no maintainer script.
	! node first dpkg -L "$PACKAGE" | grep -q '^/etc/apt' || dt_fail "$PACKAGE installs into /etc/apt"
	[[ -z $(find "$node/root/var/lib/dpkg/info" -name "$PACKAGE.*" ! -name '*.list' ! -name '*.md5sums') ]] ||
		dt_fail "$PACKAGE has maintainer scripts or conffiles: $(find "$node/root/var/lib/dpkg/info" -name "$PACKAGE.*")"
	[[ -f $node/root/usr/share/doc/$PACKAGE/examples/dnsmasq-tcpifidx.sources ]] || dt_fail "no example .sources"
	grep -qx "Signed-By: $KEYRING" "$node/root/usr/share/doc/$PACKAGE/examples/dnsmasq-tcpifidx.sources"
	# The installed file holds the signing key and verifies the repository.
	[[ $(keyring_keys "$node/root$KEYRING") == "$OLD" ]] || dt_fail "the installed keyring holds $(keyring_keys "$node/root$KEYRING")"
	gpgv --keyring "$node/root$KEYRING" "$public/dists/bookworm/InRelease"
	gpgv --keyring "$node/root$KEYRING" "$public/dists/trixie/InRelease"

	# Same keys again: nothing new.
	run keys "$repo" --key "$OLD"
	echo "$output"
	((status == 0))
	[[ $output == *"keyring: $PACKAGE in $repo carries $OLD"* ]] || dt_fail "the keyring was not found up to date"
	[[ $(published "$repo" bookworm) == 1 ]]
}

@test "rotation: new key in the keyring, then both sign, then the old is dropped; a keyring-package node keeps verifying, a node with only the old key stops" {
	local repo=$WORK/repo public
	public=$repo/public
	[[ $(installed first) == 1 ]] || dt_fail "needs the node the previous test set up"
	# A node that trusts only the old key, copied by hand.
	export_key "$WORK/old-only.gpg" "$OLD"
	node_init manual "$public" "$WORK/old-only.gpg"
	node_update manual
	((status == 0)) || dt_fail "the node with the old key fails before the rotation"

	# 1. The new key joins the keyring package; the old one still signs alone.
	run keys "$repo" --key "$OLD" --keyring "$OLD" --keyring "$NEW"
	echo "$output"
	((status == 0))
	[[ $output == *"keyring: published $PACKAGE 2 ($OLD $NEW) to every suite"* ]] || dt_fail "keyring 2 not published"
	[[ $(signers "$public/dists/bookworm/InRelease" "$public/$PACKAGE.gpg") == "$OLD" ]] || dt_fail "step 1: not signed by the old key alone"
	node_update first
	((status == 0)) || dt_fail "step 1: the keyring node fails"
	run node first apt-get -y upgrade
	echo "$output"
	[[ $(installed first) == 2 ]] || dt_fail "step 1: the node did not upgrade to keyring 2"
	[[ $(keyring_keys "$WORK/node-first/root$KEYRING") == "$(printf '%s\n' "$OLD" "$NEW" | sort)" ]] ||
		dt_fail "step 1: the installed keyring lacks a key"
	node_update manual
	((status == 0)) || dt_fail "step 1: the node with the old key fails"

	# 2. The overlap: both keys sign; the keyring package is unchanged.
	run keys "$repo" --key "$NEW" --key "$OLD"
	echo "$output"
	((status == 0))
	[[ $output == *"keyring: $PACKAGE in $repo carries $NEW $OLD"* ]] || dt_fail "step 2: the keyring package changed"
	[[ $output == *"Release files signed with $NEW $OLD"* ]] || dt_fail "step 2: not both keys named"
	[[ $(signers "$public/dists/bookworm/InRelease" "$public/$PACKAGE.gpg") == "$(printf '%s\n' "$OLD" "$NEW" | sort)" ]] ||
		dt_fail "step 2: not signed by both keys"
	[[ $(signers "$public/dists/bookworm/InRelease" "$WORK/new-only.gpg") == "$NEW" ]] || dt_fail "step 2: the new key alone does not verify"
	node_update first
	((status == 0)) || dt_fail "step 2: the keyring node fails"
	node_update manual
	((status == 0)) || dt_fail "step 2: the node with the old key fails during the overlap"

	# 3. The old key is dropped: the new one signs alone, and the keyring
	# package no longer carries the old one.
	run keys "$repo" --key "$NEW"
	echo "$output"
	((status == 0))
	[[ $output == *"keyring: published $PACKAGE 3 ($NEW) to every suite"* ]] || dt_fail "keyring 3 not published"
	[[ $(signers "$public/dists/bookworm/InRelease" "$public/$PACKAGE.gpg") == "$NEW" ]] || dt_fail "step 3: not signed by the new key alone"
	[[ -z $(signers "$public/dists/bookworm/InRelease" "$WORK/old-only.gpg") ]] || dt_fail "step 3: the old key still signs"
	node_update first
	((status == 0)) || dt_fail "step 3: the keyring node fails"
	[[ $output != *NO_PUBKEY* && $output != *"not signed"* ]] || dt_fail "step 3: the keyring node warns"
	run node first apt-get -y upgrade
	echo "$output"
	[[ $(installed first) == 3 ]] || dt_fail "step 3: the node did not upgrade to keyring 3"
	[[ $(keyring_keys "$WORK/node-first/root$KEYRING") == "$NEW" ]] || dt_fail "step 3: the installed keyring is not the new key alone"
	node_update first
	((status == 0)) || dt_fail "step 3: the keyring node fails with keyring 3"
	# The keyring package's .dsc of step 3, signed by the new key, verifies
	# with the file the node installed.
	dscverify --no-conf --no-default-keyrings --keyring "$WORK/node-first/root$KEYRING" \
		"$(find "$public/pool" -name "${PACKAGE}_3.dsc")"
	# The node with only the old key stops verifying, and says why: apt
	# keeps the indexes it verified before (keyring 2 stays its candidate
	# while the repository has 3) and warns; once their Valid-Until
	# passes, it has none.
	node_update manual
	[[ $output == *"NO_PUBKEY ${NEW: -16}"* ]] || dt_fail "step 3: no NO_PUBKEY ${NEW: -16} in apt's output"
	[[ $output == *"The repository is not updated and the previous index files will be used"* ]] ||
		dt_fail "step 3: apt took the repository signed by the new key"
	run node manual apt-cache policy "$PACKAGE"
	echo "$output"
	grep -qx ' *Candidate: 2' <<<"$output" || dt_fail "step 3: the node with only the old key sees keyring 3"
	# A node set up now with only the old key: no index at all, an error.
	node_init late "$public" "$WORK/old-only.gpg"
	node_update late
	((status != 0)) || dt_fail "step 3: a new node with only the old key updates"
	[[ $output == *"NO_PUBKEY ${NEW: -16}"* && $output == *"is not signed"* ]] ||
		dt_fail "step 3: apt does not say the repository is not signed"
}

@test "a signing key outside the keyring package's keys is refused, and nothing is signed with it" {
	local repo=$WORK/repo before
	before=$(cat "$repo/public/dists/bookworm/InRelease")
	run keys "$repo" --key "$OLD" --keyring "$NEW"
	echo "$output"
	((status != 0)) || dt_fail "accepted a signing key the nodes would not have"
	[[ $output == *"signing key $OLD is not in the keyring package's keys"* ]] || dt_fail "no reason given"
	[[ $(cat "$repo/public/dists/bookworm/InRelease") == "$before" ]] || dt_fail "the Release files changed"
}

@test "key expiry: a warning when the signing key expires within FOLLOW_KEY_WARN_DAYS days, a refusal once it has expired" {
	local repo=$WORK/repo-expiry soon expired day
	soon=$(dt_gpg_key 'dnsmasq-tcpifidx test archive soon <soon@example.invalid>' 30d)
	day=$(gpg --batch --with-colons --list-keys "$soon" | awk -F: '$1 == "pub" { print $7; exit }')
	day=$(date -u -d "@$day" +%F)
	run keys "$repo" --key "$soon"
	echo "$output"
	((status == 0)) || dt_fail "a key that has not expired was refused"
	[[ $output == *"warning: key $soon expires on $day, in "[23][09]" days: extend it (gpg --quick-set-expire $soon 2y)"* ]] ||
		dt_fail "no warning for a key expiring in 30 days (default: 90)"
	FOLLOW_KEY_WARN_DAYS=20 run keys "$repo" --key "$soon"
	echo "$output"
	((status == 0))
	[[ $output != *warning* ]] || dt_fail "a warning with FOLLOW_KEY_WARN_DAYS=20"
	# Extended: the keyring package carries the new expiry to the nodes.
	gpg --batch --quiet --passphrase '' --quick-set-expire "$soon" 2y
	run keys "$repo" --key "$soon"
	echo "$output"
	((status == 0))
	[[ $output != *warning* ]] || dt_fail "still a warning after the key was extended"
	[[ $output == *"keyring: published $PACKAGE 2 ($soon) to every suite"* ]] || dt_fail "the extended key was not published"
	# A key that expired (made with a clock five years back).
	expired=$(dt_gpg_key 'dnsmasq-tcpifidx test archive expired <expired@example.invalid>' 1y \
		--faked-system-time "$(date -u -d '5 years ago' +%Y%m%dT%H%M%S)")
	run keys "$repo" --key "$expired"
	echo "$output"
	((status != 0)) || dt_fail "an expired key was accepted"
	[[ $output == *"error: key $expired expired on "* ]] || dt_fail "no error naming the expired key"
	[[ $output == *"nothing was published"* ]]
	[[ $(signers "$repo/public/dists/bookworm/InRelease" "$repo/public/$PACKAGE.gpg") == "$soon" ]] ||
		dt_fail "the repository is no longer signed by the valid key"
}
