#!/usr/bin/env bats
# shellcheck disable=SC2154 # POD_<name>_* are exported by topo_pod
#
# Who gets an answer: the listening-mode matrix.
#
# One cell per test: a Calico pod asks the node address 192.0.2.1 for
# big.example once over UDP (no EDNS0; a TC reply counts as answered) and
# once over TCP.  Each cell asserts the decision from the table in
# tests/README.md, and that UDP and TCP made the same decision.
#
# Pod "a": cali has only an IPv6 link-local address (Calico's default).
# Pod "b": IPv6 disabled on its cali, so the cali has no address at all.

load lib/common

setup_file() {
	dt_setup_cluster a b
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali (no IPv4): answered over UDP and TCP alike (wildcard, forking)" {
	dnsmasq_start forking
	check_pod a answered
}

@test "pod behind cali (no IPv4): answered over UDP and TCP alike (--bind-interfaces, forking)" {
	dnsmasq_start forking --bind-interfaces
	check_pod a answered
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali (no IPv4): answered over UDP and TCP alike (--bind-dynamic, forking)" {
	dnsmasq_start forking --bind-dynamic
	check_pod a answered
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali (no IPv4): answered over UDP and TCP alike (--listen-address=192.0.2.1, forking)" {
	dnsmasq_start forking --listen-address="$NODE_IP4"
	check_pod a answered
}

@test "pod behind cali (no IPv4): refused over UDP and TCP alike (--except-interface=<its cali>, forking)" {
	dnsmasq_start forking --except-interface="$POD_a_CALI"
	check_pod a refused
}

@test "pod behind cali (no IPv4): refused over UDP and TCP alike (--except-interface=cali*, forking)" {
	dnsmasq_start forking --except-interface='cali*'
	check_pod a refused
}

@test "pod behind cali (no IPv4): refused over UDP and TCP alike (--interface=eth0, forking)" {
	dnsmasq_start forking --interface=eth0
	check_pod a refused
}

@test "pod behind cali (no IPv4): refused over UDP and TCP alike (--local-service, forking)" {
	dnsmasq_start forking --local-service
	check_pod a refused
}

# bats test_tags=bug:bind-dynamic-parity
@test "pod behind cali (no IPv4): refused over UDP and TCP alike (--bind-dynamic --except-interface=<its cali>, forking)" {
	dnsmasq_start forking --bind-dynamic --except-interface="$POD_a_CALI"
	check_pod a refused
}

# bats test_tags=bug:bind-dynamic-parity
@test "pod behind cali (no IPv4): refused over UDP and TCP alike (--bind-dynamic --except-interface=cali*, forking)" {
	dnsmasq_start forking --bind-dynamic --except-interface='cali*'
	check_pod a refused
}

# bats test_tags=bug:bind-dynamic-parity
@test "pod behind cali (no IPv4): refused over UDP and TCP alike (--bind-dynamic --interface=eth0, forking)" {
	dnsmasq_start forking --bind-dynamic --interface=eth0
	check_pod a refused
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali (no IPv4): answered over UDP and TCP alike (--bind-dynamic --listen-address=192.0.2.1, forking)" {
	dnsmasq_start forking --bind-dynamic --listen-address="$NODE_IP4"
	check_pod a answered
}

@test "pod behind cali (no IPv4): refused over UDP and TCP alike (--bind-dynamic --local-service, forking)" {
	dnsmasq_start forking --bind-dynamic --local-service
	check_pod a refused
}

@test "pod behind cali (no IPv4): answered over UDP and TCP alike (--bind-interfaces --interface=eth0, forking)" {
	dnsmasq_start forking --bind-interfaces --interface=eth0
	check_pod a answered
}

@test "pod behind cali (no IPv4): answered over UDP and TCP alike (--bind-interfaces --except-interface=<its cali>, forking)" {
	dnsmasq_start forking --bind-interfaces --except-interface="$POD_a_CALI"
	check_pod a answered
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali (no IPv4): answered over UDP and TCP alike (wildcard, no-daemon)" {
	dnsmasq_start no-daemon
	check_pod a answered
}

@test "pod behind cali (no IPv4): answered over UDP and TCP alike (--bind-interfaces, no-daemon)" {
	dnsmasq_start no-daemon --bind-interfaces
	check_pod a answered
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali (no IPv4): answered over UDP and TCP alike (--bind-dynamic, no-daemon)" {
	dnsmasq_start no-daemon --bind-dynamic
	check_pod a answered
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali (no IPv4): answered over UDP and TCP alike (--listen-address=192.0.2.1, no-daemon)" {
	dnsmasq_start no-daemon --listen-address="$NODE_IP4"
	check_pod a answered
}

@test "pod behind cali (no IPv4): refused over UDP and TCP alike (--except-interface=<its cali>, no-daemon)" {
	dnsmasq_start no-daemon --except-interface="$POD_a_CALI"
	check_pod a refused
}

@test "pod behind cali (no IPv4): refused over UDP and TCP alike (--except-interface=cali*, no-daemon)" {
	dnsmasq_start no-daemon --except-interface='cali*'
	check_pod a refused
}

@test "pod behind cali (no IPv4): refused over UDP and TCP alike (--interface=eth0, no-daemon)" {
	dnsmasq_start no-daemon --interface=eth0
	check_pod a refused
}

@test "pod behind cali (no IPv4): refused over UDP and TCP alike (--local-service, no-daemon)" {
	dnsmasq_start no-daemon --local-service
	check_pod a refused
}

# bats test_tags=bug:bind-dynamic-parity
@test "pod behind cali (no IPv4): refused over UDP and TCP alike (--bind-dynamic --except-interface=<its cali>, no-daemon)" {
	dnsmasq_start no-daemon --bind-dynamic --except-interface="$POD_a_CALI"
	check_pod a refused
}

# bats test_tags=bug:bind-dynamic-parity
@test "pod behind cali (no IPv4): refused over UDP and TCP alike (--bind-dynamic --except-interface=cali*, no-daemon)" {
	dnsmasq_start no-daemon --bind-dynamic --except-interface='cali*'
	check_pod a refused
}

# bats test_tags=bug:bind-dynamic-parity
@test "pod behind cali (no IPv4): refused over UDP and TCP alike (--bind-dynamic --interface=eth0, no-daemon)" {
	dnsmasq_start no-daemon --bind-dynamic --interface=eth0
	check_pod a refused
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali (no IPv4): answered over UDP and TCP alike (--bind-dynamic --listen-address=192.0.2.1, no-daemon)" {
	dnsmasq_start no-daemon --bind-dynamic --listen-address="$NODE_IP4"
	check_pod a answered
}

@test "pod behind cali (no IPv4): refused over UDP and TCP alike (--bind-dynamic --local-service, no-daemon)" {
	dnsmasq_start no-daemon --bind-dynamic --local-service
	check_pod a refused
}

@test "pod behind cali (no IPv4): answered over UDP and TCP alike (--bind-interfaces --interface=eth0, no-daemon)" {
	dnsmasq_start no-daemon --bind-interfaces --interface=eth0
	check_pod a answered
}

@test "pod behind cali (no IPv4): answered over UDP and TCP alike (--bind-interfaces --except-interface=<its cali>, no-daemon)" {
	dnsmasq_start no-daemon --bind-interfaces --except-interface="$POD_a_CALI"
	check_pod a answered
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali with IPv6 disabled (no address at all): answered over UDP and TCP alike (wildcard, forking)" {
	dnsmasq_start forking
	check_pod b answered
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali with IPv6 disabled (no address at all): answered over UDP and TCP alike (--bind-dynamic, forking)" {
	dnsmasq_start forking --bind-dynamic
	check_pod b answered
}

# bats test_tags=bug:calico-tcp
@test "pod behind cali with IPv6 disabled (no address at all): answered over UDP and TCP alike (--listen-address=192.0.2.1, forking)" {
	dnsmasq_start forking --listen-address="$NODE_IP4"
	check_pod b answered
}

@test "pod behind cali with IPv6 disabled (no address at all): refused over UDP and TCP alike (--except-interface=cali*, forking)" {
	dnsmasq_start forking --except-interface='cali*'
	check_pod b refused
}

@test "pod behind cali with IPv6 disabled (no address at all): refused over UDP and TCP alike (--interface=eth0, forking)" {
	dnsmasq_start forking --interface=eth0
	check_pod b refused
}

# bats test_tags=bug:bind-dynamic-parity
@test "pod behind cali with IPv6 disabled (no address at all): refused over UDP and TCP alike (--bind-dynamic --except-interface=cali*, forking)" {
	dnsmasq_start forking --bind-dynamic --except-interface='cali*'
	check_pod b refused
}

# bats test_tags=bug:bind-dynamic-parity
@test "pod behind cali with IPv6 disabled (no address at all): refused over UDP and TCP alike (--bind-dynamic --interface=eth0, forking)" {
	dnsmasq_start forking --bind-dynamic --interface=eth0
	check_pod b refused
}
