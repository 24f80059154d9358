#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2034 # POD_<name>_* come from topo_pod; DNSMASQ_CONF/_DROPIN are read by dnsmasq_start
#
# dnsmasq as Debian's packaged service runs it: daemonized (the unit is
# Type=forking), with --local-service added by the init helper, the
# /etc/dnsmasq.conf file and the /etc/dnsmasq.d drop-in directory
# (here: temp files).  A node admin who writes interface= or
# listen-address= in that config turns --local-service off (it only acts
# when none of --interface, --except-interface, --listen-address or
# --auth-server is given).

load lib/common

setup_file() {
	dt_setup_cluster a
}

setup() {
	dt_setup
	DNSMASQ_CONF=
	DNSMASQ_DROPIN=
}

# A failed test: was the pod's TCP connection closed at accept (the bug's
# signature), or did it fail some other way?
teardown() {
	dt_diagnose_failed_test "$NODE_IP4" a
	dt_teardown
}

# Start dnsmasq the way the Debian unit does (config from DNSMASQ_CONF and
# DNSMASQ_DROPIN).
debian_service() {
	dnsmasq_start daemonized --local-service
}

@test "Debian service, unconfigured (--local-service only): pod behind cali refused over UDP and TCP alike (a pod /32 is never a local subnet)" {
	debian_service
	check_pod a refused
}

@test "Debian service, unconfigured (--local-service only): LAN client answered over UDP and TCP alike" {
	debian_service
	check_cell "$LAN_NS" "$NODE_IP4" answered
}

@test "Debian service with interface=eth0 in dnsmasq.conf: pod behind cali refused over UDP and TCP alike" {
	DNSMASQ_CONF='interface=eth0'
	debian_service
	check_pod a refused
}

@test "Debian service with interface=eth0 in dnsmasq.conf: LAN client and the node itself answered over UDP and TCP alike" {
	DNSMASQ_CONF='interface=eth0'
	debian_service
	check_cell "$LAN_NS" "$NODE_IP4" answered
	check_cell "$NODE_NS" 127.0.0.1 answered
}

# bats test_tags=bug:calico-tcp
@test "Debian service with listen-address=192.0.2.1 in dnsmasq.conf (--local-service off): pod behind cali answered over UDP and TCP alike" {
	DNSMASQ_CONF="listen-address=$NODE_IP4,127.0.0.1"
	debian_service
	check_pod a answered
}

# bats test_tags=bug:calico-tcp
@test "Debian service with listen-address=192.0.2.1 in dnsmasq.conf: pod's big answer resolves through the glibc resolver" {
	DNSMASQ_CONF="listen-address=$NODE_IP4,127.0.0.1"
	debian_service
	getent_ahosts "$POD_a_NS" "big.$ZONE" \
		"$(printf 'nameserver %s\noptions timeout:%s attempts:1' \
			"$NODE_IP4" "$DT_UDP_TIMEOUT")"
	dnsmasq_show_relevant "$POD_a_NS"
	[[ "$Q_ADDRESSES" == "$BIG_COUNT" ]] ||
		dt_fail "getent printed $Q_ADDRESSES addresses, expected $BIG_COUNT (exit $Q_RC)"
}

# bats test_tags=bug:bind-dynamic-parity
@test "Debian service with bind-dynamic and except-interface=cali* in dnsmasq.d: pod behind cali refused over UDP and TCP alike" {
	DNSMASQ_DROPIN=$'bind-dynamic\nexcept-interface=cali*'
	debian_service
	check_pod a refused
}

@test "Debian service with bind-dynamic and except-interface=cali* in dnsmasq.d: LAN client answered over UDP and TCP alike" {
	DNSMASQ_DROPIN=$'bind-dynamic\nexcept-interface=cali*'
	debian_service
	check_cell "$LAN_NS" "$NODE_IP4" answered
}

# bats test_tags=bug:bind-dynamic-parity
@test "Debian service with bind-dynamic and interface=eth0 in dnsmasq.conf: pod behind cali refused over UDP and TCP alike" {
	DNSMASQ_CONF=$'bind-dynamic\ninterface=eth0'
	debian_service
	check_pod a refused
}

# bats test_tags=bug:calico-tcp
@test "Debian service with bind-dynamic and listen-address=192.0.2.1 in dnsmasq.conf: pod behind cali answered over UDP and TCP alike" {
	DNSMASQ_CONF=$'bind-dynamic\nlisten-address=192.0.2.1,127.0.0.1'
	debian_service
	check_pod a answered
}
