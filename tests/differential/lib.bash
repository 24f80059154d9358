# shellcheck shell=bash
# shellcheck disable=SC2154 # POD_p_* are exported by topo_pod
#
# The differential runner: one configuration row (tests/differential/corpus/
# ROW.row), the unpatched build ($DNSMASQ_STOCK) and ours ($DNSMASQ) run
# one after the other on the same topology, with the same configuration,
# the same events and the same cells (client x family x protocol x name).
# Every outcome is named by cellprobe; the row fails on any cell whose two
# outcomes differ unless intended.tsv lists that difference, and on any
# cell after which dnsmasq was dead.
#
# Topology (namespaces; documentation and link-local addresses only):
#
#   lan  192.0.2.10, 2001:db8:1::10 --- eth0 192.0.2.1, 2001:db8:1::1
#   vm   198.51.100.10/26, 2001:db8:122::10 -- vnet0 --+ virbr0 198.51.100.1/26,
#                                                        2001:db8:122::1/64 (bridge)
#   ct   198.51.100.70/26, 2001:db8:123::70 -- ctp0 ---+ lxcbr0 198.51.100.65/26,
#                                                        2001:db8:123::1/64 (bridge)
#   pod  198.51.100.200, 2001:db8:2::10 -- cali... (no IPv4; fe80:: only)
#   node: lo, nodelocaldns (169.254.20.10), up0 203.0.113.1
#   upstream 203.0.113.53 (knotd, zone example.)
#     203.0.113.99: "unreachable" route on the node (no route to it)
#     203.0.113.98: routed to the upstream namespace, which does not forward:
#                   every packet to it is dropped without a word (timeout)

DIFF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIFF_CORPUS_DIR=$DIFF_DIR/corpus
: "${DT_DIFF_UDP_TIMEOUT:=0.7}"
: "${DT_DIFF_TCP_TIMEOUT:=2}"
# full (default): every row; quick: only rows tagged "quick" (by hand).
: "${DT_DIFF_CORPUS:=full}"

VIRBR_IP4=198.51.100.1
VIRBR_IP6=2001:db8:122::1
VM_IP4=198.51.100.10
VM_IP6=2001:db8:122::10
LXCBR_IP4=198.51.100.65
LXCBR_IP6=2001:db8:123::1
CT_IP4=198.51.100.70
CT_IP6=2001:db8:123::70
DPOD_IP4=198.51.100.200
DPOD_IP6=2001:db8:2::10
NODELOCAL_IP4=169.254.20.10
UPSTREAM_UNREACHABLE=203.0.113.99
UPSTREAM_DROPPED=203.0.113.98
DHCP_MAC=52:54:00:00:00:42

# ---------------------------------------------------------------------------
# Topology

diff_topology() {
	topo_cluster
	knot_start
	ip -n "$NODE_NS" route add unreachable "$UPSTREAM_UNREACHABLE/32"
	ip -n "$NODE_NS" route add "$UPSTREAM_DROPPED/32" via "$UPSTREAM_IP4"
	# The LAN reaches everything on the node through it.
	ip -n "$LAN_NS" route add default via "$NODE_IP4"
	ip -n "$LAN_NS" -6 route add default via "$NODE_IP6"
	diff_bridge virbr0 52:54:00:00:01:01 "$VIRBR_IP4/26" "$VIRBR_IP6/64"
	diff_bridge lxcbr0 52:54:00:00:01:02 "$LXCBR_IP4/26" "$LXCBR_IP6/64"
	diff_guest VM_NS vm vnet0 virbr0 "$VM_IP4/26" "$VM_IP6/64" "$VIRBR_IP4" "$VIRBR_IP6"
	diff_guest CT_NS ct ctp0 lxcbr0 "$CT_IP4/26" "$CT_IP6/64" "$LXCBR_IP4" "$LXCBR_IP6"
	topo_pod p "$DPOD_IP4" "$DPOD_IP6"
	# NodeLocal DNSCache uses a dummy interface; a veth pair whose other
	# end stays in the node does the same where no dummy module is loaded.
	ip -n "$NODE_NS" link add nodelocaldns type veth peer name nodelocalpeer
	ip -n "$NODE_NS" addr add "$NODELOCAL_IP4/32" dev nodelocaldns
	ip -n "$NODE_NS" link set nodelocalpeer up
	ip -n "$NODE_NS" link set nodelocaldns up
}

# diff_bridge NAME MAC ADDR4 ADDR6: a bridge in the node, as libvirt/LXC
# make.  Its MAC is set, as libvirt does: otherwise the bridge takes the
# lowest of its ports' and changes it when a port comes or goes, and the
# guests' ARP caches point at a MAC nobody answers to.
diff_bridge() {
	ip -n "$NODE_NS" link add "$1" address "$2" type bridge forward_delay 0
	ip -n "$NODE_NS" addr add "$3" dev "$1"
	ip -n "$NODE_NS" addr add "$4" dev "$1" nodad
	ip -n "$NODE_NS" link set "$1" up
}

# diff_guest VAR PREFIX PORT BRIDGE ADDR4 ADDR6 GW4 GW6: a guest namespace
# whose eth0 is the peer of PORT, a port of BRIDGE.
diff_guest() {
	local var=$1 prefix=$2 port=$3 bridge=$4 ns
	dt_ns_new "$var" "$prefix"
	ns=${!var}
	dt_veth "$NODE_NS" "$port" "$ns" eth0
	ip -n "$NODE_NS" link set "$port" master "$bridge"
	ip -n "$ns" addr add "$5" dev eth0
	ip -n "$ns" addr add "$6" dev eth0 nodad
	ip -n "$ns" route add default via "$7"
	ip -n "$ns" -6 route add default via "$8"
}

# The clients: NAME NS SERVER4 SERVER6 (the address each asks by default).
diff_clients() {
	printf '%s\n' \
		"lan $LAN_NS $NODE_IP4 $NODE_IP6" \
		"vm $VM_NS $VIRBR_IP4 $VIRBR_IP6" \
		"ct $CT_NS $VIRBR_IP4 $VIRBR_IP6" \
		"host $NODE_NS 127.0.0.1 ::1" \
		"self $NODE_NS $NODE_IP4 $NODE_IP6" \
		"pod $POD_p_NS $NODE_IP4 $NODE_IP6"
}

# ---------------------------------------------------------------------------
# Corpus rows
#
# A row file: "key: value" lines (id, source, tags, style, upstream, args,
# names, extra, main, clients, server4, server6, events, checks), then
# optional sections "conf:" (dnsmasq.conf text) and "hosts:" (an addn-hosts
# file).  Placeholders in args and conf: %DIR% (the daemon's directory),
# %HOSTS% (the hosts file), %CALI% (the pod's cali interface).

# diff_row_get ROWFILE KEY: the value of KEY ("" when absent).
diff_row_get() {
	awk -v k="$2" '
		/^(conf|hosts):[ \t]*$/ { exit }
		index($0, k ":") == 1 { v = substr($0, length(k) + 2); sub(/^[ \t]+/, "", v); print v; exit }
	' "$1"
}

# diff_row_section ROWFILE conf|hosts: the section's lines.
diff_row_section() {
	awk -v s="$2:" '
		/^(conf|hosts):[ \t]*$/ { on = ($0 ~ "^" s); next }
		on { print }
	' "$1"
}

diff_row_file() {
	printf '%s/%s.row\n' "$DIFF_CORPUS_DIR" "$1"
}

# diff_row_selected ID: the row runs in this corpus (DT_DIFF_CORPUS).
diff_row_selected() {
	[[ "$DT_DIFF_CORPUS" == full ]] && return 0
	[[ " $(diff_row_get "$(diff_row_file "$1")" tags) " == *" $DT_DIFF_CORPUS "* ]]
}

diff_expand() {
	local s=$1
	s=${s//%DIR%/$DIFF_DAEMON_DIR}
	s=${s//%HOSTS%/$DIFF_DAEMON_DIR/hosts}
	s=${s//%CALI%/$POD_p_CALI}
	printf '%s\n' "$s"
}

# ---------------------------------------------------------------------------
# dnsmasq, started as the row says (dnsmasq_start, tests/lib/daemons.bash),
# without --log-queries --log-debug: with them our build logs more than
# stock, and without them it must behave as stock does.

# diff_dnsmasq_start BINARY ROWFILE [ENV...]: sets DNSMASQ_PID, DNSMASQ_LOG,
# DNSMASQ_OUT, DIFF_DAEMON_DIR.
diff_dnsmasq_start() {
	local bin=$1 row=$2 style upstream server dir
	shift 2
	# shellcheck disable=SC2034 # read by dnsmasq_start
	local -a extra DNSMASQ_ENV=("$@")
	style=$(diff_row_get "$row" style)
	upstream=$(diff_row_get "$row" upstream)
	case "${upstream:-ok}" in
	ok) server=$UPSTREAM_IP4 ;;
	unreachable) server=$UPSTREAM_UNREACHABLE ;;
	timeout) server=$UPSTREAM_DROPPED ;;
	none) server=none ;;
	*) printf 'unknown upstream mode: %s\n' "$upstream" >&2; return 1 ;;
	esac
	dir=$(dt_daemon_dir dnsmasq)
	DIFF_DAEMON_DIR=$dir
	diff_row_section "$row" hosts >"$dir/hosts"
	# dnsmasq reads the hosts file after it has become "nobody": every
	# directory of ours above it must let that user through (the runner's
	# directories are private).
	diff_let_others_through "$dir"
	chmod a+r "$dir/hosts"
	read -r -a extra <<<"$(diff_expand "$(diff_row_get "$row" args)")"
	DNSMASQ_CONF=$(diff_expand "$(diff_row_section "$row" conf)") DNSMASQ_DROPIN='' \
		dnsmasq_start --bin "$bin" --dir "$dir" --server "$server" --no-debug \
		"${style:-forking}" --dhcp-leasefile="$dir/leases" ${extra[@]+"${extra[@]}"} || return 1
	# A row whose hosts file dnsmasq could not read tests nothing of it.
	if grep -q 'failed to load names' "$DNSMASQ_LOG" 2>/dev/null; then
		dnsmasq_show_log
		printf 'dnsmasq could not read the row'"'"'s hosts file\n'
		return 1
	fi
}

# diff_let_others_through DIR: o+x on DIR and its parents up to the run's
# (or this file's) temporary directory: all of them are ours.
diff_let_others_through() {
	local d=$1 top=${DT_RUN_DIR:-$DT_STATE}
	while [[ "$d" == "$top" || "$d" == "$top"/* ]]; do
		chmod o+x "$d"
		d=${d%/*}
	done
}

# ---------------------------------------------------------------------------
# Cells

# diff_cells ROWFILE PHASE: "KEY NS PROTO SERVER NAME TYPE" lines, where KEY
# is PHASE/CLIENT/FAMILY/PROTO/NAME/TYPE.  At start every client asks the
# "names" (NAME or NAME/TYPE) over both families and protocols, and the
# "main" client (default vm) the "extra" items too; after an event every
# client asks the "after" items (default: the first of "names").
diff_cells() {
	local row=$1 phase=$2 names extra main only s4 s6
	local client ns srv4 srv6 fam server proto item name type
	names=$(diff_row_get "$row" names)
	extra=$(diff_row_get "$row" extra)
	if [[ "$phase" != start ]]; then
		names=$(diff_row_get "$row" after)
		[[ -n "$names" ]] || names=$(awk '{ print $1 }' <<<"$(diff_row_get "$row" names)")
		extra=
	fi
	main=$(diff_row_get "$row" main)
	only=$(diff_row_get "$row" clients)
	s4=$(diff_row_get "$row" server4)
	s6=$(diff_row_get "$row" server6)
	while read -r client ns srv4 srv6; do
		[[ -z "$only" || " $only " == *" $client "* ]] || continue
		for fam in v4 v6; do
			if [[ "$fam" == v4 ]]; then server=${s4:-$srv4}; else server=${s6:-$srv6}; fi
			[[ "$server" != - ]] || continue
			for proto in udp tcp; do
				for item in $names; do
					diff_cell_line "$phase" "$client" "$ns" "$fam" "$proto" "$server" "$item"
				done
				[[ "$client" == "${main:-vm}" ]] || continue
				for item in $extra; do
					diff_cell_line "$phase" "$client" "$ns" "$fam" "$proto" "$server" "$item"
				done
			done
		done
	done < <(diff_clients)
}

# A name may hold "{cell}": it becomes CLIENT-FAMILY-PROTO, one name per
# cell, so that dnsmasq never folds a query into an identical one still
# waiting on the upstream (whether it sends one more datagram is then
# timing, not a decision).
diff_cell_line() {
	local item=$7 name type
	name=${item%%/*}
	name=${name//\{cell\}/$2-$4-$5}
	type=A
	[[ "$item" == */* ]] && type=${item#*/}
	printf '%s/%s/%s/%s/%s/%s %s %s %s %s %s\n' "$2" "$1" "$4" "$5" "$name" "$type" \
		"$3" "$5" "$6" "$name" "$type"
}

# diff_probe_cells ROWFILE PHASE OUTFILE: run every cell, appending
# "KEY<TAB>OUTCOME<TAB>RAW" to OUTFILE.  UDP cells first, one at a time (a
# silent one is judged by the node's UDP counters; and a TCP answer cached
# first would change a later truncated UDP reply); then each client's TCP
# cells side by side, except with --no-daemon, where dnsmasq serves a TCP
# connection in its main process.  After an event TCP goes first: the
# first query after a link change is a TCP one, as in issue 11 (a UDP query
# first would have the main process look at the interfaces again).
diff_probe_cells() {
	local row=$1 phase=$2 out=$3 cells ns proto parallel=1 i=0
	local -a pids=() parts=()
	cells=$(diff_cells "$row" "$phase")
	[[ "$(diff_row_get "$row" style)" != no-daemon ]] || parallel=0
	local -a order=(udp tcp)
	[[ "$phase" == start ]] || order=(tcp udp)
	for proto in "${order[@]}"; do
		while read -r ns; do
			i=$((i + 1))
			parts+=("$out.part$i")
			if ((parallel)) && [[ "$proto" == tcp ]]; then
				diff_probe_batch "$cells" "$ns" "$proto" "$out.part$i" &
				pids+=("$!")
			else
				diff_probe_batch "$cells" "$ns" "$proto" "$out.part$i"
			fi
		done < <(awk '!seen[$2]++ { print $2 }' <<<"$cells")
	done
	for i in ${pids[@]+"${pids[@]}"}; do wait "$i" || true; done
	cat "${parts[@]}" >>"$out"
	rm -f -- "${parts[@]}"
}

# diff_probe_batch CELLS NS PROTO OUTFILE: NS's cells of one protocol.
diff_probe_batch() {
	awk -v ns="$2" -v p="$3" '$2 == ns && $3 == p { print $1, $3, $4, $5, $6 }' <<<"$1" |
		ip netns exec "$2" "$DIFF_DIR/cellprobe" --pid "$DNSMASQ_PID" \
			--udp-timeout "$DT_DIFF_UDP_TIMEOUT" --tcp-timeout "$DT_DIFF_TCP_TIMEOUT" >"$4"
}

# ---------------------------------------------------------------------------
# Events: each changes the node while dnsmasq runs; the cells are asked
# again after it.  diff_event_undo puts the node back for the next build.

diff_event() {
	case "$1" in
	link) ip -n "$NODE_NS" link add dx0 type veth peer name dx1 ;;
	addr)
		ip -n "$NODE_NS" addr add 198.51.100.2/26 dev virbr0
		sleep 0.3
		ip -n "$NODE_NS" addr del 198.51.100.2/26 dev virbr0
		;;
	rename)
		ip -n "$NODE_NS" link set vnet0 down
		ip -n "$NODE_NS" link set vnet0 name vnet0r
		ip -n "$NODE_NS" link set vnet0r up
		dt_wait_until "$DT_WAIT_TIMEOUT" diff_port_ready "$VM_NS" vnet0r
		;;
	port)
		ip -n "$NODE_NS" link add vnet7 type veth peer name vnet7p
		ip -n "$NODE_NS" link set vnet7 master virbr0 up
		sleep 0.3
		ip -n "$NODE_NS" link del vnet7
		;;
	overflow) diff_netlink_overflow 300 ;;
	*) printf 'unknown event: %s\n' "$1" >&2; return 1 ;;
	esac
	# dnsmasq reads netlink when it next wakes up; give it a moment.
	sleep 0.5
}

diff_event_undo() {
	case "$1" in
	link) ip -n "$NODE_NS" link del dx0 ;;
	rename)
		ip -n "$NODE_NS" link set vnet0r down
		ip -n "$NODE_NS" link set vnet0r name vnet0
		ip -n "$NODE_NS" link set vnet0 up
		dt_wait_until "$DT_WAIT_TIMEOUT" diff_port_ready "$VM_NS" vnet0
		;;
	*) ;;
	esac
}

# diff_paths_ready: every client reaches its server's addresses and back
# (tests/differential/pathcheck: the kernel's "port unreachable" from the
# discard port), so that a cell's silence is never the network's.
diff_paths_ready() {
	local client ns srv4 srv6
	while read -r client ns srv4 srv6; do
		dt_wait_until "$DT_WAIT_TIMEOUT" ip netns exec "$ns" "$DIFF_DIR/pathcheck" "$srv4" "$srv6" || {
			printf 'FAIL: client %s has no network path to %s %s: the topology, not dnsmasq\n' \
				"$client" "$srv4" "$srv6"
			return 1
		}
	done < <(diff_clients)
}

# diff_port_ready NS PORT: the guest in NS reaches the bridge through
# PORT.  After a port is created, or goes down and up, the kernel's link
# watcher marks both ends of the veth up and the bridge forwards on the
# port only some time later (up to a second, more under load); what the
# guest sends before then is dropped (seen: a VM's first UDP queries
# "lost" after the rename, a DHCP client's every DISCOVER unheard).
diff_port_ready() {
	ip -n "$NODE_NS" -o link show dev "$2" | grep -q 'state UP' &&
		ip -n "$1" -o link show dev eth0 | grep -q 'state UP' &&
		bridge -n "$NODE_NS" link show dev "$2" | grep -q 'state forwarding'
}

# diff_netlink_overflow N: dnsmasq stopped while N veth pairs come and go
# (more netlink messages than its socket buffer holds), then continued.
diff_netlink_overflow() {
	local n=$1 i batch
	batch=$(mktemp "$DT_STATE/batch.XXXXXX")
	for ((i = 0; i < n; i++)); do
		printf 'link add dxo%d type veth peer name dxp%d\n' "$i" "$i"
	done >"$batch"
	for ((i = 0; i < n; i++)); do
		printf 'link del dxo%d\n' "$i"
	done >>"$batch"
	kill -STOP "$DNSMASQ_PID"
	ip -n "$NODE_NS" -batch "$batch" || true
	kill -CONT "$DNSMASQ_PID"
	rm -f -- "$batch"
	sleep 0.5
}

# ---------------------------------------------------------------------------
# DHCPv4 and router advertisements, compared like the cells.

# diff_dhcp4 OUTFILE: a fresh client (its own namespace, a port of virbr0,
# a fixed MAC) runs busybox udhcpc once; its "bound" environment, minus
# nothing that depends on time, is appended as cells.
diff_dhcp4() {
	local out=$1 ns script result
	dt_ns_new DHCP_NS dhcp
	ns=$DHCP_NS
	ip -n "$NODE_NS" link add vnetd type veth peer name eth0 netns "$ns"
	ip -n "$NODE_NS" link set vnetd master virbr0 up
	ip -n "$ns" link set eth0 address "$DHCP_MAC" up
	dt_wait_until "$DT_WAIT_TIMEOUT" diff_port_ready "$ns" vnetd
	script=$(mktemp "$DT_STATE/udhcpc-script.XXXXXX")
	result=$(mktemp "$DT_STATE/udhcpc-result.XXXXXX")
	# shellcheck disable=SC2016 # for the script udhcpc runs
	printf '#!/bin/sh\n[ "$1" = bound ] || exit 0\nfor v in ip subnet router dns domain lease serverid hostname; do eval "printf \\"%%s=%%s\\\\n\\" $v \\"\\$$v\\""; done >%s\n' \
		"$result" >"$script"
	chmod +x "$script"
	ip netns exec "$ns" busybox udhcpc -i eth0 -f -q -n -t 4 -T 1 -A 1 -s "$script" >/dev/null 2>&1 || true
	if [[ ! -s "$result" ]] && ! grep -q "DHCPDISCOVER(virbr0) $DHCP_MAC" "$DNSMASQ_LOG"; then
		# No lease, and dnsmasq never heard the client: the network's
		# silence, not dnsmasq's answer.
		printf 'dhcp4/lease\tclient-unheard\tudhcpc\n' >>"$out"
	elif [[ -s "$result" ]]; then
		# shellcheck disable=SC2016 # an awk program
		awk '{ v = substr($0, index($0, "=") + 1); sub(/=.*/, "")
			print "dhcp4/" $0 "\t" (v == "" ? "-" : v) "\tudhcpc" }' "$result" >>"$out"
	else
		printf 'dhcp4/lease\tno-lease\tudhcpc\n' >>"$out"
	fi
	rm -f -- "$script" "$result"
	ip -n "$NODE_NS" link del vnetd 2>/dev/null || true
	dt_ns_destroy "$ns"
	dt_unregister ns "$ns"
}

# diff_ra OUTFILE: rdisc6 in the VM asks for a router advertisement; its
# report (without the sender line, the same in both runs anyway) is a cell.
diff_ra() {
	local out=$1 text
	text=$(ip netns exec "$VM_NS" rdisc6 -1 -r 3 -w 1000 eth0 2>&1 |
		grep -vE '^ *from |^Soliciting' | sed 's/  */ /g' | paste -sd '|' -) || true
	printf 'ra/vm\t%s\trdisc6\n' "${text:-no-advertisement}" >>"$out"
}

# ---------------------------------------------------------------------------
# One build over one row.

# diff_run_build LABEL BINARY ROWFILE OUTFILE [ENV...]
diff_run_build() {
	local label=$1 bin=$2 row=$3 out=$4 ev check
	shift 4
	local -a events
	read -r -a events <<<"$(diff_row_get "$row" events)"
	: >"$out"
	printf '# %s: %s\n' "$label" "$bin"
	diff_dnsmasq_start "$bin" "$row" "$@" || {
		printf 'start\tDEAD\tdnsmasq did not start\n' >>"$out"
		return 0
	}
	diff_paths_ready || return 1
	diff_probe_cells "$row" start "$out"
	for ev in ${events[@]+"${events[@]}"}; do
		dt_pid_alive "$DNSMASQ_PID" || break
		diff_event "$ev"
		diff_paths_ready || return 1
		diff_probe_cells "$row" "after-$ev" "$out"
	done
	for check in $(diff_row_get "$row" checks); do
		case "$check" in
		dhcp4) diff_dhcp4 "$out" ;;
		ra) diff_ra "$out" ;;
		*) printf 'unknown check: %s\n' "$check" >&2; return 1 ;;
		esac
	done
	dt_pid_alive "$DNSMASQ_PID" || printf 'end\tDEAD\tdnsmasq is gone\n' >>"$out"
	cp "$DNSMASQ_LOG" "$out.log" 2>/dev/null || true
	dnsmasq_stop
	for ((ev = ${#events[@]} - 1; ev >= 0; ev--)); do
		diff_event_undo "${events[ev]}"
	done
}

# ---------------------------------------------------------------------------
# Comparison

# diff_intended ROW CLIENT/FAMILY PROTO STOCK OURS OURS_UDP: the difference
# is listed in intended.tsv, its outcomes resolved through its tag
# (tests/facts intended: config, client, protocol, stock, ours, tag; client
# "pod" matches every family, "pod/v6" one; bash patterns allowed).  Ours
# "=udp": our TCP answer has the rcode our UDP answer to the same cell has
# (any rcode when UDP got none): answer parity.
diff_intended() {
	local row=$1 cf=$2 proto=$3 stock=$4 ours=$5 udp=$6 r c p s o
	[[ -n "${DIFF_INTENDED_ROWS:-}" ]] || DIFF_INTENDED_ROWS=$("$DIFF_DIR/../facts" intended)
	while IFS=$'\t' read -r r c p s o _; do
		# shellcheck disable=SC2053 # the table's fields are patterns
		[[ "$row" == $r ]] || continue
		# shellcheck disable=SC2053
		[[ "$cf" == $c || "${cf%/*}" == $c ]] || continue
		# shellcheck disable=SC2053
		[[ "$proto" == $p && "$stock" == $s ]] || continue
		if [[ "$o" == =udp ]]; then
			diff_same_rcode "$ours" "$udp" || continue
		else
			# shellcheck disable=SC2053
			[[ "$ours" == $o ]] || continue
		fi
		return 0
	done <<<"$DIFF_INTENDED_ROWS"
	return 1
}

# diff_same_rcode TCP UDP: TCP answered, with UDP's rcode if UDP answered.
diff_same_rcode() {
	local tcp=$1 udp=$2
	[[ "$tcp" == answered:* ]] || return 1
	[[ "$udp" == answered:* ]] || return 0
	tcp=${tcp#answered:}
	udp=${udp#answered:}
	[[ "${tcp%%:*}" == "${udp%%:*}" ]]
}

# diff_short OUTCOME: a table-sized form of an outcome.
diff_short() {
	local o=$1 rest n
	case "$o" in
	answered:*)
		rest=${o#answered:}
		n=$(awk -F'|' '{ print ($NF == "" && NF == 1) ? 0 : NF }' <<<"${rest#*:}")
		[[ "${rest#*:}" == "" ]] && n=0
		printf '%s/%s\n' "${rest%%:*}" "$n"
		;;
	*) printf '%s\n' "${o:0:24}" ;;
	esac
}

# diff_compare ROW STOCKFILE OURSFILE: print the full table (every cell,
# both outcomes); fail on a DEAD cell or on a difference intended.tsv does
# not list.  Marks: "=" same, "intended", "FAIL ...".
diff_compare() {
	local row=$1 sf=$2 of=$3 key s o mark rc=0 cf fam proto
	local -A stock=() ours=()
	while IFS=$'\t' read -r key s _; do stock[$key]=$s; done <"$sf"
	while IFS=$'\t' read -r key o _; do ours[$key]=$o; done <"$of"
	for key in "${!ours[@]}"; do [[ -v "stock[$key]" ]] || stock[$key]=missing; done
	for key in $(printf '%s\n' "${!stock[@]}" | sort -V); do
		s=${stock[$key]}
		o=${ours[$key]:-missing}
		mark="="
		if [[ "$s" == DEAD || "$o" == DEAD ]]; then
			mark="FAIL:dead"
			rc=1
		elif [[ "$s" != "$o" ]]; then
			IFS=/ read -r cf _ fam proto _ <<<"$key"
			if [[ "$key" == */*/*/*/*/* ]] &&
				diff_intended "$row" "$cf/$fam" "$proto" "$s" "$o" "${ours[${key/\/tcp\//\/udp\/}]:-}"; then
				mark="intended"
			else
				mark="FAIL:differs"
				rc=1
			fi
		fi
		printf '%s\t%s\t%s\t%s\n' "$key" "$mark" "$s" "$o"
	done
	return "$rc"
}

# diff_summary TABLE: the compact form: per client/family/protocol (or
# check), how many cells, their outcomes (short, stock's), and the cells
# that differ in full.
diff_summary() {
	# shellcheck disable=SC2016 # an awk program
	awk -F'\t' '
		function short(o,   a, n, r) {
			if (o !~ /^answered:/) return o
			n = split(o, a, ":")
			r = a[2]
			if (a[3] == "tc") { r = r "+tc"; a[3] = a[4] }
			return r "/" (a[3] == "" ? 0 : split(a[3], x, "|"))
		}
		{
			split($1, k, "/")
			group = (k[3] != "" && k[4] != "") ? k[1] "/" k[3] "/" k[4] : k[1]
			if (!(group in n)) order[++groups] = group
			n[group]++
			so = short($3)
			if (!((group, so) in seen)) { seen[group, so] = 1; outs[group] = outs[group] " " so }
			if ($2 != "=") { bad[group] = bad[group] sprintf("\n    %-44s %-12s stock %s\n    %44s %12s ours  %s", $1, $2, $3, "", "", $4) ; nd[group]++ }
		}
		END {
			printf "%-14s %5s  %-9s %s\n", "cells", "n", "differ", "outcomes (stock)"
			for (i = 1; i <= groups; i++) {
				g = order[i]
				printf "%-14s %5d  %-9s%s%s\n", g, n[g], (g in nd) ? nd[g] : "-", outs[g], bad[g]
			}
		}' "$1"
}

# diff_row ID [ENV-FOR-OURS...]: the whole comparison for one row.
diff_row() {
	local id=$1 row sf of rc=0 t t_stock t_ours
	shift
	row=$(diff_row_file "$id")
	[[ -f "$row" ]] || { printf 'no such row: %s\n' "$row"; return 1; }
	[[ -n "${DNSMASQ_STOCK:-}" && -x "${DNSMASQ_STOCK:-}" ]] ||
		skip "DNSMASQ_STOCK (the unpatched build of this base) is not set"
	diff_row_selected "$id" || skip "not in the $DT_DIFF_CORPUS corpus (DT_DIFF_CORPUS=full runs every row)"
	printf '# row %s: %s\n' "$id" "$(diff_row_get "$row" source)"
	sf=$DT_STATE/$id.stock
	of=$DT_STATE/$id.ours
	t=$SECONDS
	diff_run_build stock "$DNSMASQ_STOCK" "$row" "$sf"
	t_stock=$((SECONDS - t))
	t=$SECONDS
	diff_run_build ours "$DNSMASQ" "$row" "$of" "$@"
	t_ours=$((SECONDS - t))
	diff_compare "$id" "$sf" "$of" >"$DT_STATE/$id.table" || rc=$?
	diff_summary "$DT_STATE/$id.table" >"$DT_STATE/$id.summary"
	printf '# %s: stock %ss, ours %ss\n' "$id" "$t_stock" "$t_ours" >>"$DT_STATE/$id.summary"
	cat "$DT_STATE/$id.summary"
	# DT_DIFF_SHOW=1: the summary on the terminal even when the row passes;
	# DT_DIFF_KEEP=DIR: the full tables kept there.
	if [[ "${DT_DIFF_SHOW:-0}" == 1 ]]; then
		sed 's/^/# /' "$DT_STATE/$id.summary" >&3
	fi
	if [[ -n "${DT_DIFF_KEEP:-}" ]]; then
		mkdir -p "$DT_DIFF_KEEP"
		cp "$DT_STATE/$id.table" "$DT_DIFF_KEEP/$id.tsv"
	fi
	if ((rc)); then
		printf -- '--- stock log (tail):\n'; tail -n 15 "$sf.log" 2>/dev/null || true
		printf -- '--- ours log (tail):\n'; tail -n 15 "$of.log" 2>/dev/null || true
	fi
	return "$rc"
}
