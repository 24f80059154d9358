#!/usr/bin/env bats
# shellcheck disable=SC2154 # variables exported by the topology
#
# Differential suite: what a desktop or server host sees: NetworkManager, Debian's service, a Pi-hole-like resolver.
# Each test runs one corpus row (tests/differential/corpus/<id>.row) on the
# unpatched build and on ours; tests/differential.bats says how, and
# tests/differential/intended.tsv what may differ.

load lib/common
load differential/lib

setup_file() {
	dt_setup_file
	diff_topology
}

@test "NetworkManager shared connection (bind-interfaces, listen-address, DHCP): same answers and lease as stock" {
	diff_row nm-shared
}

@test "NetworkManager dns=dnsmasq plugin (127.0.0.1 only): same answers as stock" {
	diff_row nm-dns-plugin
}

@test "Debian's service defaults (daemonized, --local-service): same answers as stock, after interface changes too" {
	diff_row debian-default
}

@test "Pi-hole-like resolver (blocking, localise-queries, local-service): same answers as stock" {
	diff_row pihole
}
