# shellcheck shell=bash
#
# The benchmark's pieces, sourced by bench/run after tests/lib: the extra
# cali interfaces, dnsmasq without logging, the clients, CPU accounting and
# callgrind.  Every sample is one line of $BENCH_RAW:
#   <extra interfaces> TAB <round> TAB <binary label> TAB <metric> TAB <value>

POD_IP4=198.51.100.10
POD_IP6=2001:db8:2::10
QNAME=small.$ZONE
CLK_TCK=$(getconf CLK_TCK)
EXTRA_IFACES=0 # extra cali interfaces made so far

bench_say() {
	printf 'bench: %s\n' "$*" >&2
}

# sample N ROUND LABEL METRIC VALUE: an empty VALUE (the client failed or
# hung) is left out, and noted in failures.txt.  $SAMPLE_PREFIX, if set,
# goes before the metric's name (the paired runs: pair_).
sample() {
	if [[ -z "${5:-}" ]]; then
		printf '%s extra interfaces, round %s, %s: no %s\n' "$1" "$2" "$3" "$4" >>"$BENCH_OUT/failures.txt"
		return 0
	fi
	printf '%s\t%s\t%s\t%s%s\t%s\n' "$1" "$2" "$3" "${SAMPLE_PREFIX:-}" "$4" "$5" >>"$BENCH_RAW"
}

# in_ns NS CMD...: run a client in NS, killed if it outlives its time
# (dnsperf 2.10 can hang in TCP mode once the server closed its connections).
# ${CLIENT_CPU[@]} (e.g. taskset -c 0), if set, goes before CMD.
in_ns() {
	local ns=$1
	shift
	timeout -k 3 "${CLIENT_LIMIT:-$((BENCH_SECS + 20))}" ip netns exec "$ns" \
		${CLIENT_CPU[@]+"${CLIENT_CPU[@]}"} "$@"
}

# ---------------------------------------------------------------------------
# Topology: the suite's node, LAN, upstream knotd and one pod, plus a sink
# namespace that holds the pod ends of the extra cali veths (one namespace
# per extra pod would cost minutes; the node cannot tell the difference).

bench_topology() {
	topo_cluster
	knot_start
	topo_pod bench "$POD_IP4" "$POD_IP6"
	dt_ns_new SINK_NS sink
	# Clients open thousands of connections: let their TIME_WAIT ports be
	# reused and widen the range, so no run runs out of ports.
	client_sysctls "$NODE_NS"
	client_sysctls "$(topo_pod_var bench NS)"
}

client_sysctls() {
	dt_ns_sysctl "$1" net.ipv4.tcp_tw_reuse=1
	dt_ns_sysctl "$1" 'net.ipv4.ip_local_port_range=1024 65000'
}

# extra_iface_name I: Calico's shape, "cali" + 11 hex digits.
extra_iface_name() {
	printf 'calib%010x\n' "$1"
}

# grow_ifaces N: make the node have N extra cali interfaces (up, with the
# fe80:: address every cali gets from Calico's MAC), in two ip batches.
grow_ifaces() {
	local want=$1 i node_batch sink_batch
	((want > EXTRA_IFACES)) || return 0
	node_batch=$(mktemp "$DT_STATE/node-batch.XXXXXX")
	sink_batch=$(mktemp "$DT_STATE/sink-batch.XXXXXX")
	for ((i = EXTRA_IFACES + 1; i <= want; i++)); do
		printf 'link add %s address %s type veth peer name e%d netns %s\n' \
			"$(extra_iface_name "$i")" "$CALI_MAC" "$i" "$SINK_NS" >>"$node_batch"
		printf 'link set %s up\n' "$(extra_iface_name "$i")" >>"$node_batch"
		printf 'link set e%d up\n' "$i" >>"$sink_batch"
	done
	ip -n "$NODE_NS" -batch "$node_batch"
	ip -n "$SINK_NS" -batch "$sink_batch"
	rm -f -- "$node_batch" "$sink_batch"
	dt_wait_until 120 extra_link_locals_are "$want"
	EXTRA_IFACES=$want
	bench_say "node has $want extra cali interfaces ($(node_address_count) addresses in all)"
}

# shrink_ifaces N: delete extra cali interfaces down to N (the peers go
# with them).
shrink_ifaces() {
	local want=$1 i batch
	((want < EXTRA_IFACES)) || return 0
	batch=$(mktemp "$DT_STATE/node-batch.XXXXXX")
	for ((i = want + 1; i <= EXTRA_IFACES; i++)); do
		printf 'link del %s\n' "$(extra_iface_name "$i")" >>"$batch"
	done
	ip -n "$NODE_NS" -batch "$batch"
	rm -f -- "$batch"
	dt_wait_until 120 extra_link_locals_are "$want"
	EXTRA_IFACES=$want
	bench_say "node has $want extra cali interfaces"
}

set_ifaces() {
	grow_ifaces "$1"
	shrink_ifaces "$1"
}

# The extra calis' link-local addresses exist (no DAD in our namespaces).
extra_link_locals_are() {
	local n
	n=$(ip -n "$NODE_NS" -6 -o addr show scope link | awk '$2 ~ /^calib/ { n++ } END { print n + 0 }')
	[[ "$n" -eq "$1" ]] || { printf '%s of %s link-local addresses\n' "$n" "$1"; return 1; }
}

node_address_count() {
	ip -n "$NODE_NS" -o addr show | wc -l
}

# ---------------------------------------------------------------------------
# dnsmasq on the node, as a service manager runs it (forking for TCP), in
# wildcard mode (the default), answering from its cache; no logging, which
# would cost more than what we measure.

# bench_dnsmasq_start BINARY STYLE [WRAPPER...]: the suite's starter
# (dnsmasq_start, tests/lib/daemons.bash) under WRAPPER (valgrind, taskset),
# then exactly one query before the measurements (callgrind subtracts
# runs).  STYLE: forking or no-daemon.  Sets BENCH_PID.
bench_dnsmasq_start() {
	local bin=$1 style=$2
	shift 2
	# shellcheck disable=SC2034 # read by dnsmasq_start
	local -a DNSMASQ_WRAP=("$@")
	if ! DT_WAIT_TIMEOUT=${BENCH_START_TIMEOUT:-10} dnsmasq_start --bin "$bin" --no-debug "$style" >&2 ||
		! dnsmasq_answers; then
		cat "$DNSMASQ_OUT" "$DNSMASQ_LOG" >&2 || true
		return 1
	fi
	BENCH_PID=$DNSMASQ_PID
	BENCH_DNSMASQ_DIR=$DNSMASQ_DIR
}

# The node's dnsmasq answers (and so has small.example in its cache).
dnsmasq_answers() {
	local out
	out=$(ip netns exec "$NODE_NS" dig +short +time=20 +tries=1 @"$NODE_IP4" "$QNAME" A) || true
	[[ "$out" == 192.0.2.200 ]]
}

bench_dnsmasq_stop() {
	dt_daemon_stop "$BENCH_PID"
	rm -rf -- "$BENCH_DNSMASQ_DIR"
	BENCH_PID=
}

# ---------------------------------------------------------------------------
# CPU accounting from /proc/<pid>/stat: the main process's utime+stime, and
# its reaped children's cutime+cstime, in clock ticks.

# cpu_ticks PID: "<main> <children>"
cpu_ticks() {
	local stat
	stat=$(cat "/proc/$1/stat")
	stat=${stat##*) }
	awk '{ print $12 + $13, $14 + $15 }' <<<"$stat"
}

# TCP children still running (not yet reaped, so not yet in cutime).
no_children() {
	[[ -z "$(cat "/proc/$1/task/$1/children" 2>/dev/null)" ]]
}

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# kv KEY LINE: the value of KEY=value in a tcpq line.
kv() {
	tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"
}

# ms_per_conn TICKS CONNS
ms_per_conn() {
	awk -v t="$1" -v n="$2" -v hz="$CLK_TCK" 'BEGIN { printf "%.4f\n", n ? t * 1000 / hz / n : 0 }'
}

# ---------------------------------------------------------------------------
# The measurements of one round for one binary.  $1..$3: N ROUND LABEL.

log_file() {
	printf '%s/logs/%s-ifaces.r%s.%s.%s.txt\n' "$BENCH_OUT" "$1" "$2" "$3" "$4"
}

queries_file() {
	local f=$BENCH_OUT/queries.txt
	[[ -f "$f" ]] || printf '%s A\n' "$QNAME" >"$f"
	printf '%s\n' "$f"
}

# dnsperf_qps NS LOG DNSPERF-ARGS...: queries per second, empty if none.
dnsperf_qps() {
	local ns=$1 log=$2 qps
	shift 2
	in_ns "$ns" dnsperf -s "$NODE_IP4" -d "$(queries_file)" -l "$BENCH_SECS" \
		-O suppress=timeout,unexpected "$@" >"$log" 2>&1 || true
	qps=$(awk '/Queries per second:/ { print $4 }' "$log")
	printf '%s\n' "$qps"
}

# UDP from the pod: queries/s, and the main process's CPU per query (the
# cost, less sensitive than the rate to what else the machine runs).
measure_udp() {
	local log before after
	log=$(log_file "$@" udp)
	read -r -a before <<<"$(cpu_ticks "$BENCH_PID")"
	sample "$@" udp_qps "$(dnsperf_qps "$(topo_pod_var bench NS)" "$log" -c 4 -q 200)"
	read -r -a after <<<"$(cpu_ticks "$BENCH_PID")"
	sample "$@" udp_main_cpu_us "$(awk -v t="$((after[0] - before[0]))" -v hz="$CLK_TCK" \
		'/Queries completed:/ { if ($3) printf "%.3f\n", t * 1e6 / hz / $3 }' "$log")"
}

# dnsmasq ends a TCP connection after 100 queries; dnsperf then reconnects.
measure_tcp_persistent() {
	sample "$@" tcp_persist_qps "$(dnsperf_qps "$NODE_NS" "$(log_file "$@" tcp-persistent)" \
		-m tcp -O num-queries-per-conn=100 -c 8 -q 64)"
}

# measure_tcp_new N ROUND LABEL WHERE: one client, a new connection per
# query, from the node (lo) or from the pod (via its cali).
measure_tcp_new() {
	local where=$4 ns=$NODE_NS before after line conns main child log
	[[ "$where" == pod ]] && ns=$(topo_pod_var bench NS)
	log=$(log_file "$1" "$2" "$3" "tcp-new-$where")
	read -r -a before <<<"$(cpu_ticks "$BENCH_PID")"
	line=$(in_ns "$ns" "$TCPQ" -s "$NODE_IP4" -q "$QNAME" -c 1 -d "$BENCH_SECS") || true
	dt_wait_until 5 no_children "$BENCH_PID" >/dev/null || true
	read -r -a after <<<"$(cpu_ticks "$BENCH_PID")"
	printf '%s\nticks before: %s after: %s\n' "$line" "${before[*]}" "${after[*]}" >"$log"
	if [[ -z "$line" ]]; then
		sample "$1" "$2" "$3" "tcp_new_${where}_*" ""
		return 0
	fi
	conns=$(kv conns "$line")
	main=$((after[0] - before[0]))
	child=$((after[1] - before[1]))
	sample "$1" "$2" "$3" "tcp_new_${where}_rate" "$(kv rate "$line")"
	sample "$1" "$2" "$3" "tcp_new_${where}_answered_pct" \
		"$(awk -v a="$(kv answered "$line")" -v n="$conns" 'BEGIN { printf "%.1f\n", n ? 100 * a / n : 0 }')"
	sample "$1" "$2" "$3" "tcp_new_${where}_p50_ms" "$(kv p50_ms "$line")"
	sample "$1" "$2" "$3" "tcp_new_${where}_p99_ms" "$(kv p99_ms "$line")"
	sample "$1" "$2" "$3" "tcp_new_${where}_main_cpu_ms" "$(ms_per_conn "$main" "$conns")"
	sample "$1" "$2" "$3" "tcp_new_${where}_child_cpu_ms" "$(ms_per_conn "$child" "$conns")"
}

# UDP from the pod while clients on the node open TCP connections as fast
# as they can.
measure_storm() {
	local out pid line
	out=$(log_file "$@" storm-tcp)
	in_ns "$NODE_NS" "$TCPQ" -s "$NODE_IP4" -q "$QNAME" -c "$STORM_CLIENTS" \
		-d "$BENCH_SECS" >"$out" 2>&1 &
	pid=$!
	dt_register_pid "$pid"
	sample "$@" storm_udp_qps "$(dnsperf_qps "$(topo_pod_var bench NS)" "$(log_file "$@" storm-udp)" -c 4 -q 200)"
	wait "$pid" || true
	dt_unregister pid "$pid"
	line=$(cat "$out")
	sample "$@" storm_tcp_rate "$(kv rate "$line")"
	dt_wait_until 5 no_children "$BENCH_PID" >/dev/null || true
}

# measure_round N ROUND LABEL BINARY
measure_round() {
	local n=$1 round=$2 label=$3 bin=$4
	bench_say "$n extra interfaces, round $round: $label"
	bench_dnsmasq_start "$bin" forking
	measure_udp "$n" "$round" "$label"
	measure_tcp_persistent "$n" "$round" "$label"
	measure_tcp_new "$n" "$round" "$label" node
	measure_tcp_new "$n" "$round" "$label" pod
	measure_storm "$n" "$round" "$label"
	sample "$n" "$round" "$label" rss_kb "$(rss_kb "$BENCH_PID")"
	bench_dnsmasq_stop
}

# ---------------------------------------------------------------------------
# callgrind: user-space instructions of dnsmasq --no-daemon (TCP handled in
# the main process).  Runs that differ only in what the client does are
# subtracted, so start-up and exit cancel out:
#   base:    2 connections, one query each
#   conns:   2 + CG_CONNS connections          -> per new TCP connection
#   persist: 2 connections, 51 queries each    -> per query on a kept connection
#   udp:     base + CG_UDP UDP queries         -> per UDP query
# (persist and udp at the smallest interface count only).  The kernel's
# share (netlink dump, ioctls) is not counted; the CPU times above have it.

# callgrind_run BINARY OUT CONNS QUERIES-PER-CONN UDP-QUERIES
callgrind_run() {
	local bin=$1 out=$2 conns=$3 per_conn=$4 udp=$5 pid
	# %p: a process dnsmasq forks must not overwrite the main one's file.
	BENCH_START_TIMEOUT=60 bench_dnsmasq_start "$bin" no-daemon \
		valgrind --tool=callgrind --callgrind-out-file="$out.%p"
	CLIENT_LIMIT=600 in_ns "$NODE_NS" "$TCPQ" -s "$NODE_IP4" -q "$QNAME" -c 1 \
		-n "$conns" -k "$per_conn" -d 600 -t 20000 >"$out.client"
	if ((udp > 0)); then
		CLIENT_LIMIT=600 in_ns "$NODE_NS" "$TCPQ" -u -s "$NODE_IP4" -q "$QNAME" -c 1 \
			-n "$udp" -d 600 -t 20000 >>"$out.client"
	fi
	pid=$BENCH_PID
	# TERM makes dnsmasq exit normally, and callgrind then writes its file.
	kill -TERM "$pid"
	dt_wait_until 60 dt_pid_gone "$pid" >/dev/null || true
	bench_dnsmasq_stop
	# ip netns exec execs valgrind, which runs dnsmasq in the same process.
	mv -f -- "$out.$pid" "$out" || { bench_say "callgrind wrote no $out.$pid"; return 1; }
}

# callgrind_total FILE: all instructions.
callgrind_total() {
	awk '/^(summary|totals):/ { print $2; exit }' "$1"
}

# callgrind_inclusive FILE FUNCTION: instructions in FUNCTION and callees
# (the largest of the lines naming it: a function split by the compiler
# shows up under more than one file name).
callgrind_inclusive() {
	callgrind_annotate --inclusive=yes --auto=no --threshold=100 "$1" 2>/dev/null |
		awk -v f="$2" '{ gsub(",", "", $1) }
			$0 ~ (":" f "( |$)") && $1 + 0 > max { max = $1 + 0 }
			END { if (max) print max }'
}

# per_unit A B UNITS: (B - A) / UNITS, empty if either is missing.
per_unit() {
	[[ -n "$1" && -n "$2" ]] || return 0
	printf '%s\n' $((($2 - $1) / $3))
}

# measure_callgrind N LABEL BINARY FULL
measure_callgrind() {
	local n=$1 label=$2 bin=$3 full=$4 f base
	f=$BENCH_OUT/callgrind/$n-ifaces.$label
	mkdir -p "$BENCH_OUT/callgrind"
	bench_say "callgrind, $n extra interfaces: $label"
	callgrind_run "$bin" "$f.base.out" 2 1 0
	callgrind_run "$bin" "$f.conns.out" $((2 + CG_CONNS)) 1 0
	base=$(callgrind_total "$f.base.out")
	sample "$n" 1 "$label" cg_instr_per_conn \
		"$(per_unit "$base" "$(callgrind_total "$f.conns.out")" "$CG_CONNS")"
	sample "$n" 1 "$label" cg_enum_instr_per_conn \
		"$(per_unit "$(callgrind_inclusive "$f.base.out" enumerate_interfaces)" \
			"$(callgrind_inclusive "$f.conns.out" enumerate_interfaces)" "$CG_CONNS")"
	((full)) || return 0
	callgrind_run "$bin" "$f.persist.out" 2 51 0
	sample "$n" 1 "$label" cg_tcp_persist_instr_per_query \
		"$(per_unit "$base" "$(callgrind_total "$f.persist.out")" 100)"
	callgrind_run "$bin" "$f.udp.out" 2 1 "$CG_UDP"
	sample "$n" 1 "$label" cg_udp_instr_per_query \
		"$(per_unit "$base" "$(callgrind_total "$f.udp.out")" "$CG_UDP")"
}

# ---------------------------------------------------------------------------
# Paired runs at 0 extra interfaces: does the series cost anything where it
# should cost nothing?  Ours and stock run back to back, dnsmasq on CPU 1
# and the clients on CPU 0, the order swapped every pair; bench/report takes
# the ratio within each pair, which cancels most of the machine's slower
# swings, then the median ratio and a bootstrap 95% interval.

# measure_pair PAIR LABEL BINARY
measure_pair() {
	local pair=$1 label=$2 bin=$3
	bench_say "0 extra interfaces, pair $pair: $label"
	bench_dnsmasq_start "$bin" forking taskset -c 1
	measure_udp 0 "$pair" "$label"
	measure_tcp_persistent 0 "$pair" "$label"
	measure_tcp_new 0 "$pair" "$label" node
	bench_dnsmasq_stop
}

# run_pairs PAIRS LABEL-A BINARY-A LABEL-B BINARY-B
run_pairs() {
	local pairs=$1 p
	local -a CLIENT_CPU=(taskset -c 0)
	local SAMPLE_PREFIX=pair_
	set_ifaces 0
	for ((p = 1; p <= pairs; p++)); do
		if ((p % 2)); then
			measure_pair "p$p" "$2" "$3"
			measure_pair "p$p" "$4" "$5"
		else
			measure_pair "p$p" "$4" "$5"
			measure_pair "p$p" "$2" "$3"
		fi
	done
}
