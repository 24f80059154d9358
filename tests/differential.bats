#!/usr/bin/env bats
# shellcheck disable=SC2154 # variables exported by the topology
#
# The differential suite: for each configuration people run (one row in
# tests/differential/corpus/), the unpatched build of this base
# ($DNSMASQ_STOCK) and ours ($DNSMASQ) run one after the other on the same
# topology with the same queries; every outcome must be the same, or be
# listed in tests/differential/intended.tsv.  DT_DIFF_CORPUS=quick (the
# default) runs the rows tagged "quick"; DT_DIFF_CORPUS=full runs all.

load lib/common
load differential/lib

setup_file() {
	dt_setup_file
	diff_topology
}

@test "libvirt NAT network (daemonized, bind-dynamic on virbr0, DHCP, RA): same answers as stock, before and after interface changes" {
	diff_row libvirt-nat
}
