#!/usr/bin/env bats
# shellcheck disable=SC2154 # POD_<name>_* are exported by topo_pod
#
# What a pod sees when an answer is too big for UDP.
#
# A Calico pod asks the node's dnsmasq (192.0.2.1) for a name whose answer
# does not fit in 512 bytes.  dnsmasq answers over UDP with the TC bit; the
# client retries over TCP.  A stock build with bug:calico-tcp (its versions:
# tests/bugs.tsv) accepts that TCP connection and closes it at once,
# because the pod's host-side interface (cali...) has no IPv4 address.
# dnsmasq runs with no listening options (wildcard mode) unless a test says
# otherwise.  Also the controls: the LAN client and the IPv6 pod (its cali
# has an IPv6 link-local address, so every build accepts its TCP).

load lib/common

# A failed test: did the pods' TCP connections get closed at accept (the
# bug's signature), or did it fail some other way?
teardown() {
	dt_diagnose_failed_test "$NODE_IP4" a b
	dt_teardown
}

setup_file() {
	# a: its cali has fe80:: only; b: its cali has no address at all
	dt_setup_cluster a b
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali (no IPv4): big answer resolves after TCP fallback (wildcard, forking)" {
	dnsmasq_start forking
	dig_auto "$POD_a_NS" "$NODE_IP4" "big.$ZONE" +noedns
	dnsmasq_show_relevant "$POD_a_NS"
	expect_no_tcp_failure
	expect_answers "$BIG_COUNT"
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali (no IPv4): big answer resolves after TCP fallback (wildcard, no-daemon)" {
	dnsmasq_start no-daemon
	dig_auto "$POD_a_NS" "$NODE_IP4" "big.$ZONE" +noedns
	dnsmasq_show_relevant "$POD_a_NS"
	expect_no_tcp_failure
	expect_answers "$BIG_COUNT"
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali with IPv6 disabled (no address at all): big answer resolves after TCP fallback (wildcard, forking)" {
	dnsmasq_start forking
	dig_auto "$POD_b_NS" "$NODE_IP4" "big.$ZONE" +noedns
	dnsmasq_show_relevant "$POD_b_NS"
	expect_no_tcp_failure
	expect_answers "$BIG_COUNT"
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali: kdig gets the big answer after its TCP fallback (wildcard, forking)" {
	dnsmasq_start forking
	kdig_auto "$POD_a_NS" "$NODE_IP4" "big.$ZONE"
	dnsmasq_show_relevant "$POD_a_NS"
	expect_answers "$BIG_COUNT"
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali: glibc resolver (getent ahostsv4) returns all addresses of a big name (wildcard, forking)" {
	dnsmasq_start forking
	getent_ahosts "$POD_a_NS" "big.$ZONE" \
		"$(printf 'nameserver %s\noptions timeout:%s attempts:1' \
			"$NODE_IP4" "$DT_UDP_TIMEOUT")"
	dnsmasq_show_relevant "$POD_a_NS"
	[[ "$Q_RC" == 0 ]] || dt_fail "getent exited $Q_RC (2: name not found)"
	[[ "$Q_ADDRESSES" == "$BIG_COUNT" ]] ||
		dt_fail "getent printed $Q_ADDRESSES addresses, expected $BIG_COUNT"
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali: CoreDNS-like forwarder (dnsdist) in the pod resolves a big name over TCP (wildcard, forking)" {
	dnsmasq_start forking
	dnsdist_start a
	# The client asks dnsdist (UDP, gets TC, retries TCP); dnsdist relays
	# the TCP query to dnsmasq over TCP, from the pod, through the cali.
	dig_auto "$POD_a_NS" 127.0.0.1 "big.$ZONE" +noedns
	dnsmasq_show_relevant "$POD_a_NS"
	expect_no_tcp_failure
	expect_answers "$BIG_COUNT"
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali: answer too big even with EDNS0 (bufsize 1232) resolves over TCP (wildcard, forking)" {
	dnsmasq_start forking
	dig_auto "$POD_a_NS" "$NODE_IP4" "huge.$ZONE" +bufsize=1232
	dnsmasq_show_relevant "$POD_a_NS"
	expect_no_tcp_failure
	expect_answers "$HUGE_COUNT"
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali: ten TCP queries in a row all answered, one child each (wildcard, forking)" {
	local n ok=0 children
	dnsmasq_start forking
	for ((n = 0; n < 10; n++)); do
		dig_tcp "$POD_a_NS" "$NODE_IP4" "big.$ZONE"
		[[ "$Q_DECISION" == answered && "$Q_ANSWERS" == "$BIG_COUNT" ]] &&
			ok=$((ok + 1))
	done
	dnsmasq_show_relevant "$POD_a_NS"
	[[ "$ok" == 10 ]] || dt_fail "only $ok of 10 TCP queries were answered"
	# Each query was logged by its own child process, not the main one.
	children=$(grep -F "query[A] big.$ZONE from $POD_a_IP4" "$DNSMASQ_LOG" |
		sed -nE 's/.*dnsmasq\[([0-9]+)\].*/\1/p' | grep -vx "$DNSMASQ_PID" |
		sort -u | wc -l)
	[[ "$children" == 10 ]] || dt_fail "expected 10 TCP children, log shows $children"
}

@test "pod behind cali: small answer over UDP works (wildcard, forking)" {
	dnsmasq_start forking
	dig_udp "$POD_a_NS" "$NODE_IP4" "small.$ZONE"
	dnsmasq_show_relevant "$POD_a_NS"
	expect_answers 1
}

@test "pod behind cali: big answer over UDP comes back truncated (TC), not dropped (wildcard, forking)" {
	dnsmasq_start forking
	dig_udp "$POD_a_NS" "$NODE_IP4" "big.$ZONE"
	dnsmasq_show_relevant "$POD_a_NS"
	expect_decision "UDP big answer" answered
	grep -qE 'flags:[a-z ]* tc' <<<"$Q_OUT" || dt_fail "no TC bit in the UDP reply"
}

# bats test_tags=bug:calico-tcp
@test "Debian service with listen-address=192.0.2.1 in dnsmasq.conf: pod's big answer resolves through the glibc resolver" {
	dnsmasq_start --conf "listen-address=$NODE_IP4,127.0.0.1" daemonized --local-service
	getent_ahosts "$POD_a_NS" "big.$ZONE" \
		"$(printf 'nameserver %s\noptions timeout:%s attempts:1' \
			"$NODE_IP4" "$DT_UDP_TIMEOUT")"
	dnsmasq_show_relevant "$POD_a_NS"
	[[ "$Q_ADDRESSES" == "$BIG_COUNT" ]] ||
		dt_fail "getent printed $Q_ADDRESSES addresses, expected $BIG_COUNT (exit $Q_RC)"
}

@test "LAN client on eth0: big answer resolves after TCP fallback, IPv6 transport (wildcard, forking)" {
	dnsmasq_start forking
	dig_auto "$LAN_NS" "$NODE_IP6" "big.$ZONE" +noedns
	dnsmasq_show_relevant "$LAN_NS"
	expect_answers "$BIG_COUNT"
}

@test "LAN client on eth0: AAAA answer too big for UDP resolves after TCP fallback (wildcard, forking)" {
	dnsmasq_start forking
	q_run "$LAN_NS" dig @"$NODE_IP4" "big6.$ZONE" AAAA +noedns \
		+timeout="$DT_UDP_TIMEOUT" +tries=1
	q_classify
	dnsmasq_show_relevant "$LAN_NS"
	expect_answers "$BIG6_COUNT"
}

@test "IPv6 pod behind cali (fe80:: only): big answer resolves after TCP fallback (wildcard, forking)" {
	dnsmasq_start forking
	dig_auto "$POD_a_NS" "$NODE_IP6" "big.$ZONE" +noedns
	dnsmasq_show_relevant "$POD_a_NS"
	expect_no_tcp_failure
	expect_answers "$BIG_COUNT"
}
