#!/usr/bin/env bats
# shellcheck disable=SC2154 # variables exported by the topology
#
# Differential suite: what a Kubernetes node sees: Calico pods, a node-local cache, filters on cali*.
# Each test runs one corpus row (tests/differential/corpus/<id>.row) on the
# unpatched build and on ours; tests/differential.bats says how, and
# tests/differential/intended.tsv what may differ.

load lib/common
load differential/lib

setup_file() {
	dt_setup_file
	diff_topology
}

@test "node-local cache on 169.254.20.10: same answers as stock, after a netlink overflow too" {
	diff_row nodelocal
}

@test "Calico node, wildcard socket: same answers as stock, except the pod's TCP (the bug)" {
	diff_row calico-wildcard
}

@test "--except-interface=cali*: same answers as stock" {
	diff_row except-cali
}

@test "--bind-dynamic --except-interface=cali*: same answers as stock, except 2.93's TCP/UDP parity" {
	diff_row except-cali-bind-dynamic
}

@test "--interface=cali* --interface=lo as an allow-list: same answers as stock" {
	diff_row allow-cali
}

@test "--local-service --no-daemon: same answers as stock, except the intended TCP refusal" {
	diff_row local-service-nodaemon
}

@test "--bind-interfaces with an interface filter: same answers as stock, except IPv6 TCP parity" {
	diff_row bind-interfaces-filter
}
