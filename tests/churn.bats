#!/usr/bin/env bats
#
# Pod churn: dnsmasq on a node where pods come and go must not keep what
# it learnt of interfaces that have gone.  Each pod brings a cali
# interface with a new index (and Calico's fe80:: address); stock dnsmasq
# keeps an entry for each in the default (wildcard) mode, for ever, and
# grows with every pod ever started (patch 0012 frees them).
#
# Tags: bug:interface-history where memory must stay flat over churn
# (stock grows by about 140 bytes per pod); feature:tracing for the
# --log-debug line "interface addresses: N gone, M known".
#
# The pods here are veth pairs with both ends on the node (an end in a
# namespace of its own per pod costs ten times as long and changes
# nothing dnsmasq sees): CH_PODS per round, created in one `ip -batch`.

load lib/common

: "${CH_PODS:=200}"
: "${CH_ROUNDS:=3}"
# Growth of the resident set over CH_ROUNDS rounds (after one round to
# warm up) beyond which dnsmasq kept what it saw: stock keeps about
# CH_PODS * CH_ROUNDS * 140 bytes (84 kB with the defaults).
: "${CH_MAX_GROWTH_KB:=32}"

setup_file() {
	dt_setup_cluster
}

# ch_round TAG: CH_PODS cali veths appear (each with its link-local
# address), a TCP query is answered, they go, and another is answered.
# dnsmasq enumerates the interfaces for each TCP connection after a change.
ch_round() {
	local tag=$1 i cali add='' del=''
	for ((i = 0; i < CH_PODS; i++)); do
		cali=$(printf 'cali%s%04d' "$tag" "$i")
		add+="link add $cali address $CALI_MAC type veth peer name cp$tag$i"$'\n'
		add+="link set cp$tag$i up"$'\n'"link set $cali up"$'\n'
		del+="link del $cali"$'\n'
	done
	ip -n "$NODE_NS" -batch - <<<"$add"
	dt_wait_until "$DT_WAIT_TIMEOUT" ch_link_locals "$tag" "$CH_PODS"
	ch_query "with $CH_PODS pods ($tag)"
	ip -n "$NODE_NS" -batch - <<<"$del"
	dt_wait_until "$DT_WAIT_TIMEOUT" ch_link_locals "$tag" 0
	ch_query "after $CH_PODS pods went ($tag)"
}

# ch_link_locals TAG N: exactly N calis of round TAG have their address.
ch_link_locals() {
	local n
	n=$(ip -n "$NODE_NS" -o -6 addr show scope link | grep -c " cali$1[0-9]" || true)
	((n == $2))
}

ch_query() {
	dig_tcp "$LAN_NS" "$NODE_IP4" "small.$ZONE"
	expect_decision "TCP $1" answered
}

# ch_rss_kb: dnsmasq's resident set, kB.
ch_rss_kb() {
	awk '/^Rss:/ { print $2 }' "/proc/$DNSMASQ_PID/smaps_rollup"
}

# An ASan build keeps freed memory in quarantine: without one, its resident
# set follows what dnsmasq holds, as an ordinary build's does.
ch_asan_env() {
	# shellcheck disable=SC2034 # read by dnsmasq_start
	DNSMASQ_ENV=()
	if grep -q __asan_init "$DNSMASQ"; then
		# shellcheck disable=SC2034 # read by dnsmasq_start
		DNSMASQ_ENV=(ASAN_OPTIONS="log_path=$BATS_TEST_TMPDIR/asan:detect_leaks=1:verify_asan_link_order=0:quarantine_size_mb=0:thread_local_quarantine_size_kb=0")
		DT_SANITIZER_DIRS+=("$BATS_TEST_TMPDIR")
	fi
}

# bats test_tags=bug:interface-history
@test "pods created and deleted leave dnsmasq no bigger (default mode)" {
	local before after r
	ch_asan_env
	dnsmasq_start forking
	ch_round w
	before=$(ch_rss_kb)
	for ((r = 0; r < CH_ROUNDS; r++)); do
		ch_round "$r"
	done
	after=$(ch_rss_kb)
	printf 'resident set: %s kB after one round of %s pods, %s kB after %s more\n' \
		"$before" "$CH_PODS" "$after" "$CH_ROUNDS"
	if ((after - before > CH_MAX_GROWTH_KB)); then
		dt_xfail_signature bug:interface-history \
			"grew by $((after - before)) kB over $((CH_PODS * CH_ROUNDS)) pods that have gone"
		dt_fail "dnsmasq grew by $((after - before)) kB (more than $CH_MAX_GROWTH_KB kB) over pods that have gone"
	fi
}

# bats test_tags=feature:tracing
@test "--log-debug: the addresses of deleted pods are forgotten (default mode)" {
	local line known node
	dnsmasq_start forking
	ch_round a
	line=$(grep -o 'interface addresses: [0-9]* gone, [0-9]* known' "$DNSMASQ_LOG" | tail -n 1) || true
	if [[ -z "$line" ]]; then
		dt_xfail_signature feature:tracing "no trace line matches: interface addresses: N gone, M known"
		dt_fail "no 'interface addresses: N gone, M known' line in the log"
	fi
	printf '%s\n' "$line"
	known=${line##*, }
	known=${known%% *}
	node=$(ip -n "$NODE_NS" -o addr show | wc -l)
	((known == node)) || dt_fail "dnsmasq knows $known addresses, the node has $node"
}
