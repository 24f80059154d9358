#!/usr/bin/env bats
# shellcheck disable=SC2154 # POD_<name>_* are exported by topo_pod
#
# PROPOSED, not run by default (tests/run only globs tests/*.bats):
#   tests/run proposed/ipv6-bind-interfaces
#
# An IPv6 pod asks the node's eth0 address 2001:db8:1::1 while dnsmasq runs
# with --bind-interfaces and an interface filter that excludes the pod's
# cali.  Every stock build (2.90, 2.91, 2.93) drops the UDP query but
# answers the same query over TCP; the patched build refuses both.  So
# these fail on every stock build, which neither bug:calico-tcp (passes on
# 2.93) nor bug:bind-dynamic-parity (passes on 2.90) describes.  Move this
# file into tests/ once CI's --expect-failures lists for both stock runs
# include its tag.
#
# (Over IPv4 the same modes answer the pod on UDP and TCP alike: the socket
# bound to 192.0.2.1 takes what arrives for that address; see
# listen-modes.bats.)

load ../lib/common

setup_file() {
	dt_setup_file
	topo_cluster
	topo_pod a 198.51.100.10 2001:db8:2::10
	knot_start
}

teardown_file() {
	dt_teardown_file
}

setup() {
	dt_setup
}

teardown() {
	dt_teardown
}

# bats test_tags=bug:ipv6-bind-interfaces-parity
@test "IPv6 pod behind cali (fe80:: only): refused over UDP and TCP alike (--bind-interfaces --interface=eth0, forking)" {
	dnsmasq_start forking --bind-interfaces --interface=eth0
	check_pod a refused v6
}

# bats test_tags=bug:ipv6-bind-interfaces-parity
@test "IPv6 pod behind cali (fe80:: only): refused over UDP and TCP alike (--bind-interfaces --except-interface=<its cali>, no-daemon)" {
	dnsmasq_start no-daemon --bind-interfaces --except-interface="$POD_a_CALI"
	check_pod a refused v6
}
