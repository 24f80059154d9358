# shellcheck shell=bash
#
# Real clients, run inside a namespace, and the words we judge them by.
#
# Every query prints a transcript (the command and what the client said),
# so a failing bats test shows it.  Results are left in globals, not echoed
# through $(...), so the transcript still reaches the test's output:
#   Q_OUT       everything the client printed
#   Q_RC        its exit status
#   Q_DECISION  answered | no-answer | other
#               answered:  a DNS response with status NOERROR came back
#                          (a UDP reply with the TC bit counts: it was answered)
#               no-answer: no response at all (timed out, closed, reset):
#                          never a refusal, which only dnsprobe and the
#                          node's counters can prove (cell_udp, cell_tcp)
#               other:     a response with another status, or nonsense
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
		Q_DECISION=no-answer
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
# client, each judged by dnsprobe (tests/lib/dnsprobe) on positive evidence:
#
#   answered  NOERROR with the expected number of answer records (over UDP a
#             truncated reply, TC set, counts: it was answered);
#   refused   UDP: no reply, AND the node's UDP InDatagrams rose (the
#             datagram reached a socket) AND NoPorts did not (that socket was
#             not missing) AND OutDatagrams did not (nothing was sent back);
#             TCP: the connection was accepted, then closed before we sent
#             the query (or reset after it, our query left unread).  Never
#             "no listener", "unreachable", "timeout" or EOF after the query.
# After every cell: the dnsmasq we started is alive and answers a control
# client over UDP and TCP (CELL_CONTROL="NS SERVER", default the LAN client
# 192.0.2.10 asking 192.0.2.1).
#
# check_cell CLIENT_NS SERVER EXPECTED [NAME] [EXPECTED_TCP]
#   EXPECTED is answered or refused, for both protocols unless EXPECTED_TCP
#   names TCP's own.  Sets CELL_UDP and CELL_TCP to what was seen.
check_cell() {
	local ns=$1 server=$2 expected=$3 name=${4:-big.$ZONE} rc=0
	local expected_tcp=${5:-$3}
	cell_udp "$ns" "$server" "$name" "$expected"
	cell_tcp "$ns" "$server" "$name" "$expected_tcp"
	printf 'UDP: %s   TCP: %s   expected: %s/%s\n' "$CELL_UDP" "$CELL_TCP" "$expected" "$expected_tcp"
	dnsmasq_show_relevant "$ns"
	cell_signatures
	[[ "$CELL_UDP" == "$expected" ]] || { dt_fail "UDP was $CELL_UDP, expected $expected${CELL_UDP_WHY:+ ($CELL_UDP_WHY)}" || rc=1; }
	[[ "$CELL_TCP" == "$expected_tcp" ]] || { dt_fail "TCP was $CELL_TCP, expected $expected_tcp${CELL_TCP_WHY:+ ($CELL_TCP_WHY)}" || rc=1; }
	cell_after || rc=1
	return "$rc"
}

# check_pod POD EXPECTED [v4|v6] [NAME] [EXPECTED_TCP]: a cell for a pod
# asking the node.
check_pod() {
	local pod=$1 expected=$2 family=${3:-v4} name=${4:-big.$ZONE} server
	server=$NODE_IP4
	[[ "$family" == v6 ]] && server=$NODE_IP6
	check_cell "$(topo_pod_var "$pod" NS)" "$server" "$expected" "$name" "${5:-$2}"
}

# Seconds dnsprobe waits for a UDP reply that should not come: the node's
# counters prove the drop, so this need not be long.
: "${DT_UDP_DROP_TIMEOUT:=1}"

# dt_expected_records NAME: how many answer records NAME has upstream.
dt_expected_records() {
	case "$1" in
	"small.$ZONE") echo 1 ;;
	"big.$ZONE") echo "$BIG_COUNT" ;;
	"huge.$ZONE") echo "$HUGE_COUNT" ;;
	"big6.$ZONE") echo "$BIG6_COUNT" ;;
	*) echo any ;;
	esac
}

dt_query_type() {
	[[ "$1" == "big6.$ZONE" ]] && echo AAAA || echo A
}

# q_answered_fully NAME TCP(0|1): Q_* hold a NOERROR reply with all of
# NAME's records (a UDP reply may be truncated instead).  Sets Q_WHY.
q_answered_fully() {
	local name=$1 tcp=$2 want n
	want=$(dt_expected_records "$name")
	n=$(grep -c . <<<"$Q_RECORDS" || true)
	Q_WHY=
	if [[ "$Q_OUTCOME" != answered ]]; then
		Q_WHY="dnsprobe: $(head -n 1 <<<"$Q_OUT")"
	elif [[ "$Q_RCODE" != NOERROR ]]; then
		Q_WHY="rcode $Q_RCODE"
	elif [[ "$tcp" == 0 && "$Q_TC" == 1 ]]; then
		return 0
	elif [[ "$tcp" == 1 && "$Q_TC" == 1 ]]; then
		Q_WHY="truncated reply over TCP"
	elif [[ "$want" != any && "$n" != "$want" ]]; then
		Q_WHY="$n answer records, expected $want"
	elif [[ "$want" == any && "$n" == 0 ]]; then
		Q_WHY="no answer records"
	fi
	[[ -z "$Q_WHY" ]]
}

# cell_udp NS SERVER NAME EXPECTED: sets CELL_UDP (answered | refused |
# what was seen instead) and CELL_UDP_WHY.
cell_udp() {
	local ns=$1 server=$2 name=$3 expected=$4 timeout
	local -a b a
	timeout=$DT_UDP_TIMEOUT
	[[ "$expected" == refused ]] && timeout=$DT_UDP_DROP_TIMEOUT
	read -r -a b <<<"$(dt_udp_counters "$NODE_NS")"
	q_probe "$ns" udp "$server" "$name" --type "$(dt_query_type "$name")" --timeout "$timeout"
	read -r -a a <<<"$(dt_udp_counters "$NODE_NS")"
	# A client on the node itself sends its query from there.
	[[ "$ns" == "$NODE_NS" ]] && ((b[2] += 1))
	printf '    node UDP InDatagrams NoPorts OutDatagrams: before %s, after %s\n' "${b[*]}" "${a[*]}"
	CELL_UDP_WHY=
	if q_answered_fully "$name" 0; then
		CELL_UDP=answered
	elif [[ "$Q_OUTCOME" == answered ]]; then
		CELL_UDP="answered-wrongly"
		CELL_UDP_WHY=$Q_WHY
	elif [[ "$Q_OUTCOME" != silent ]]; then
		CELL_UDP=$Q_OUTCOME
	elif ((a[0] <= b[0])); then
		CELL_UDP=lost
		CELL_UDP_WHY="no reply, and the datagram never reached a socket on the node"
	elif ((a[1] > b[1])); then
		CELL_UDP=no-listener
		CELL_UDP_WHY="no reply; the node counted it as NoPorts (nothing bound)"
	elif ((a[2] > b[2])); then
		CELL_UDP=reply-lost
		CELL_UDP_WHY="no reply arrived, but the node sent a datagram"
	else
		CELL_UDP=refused
	fi
}

# cell_tcp NS SERVER NAME EXPECTED: sets CELL_TCP (answered | refused |
# what was seen instead) and CELL_TCP_WHY.
cell_tcp() {
	local ns=$1 server=$2 name=$3
	q_probe "$ns" tcp "$server" "$name" --type "$(dt_query_type "$name")"
	if [[ "$Q_OUTCOME" == closed && "$Q_HOW" == eof-after-query ]]; then
		# Closed after the query was sent: read and dropped, or refused at
		# accept later than dnsprobe watched for (0.2 s; a loaded machine
		# took longer). Ask again, watching two seconds: a refusal at
		# accept then shows as one, a drop after the query as before.
		q_probe "$ns" tcp "$server" "$name" --type "$(dt_query_type "$name")" --early 2
	fi
	CELL_TCP_WHY=
	CELL_TCP_HOW=$Q_HOW
	if q_answered_fully "$name" 1; then
		CELL_TCP=answered
	elif [[ "$Q_OUTCOME" == answered ]]; then
		CELL_TCP="answered-wrongly"
		CELL_TCP_WHY=$Q_WHY
	elif [[ "$Q_OUTCOME" == closed ]]; then
		case "$Q_HOW" in
		eof-before-query | reset-before-query | reset-after-query) CELL_TCP=refused ;;
		*)
			CELL_TCP="closed-$Q_HOW"
			CELL_TCP_WHY="dnsmasq read the query and closed without a reply"
			;;
		esac
	else
		CELL_TCP=$Q_OUTCOME
		case "$Q_OUTCOME" in
		timeout) CELL_TCP_WHY="connection left open (or never set up) until the client gave up" ;;
		no-listener) CELL_TCP_WHY="nothing listening: RST to the SYN" ;;
		unreachable) CELL_TCP_WHY="no route" ;;
		esac
	fi
}

# After a cell: dnsmasq is alive and still answers the control client.
cell_after() {
	local control=${CELL_CONTROL:-$LAN_NS $NODE_IP4} cns cserver rc=0
	read -r cns cserver <<<"$control"
	if [[ -n "${DNSMASQ_PID:-}" ]] && ! dt_pid_alive "$DNSMASQ_PID"; then
		dt_fail "dnsmasq (pid $DNSMASQ_PID) is gone after the cell"
		return 1
	fi
	q_probe "$cns" udp "$cserver" "small.$ZONE"
	q_answered_fully "small.$ZONE" 0 ||
		{ dt_fail "control query (UDP, $(q_ns_label "$cns") -> $cserver) not answered: $Q_WHY" || rc=1; }
	q_probe "$cns" tcp "$cserver" "small.$ZONE" --early 0
	q_answered_fully "small.$ZONE" 1 ||
		{ dt_fail "control query (TCP, $(q_ns_label "$cns") -> $cserver) not answered: $Q_WHY" || rc=1; }
	return "$rc"
}

# The shapes a bug gives a cell, recorded for tests/run's XFAIL judgement
# (dt_xfail_signature): only a failure of that shape is the bug's.
# A dnsmasq that died is no bug's signature: its closed connections are not
# decisions.
cell_signatures() {
	if [[ -n "${DNSMASQ_PID:-}" ]] && ! dt_pid_alive "$DNSMASQ_PID"; then
		return 0
	fi
	if [[ "$CELL_UDP" == answered && "$CELL_TCP" == refused && "$CELL_TCP_HOW" == eof-before-query ]]; then
		dt_xfail_signature bug:calico-tcp "UDP answered, TCP closed at accept ($CELL_TCP_HOW)"
	fi
	if [[ "$CELL_UDP" == refused && "$CELL_TCP" == timeout ]]; then
		dt_xfail_signature bug:local-service-tcp-leak "UDP refused, TCP connection left open until the client gave up"
	fi
	if [[ "$CELL_UDP" == refused && "$CELL_TCP" == answered ]]; then
		dt_xfail_signature bug:bind-dynamic-parity "UDP refused (dropped by dnsmasq), TCP answered"
		dt_xfail_signature bug:ipv6-bind-interfaces-parity "UDP refused (dropped by dnsmasq), TCP answered"
	fi
	return 0
}

# dt_diagnose_cell NS SERVER [NAME]: after a real client failed, the same
# query by dnsprobe over UDP and TCP, for its bug signature only (no
# verdict): tells "TCP closed at accept" from anything else.
dt_diagnose_cell() {
	local ns=$1 server=$2 name=${3:-big.$ZONE}
	printf -- '--- diagnosis: the same query from %s by dnsprobe\n' "$(q_ns_label "$ns")"
	cell_udp "$ns" "$server" "$name" answered
	cell_tcp "$ns" "$server" "$name" answered
	printf 'UDP: %s   TCP: %s\n' "$CELL_UDP" "$CELL_TCP"
	cell_signatures
}

# dt_diagnose_failed_test SERVER POD...: in a teardown, after a test that
# failed while its dnsmasq still runs: each pod's cell by dnsprobe, so that
# a real client's failure is told to be the bug's (TCP closed at accept) or
# not.
dt_diagnose_failed_test() {
	local server=$1 pod
	shift
	[[ -z "${BATS_TEST_COMPLETED:-}" && -n "${DNSMASQ_PID:-}" ]] || return 0
	dt_pid_alive "$DNSMASQ_PID" || return 0
	for pod in "$@"; do
		dt_diagnose_cell "$(topo_pod_var "$pod" NS)" "$server"
	done
}

# dt_xfail_signature TAG WHAT: this test saw bug TAG's own failure (WHAT).
# Under tests/run a line goes to $DT_RUN_DIR/signatures; a test that
# carries TAG and fails on a stock build counts as XFAIL only with it.
dt_xfail_signature() {
	printf 'signature %s: %s\n' "$1" "$2"
	[[ -n "${DT_RUN_DIR:-}" && -d "${DT_RUN_DIR:-}" ]] || return 0
	printf '%s\t%s\t%s\n' "${BATS_TEST_DESCRIPTION:-?}" "$1" "$2" >>"$DT_RUN_DIR/signatures"
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

# dt_udp_counters NS: "InDatagrams NoPorts OutDatagrams" of the namespace's
# UDP stack (IPv4 and IPv6 added up): a datagram reached a socket, or found
# none; did anything there send one.
dt_udp_counters() {
	# shellcheck disable=SC2016 # an awk program
	ip netns exec "$1" awk '
		$1 == "Udp:" && $2 ~ /^[0-9]+$/ { in4 = $2; noport4 = $3; out4 = $5 }
		$1 == "Udp6InDatagrams" { in6 = $2 }
		$1 == "Udp6NoPorts" { noport6 = $2 }
		$1 == "Udp6OutDatagrams" { out6 = $2 }
		END { print in4 + in6, noport4 + noport6, out4 + out6 }
	' /proc/net/snmp /proc/net/snmp6
}
