# shellcheck shell=bash
#
# Real clients, run inside a namespace, and the words we judge them by.
#
# Every query prints a transcript (the command and what the client said),
# so a failing bats test shows it.  Results are left in globals, not echoed
# through $(...), so the transcript still reaches the test's output:
#   Q_OUT       everything the client printed
#   Q_RC        its exit status
#   Q_DECISION  answered | refused | other
#               answered: a DNS response with status NOERROR came back
#                         (a UDP reply with the TC bit counts: it was answered)
#               refused:  no response at all: UDP timed out, or the TCP
#                         connection was closed/reset without one
#               other:    a response with another status, or nonsense
#   Q_ANSWERS   number of answer records (from dig/kdig's header line)

# Seconds a UDP client waits before calling a query dropped.  Every refused
# UDP query costs this much; a reply in our namespaces takes milliseconds.
: "${DT_UDP_TIMEOUT:=2}"
: "${DT_TCP_TIMEOUT:=3}"

# q_run NS CMD...: run a client, record and print what it said.
q_run() {
	local ns=$1
	shift
	Q_RC=0
	Q_OUT=$(ip netns exec "$ns" "$@" 2>&1) || Q_RC=$?
	printf '$ (%s) %s\n' "$(q_ns_label "$ns")" "$*"
	q_show_output
}

# The lines of a client's output that tell the story, not the whole reply.
q_show_output() {
	printf '%s\n' "$Q_OUT" |
		grep -E ';;.*(error|timed out|Truncated|reached|flags|status)|^;; |^[^;].*(ANSWER|error|fail|refused)' |
		grep -vE '^;; (Query time|SERVER|WHEN|MSG SIZE|Got answer|OPT PSEUDOSECTION|QUESTION SECTION|ANSWER SECTION|global options)' |
		sed 's/^/    /' | head -n 12 || true
	printf '    (exit %s)\n' "$Q_RC"
}

# A readable name for a namespace in transcripts: "pod-ab12cd" etc.
q_ns_label() {
	local ns=$1
	printf '%s\n' "${ns#"${DT_NS_PREFIX:-dt}"-}"
}

# Classify Q_OUT (dig or kdig output).
q_classify() {
	Q_ANSWERS=$(sed -nE 's/.*ANSWER: ([0-9]+).*/\1/p' <<<"$Q_OUT" | tail -n 1)
	: "${Q_ANSWERS:=0}"
	if grep -qE 'status: NOERROR' <<<"$Q_OUT"; then
		Q_DECISION=answered
	elif grep -qE 'status: [A-Z]+' <<<"$Q_OUT"; then
		Q_DECISION=other
	elif grep -qiE 'timed out|end of file|connection reset|no servers could be reached|communications error|connection refused|failed to query server|network error' <<<"$Q_OUT"; then
		Q_DECISION=refused
	else
		Q_DECISION=other
	fi
}

# dig_udp NS SERVER NAME [OPTS...]: one UDP query, no EDNS0, and no
# automatic TCP retry: we want UDP's own decision.
dig_udp() {
	local ns=$1 server=$2 name=$3
	shift 3
	q_run "$ns" dig @"$server" "$name" A +noedns +ignore \
		+timeout="$DT_UDP_TIMEOUT" +tries=1 "$@"
	q_classify
}

# dig_tcp NS SERVER NAME [OPTS...]: one query over TCP.
dig_tcp() {
	local ns=$1 server=$2 name=$3
	shift 3
	q_run "$ns" dig @"$server" "$name" A +noedns +tcp \
		+timeout="$DT_TCP_TIMEOUT" +tries=1 "$@"
	q_classify
}

# dig_auto NS SERVER NAME [OPTS...]: what a user types: UDP first, and dig
# retries over TCP by itself when the answer comes back truncated.
dig_auto() {
	local ns=$1 server=$2 name=$3
	shift 3
	q_run "$ns" dig @"$server" "$name" A \
		+timeout="$DT_UDP_TIMEOUT" +tries=1 "$@"
	q_classify
}

# kdig_auto NS SERVER NAME [OPTS...]: Knot's client (no EDNS0 by default,
# falls back to TCP on TC by itself).
kdig_auto() {
	local ns=$1 server=$2 name=$3
	shift 3
	q_run "$ns" kdig @"$server" "$name" A \
		+timeout="$DT_UDP_TIMEOUT" +retry=0 "$@"
	q_classify
}

# getent_ahosts NS NAME RESOLV_CONF_TEXT: glibc's stub resolver (no EDNS0
# by default; retries over TCP on TC).  resolv.conf and nsswitch.conf are
# bind-mounted in a private mount namespace, so no file in /etc changes.
# Sets Q_ADDRESSES to the number of distinct addresses it printed.
getent_ahosts() {
	local ns=$1 name=$2 conf=$3 dir
	dir=$(mktemp -d "$DT_STATE/resolver.XXXXXX")
	printf '%s\n' "$conf" >"$dir/resolv.conf"
	printf 'hosts: dns\n' >"$dir/nsswitch.conf"
	# shellcheck disable=SC2016 # "$1" and "$2" are for the inner sh
	q_run "$ns" unshare --mount --propagation private sh -c '
		mount --bind "$1/resolv.conf" /etc/resolv.conf &&
		mount --bind "$1/nsswitch.conf" /etc/nsswitch.conf &&
		exec getent ahostsv4 "$2"' getent "$dir" "$name"
	Q_ADDRESSES=$(awk '/^[0-9.]+ /{ print $1 }' <<<"$Q_OUT" | sort -u | wc -l)
	printf '    (%s distinct addresses)\n' "$Q_ADDRESSES"
	rm -rf -- "$dir"
}

# ---------------------------------------------------------------------------
# Assertions.  Each prints why it failed; the caller prints evidence first.

dt_fail() {
	printf 'FAIL: %s\n' "$*"
	return 1
}

# expect_decision WHAT EXPECTED: compare Q_DECISION.
expect_decision() {
	[[ "$Q_DECISION" == "$2" ]] ||
		dt_fail "$1: expected $2, client saw: $Q_DECISION"
}

# expect_answers N: the full answer (all N records) arrived.
expect_answers() {
	[[ "$Q_DECISION" == answered && "$Q_ANSWERS" == "$1" ]] ||
		dt_fail "expected a full answer with $1 records, got $Q_DECISION with ${Q_ANSWERS:-0}"
}

# expect_no_tcp_failure: dig's own words for the bug did not appear.
expect_no_tcp_failure() {
	if grep -qE 'communications error|end of file|connection reset' <<<"$Q_OUT"; then
		dt_fail "the TCP retry failed: $(grep -m1 -E 'communications error|end of file|connection reset' <<<"$Q_OUT")"
	fi
}

# ---------------------------------------------------------------------------
# One cell of the matrix: the same query over UDP and over TCP from one
# client; both must get the expected decision, and they must agree.
#
# check_cell CLIENT_NS SERVER EXPECTED [NAME]
check_cell() {
	local ns=$1 server=$2 expected=$3 name=${4:-big.$ZONE} udp tcp rc=0
	dig_udp "$ns" "$server" "$name"
	udp=$Q_DECISION
	dig_tcp "$ns" "$server" "$name"
	tcp=$Q_DECISION
	printf 'UDP: %s   TCP: %s   expected: %s\n' "$udp" "$tcp" "$expected"
	dnsmasq_show_relevant "$ns"
	[[ "$udp" == "$expected" ]] || { dt_fail "UDP was $udp, expected $expected" || rc=1; }
	[[ "$tcp" == "$expected" ]] || { dt_fail "TCP was $tcp, expected $expected" || rc=1; }
	[[ "$udp" == "$tcp" ]] || { dt_fail "UDP ($udp) and TCP ($tcp) decisions differ" || rc=1; }
	return "$rc"
}

# check_pod POD EXPECTED [v4|v6] [NAME]: a cell for a pod asking the node.
check_pod() {
	local pod=$1 expected=$2 family=${3:-v4} name=${4:-big.$ZONE} server
	server=$NODE_IP4
	[[ "$family" == v6 ]] && server=$NODE_IP6
	check_cell "$(topo_pod_var "$pod" NS)" "$server" "$expected" "$name"
}

# The dnsmasq log lines about this client, start-up and warnings.
dnsmasq_show_relevant() {
	local ns=$1 addrs
	addrs=$(ip -n "$ns" -o addr show | awk '{ sub("/.*", "", $4); print $4 }' |
		grep -vE '^(127\.|::1$|fe80:)' | paste -sd '|' -) || true
	printf -- '--- dnsmasq (%s), relevant log lines:\n' "${DNSMASQ_ARGS:-}"
	grep -E "started|listening|interface|warning|fail|error|refus|ignor|TCP|tcp${addrs:+|$addrs}" \
		"$DNSMASQ_LOG" 2>/dev/null | grep -vE ' is [0-9a-f.:]+$|refused to do a recursive query' | tail -n 40 || true
	if [[ -s "${DNSMASQ_OUT:-}" ]]; then
		printf -- '--- dnsmasq stderr:\n'
		tail -n 10 "$DNSMASQ_OUT"
	fi
	printf -- '--- end of dnsmasq log\n'
}

# ---------------------------------------------------------------------------
# dnsprobe: the client that says exactly what happened (tests/lib/dnsprobe).
#
# q_probe NS udp|tcp SERVER NAME [DNSPROBE OPTION...]: one query; sets
#   Q_OUT      everything dnsprobe printed
#   Q_OUTCOME  answered | closed | silent | no-listener | unreachable |
#              timeout | error
#   Q_HOW      for closed: eof-before-query, reset-after-query, ...
#   Q_RCODE    for answered: NOERROR, REFUSED, ...
#   Q_TC       for answered: 1 when the reply was truncated
#   Q_RECORDS  for answered: the answer records, one per line, sorted
DT_PROBE=$DT_LIB/dnsprobe

# shellcheck disable=SC2034 # the Q_* results are read by the tests
q_probe() {
	local ns=$1 proto=$2 server=$3 name=$4 head
	shift 4
	local -a probe_opts=(--timeout "$DT_UDP_TIMEOUT")
	[[ "$proto" == tcp ]] && probe_opts=(--tcp --timeout "$DT_TCP_TIMEOUT")
	Q_RC=0
	Q_OUT=$(ip netns exec "$ns" "$DT_PROBE" "${probe_opts[@]}" "$@" "$server" "$name" 2>&1) || Q_RC=$?
	printf '$ (%s) dnsprobe %s %s %s %s\n' "$(q_ns_label "$ns")" "$proto" "$*" "$server" "$name"
	head=$(head -n 1 <<<"$Q_OUT")
	Q_OUTCOME=$(q_probe_word outcome "$head")
	Q_RCODE=$(q_probe_word rcode "$head")
	Q_TC=$(q_probe_word tc "$head")
	Q_HOW=
	[[ "$Q_OUTCOME" == closed ]] &&
		Q_HOW="$(q_probe_word how "$head")-$(q_probe_word when "$head")"
	Q_RECORDS=$(sed -n 's/^record //p' <<<"$Q_OUT")
	printf '    %s (%s records)\n' "$head" "$(grep -c . <<<"$Q_RECORDS" || true)"
}

# q_probe_word KEY LINE: the value of KEY=value in LINE (empty if absent).
q_probe_word() {
	sed -nE "s/(^|.* )$1=([^ ]*).*/\\2/p" <<<"$2"
}

# dt_udp_counters NS: "InDatagrams NoPorts" of the namespace's UDP stack
# (IPv4 and IPv6 added up): a datagram reached a socket, or found none.
dt_udp_counters() {
	# shellcheck disable=SC2016 # an awk program
	ip netns exec "$1" awk '
		$1 == "Udp:" && $2 ~ /^[0-9]+$/ { in4 = $2; noport4 = $3 }
		$1 == "Udp6InDatagrams" { in6 = $2 }
		$1 == "Udp6NoPorts" { noport6 = $2 }
		END { print in4 + in6, noport4 + noport6 }
	' /proc/net/snmp /proc/net/snmp6
}
