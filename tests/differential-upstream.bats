#!/usr/bin/env bats
# shellcheck disable=SC2154 # variables exported by the topology
#
# Differential suite: what clients see when the upstream server fails: unreachable, silent.
# Each test runs one corpus row (tests/differential/corpus/<id>.row) on the
# unpatched build and on ours; tests/differential.bats says how, and
# tests/differential/intended.tsv what may differ.

load lib/common
load differential/lib

setup_file() {
	dt_setup_file
	diff_topology
}

@test "upstream without a route: same answers as stock" {
	diff_row upstream-unreachable
}

@test "upstream that drops every packet: same answers as stock" {
	diff_row upstream-timeout
}
