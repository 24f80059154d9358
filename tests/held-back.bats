#!/usr/bin/env bats
#
# contrib/dnsmasq-tcpifidx-held-back: a node with our build installed and
# the pin (contrib/apt-preferences/) keeps Debian's newer upload from being
# installed; the check must then say so loudly (exit 1, HELD BACK,
# dnsmasq_tcpifidx_held_back 1 in its textfile metrics), and must not when
# Debian has nothing newer. dpkg-query and apt-cache are stand-ins printing
# what a node's would (apt-cache madison's format), so no package is
# installed and no root is needed.

# shellcheck disable=SC2016 # the stand-ins' shell code is literal

load lib/common

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
CHECK=$REPO/contrib/dnsmasq-tcpifidx-held-back

setup_file() {
	dt_setup_file
}

setup() {
	dt_setup
	DIR=$(dt_temp_dir held-back)
	mkdir -p "$DIR/bin" "$DIR/textfile"
	export DPKG_QUERY=$DIR/bin/dpkg-query APT_CACHE=$DIR/bin/apt-cache
}

# node INSTALLED VERSION...: the stand-ins: dnsmasq-base INSTALLED ('' for
# none), and the versions apt knows of it.

node() {
	local installed=$1 v
	shift
	{
		printf '#!/bin/sh\n'
		if [[ -n $installed ]]; then
			printf 'for a; do last=$a; done\n'
			printf '[ "$last" = dnsmasq-base ] && echo "installed %s" && exit 0\n' "$installed"
		fi
		printf 'echo "dpkg-query: no packages found matching $4" >&2; exit 1\n'
	} >"$DPKG_QUERY"
	{
		printf '#!/bin/sh\n[ "$1" = madison ] || exit 2\n'
		for v in "$@"; do
			printf 'echo "dnsmasq-base | %s | http://deb.example/debian bookworm-security/main amd64 Packages"\n' "$v"
		done
	} >"$APT_CACHE"
	chmod +x "$DPKG_QUERY" "$APT_CACHE"
}

check() {
	run "$CHECK" --textfile "$DIR/textfile/held-back.prom"
	printf '$ dnsmasq-tcpifidx-held-back   (exit %s)\n%s\n' "$status" "$output"
	[[ -f $DIR/textfile/held-back.prom ]] && cat "$DIR/textfile/held-back.prom"
}

metric() {
	grep -qx -- "$1" "$DIR/textfile/held-back.prom" || dt_fail "the metrics lack: $1"
}

@test "held back: Debian's security upload is newer than the installed fork: exit 1 and the metric says 1" {
	node 2.90-4~deb12u2+tcpifidx1 2.90-4~deb12u2 2.90-4~deb12u3 2.90-4~deb12u2+tcpifidx1
	check
	((status == 1)) || dt_fail "expected exit 1"
	[[ $output == "HELD BACK: Debian has dnsmasq-base 2.90-4~deb12u3, newer than the installed 2.90-4~deb12u2+tcpifidx1"* ]] ||
		dt_fail "no HELD BACK line"
	metric 'dnsmasq_tcpifidx_held_back 1'
	metric 'dnsmasq_tcpifidx_held_back_exit_status 1'
	metric 'dnsmasq_tcpifidx_installed_info{package="dnsmasq-base",version="2.90-4~deb12u2+tcpifidx1",debian_newest="2.90-4~deb12u3"} 1'
}

@test "not held back: the fork of Debian's newest is installed (our rebuild arrived): exit 0, metric 0" {
	node 2.90-4~deb12u3+tcpifidx1 2.90-4~deb12u2 2.90-4~deb12u3 2.90-4~deb12u3+tcpifidx1
	check
	((status == 0)) || dt_fail "expected exit 0"
	metric 'dnsmasq_tcpifidx_held_back 0'
}

@test "our own newer rebuild is not taken for Debian's: a +tcpifidx version never counts as Debian's newest" {
	node 2.90-4~deb12u2+tcpifidx1 2.90-4~deb12u2 2.90-4~deb12u2+tcpifidx2
	check
	((status == 0)) || dt_fail "expected exit 0: only ours is newer"
	metric 'dnsmasq_tcpifidx_installed_info{package="dnsmasq-base",version="2.90-4~deb12u2+tcpifidx1",debian_newest="2.90-4~deb12u2"} 1'
}

@test "cannot tell: Debian's own build installed, nothing installed, or apt knows no Debian version" {
	node 2.90-4~deb12u2 2.90-4~deb12u2
	check
	((status == 2)) || dt_fail "Debian's own build: expected exit 2"
	! grep -q '^dnsmasq_tcpifidx_held_back ' "$DIR/textfile/held-back.prom" || dt_fail "a held_back sample without a judgement"
	node '' 2.90-4~deb12u2
	check
	((status == 2)) || dt_fail "nothing installed: expected exit 2"
	node 2.90-4~deb12u2+tcpifidx1 2.90-4~deb12u2+tcpifidx1
	check
	((status == 2)) || dt_fail "no Debian version known: expected exit 2"
}

@test "a textfile that cannot be written is an error, not a silent pass" {
	node 2.90-4~deb12u2+tcpifidx1 2.90-4~deb12u3
	run "$CHECK" --textfile "$DIR/no-such-dir/held-back.prom"
	((status == 3)) || dt_fail "expected exit 3: $output"
	run "$CHECK" --textfile "$DIR/textfile/held-back.txt"
	((status == 3)) || dt_fail "a name not ending in .prom was accepted"
}
