#!/usr/bin/env bats
#
# What a client sees when dnsmasq cannot reach the upstream server of a
# name: every reply UDP gives, TCP must give too.  A stock build with
# bug:tcp-upstream-eof (its versions: tests/bugs.tsv) answers such a UDP
# query REFUSED but closes the TCP connection without a reply ("end of
# file", the symptom CoreDNS reports).

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

# expect_refused_reply PROTO: the LAN client's query for small.example got
# a reply, status REFUSED (dnsprobe says exactly what happened instead).
# Over TCP, a connection closed after dnsmasq read the query is the bug's
# signature: the client sees "end of file".
expect_refused_reply() {
	local proto=$1
	q_probe "$LAN_NS" "$proto" "$NODE_IP4" "small.$ZONE"
	if [[ "$proto" == tcp && "$Q_OUTCOME" == closed && "$Q_HOW" == eof-after-query ]] &&
		dt_pid_alive "$DNSMASQ_PID"; then
		dt_xfail_signature bug:tcp-upstream-eof "TCP connection closed after the query, no reply (EOF)"
	fi
	[[ "$Q_OUTCOME" == answered && "$Q_RCODE" == REFUSED ]] ||
		dt_fail "$proto: expected a REFUSED reply, dnsprobe saw: $(head -n 1 <<<"$Q_OUT")"
}

# expect_alive: dnsmasq is still running after the queries.
expect_alive() {
	dt_pid_alive "$DNSMASQ_PID" || dt_fail "dnsmasq (pid $DNSMASQ_PID) is gone"
}

# check_both_refused: the same query over UDP and over TCP gets REFUSED.
check_both_refused() {
	local rc=0
	expect_refused_reply udp || rc=1
	expect_refused_reply tcp || rc=1
	dnsmasq_show_relevant "$LAN_NS"
	expect_alive || rc=1
	return "$rc"
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
	expect_refused_reply tcp
	dnsmasq_show_relevant "$LAN_NS"
	expect_alive
}

@test "reachable upstream: its names are answered over UDP and TCP" {
	topo_upstream
	knot_start
	dnsmasq_start forking
	check_cell "$LAN_NS" "$NODE_IP4" answered "small.$ZONE"
}
