#!/usr/bin/env bats
# shellcheck disable=SC2154 # POD_<name>_* are exported by topo_pod
#
# Pods come and go while dnsmasq keeps running: a pod created after
# dnsmasq started, a pod deleted and recreated under the same cali name
# (the interface index changes), and two pods of which one is excluded.
# Each cell asserts the expected decision and that UDP and TCP agree.

load lib/common

setup_file() {
	dt_setup_cluster
}

# wait_listening POD: under --bind-dynamic, dnsmasq has seen the new cali
# (it logs "listening on <cali>(#index)") before the cell is checked.
wait_listening() {
	local cali
	cali=$(topo_pod_var "$1" CALI)
	dt_wait_until "$DT_WAIT_TIMEOUT" grep -q "listening on $cali(" "$DNSMASQ_LOG" ||
		dt_fail "dnsmasq did not start listening on $cali"
}

# wait_listening_again POD: the same, for a cali recreated under its old
# name: a second "listening on" line for it.
wait_listening_again() {
	local cali
	cali=$(topo_pod_var "$1" CALI)
	dt_wait_until "$DT_WAIT_TIMEOUT" listening_lines_at_least "$cali" 2 ||
		dt_fail "dnsmasq did not listen on the recreated $cali"
}

listening_lines_at_least() {
	(($(grep -c "listening on $1(" "$DNSMASQ_LOG" || true) >= $2))
}

# recreate_pod NAME: delete the pod and create it again with the same cali
# name and addresses; fails unless the cali's ifindex changed.
recreate_pod() {
	local name=$1 cali ip4 ip6 old new
	cali=$(topo_pod_var "$name" CALI)
	ip4=$(topo_pod_var "$name" IP4)
	ip6=$(topo_pod_var "$name" IP6)
	old=$(dt_ifindex "$NODE_NS" "$cali")
	topo_pod_delete "$name"
	topo_pod "$name" "$ip4" "${ip6:--}" "$cali"
	new=$(dt_ifindex "$NODE_NS" "$cali")
	printf 'recreated %s: ifindex %s -> %s\n' "$cali" "$old" "$new"
	[[ "$old" != "$new" ]] || dt_fail "ifindex of $cali did not change"
}

# bats test_tags=bug:calico-tcp
@test "pod created after dnsmasq started: answered over UDP and TCP alike (wildcard, forking)" {
	dnsmasq_start forking
	topo_pod new 198.51.100.20 2001:db8:2::20
	check_pod new answered
}

# bats test_tags=bug:calico-tcp
@test "pod created after dnsmasq started: answered over UDP and TCP alike (--bind-dynamic, forking)" {
	dnsmasq_start forking --bind-dynamic
	topo_pod new 198.51.100.20 2001:db8:2::20
	wait_listening new
	check_pod new answered
}

# bats test_tags=bug:bind-dynamic-parity
@test "pod created after dnsmasq started: refused over UDP and TCP alike (--bind-dynamic --except-interface=cali*, forking)" {
	dnsmasq_start forking --bind-dynamic --except-interface='cali*'
	topo_pod new 198.51.100.20 2001:db8:2::20
	check_pod new refused
}

@test "pod created after dnsmasq started: refused over UDP and TCP alike (--except-interface=cali*, no-daemon)" {
	dnsmasq_start no-daemon --except-interface='cali*'
	topo_pod new 198.51.100.20 2001:db8:2::20
	check_pod new refused
}

# bats test_tags=bug:calico-tcp
@test "pod deleted and recreated with the same cali name (new ifindex): answered over UDP and TCP alike (wildcard, forking)" {
	topo_pod a 198.51.100.10 2001:db8:2::10
	dnsmasq_start forking
	check_pod a answered
	recreate_pod a
	check_pod a answered
}

# bats test_tags=bug:calico-tcp
@test "pod deleted and recreated with the same cali name (new ifindex): answered over UDP and TCP alike (--bind-dynamic, no-daemon)" {
	topo_pod a 198.51.100.10 2001:db8:2::10
	dnsmasq_start no-daemon --bind-dynamic
	check_pod a answered
	recreate_pod a
	wait_listening_again a
	check_pod a answered
}

# bats test_tags=bug:bind-dynamic-parity
@test "pod deleted and recreated with the same cali name (new ifindex): still refused over UDP and TCP alike (--bind-dynamic --except-interface=<its cali>, forking)" {
	topo_pod a 198.51.100.10 2001:db8:2::10
	dnsmasq_start forking --bind-dynamic --except-interface="$POD_a_CALI"
	check_pod a refused
	recreate_pod a
	check_pod a refused
}

@test "two pods, one excluded by --except-interface=<its cali>: excluded pod refused over UDP and TCP alike (wildcard, forking)" {
	topo_pod a 198.51.100.10 2001:db8:2::10
	topo_pod b 198.51.100.11 2001:db8:2::11
	dnsmasq_start forking --except-interface="$POD_a_CALI"
	check_pod a refused
}

# bats test_tags=bug:calico-tcp
@test "two pods, one excluded by --except-interface=<its cali>: the other pod answered over UDP and TCP alike (wildcard, forking)" {
	topo_pod a 198.51.100.10 2001:db8:2::10
	topo_pod b 198.51.100.11 2001:db8:2::11
	dnsmasq_start forking --except-interface="$POD_a_CALI"
	check_pod b answered
}

# bats test_tags=bug:bind-dynamic-parity
@test "two pods, one excluded by --except-interface=<its cali>: excluded pod refused over UDP and TCP alike (--bind-dynamic, forking)" {
	topo_pod a 198.51.100.10 2001:db8:2::10
	topo_pod b 198.51.100.11 2001:db8:2::11
	dnsmasq_start forking --bind-dynamic --except-interface="$POD_a_CALI"
	check_pod a refused
}

# bats test_tags=bug:calico-tcp
@test "two pods, one excluded by --except-interface=<its cali>: the other pod answered over UDP and TCP alike (--bind-dynamic, forking)" {
	topo_pod a 198.51.100.10 2001:db8:2::10
	topo_pod b 198.51.100.11 2001:db8:2::11
	dnsmasq_start forking --bind-dynamic --except-interface="$POD_a_CALI"
	check_pod b answered
}
