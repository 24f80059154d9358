#!/usr/bin/env bats
# shellcheck disable=SC2154 # POD_<name>_* are exported by topo_pod
#
# Controls: clients that are not behind a cali interface.  These pass on
# every build; if one fails, the topology or the test is broken, not the
# dnsmasq access decision under test.  Also the IPv6 pod: its cali has an
# IPv6 (link-local) address, so even stock 2.90 accepts its TCP.

load lib/common

setup_file() {
	dt_setup_cluster a
}

# --- An ordinary client on the LAN behind eth0 (192.0.2.10) --------------

@test "LAN client on eth0: answered over UDP and TCP alike (wildcard, forking)" {
	dnsmasq_start forking
	check_cell "$LAN_NS" "$NODE_IP4" answered
}

@test "LAN client on eth0: answered over UDP and TCP alike (--interface=eth0, no-daemon)" {
	dnsmasq_start no-daemon --interface=eth0
	check_cell "$LAN_NS" "$NODE_IP4" answered
}

@test "LAN client on eth0: answered over UDP and TCP alike (--except-interface=cali*, forking)" {
	dnsmasq_start forking --except-interface='cali*'
	check_cell "$LAN_NS" "$NODE_IP4" answered
}

@test "LAN client on eth0: answered over UDP and TCP alike (--local-service: 192.0.2.0/24 is a local subnet, forking)" {
	dnsmasq_start forking --local-service
	check_cell "$LAN_NS" "$NODE_IP4" answered
}

@test "LAN client on eth0: answered over UDP and TCP alike (--bind-dynamic --interface=eth0, forking)" {
	dnsmasq_start forking --bind-dynamic --interface=eth0
	check_cell "$LAN_NS" "$NODE_IP4" answered
}

@test "LAN client on eth0: answered over UDP and TCP alike (--listen-address=192.0.2.1, forking)" {
	dnsmasq_start forking --listen-address="$NODE_IP4"
	check_cell "$LAN_NS" "$NODE_IP4" answered
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

# --- The node itself (loopback and its own address) -----------------------

@test "node itself via 127.0.0.1: answered over UDP and TCP alike (wildcard, forking)" {
	dnsmasq_start forking
	check_cell "$NODE_NS" 127.0.0.1 answered
}

@test "node itself via 127.0.0.1: answered over UDP and TCP alike (--interface=eth0 adds lo, forking)" {
	dnsmasq_start forking --interface=eth0
	check_cell "$NODE_NS" 127.0.0.1 answered
}

@test "node itself via 127.0.0.1: refused over UDP and TCP alike (--listen-address=192.0.2.1 does not add lo, forking)" {
	dnsmasq_start forking --listen-address="$NODE_IP4"
	check_cell "$NODE_NS" 127.0.0.1 refused
}

@test "node itself via 127.0.0.1: answered over UDP and TCP alike (--bind-dynamic --except-interface=cali*, no-daemon)" {
	dnsmasq_start no-daemon --bind-dynamic --except-interface='cali*'
	check_cell "$NODE_NS" 127.0.0.1 answered
}

@test "node itself via 192.0.2.1: answered over UDP and TCP alike (wildcard, forking)" {
	dnsmasq_start forking
	check_cell "$NODE_NS" "$NODE_IP4" answered
}

@test "node itself via 192.0.2.1: answered over UDP and TCP alike (--interface=eth0, forking)" {
	dnsmasq_start forking --interface=eth0
	check_cell "$NODE_NS" "$NODE_IP4" answered
}

@test "node itself via 192.0.2.1: answered over UDP and TCP alike (--listen-address=192.0.2.1, no-daemon)" {
	dnsmasq_start no-daemon --listen-address="$NODE_IP4"
	check_cell "$NODE_NS" "$NODE_IP4" answered
}

@test "node itself via 192.0.2.1: answered over UDP and TCP alike (--bind-dynamic --except-interface=cali*, forking)" {
	dnsmasq_start forking --bind-dynamic --except-interface='cali*'
	check_cell "$NODE_NS" "$NODE_IP4" answered
}

# --- IPv6 pod: the cali has fe80::, so it is known as an IPv6 interface ----

@test "IPv6 pod behind cali (fe80:: only): big answer resolves after TCP fallback (wildcard, forking)" {
	dnsmasq_start forking
	dig_auto "$POD_a_NS" "$NODE_IP6" "big.$ZONE" +noedns
	dnsmasq_show_relevant "$POD_a_NS"
	expect_no_tcp_failure
	expect_answers "$BIG_COUNT"
}

# The IPv6 pod's access decisions (answered/refused per mode) are cells of
# the listen-mode matrix: tests/matrix/listen-modes.tsv.
