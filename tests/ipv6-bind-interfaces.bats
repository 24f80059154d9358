#!/usr/bin/env bats
# shellcheck disable=SC2154 # POD_<name>_* are exported by topo_pod
#
# An IPv6 pod asks the node's eth0 address 2001:db8:1::1 while dnsmasq runs
# with --bind-interfaces and an interface filter that excludes the pod's
# cali.  A stock build drops the UDP query but answers the same query over
# TCP: for IPv6, receive_query() checks the arrival interface even with
# --bind-interfaces, do_tcp_connection() does not.  The patched build
# applies UDP's check to TCP and refuses both.  Tag
# bug:ipv6-bind-interfaces-parity (the stock versions that fail it:
# tests/bugs.tsv).
#
# (Over IPv4 the same modes answer the pod on UDP and TCP alike: the socket
# bound to 192.0.2.1 takes what arrives for that address; see
# listen-modes.bats.)

load lib/common

setup_file() {
	dt_setup_cluster a
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

# The control: the same pod, the same address, --bind-interfaces without a
# filter: answered by every build, so the refusals above are decisions and
# not a broken IPv6 route.
@test "IPv6 pod behind cali (fe80:: only): answered over UDP and TCP alike (--bind-interfaces, forking)" {
	dnsmasq_start forking --bind-interfaces
	check_pod a answered v6
}
