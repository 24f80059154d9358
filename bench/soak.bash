# shellcheck shell=bash
#
# The soak section of bench/run (sourced after bench/lib.bash): what pod
# churn leaves behind.  Every binary runs at once, each on a port of its
# own on the wildcard address, through BENCH_SOAK_CYCLES pod create/delete
# cycles (batches of SOAK_BATCH cali veths made, one TCP query to each
# dnsmasq, deleted, one more TCP query each: stock enumerates on each TCP
# connection, ours after each change).  At each count of cycles:
#   soak_rss_kb              resident set of the main process
#   soak_enum_main_us        main-process CPU per enumeration: a link change
#                            (an alias set on eth0), then one TCP connection
#   soak_conn_main_us        main-process CPU per TCP connection, no change
# and, with 0, 250 and 1000 live cali interfaces (BENCH_START_IFACES):
#   start_ms                 from exec to listening on TCP and UDP
#   start_cpu_ms             the main process's CPU until then
# CPU comes from /proc/PID/schedstat (nanoseconds, main thread only).
# Samples go to $BENCH_OUT/soak.tsv: <count> TAB <label> TAB <metric> TAB <value>

SOAK_BATCH=100
SOAK_MADE=0 # cali veths made so far by the soak (their names are numbered)

soak_sample() {
	printf '%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_OUT/soak.tsv"
}

# main_ns PID: the main thread's CPU time so far, ns.
main_ns() {
	cut -d' ' -f1 "/proc/$1/schedstat"
}

soak_port() {
	printf '%s\n' "$((5300 + $1))"
}

# soak_start I: binary I on its own port (the suite's starter,
# tests/lib/daemons.bash); sets SOAK_PID[I].
soak_start() {
	local i=$1
	DT_WAIT_TIMEOUT=30 dnsmasq_start --bin "${BINS[$i]}" --no-debug forking --port="$(soak_port "$i")" >&2
	SOAK_PID[i]=$DNSMASQ_PID
}

# soak_query_all: one TCP query to each dnsmasq.
soak_query_all() {
	local i
	for i in "${!BINS[@]}"; do
		ip netns exec "$NODE_NS" dig +tcp +short +time=5 +tries=1 -p "$(soak_port "$i")" \
			@"$NODE_IP4" "$QNAME" A >/dev/null || true
	done
}

soak_cali_name() {
	printf 'calis%010x\n' "$1"
}

soak_calis_are() {
	local n
	n=$(ip -n "$NODE_NS" -6 -o addr show scope link | awk '$2 ~ /^calis/ { n++ } END { print n + 0 }')
	[[ "$n" -eq "$1" ]]
}

# soak_cycles N: N more pods come and go, SOAK_BATCH at a time.
soak_cycles() {
	local n=$1 done=0 k i add del first
	while ((done < n)); do
		k=$((n - done < SOAK_BATCH ? n - done : SOAK_BATCH))
		add='' del='' first=$SOAK_MADE
		for ((i = first; i < first + k; i++)); do
			add+="link add $(soak_cali_name "$i") address $CALI_MAC type veth peer name s$i netns $SINK_NS"$'\n'
			add+="link set $(soak_cali_name "$i") up"$'\n'
			del+="link del $(soak_cali_name "$i")"$'\n'
		done
		ip -n "$NODE_NS" -batch - <<<"$add"
		for ((i = first; i < first + k; i++)); do
			printf 'link set s%s up\n' "$i"
		done | ip -n "$SINK_NS" -batch -
		dt_wait_until 60 soak_calis_are "$k" >/dev/null || bench_say "soak: not every cali got its address"
		soak_query_all
		ip -n "$NODE_NS" -batch - <<<"$del"
		dt_wait_until 60 soak_calis_are 0 >/dev/null || bench_say "soak: calis still there"
		soak_query_all
		SOAK_MADE=$((SOAK_MADE + k))
		done=$((done + k))
	done
}

# soak_measure CYCLES: the three measurements of every binary.
soak_measure() {
	local c=$1 i pid before line conns j
	for i in "${!BINS[@]}"; do
		pid=${SOAK_PID[i]}
		soak_sample "$c" "${LABELS[i]}" soak_rss_kb "$(rss_kb "$pid")"
		before=$(main_ns "$pid")
		for ((j = 0; j < SOAK_ENUMS; j++)); do
			ip -n "$NODE_NS" link set dev eth0 alias "soak$j"
			in_ns "$NODE_NS" "$TCPQ" -s "$NODE_IP4" -p "$(soak_port "$i")" -q "$QNAME" -c 1 -n 1 -d 5 >/dev/null || true
		done
		soak_sample "$c" "${LABELS[i]}" soak_enum_main_us \
			"$(awk -v d="$(($(main_ns "$pid") - before))" -v n="$SOAK_ENUMS" 'BEGIN { printf "%.1f\n", d / n / 1000 }')"
		before=$(main_ns "$pid")
		line=$(in_ns "$NODE_NS" "$TCPQ" -s "$NODE_IP4" -p "$(soak_port "$i")" -q "$QNAME" -c 1 -d "$BENCH_SECS") || true
		conns=$(kv conns "$line")
		if [[ -n "$conns" && "$conns" != 0 ]]; then
			soak_sample "$c" "${LABELS[i]}" soak_conn_main_us \
				"$(awk -v d="$(($(main_ns "$pid") - before))" -v n="$conns" 'BEGIN { printf "%.1f\n", d / n / 1000 }')"
		fi
	done
	ip -n "$NODE_NS" link set dev eth0 alias ""
}

# soak_startup N: start every binary SOAK_STARTS times with N live calis.
soak_startup() {
	local n=$1 i r t0 pid
	set_ifaces "$n"
	for ((r = 0; r < SOAK_STARTS; r++)); do
		for i in "${!BINS[@]}"; do
			t0=$(dt_now_ms)
			soak_start "$i"
			pid=${SOAK_PID[i]}
			soak_sample "$n" "${LABELS[i]}" start_ms "$(($(dt_now_ms) - t0))"
			soak_sample "$n" "${LABELS[i]}" start_cpu_ms \
				"$(awk -v d="$(main_ns "$pid")" 'BEGIN { printf "%.2f\n", d / 1e6 }')"
			dt_daemon_stop "$pid"
		done
	done
}

run_soak() {
	local c prev=0 i t0
	SOAK_PID=()
	: >"$BENCH_OUT/soak.tsv"
	set_ifaces 0
	for i in "${!BINS[@]}"; do
		soak_start "$i"
	done
	for c in $BENCH_SOAK_CYCLES; do
		t0=$(date +%s)
		soak_cycles "$((c - prev))"
		bench_say "soak: $c pod create/delete cycles ($(($(date +%s) - t0)) s for the last $((c - prev)))"
		soak_sample "$c" all soak_cycle_secs "$(($(date +%s) - t0))"
		prev=$c
		soak_measure "$c"
	done
	for i in "${!BINS[@]}"; do
		dt_daemon_stop "${SOAK_PID[i]}"
	done
	for c in $BENCH_START_IFACES; do
		soak_startup "$c"
	done
}
