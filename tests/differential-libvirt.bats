#!/usr/bin/env bats
# shellcheck disable=SC2154 # variables exported by the topology
#
# Differential suite: what libvirt's virtual networks see (its generated dnsmasq configurations).
# Each test runs one corpus row (tests/differential/corpus/<id>.row) on the
# unpatched build and on ours; tests/differential.bats says how, and
# tests/differential/intended.tsv what may differ.

load lib/common
load differential/lib

setup_file() {
	dt_setup_file
	diff_topology
}

@test "libvirt NAT network (daemonized, bind-dynamic on virbr0, DHCP, RA): same answers as stock, before and after interface changes" {
	diff_row libvirt-nat
}

@test "libvirt isolated network (bind-interfaces, listen-address, local=//): same answers and lease as stock" {
	diff_row libvirt-isolated
}

@test "libvirt routed network with DHCPv6 and RA: same answers, lease and advertisement as stock" {
	diff_row libvirt-routed
}
