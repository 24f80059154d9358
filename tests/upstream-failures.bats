#!/usr/bin/env bats
#
# What a client sees when dnsmasq cannot reach the upstream server of a
# name: every reply UDP gives, TCP must give too.  Stock 2.90 and 2.91
# answer such a UDP query REFUSED but close the TCP connection without a
# reply ("end of file", the symptom CoreDNS reports); 2.93 answers REFUSED
# over TCP as well.

load lib/common

# The node and its LAN only: no uplink, so the upstream server dnsmasq is
# given ($UPSTREAM_IP4) has no route, and sending to it fails at once
# (ENETUNREACH), as for `--no-resolv --server=203.0.113.99` on a host
# without a default route.  Tests that need the uplink add it.
setup_file() {
	dt_setup_file
	topo_node
	topo_lan
}

# expect_rcode WHAT RCODE: the client got a reply with this status.
expect_rcode() {
	grep -qE "status: $2" <<<"$Q_OUT" ||
		dt_fail "$1: expected a $2 reply, client saw: $Q_DECISION"
}

# check_both_refused: the same query over UDP and over TCP gets REFUSED.
check_both_refused() {
	dig_udp "$LAN_NS" "$NODE_IP4" "small.$ZONE"
	expect_rcode UDP REFUSED
	dig_tcp "$LAN_NS" "$NODE_IP4" "small.$ZONE"
	dnsmasq_show_relevant "$LAN_NS"
	expect_no_tcp_failure
	expect_rcode TCP REFUSED
}

# bats test_tags=bug:tcp-upstream-eof
@test "upstream with no route: UDP and TCP both answer REFUSED (forking)" {
	dnsmasq_start forking
	check_both_refused
}

# bats test_tags=bug:tcp-upstream-eof
@test "upstream with no route: UDP and TCP both answer REFUSED (no-daemon)" {
	dnsmasq_start no-daemon
	check_both_refused
}

# The uplink is there but nothing listens on the upstream server's port:
# TCP connections to it are reset.
# bats test_tags=bug:tcp-upstream-eof
@test "upstream refusing connections: TCP answers REFUSED, not end of file (forking)" {
	topo_upstream
	dnsmasq_start forking
	dig_tcp "$LAN_NS" "$NODE_IP4" "small.$ZONE"
	dnsmasq_show_relevant "$LAN_NS"
	expect_no_tcp_failure
	expect_rcode TCP REFUSED
}

@test "reachable upstream: its names are answered over UDP and TCP" {
	topo_upstream
	knot_start
	dnsmasq_start forking
	dig_udp "$LAN_NS" "$NODE_IP4" "small.$ZONE"
	expect_decision UDP answered
	dig_tcp "$LAN_NS" "$NODE_IP4" "small.$ZONE"
	expect_decision TCP answered
}
