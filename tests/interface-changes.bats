#!/usr/bin/env bats
#
# dnsmasq while the node's interfaces change: names served from interface
# addresses (--interface-name) over TCP after a link change, a listener
# whose address goes while a query to it waits, TCP connections whose
# arrival interface the kernel cannot tell, and a netlink socket that
# overflowed while dnsmasq was stopped.

load lib/common

IC_DIR=$BATS_TEST_DIRNAME/interface-changes
GW_NAME=gw.test
EXTRA_IP4=192.0.2.50

setup_file() {
	dt_setup_cluster
}

# A link change on the node, as a pod or a VM starting: a new veth pair,
# both ends on the node, no address (registered: it goes with the test).
ic_link_change() {
	dt_link_add "$NODE_NS" x0 type veth peer name x1
}

# expect_gw_answer: the query for $GW_NAME got eth0's address.
expect_gw_answer() {
	expect_decision "$1" answered || return 1
	grep -qE "^$GW_NAME\.[[:space:]].*[[:space:]]A[[:space:]]+$NODE_IP4\$" <<<"$Q_OUT" ||
		dt_fail "$1: the answer is not $GW_NAME A $NODE_IP4"
}

# ic_expect_tcp_refused SERVER: the LAN client's TCP connection to SERVER
# is accepted and closed at once (refused), and dnsmasq still answers the
# same client over UDP.  Answered instead is the unchecked accept of stock.
ic_expect_tcp_refused() {
	cell_tcp "$LAN_NS" "$1" "small.$ZONE" refused
	dnsmasq_show_relevant "$LAN_NS"
	if [[ "$CELL_TCP" == answered ]] && dt_pid_alive "$DNSMASQ_PID"; then
		dt_xfail_signature bug:tcp-arrival-unknown "TCP answered although its arrival interface is unknown"
	fi
	[[ "$CELL_TCP" == refused ]] ||
		dt_fail "TCP with the arrival interface unknown: $CELL_TCP, expected refused ${CELL_TCP_WHY:-}" || return 1
	# Alive and deciding: the shim hides every TCP connection's interface,
	# so the control is the same client over UDP.
	dt_pid_alive "$DNSMASQ_PID" || dt_fail "dnsmasq (pid $DNSMASQ_PID) is gone" || return 1
	q_probe "$LAN_NS" udp "$1" "small.$ZONE"
	q_answered_fully "small.$ZONE" 0 || dt_fail "control query over UDP not answered: $Q_WHY"
}

# expect_no_bug_line: dnsmasq never logged one of its "BUG" lines.
expect_no_bug_line() {
	if grep -q 'BUG' "$DNSMASQ_LOG"; then
		grep 'BUG' "$DNSMASQ_LOG" | head -n 3
		dt_fail "dnsmasq logged a BUG line"
	fi
}

ic_interface_name_after_link_change() {
	dnsmasq_start "$1" --bind-dynamic --interface-name="$GW_NAME,eth0"
	dig_tcp "$LAN_NS" "$NODE_IP4" "$GW_NAME"
	expect_gw_answer "TCP before the link change"
	ic_link_change
	dig_tcp "$LAN_NS" "$NODE_IP4" "$GW_NAME"
	dnsmasq_show_relevant "$LAN_NS"
	expect_gw_answer "TCP after the link change"
	dig_udp "$LAN_NS" "$NODE_IP4" "$GW_NAME"
	expect_gw_answer "UDP after the link change"
	expect_no_bug_line
}

@test "--bind-dynamic --interface-name: answered over TCP after a link change (forking)" {
	ic_interface_name_after_link_change forking
}

@test "--bind-dynamic --interface-name: answered over TCP after a link change (daemonized)" {
	ic_interface_name_after_link_change daemonized
}

@test "--bind-dynamic --interface-name: answered over TCP after an address is added (forking)" {
	dnsmasq_start forking --bind-dynamic --interface-name="$GW_NAME,eth0"
	dt_addr_add "$NODE_NS" "$EXTRA_IP4/32" eth0
	dt_wait_until "$DT_WAIT_TIMEOUT" dt_listening "$NODE_NS" tcp "$EXTRA_IP4:53\$" "$DNSMASQ_PID"
	dig_tcp "$LAN_NS" "$EXTRA_IP4" "$GW_NAME"
	dnsmasq_show_relevant "$LAN_NS"
	expect_decision "TCP to the new address" answered
	grep -qE "[[:space:]]A[[:space:]]+$EXTRA_IP4\$" <<<"$Q_OUT" ||
		dt_fail "the answer lacks the new address $EXTRA_IP4"
	expect_no_bug_line
}

@test "wildcard --interface-name: answered over TCP after a link change (forking)" {
	dnsmasq_start forking --interface-name="$GW_NAME,eth0"
	ic_link_change
	dig_tcp "$LAN_NS" "$NODE_IP4" "$GW_NAME"
	dnsmasq_show_relevant "$LAN_NS"
	expect_gw_answer "TCP after the link change"
	expect_no_bug_line
}

# A query waits on the listener of an address that is deleted before
# dnsmasq reads it (dnsmasq stopped meanwhile); answering it lists the
# interfaces again (--interface-name), which finds the address gone.  The
# listener must not be freed while the query is being answered (a
# SANITIZE=1 build reports the use after free; any build must go on).
@test "--bind-dynamic: a query waiting on an address that goes is survived (UDP, --interface-name)" {
	dnsmasq_start no-daemon --bind-dynamic --interface-name="$GW_NAME,eth0"
	dt_addr_add "$NODE_NS" "$EXTRA_IP4/32" eth0
	dt_wait_until "$DT_WAIT_TIMEOUT" dt_listening "$NODE_NS" udp "$EXTRA_IP4:53\$" "$DNSMASQ_PID"
	kill -STOP "$DNSMASQ_PID"
	ip netns exec "$LAN_NS" dig @"$EXTRA_IP4" "$GW_NAME" +noedns +timeout=1 +tries=1 >/dev/null 2>&1 &
	local client=$!
	sleep 0.3
	dt_addr_del "$NODE_NS" "$EXTRA_IP4/32" eth0
	kill -CONT "$DNSMASQ_PID"
	wait "$client" || true
	dt_wait_until "$DT_WAIT_TIMEOUT" ic_not_listening udp "$EXTRA_IP4"
	dt_expect_running "$DNSMASQ_PID" "$DNSMASQ_OUT" dnsmasq
	dig_udp "$LAN_NS" "$NODE_IP4" "$GW_NAME"
	dnsmasq_show_relevant "$LAN_NS"
	expect_gw_answer "UDP afterwards"
}

ic_not_listening() {
	! dt_listening "$NODE_NS" "$1" "$2:53\$" "$DNSMASQ_PID"
}

# The kernel cannot tell the arrival interface of a TCP connection
# (nopktinfo.so, preloaded).  Where the arrival interface decides (here
# --bind-dynamic with --except-interface), UDP drops a query whose
# interface it cannot tell; TCP must refuse the connection, not accept it
# unchecked.
ic_nopktinfo_prepare() {
	local lib=$DT_STATE/nopktinfo.so
	if [[ ! -e "$lib" ]]; then
		command -v cc >/dev/null || dt_fail "no C compiler (cc) to build $IC_DIR/nopktinfo.c"
		cc -Wall -Wextra -shared -fPIC -o "$lib" "$IC_DIR/nopktinfo.c" -ldl
	fi
	# shellcheck disable=SC2034 # read by dnsmasq_start
	DNSMASQ_ENV=(LD_PRELOAD="$lib")
}

# bats test_tags=bug:tcp-arrival-unknown
@test "--bind-dynamic: a TCP connection whose arrival interface is unknown is refused (IPv4)" {
	ic_nopktinfo_prepare
	dnsmasq_start forking --bind-dynamic --except-interface=up0
	ic_expect_tcp_refused "$NODE_IP4"
}

# bats test_tags=bug:tcp-arrival-unknown
@test "--bind-interfaces: an IPv6 TCP connection whose arrival interface is unknown is refused" {
	ic_nopktinfo_prepare
	dnsmasq_start forking --bind-interfaces
	ic_expect_tcp_refused "$NODE_IP6"
}

# ic_no_tcp_interface_build: DNSMASQ's own tree built again with
# -DNO_TCP_INTERFACE, as on the BSDs, macOS and Solaris, where
# tcp_interface() knows nothing; sets IC_NO_TCPIF_BIN. (A stock tree
# ignores the flag: there the shim alone hides the interface.)
ic_no_tcp_interface_build() {
	local tree copts
	tree=$(cd "$(dirname "$DNSMASQ")" && pwd)
	[[ -f "$tree/Makefile" && -f "$tree/.base-info" ]] ||
		dt_fail "$DNSMASQ is not in a prepared tree (make build): cannot build it with -DNO_TCP_INTERFACE" || return 1
	copts=$(sed -n "s/^COPTS='\(.*\)'\$/\1/p" "$tree/.base-info")
	IC_NO_TCPIF_BIN=$DT_STATE/no-tcp-interface/dnsmasq
	if [[ ! -x "$IC_NO_TCPIF_BIN" ]]; then
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$tree" BUILDDIR="$DT_STATE/no-tcp-interface" \
			COPTS="$copts -DNO_TCP_INTERFACE" >"$DT_STATE/no-tcp-interface.log" 2>&1 ||
			dt_fail "building $tree with -DNO_TCP_INTERFACE failed (see $DT_STATE/no-tcp-interface.log)" || return 1
	fi
}

# Where the kernel cannot tell a TCP connection's arrival interface at all
# (the BSDs, macOS, Solaris: tcp_interface() returns 0), failing closed
# would refuse every IPv6 connection under --bind-interfaces while UDP
# answers: the listener decides there, as in stock.
@test "built as on the BSDs: an IPv6 TCP connection under --bind-interfaces is answered as stock answers it" {
	ic_nopktinfo_prepare
	ic_no_tcp_interface_build
	DNSMASQ=$IC_NO_TCPIF_BIN dnsmasq_start forking --bind-interfaces
	cell_tcp "$LAN_NS" "$NODE_IP6" "small.$ZONE" answered
	[[ "$CELL_TCP" == answered ]] || dt_fail "TCP over IPv6 without arrival interfaces: $CELL_TCP ${CELL_TCP_WHY:-}" || return 1
	cell_after
}

@test "--bind-interfaces: IPv4 TCP needs no arrival interface and is still answered" {
	ic_nopktinfo_prepare
	dnsmasq_start forking --bind-interfaces
	cell_tcp "$LAN_NS" "$NODE_IP4" "small.$ZONE" answered
	[[ "$CELL_TCP" == answered ]] || dt_fail "TCP over IPv4: $CELL_TCP ${CELL_TCP_WHY:-}"
	cell_after
}

# dnsmasq is stopped while hundreds of links come (their announcements
# overflow its netlink socket), then an address is added: its announcement
# is lost.  --bind-dynamic must still end up listening on it.
@test "--bind-dynamic: an address added while the netlink socket overflowed is listened on" {
	local junk i batch
	dnsmasq_start no-daemon --bind-dynamic
	dt_ns_new junk junk
	batch=$DT_STATE/links.batch
	for ((i = 0; i < 400; i++)); do
		printf 'link add j%d type veth peer name j%d netns %s\n' "$i" "$i" "$junk"
	done >"$batch"
	kill -STOP "$DNSMASQ_PID"
	ip -n "$NODE_NS" -batch "$batch"
	dt_addr_add "$NODE_NS" "$EXTRA_IP4/32" eth0
	kill -CONT "$DNSMASQ_PID"
	if ! dt_wait_until "$DT_WAIT_TIMEOUT" dt_listening "$NODE_NS" udp "$EXTRA_IP4:53\$" "$DNSMASQ_PID"; then
		dnsmasq_show_log
		dt_fail "not listening on $EXTRA_IP4 after the overflow"
	fi
	dig_udp "$LAN_NS" "$EXTRA_IP4" "small.$ZONE"
	expect_decision UDP answered
	dig_tcp "$LAN_NS" "$EXTRA_IP4" "small.$ZONE"
	expect_decision TCP answered
}
