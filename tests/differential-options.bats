#!/usr/bin/env bats
# shellcheck disable=SC2154 # variables exported by the topology
#
# Differential suite: The options our patches touch: names and zones from interface addresses, per-interface servers.
# Each test runs one corpus row (tests/differential/corpus/<id>.row) on the
# unpatched build and on ours; tests/differential.bats says how, and
# tests/differential/intended.tsv what may differ.

load lib/common
load differential/lib

setup_file() {
	dt_setup_file
	diff_topology
}

@test "--interface-name under --bind-dynamic: same answers as stock, after a link change too" {
	diff_row interface-name
}

@test "--interface-name with the wildcard socket (--no-daemon): same answers as stock, after a link change and a rename" {
	diff_row interface-name-wildcard
}

@test "auth zone by interface (--auth-server, --auth-zone, --bind-dynamic): same answers as stock" {
	diff_row auth-zone
}

@test "--localise-queries: every client gets the same address as from stock" {
	diff_row localise
}

@test "server=/domain/addr@interface: same answers as stock" {
	diff_row server-iface
}
