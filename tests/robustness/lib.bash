# shellcheck shell=bash
#
# Helpers for tests/robustness.bats: connection storms and misbehaving
# clients (tcpdns.py, run inside a namespace), the daemon's descriptors and
# children as seen in /proc, pod churn, and an interface made to vanish
# mid-enumeration (vanish.c).  Sourced after
# lib/common.bash; everything here is named rb_*.

RB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RB_CLIENT=$RB_DIR/tcpdns.py

# ---------------------------------------------------------------------------
# Clients

# rb_client NS ARGS...: run tcpdns.py in a namespace, output to the test's.
rb_client() {
	local ns=$1
	shift
	printf '$ (%s) tcpdns.py %s\n' "$(q_ns_label "$ns")" "$*"
	ip netns exec "$ns" python3 "$RB_CLIENT" "$@"
}

# rb_storm NS COUNT EXPECT [OPTS...]: COUNT TCP connections to the node,
# each one query; every one must end as EXPECT (answered|closed).
rb_storm() {
	local ns=$1 count=$2 expect=$3 out rc=0
	shift 3
	out=$(rb_client "$ns" storm "$NODE_IP4" "$count" --parallel 16 --expect "$expect" "$@") || rc=$?
	printf '%s\n' "$out"
	((rc == 0)) || rb_outcome_signature "$expect" "$out"
	return "$rc"
}

# rb_outcome_signature EXPECT TEXT: a storm or loop that ended otherwise
# than EXPECT (its "answered=N closed=N hung=N" counts in TEXT) the way a
# known bug makes it end: recorded for tests/run's XFAIL judgement.
rb_outcome_signature() {
	local expect=$1 text=$2 answered closed hung
	answered=$(sed -nE 's/.* answered=([0-9]+).*/\1/p' <<<"$text" | tail -n 1)
	closed=$(sed -nE 's/.* closed=([0-9]+).*/\1/p' <<<"$text" | tail -n 1)
	hung=$(sed -nE 's/.* hung=([0-9]+).*/\1/p' <<<"$text" | tail -n 1)
	if [[ "$expect" == answered ]] && ((${closed:-0} > 0)); then
		dt_xfail_signature bug:calico-tcp "$closed connections that should be answered were closed without a reply"
	elif [[ "$expect" == closed ]] && ((${hung:-0} > 0)); then
		dt_xfail_signature bug:local-service-tcp-leak "$hung refused connections were left open (hung)"
	elif [[ "$expect" == closed ]] && ((${answered:-0} > 0)); then
		dt_xfail_signature bug:bind-dynamic-parity "$answered connections that should be refused were answered"
	fi
	return 0
}

# rb_wait_refused PID LOG TIMEOUT / rb_wait_answered ...: rb_wait_exit for
# a background storm or loop, with its bug signature on failure.
rb_wait_expecting() {
	local expect=$1 log=$3 rc=0
	shift
	rb_wait_exit "$@" || rc=$?
	((rc == 0)) || rb_outcome_signature "$expect" "$(cat "$log" 2>/dev/null)"
	return "$rc"
}

# A refused connection must be closed at once: a client that sees nothing
# within this many seconds calls it "hung" (left open).
RB_PROMPT=1

# rb_storm_refused NS COUNT: COUNT connections, each closed by dnsmasq
# before RB_PROMPT seconds, without an answer.
rb_storm_refused() {
	rb_storm "$1" "$2" closed --timeout "$RB_PROMPT"
}

# rb_hex NAME: a length-prefixed query for NAME/A, as hex.
rb_hex() {
	python3 "$RB_CLIENT" query "$1"
}

# rb_spawn_client VAR NS LOG ARGS...: tcpdns.py in the background, as our
# registered child; its PID in VAR.
rb_spawn_client() {
	local var=$1 ns=$2 log=$3
	shift 3
	printf '$ (%s) tcpdns.py %s &\n' "$(q_ns_label "$ns")" "$*"
	dt_spawn "$var" "$ns" "$log" python3 "$RB_CLIENT" "$@"
}

# rb_wait_exit PID LOG TIMEOUT: wait for a background client to finish,
# print what it said, return its exit status.
rb_wait_exit() {
	local pid=$1 log=$2 timeout=$3 rc=0
	dt_wait_until "$timeout" dt_pid_gone "$pid" >/dev/null || true
	if dt_pid_alive "$pid"; then
		cat "$log"
		dt_fail "client $pid still running after ${timeout}s"
		return 1
	fi
	wait "$pid" || rc=$?
	dt_unregister pid "$pid"
	cat "$log"
	return "$rc"
}

# rb_lan_still_served: the LAN client still gets answers over UDP and TCP.
rb_lan_still_served() {
	rb_expect_running
	dig_udp "$LAN_NS" "$NODE_IP4" "small.$ZONE"
	expect_decision "UDP from the LAN" answered || return 1
	dig_tcp "$LAN_NS" "$NODE_IP4" "small.$ZONE"
	expect_decision "TCP from the LAN" answered
}

# rb_tcp_limit: how many TCP connections dnsmasq serves at once, for the
# tests of that limit: RB_TCP_LIMIT, and RB_TCP_LIMIT_OPTS, the options
# which set it.  --max-tcp-connections=3 where dnsmasq has that option;
# 2.85 has not: its limit is MAX_PROCS, 20, fixed in config.h.
rb_tcp_limit() {
	if dnsmasq_has_option max-tcp-connections; then
		RB_TCP_LIMIT=3
		RB_TCP_LIMIT_OPTS=(--max-tcp-connections=3)
	else
		RB_TCP_LIMIT=20
		RB_TCP_LIMIT_OPTS=()
	fi
	printf 'TCP connection limit: %s (%s)\n' "$RB_TCP_LIMIT" \
		"${RB_TCP_LIMIT_OPTS[*]:-built in: dnsmasq has no --max-tcp-connections}"
}

# rb_established NS N: at least N TCP connections from NS to the node's
# port 53 have completed their handshake (as ss in NS sees them: ESTAB, or
# FIN-WAIT once the client has sent its query and half-closed).
rb_established() {
	local n
	n=$(ip netns exec "$1" ss -Htn |
		awk -v peer="$NODE_IP4:53" '$5 == peer && $1 ~ /^(ESTAB|FIN-WAIT-[12])$/' | wc -l)
	((n >= $2))
}

# ---------------------------------------------------------------------------
# The daemon in /proc

rb_expect_running() {
	dt_pid_alive "$DNSMASQ_PID" && return 0
	dnsmasq_show_log
	dnsmasq_sanitizer_reports || true
	dt_fail "dnsmasq (pid $DNSMASQ_PID) is gone"
}

# rb_fds PID: "<fd> <target>" for each open descriptor, sorted.
rb_fds() {
	local f
	for f in /proc/"$1"/fd/*; do
		printf '%s %s\n' "${f##*/}" "$(readlink "$f" 2>/dev/null || echo '?')"
	done | sort -n
}

# rb_children PID: "<pid> <state>" of each child of PID, from /proc/*/stat.
rb_children() {
	local stat rest
	for stat in /proc/[0-9]*/stat; do
		# read, not cat: hundreds of processes, no fork each.
		{ read -r rest <"$stat"; } 2>/dev/null || continue
		# Fields after "pid (comm) ": state ppid ...; comm may hold spaces.
		rest=${rest##*) }
		[[ "${rest#* }" == "$1 "* ]] || continue
		stat=${stat#/proc/}
		printf '%s %s\n' "${stat%/stat}" "${rest%% *}"
	done
}

# rb_settled: no children, and the same descriptors twice 0.2 s apart
# (a finished child's pipe is closed when the main loop next runs).
rb_settled() {
	local a
	rb_no_children || return 1
	a=$(rb_fds "$DNSMASQ_PID")
	sleep 0.2
	rb_no_children && [[ "$(rb_fds "$DNSMASQ_PID")" == "$a" ]]
}

# rb_snapshot: remember the daemon's descriptors (in RB_FDS_BEFORE), once
# the connections made so far are gone.
rb_snapshot() {
	dt_wait_until 10 rb_settled >/dev/null || true
	RB_FDS_BEFORE=$(rb_fds "$DNSMASQ_PID")
	rb_log_mark
	printf 'dnsmasq holds %s descriptors\n' "$(wc -l <<<"$RB_FDS_BEFORE")"
}

rb_fds_as_before() {
	[[ "$(rb_fds "$DNSMASQ_PID")" == "$RB_FDS_BEFORE" ]]
}

rb_no_children() {
	[[ -z "$(rb_children "$DNSMASQ_PID")" ]]
}

# rb_child_count N: dnsmasq has exactly N children, none a zombie.
rb_child_count() {
	local kids
	kids=$(rb_children "$DNSMASQ_PID")
	[[ "$(awk '$2 != "Z"' <<<"$kids" | grep -c .)" == "$1" &&
		-z "$(awk '$2 == "Z"' <<<"$kids")" ]] ||
		dt_fail "expected $1 children of dnsmasq, found: $(paste -sd ' ' <<<"$kids")"
}

# rb_log_mark: remember how far dnsmasq's log goes (RB_LOG_MARK).
rb_log_mark() {
	RB_LOG_MARK=$(wc -l <"$DNSMASQ_LOG")
}

# rb_log_since_mark: what dnsmasq logged after rb_log_mark.
rb_log_since_mark() {
	tail -n +"$((RB_LOG_MARK + 1))" "$DNSMASQ_LOG"
}

# rb_logged_since_mark ERE: dnsmasq logged a line matching ERE since then.
rb_logged_since_mark() {
	rb_log_since_mark | grep -qE "$1"
}

# What dnsmasq logged since rb_snapshot: the evidence of each case.
rb_show_log_since_snapshot() {
	printf -- '--- dnsmasq log since the snapshot (%s):\n' "${DNSMASQ_ARGS:-}"
	rb_log_since_mark | head -n 40
	printf -- '--- end of dnsmasq log\n'
}

# rb_expect_clean: once the clients are done, the daemon holds exactly the
# descriptors of the snapshot and has no children (zombie or alive); child
# processes and their pipes get a few seconds to go.
rb_expect_clean() {
	local rc=0 now kids zombies
	rb_expect_running || return 1
	dt_wait_until 10 rb_no_children >/dev/null || true
	dt_wait_until 10 rb_fds_as_before >/dev/null || true
	kids=$(rb_children "$DNSMASQ_PID")
	zombies=$(awk '$2 == "Z"' <<<"$kids")
	now=$(rb_fds "$DNSMASQ_PID")
	printf 'dnsmasq now holds %s descriptors, %s children (%s zombies)\n' \
		"$(wc -l <<<"$now")" "$(grep -c . <<<"$kids" || true)" \
		"$(grep -c . <<<"$zombies" || true)"
	if [[ "$now" != "$RB_FDS_BEFORE" ]]; then
		printf -- '--- descriptors: before (-) and now (+):\n'
		diff <(printf '%s\n' "$RB_FDS_BEFORE") <(printf '%s\n' "$now") |
			grep -E '^[<>]' | sed 's/^</-/; s/^>/+/' | head -n 20 || true
		dnsmasq_show_log
		dt_fail "dnsmasq's descriptors differ from before the connections" || rc=1
	fi
	if [[ -n "$zombies" ]]; then
		dt_fail "zombie children of dnsmasq: $(paste -sd ' ' <<<"$zombies")" || rc=1
	elif [[ -n "$kids" ]]; then
		dt_fail "children of dnsmasq still running: $(paste -sd ' ' <<<"$kids")" || rc=1
	fi
	return "$rc"
}

# ---------------------------------------------------------------------------
# The test's own files, and its end

# rb_test_dir: a directory of the test's own (RB_DIR_T), removed after it:
# client logs, stop files.
rb_test_dir() {
	RB_DIR_T=$(dt_temp_dir test)
}

# rb_finish: stop dnsmasq (leak checks run at exit) and fail on any report.
rb_finish() {
	rb_expect_running || return 1
	dnsmasq_stop
	dnsmasq_sanitizer_reports
}

# ---------------------------------------------------------------------------
# Pod churn in batches: a few ip(8) runs per batch instead of a dozen per
# pod (as topo_pod does it), so that hundreds of pods come and go in
# seconds.  The pods are what topo_pod makes, IPv4 only.

# rb_churn_up TAG FIRST COUNT: pods FIRST..FIRST+COUNT-1, pod N in
# namespace <DT_NS_PREFIX>-churn-TAG-N behind cali "caliTAGnnnnn" (TAG: 6 hex digits),
# address 198.51.100.(100 + N % 100).  Sets RB_CHURN_NS and RB_CHURN_CALI.
rb_churn_up() {
	local tag=$1 first=$2 count=$3 i j ns cali ip4 netns_cmds='' link_cmds=''
	RB_CHURN_NS=()
	RB_CHURN_CALI=()
	for ((i = first; i < first + count; i++)); do
		ns=${DT_NS_PREFIX:-dt}-churn-$tag-$i
		cali=$(printf 'cali%s%05d' "$tag" "$i")
		ip4=198.51.100.$((100 + i % 100))
		RB_CHURN_NS+=("$ns")
		RB_CHURN_CALI+=("$cali")
		netns_cmds+="netns add $ns"$'\n'
		link_cmds+="link add $cali address $CALI_MAC type veth peer name eth0 netns $ns"$'\n'
		link_cmds+="link set $cali up"$'\n'
		link_cmds+="route add $ip4/32 dev $cali scope link"$'\n'
	done
	ip -batch - <<<"$netns_cmds"
	for ns in "${RB_CHURN_NS[@]}"; do
		dt_register ns "$ns"
	done
	ip -n "$NODE_NS" -batch - <<<"$link_cmds"
	# What Felix sets on every cali (topo_cali_sysctls), in one process.
	# shellcheck disable=SC2016 # expanded by that sh
	ip netns exec "$NODE_NS" sh -c 'for c; do
		echo 1 >"/proc/sys/net/ipv4/conf/$c/proxy_arp"
		echo 0 >"/proc/sys/net/ipv4/neigh/$c/proxy_delay"
		echo 1 >"/proc/sys/net/ipv4/conf/$c/rp_filter"
	done' sh "${RB_CHURN_CALI[@]}"
	for ((j = 0; j < count; j++)); do
		ip4=198.51.100.$((100 + (first + j) % 100))
		ip -n "${RB_CHURN_NS[j]}" -batch - <<-EOC
			link set lo up
			link set eth0 up
			addr add $ip4/32 dev eth0
			route add default via $CALICO_GW4 dev eth0 onlink
		EOC
	done
}

# rb_churn_down: delete the pods of the last rb_churn_up; their calis go
# with their namespaces.
rb_churn_down() {
	local ns cmds=''
	for ns in "${RB_CHURN_NS[@]}"; do
		cmds+="netns delete $ns"$'\n'
	done
	ip -batch - <<<"$cmds"
	for ns in "${RB_CHURN_NS[@]}"; do
		dt_unregister ns "$ns"
	done
	dt_wait_until "$DT_WAIT_TIMEOUT" rb_calis_gone "${RB_CHURN_CALI[@]}"
}

# rb_calis_gone CALI...: none of these interfaces is left on the node.
rb_calis_gone() {
	local links cali
	links=$(ip -n "$NODE_NS" -o link show)
	for cali in "$@"; do
		[[ "$links" != *" $cali@"* ]] || return 1
	done
}

# ---------------------------------------------------------------------------
# --log-debug traces of TCP connections (patch "Log the decision on each TCP
# connection"): one line per connection,
#   TCP connection from <peer>#<port> to <local>#53 on <if>(#N)
#   (addresses: ...): accepted|refused (<rule>)[, query...]

# rb_ports TEXT: the client ports tcpdns.py printed ("port N" words).
rb_ports() {
	grep -oE '(^|[ :])port [0-9]+' <<<"$1" | awk '{ print $NF }'
}

# rb_expect_traced PEER PORTS DECISION: exactly one trace line for each of
# the connections from PEER#PORT, each with DECISION (an ERE, e.g.
# "refused \(--except-interface\)").
rb_expect_traced() {
	local peer=$1 ports=$2 decision=$3 port n rc=0 re
	[[ -n "$ports" ]] || dt_fail "no client ports to look for" || return 1
	for port in $ports; do
		re="TCP connection from ${peer//./\\.}#$port to [^ ]+ on [^ ]+\(#[0-9]+\) \(addresses: [^)]*\): $decision"
		n=$(grep -cE "$re" "$DNSMASQ_LOG" || true)
		if ((n != 1)); then
			dt_xfail_signature feature:tracing "$n trace lines for $peer#$port"
			dt_fail "$n trace lines (expected 1) for the connection from $peer#$port: $decision" || rc=1
			grep -E "from ${peer//./\\.}#$port " "$DNSMASQ_LOG" | sed 's/^/    /' || true
		fi
	done
	((rc == 0)) && printf 'each of the %s connections from %s traced once: %s\n' \
		"$(wc -w <<<"$ports")" "$peer" "$decision"
	return "$rc"
}

# ---------------------------------------------------------------------------
# An interface that vanishes while dnsmasq enumerates the node's addresses.
# The real window (the kernel has listed the address; the interface is gone
# when dnsmasq asks for its name) is microseconds wide: vanish.c, preloaded
# into dnsmasq, holds it open.  While $RB_VANISH_FILE holds an interface
# index, asking for that interface's name fails as for a deleted one.

# rb_vanish_prepare: build vanish.so (once per file) and preload it into the
# dnsmasq the test starts next.
rb_vanish_prepare() {
	local lib=$DT_STATE/vanish.so
	if [[ ! -e "$lib" ]]; then
		command -v cc >/dev/null || dt_fail "no C compiler (cc) to build tests/robustness/vanish.c"
		cc -Wall -Wextra -shared -fPIC -o "$lib" "$RB_DIR/vanish.c" -ldl
	fi
	RB_VANISH_FILE=$RB_DIR_T/vanished-ifindex
	RB_VANISH_FIRED=$RB_DIR_T/vanish-fired
	# shellcheck disable=SC2034 # read by dnsmasq_start
	DNSMASQ_ENV=(LD_PRELOAD="$lib" VANISH_IFINDEX_FILE="$RB_VANISH_FILE"
		VANISH_FIRED_FILE="$RB_VANISH_FIRED")
}

# rb_vanish_fired: the shim did fail SIOCGIFNAME for the vanished index
# (vanish.c appends to $VANISH_FIRED_FILE each time), so the window the
# test is about was reached.
rb_vanish_fired() {
	if [[ -s "$RB_VANISH_FIRED" ]]; then
		printf 'vanish.so fired: %s\n' "$(sort -u "$RB_VANISH_FIRED" | paste -sd ' ')"
		return 0
	fi
	dt_fail "vanish.so never failed SIOCGIFNAME: the vanishing window was not reached"
}

# rb_vanish CALI: from now on, CALI looks deleted when dnsmasq asks its name.
rb_vanish() {
	dt_ifindex "$NODE_NS" "$1" >"$RB_VANISH_FILE"
	printf '%s (ifindex %s) now vanishes when dnsmasq asks its name\n' "$1" "$(<"$RB_VANISH_FILE")"
}
