#!/usr/bin/env bats
# shellcheck disable=SC2016 # jq filters, and code for other shells, in single quotes
#
# contrib/dnsmasq-tcp-check, the read-only check an operator runs on a node,
# on the suite's Calico node: its verdict (exit 0 not affected, 1 affected,
# 2 cannot tell, 3 error) and its JSON fields for given builds, listening
# modes and configuration files, checked against what a pod behind a cali
# interface actually gets over UDP and TCP from the real dnsmasq run with
# that configuration; that it never runs the binary it inspects; that it
# says "cannot tell", never "not affected", when it may not look or what it
# reads may not be what the running dnsmasq read (a configuration changed
# since start-up, even with its mtime kept; sockets that contradict the
# mode); that a node with no pods yet is affected; dnsmasq's own option
# parsing (getopt_long abbreviations); JSON and metrics that stay valid for
# any file name; RPM systems; the Kubernetes DaemonSet in contrib/kubernetes,
# validated offline and run the way a node runs it.
#
# Most tests start the build they need themselves, whatever $DNSMASQ is:
# a stock build of an affected version (2.82-2.92; $DNSMASQ_STOCK, $DNSMASQ
# or build/stock-*/dnsmasq) or a patched one (+tcpifidx; $DNSMASQ, src/ or
# build/*/), and skip if there is none. Only "the binary under test" judges
# $DNSMASQ itself, and carries bug:calico-tcp: it fails for stock 2.82-2.92.
#
# HC_CHECK=/path/to/an/older/dnsmasq-tcp-check runs these tests against
# another version of the tool (how the tests of this file's bugs were seen
# to fail on the tool before them).
#
# Other test files may run dnsmasq at the same time on this machine: every
# run of the check is limited to this file's namespaces (--netns, --pid).
#
# Pod "a": cali has only an IPv6 link-local address (Calico's default).
# Pod "b": IPv6 disabled on its cali, so the cali has no address at all.
#

load lib/common
# run --separate-stderr (JSON on standard output, messages apart).
bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
CHECK=${HC_CHECK:-$REPO/contrib/dnsmasq-tcp-check}
MANIFEST=$REPO/contrib/kubernetes/dnsmasq-tcp-check.yaml
CHECK_MANIFEST=$REPO/contrib/kubernetes/check-manifest

setup_file() {
	dt_setup_cluster a b
}

# ---------------------------------------------------------------------------
# Which builds there are.

hc_version() {
	"$1" --version 2>/dev/null | awk 'NR == 1 { print $3 }'
}

# True for an unpatched 2.82 .. 2.92 (the check's --affected-range).
hc_stock_affected() {
	local v
	v=$(hc_version "$1")
	[[ "$v" != *+tcpifidx* && "$v" =~ ^2\.([0-9]+) ]] &&
		((10#${BASH_REMATCH[1]} >= 82 && 10#${BASH_REMATCH[1]} < 93))
}

hc_patched() {
	[[ "$(hc_version "$1")" == *+tcpifidx* ]]
}

hc_stock_293() {
	[[ "$(hc_version "$1")" == 2.93 ]]
}

# hc_find PREDICATE CANDIDATE...: the first executable candidate that fits.
hc_find() {
	local want=$1 bin
	shift
	for bin in "$@"; do
		[[ -n "$bin" && -x "$bin" ]] || continue
		if "$want" "$bin"; then
			printf '%s\n' "$bin"
			return 0
		fi
	done
	return 1
}

# Sets STOCK to an unpatched 2.82-2.92 build, or skips the test.
hc_need_stock() {
	STOCK=$(hc_find hc_stock_affected "${DNSMASQ_STOCK:-}" "$DNSMASQ" \
		"$REPO"/build/stock-*/dnsmasq) ||
		skip "no unpatched 2.82-2.92 build (make stock BASE=debian-12)"
}

hc_need_patched() {
	PATCHED=$(hc_find hc_patched "$DNSMASQ" "$REPO/src/dnsmasq" \
		"$REPO"/build/*/dnsmasq) ||
		skip "no patched (+tcpifidx) build (make)"
}

hc_need_293() {
	STOCK_293=$(hc_find hc_stock_293 "${DNSMASQ_STOCK:-}" "$DNSMASQ" \
		"$REPO/build/stock-upstream-2.93/dnsmasq") ||
		skip "no stock 2.93 build (make stock BASE=upstream-2.93)"
}

# ---------------------------------------------------------------------------
# Running things.

# hc_start BINARY [OPTION...]: dnsmasq on the node, as a service runs it.
hc_start() {
	local bin=$1
	shift
	DNSMASQ=$bin dnsmasq_start forking "$@"
}

# hc_check [ARG...]: the check tool inside the node namespace, limited to
# it; bats' run sets $status and $output, printed for a failing test.
hc_check() {
	hc_run ip netns exec "$NODE_NS" "$CHECK" --netns "$NODE_NS" "$@"
}

# hc_json [ARG...]: the same with --json: $output is its standard output
# alone ($stderr the rest), every line valid JSON.
hc_json() {
	hc_run --separate-stderr ip netns exec "$NODE_NS" "$CHECK" --netns "$NODE_NS" --json "$@"
	hc_expect_json_lines
}

# hc_run [--separate-stderr] CMD...: run and show.
hc_run() {
	local -a opt=()
	if [[ $1 == --separate-stderr ]]; then
		opt=("$1")
		shift
	fi
	run "${opt[@]}" "$@"
	printf '$ %s   (exit %s)\n%s\n' "$*" "$status" "$output"
	[[ -z ${opt[*]} || -z $stderr ]] || printf 'standard error:\n%s\n' "$stderr"
}

# hc_require COMMAND PACKAGE: make deps installs it; without it the test
# fails, saying which Debian package is missing.
hc_require() {
	command -v "$1" >/dev/null || dt_fail "$1 is missing (Debian package $2: make deps)"
}

hc_expect_status() {
	[[ "$status" == "$1" ]] || dt_fail "expected exit status $1, got $status"
}

hc_expect_output() {
	grep -qF -- "$1" <<<"$output" || dt_fail "the output does not mention: $1"
}

# Every line of $output is one JSON object, and the last is the node's
# row (the only one) or an error row.
hc_expect_json_lines() {
	local line n=0
	while IFS= read -r line; do
		n=$((n + 1))
		jq -e 'type == "object" and .schema == 2' <<<"$line" >/dev/null ||
			dt_fail "line $n is not a JSON object of schema 2: $line" || return 1
	done <<<"$output"
	jq -s -e '(map(select(.type == "node")) | length == 1) and .[-1].type == "node"
		or (map(select(.type == "node")) == [] and .[-1].type == "error")' <<<"$output" >/dev/null ||
		dt_fail "not one node row, last, nor an error row, last"
}

# hc_row FILTER [JQ ARG...]: FILTER applied to the instance row of
# $DNSMASQ_PID in $output (JSON lines) is true.
hc_row() {
	local filter=$1
	shift
	jq -e -s --argjson pid "$DNSMASQ_PID" "$@" \
		"map(select(.type == \"instance\" and .pid == \$pid)) | length == 1 and (.[0] | $filter)" \
		<<<"$output" >/dev/null || dt_fail "the instance row of PID $DNSMASQ_PID fails: $filter"
}

# hc_node FILTER: FILTER applied to the node row is true.
hc_node() {
	jq -e -s "map(select(.type == \"node\")) | .[0] | $1" <<<"$output" >/dev/null ||
		dt_fail "the node row fails: $1"
}

# What a pod really gets for big.example, proven rather than inferred
# from silence (cell_udp, cell_tcp): answered with its records; refused
# with the node's counters showing dnsmasq read the datagram, or the TCP
# connection accepted and then closed.  Anything else (timeout, lost,
# no listener) is no decision and fails the test.
hc_pod_sees() {
	local ns
	ns=$(topo_pod_var "$1" NS)
	cell_udp "$ns" "$NODE_IP4" "big.$ZONE" answered
	HC_UDP=$CELL_UDP
	cell_tcp "$ns" "$NODE_IP4" "big.$ZONE"
	HC_TCP=$CELL_TCP
	printf 'pod %s sees: UDP %s, TCP %s\n' "$1" "$HC_UDP" "$HC_TCP"
	[[ "$HC_UDP" =~ ^(answered|refused)$ ]] ||
		dt_fail "pod $1: no decision over UDP: $HC_UDP ${CELL_UDP_WHY:-}" || return 1
	[[ "$HC_TCP" =~ ^(answered|refused)$ ]] ||
		dt_fail "pod $1: no decision over TCP: $HC_TCP ${CELL_TCP_WHY:-}"
}

# The check's exposed_interfaces must match reality: the pod's cali is
# listed exactly when the pod's UDP is answered and its TCP refused.
hc_expect_exposure_matches() {
	local pod=$1 cali listed=no
	cali=$(topo_pod_var "$pod" CALI)
	hc_pod_sees "$pod" || return 1
	hc_json
	hc_row '.exposed_interfaces | type == "array"' || return 1
	if jq -e -s --argjson pid "$DNSMASQ_PID" --arg c "$cali" \
		'map(select(.type == "instance" and .pid == $pid))[0].exposed_interfaces | index($c) != null' \
		<<<"$output" >/dev/null; then
		listed=yes
	fi
	if [[ "$HC_UDP" == answered && "$HC_TCP" == refused ]]; then
		[[ $listed == yes ]] || dt_fail "the pod's TCP is refused while UDP is answered, but $cali is not in exposed_interfaces"
	else
		[[ $listed == no ]] || dt_fail "the pod gets UDP $HC_UDP / TCP $HC_TCP, but $cali is in exposed_interfaces"
	fi
}

# The check's text verdict must match reality for a node whose pods are
# all like pod a: affected (1) exactly when UDP is answered and TCP
# refused, else not affected (0).
hc_expect_verdict_matches() {
	local pod=$1
	hc_pod_sees "$pod" || return 1
	if [[ "$HC_UDP" == answered && "$HC_TCP" == refused ]]; then
		[[ "$status" == 1 ]] || dt_fail "the pod's TCP is refused while UDP is answered, but the check said exit $status"
	else
		[[ "$status" == 0 ]] || dt_fail "the pod gets UDP $HC_UDP / TCP $HC_TCP, but the check said exit $status"
	fi
}

# hc_wrapper FILE BINARY SETUP: an executable that starts BINARY with its
# own arguments in a mount namespace of its own, prepared first by the
# shell code SETUP. Every step execs: the process started is BINARY's.
# The namespace is a slave of the host's (as ip netns exec's): what other
# test files unmount (their network namespaces) is not held here.
hc_wrapper() {
	printf '#!/bin/bash\nexec unshare -m --propagation slave sh -c %q sh %q "$@"\n' \
		"set -e; $3; exec \"\$@\"" "$2" >"$1"
	chmod +x "$1"
}

# ---------------------------------------------------------------------------
# Verdicts against what a pod gets.

@test "host check: stock 2.82-2.92 in wildcard mode is affected; names both cali interfaces" {
	hc_need_stock
	hc_start "$STOCK"
	hc_check
	hc_expect_status 1
	hc_expect_output "AFFECTED"
	hc_expect_output "$(topo_pod_var a CALI): IPv4 clients (198.51.100.10); IPv6 link-local only"
	hc_expect_output "$(topo_pod_var b CALI): IPv4 clients (198.51.100.11); no address at all"
	hc_expect_output "--bind-interfaces"
	hc_expect_verdict_matches a
	hc_expect_exposure_matches a
	hc_row '.susceptible == true and .mode == "wildcard" and .socket_mode == "wildcard"
		and (.exposed_interfaces | sort) == ([$a, $b] | sort)' \
		--arg a "$(topo_pod_var a CALI)" --arg b "$(topo_pod_var b CALI)"
}

@test "host check: stock 2.82-2.92 with --bind-dynamic is affected" {
	hc_need_stock
	hc_start "$STOCK" --bind-dynamic
	hc_check
	hc_expect_status 1
	hc_expect_output "mode:      --bind-dynamic"
	hc_expect_verdict_matches a
	hc_expect_exposure_matches a
	hc_row '.mode == "bind-dynamic" and .socket_mode == "bound"'
}

@test "host check: stock 2.82-2.92 with --listen-address=<node address> is affected" {
	hc_need_stock
	hc_start "$STOCK" --listen-address="$NODE_IP4"
	hc_check
	hc_expect_status 1
	hc_expect_output "when they query $NODE_IP4"
	hc_expect_verdict_matches a
	hc_expect_exposure_matches a
}

@test "host check: stock 2.82-2.92 with --listen-address=127.0.0.1 only is not affected (UDP refused too)" {
	hc_need_stock
	hc_start "$STOCK" --listen-address=127.0.0.1
	hc_check
	hc_expect_status 0
	hc_expect_output "not in --interface"
	hc_expect_verdict_matches a
	hc_expect_exposure_matches a
	hc_row '.susceptible == false'
}

@test "host check: stock 2.82-2.92 with --bind-interfaces is not affected" {
	hc_need_stock
	hc_start "$STOCK" --bind-interfaces
	hc_check
	hc_expect_status 0
	hc_expect_output "not affected: --bind-interfaces"
	hc_expect_verdict_matches a
	hc_expect_exposure_matches a
}

@test "host check: the --bind-interfaces workaround serves a pod created after dnsmasq started" {
	hc_need_stock
	hc_start "$STOCK" --bind-interfaces
	topo_pod c 198.51.100.12 2001:db8:2::12
	hc_pod_sees c || return 1
	[[ "$HC_UDP" == answered && "$HC_TCP" == answered ]] ||
		dt_fail "a pod created after start-up gets UDP $HC_UDP / TCP $HC_TCP"
	hc_check
	hc_expect_status 0
}

@test "host check: stock 2.82-2.92 with --except-interface=cali*: no cali exposed (UDP refused too), but susceptible (exit 1): any other interface name is admitted" {
	hc_need_stock
	hc_start "$STOCK" --except-interface='cali*'
	hc_check
	hc_expect_status 1
	hc_expect_output "--except-interface=cali*: refused over UDP as well"
	hc_expect_output "exposed now: none"
	hc_expect_exposure_matches a
	hc_row '.susceptible == true and .exposed_interfaces == []'
}

@test "host check: stock 2.82-2.92 with --bind-dynamic --interface=eth0 is not affected (UDP refused too)" {
	hc_need_stock
	hc_start "$STOCK" --bind-dynamic --interface=eth0
	hc_check
	hc_expect_status 0
	hc_expect_output "not in --interface"
	hc_expect_verdict_matches a
	hc_expect_exposure_matches a
}

@test "host check: stock 2.82-2.92 with --local-service is not affected (UDP refused too)" {
	hc_need_stock
	hc_start "$STOCK" --local-service
	hc_check
	hc_expect_status 0
	hc_expect_output "--local-service"
	hc_expect_verdict_matches a
	hc_json
	hc_row '.local_service == "net" and .susceptible == false'
}

@test "host check: --local-service --listen=<node address> (getopt_long's abbreviation of --listen-address) is affected: --local-service no longer applies" {
	hc_need_stock
	hc_start "$STOCK" --local-service --listen="$NODE_IP4"
	hc_check
	hc_expect_status 1
	hc_expect_verdict_matches a
	hc_json
	hc_row '.listen_address == [$ip] and .local_service == "off" and .susceptible == true' --arg ip "$NODE_IP4"
}

@test "host check: --local-service --except=eth9 (abbreviated --except-interface) is affected: --local-service no longer applies" {
	hc_need_stock
	hc_start "$STOCK" --local-service --except=eth9
	hc_check
	hc_expect_status 1
	hc_expect_verdict_matches a
	hc_json
	hc_row '.except_interface == ["eth9"] and .local_service == "off"'
}

@test "host check: --bind-int (abbreviated --bind-interfaces) is not affected" {
	hc_need_stock
	hc_start "$STOCK" --bind-int
	hc_check
	hc_expect_status 0
	hc_expect_verdict_matches a
	hc_json
	hc_row '.mode == "bind-interfaces" and .socket_mode == "bound"'
}

@test "host check: long option abbreviations resolve as dnsmasq's getopt_long resolves them, or cannot tell; never to another option" {
	local bin arg name want accepted got empty newer
	local -a bins=()
	hc_need_stock
	bins+=("$STOCK")
	if newer=$(hc_find hc_stock_293 "$REPO/build/stock-upstream-2.93/dnsmasq"); then
		bins+=("$newer")
	fi
	# name (as typed) -> the option getopt_long must pick ("-": ambiguous
	# or unknown: dnsmasq refuses it; "?": the check may say cannot tell).
	local -A cases=(
		[listen]=listen-address [listen-a]=listen-address [bind-dyn]=bind-dynamic
		[bind-int]=bind-interfaces [bind]=- [except]=except-interface
		[interf]=- [interface]=interface [local-s]=local-service [loc]=-
		[no-resolv]=no-resolv [no-res]=no-resolv [conf-d]=conf-dir [frobnicate]=-
	)
	empty=$(mktemp -d "$DT_STATE/empty.XXXXXX")
	for name in "${!cases[@]}"; do
		want=${cases[$name]}
		got=$(bash -c 'source "$1"; load_options; if resolve_long "$2"; then echo "$RESOLVED"; else echo -; fi' _ "$CHECK" "$name")
		[[ "$got" == "$want" ]] || dt_fail "--$name: the check resolves it to '$got', getopt_long to '$want'" || return 1
		for bin in "${bins[@]}"; do
			arg=--$name
			case $want in
			listen-address) arg+="=$NODE_IP4" ;;
			except-interface | interface) arg+="=eth9" ;;
			conf-dir) arg+="=$empty" ;;
			esac
			[[ $name != interf ]] || arg+="=eth9"
			accepted=yes
			"$bin" --test --conf-file=/dev/null "$arg" >/dev/null 2>&1 || accepted=no
			printf '%s %s: dnsmasq %s, check %s\n' "$(hc_version "$bin")" "$arg" "$accepted" "$got"
			if [[ $accepted == yes && $got == - ]] || [[ $accepted == no && $got != - ]]; then
				dt_fail "dnsmasq $(hc_version "$bin") and the check disagree on $arg" || return 1
			fi
		done
	done
}

@test "host check: an option no known dnsmasq has, and an abbreviation whose meaning depends on the version, make the settings unknown (cannot tell), with the reason" {
	local out
	out=$(bash -c 'source "$1"; load_options; reset_settings; CUR_PID=$$ CUR_CWD=/ START_HI_NS=0
		shift; parse_command_line "$@"; printf "%s\n" "${SETTINGS_BLIND[@]}"' _ "$CHECK" --keep-in-foreground --frobnicate=1)
	printf '%s\n' "$out"
	grep -qF -- "--frobnicate" <<<"$out" || dt_fail "an unknown option went unnoticed"
	out=$(bash -c 'source "$1"; load_options; reset_settings; CUR_PID=$$ CUR_CWD=/ START_HI_NS=0
		shift; parse_command_line "$@"; printf "%s\n" "${SETTINGS_BLIND[@]}"' _ "$CHECK" --po=5353)
	printf '%s\n' "$out"
	grep -qF -- "--po abbreviates" <<<"$out" || dt_fail "--po (--port, or --port-limit in later versions) went unnoticed"
}

@test "host check: reads the mode from --conf-file and --conf-dir, skipping ignored suffixes" {
	local dir
	hc_need_stock
	dir=$(mktemp -d "$DT_STATE/confdir.XXXXXX")
	printf '# a comment\n  bind-dynamic  \n' >"$dir/mode.conf"
	# Ignored by dnsmasq (suffix), so it must not count: still affected.
	printf 'except-interface=cali*\n' >"$dir/old.conf.dpkg-old"
	DNSMASQ_CONF='port=53' hc_start "$STOCK" --conf-dir="$dir,.dpkg-old"
	hc_check
	hc_expect_status 1
	hc_expect_output "mode:      --bind-dynamic"
	hc_expect_output "$dir/mode.conf"
	! grep -qF "old.conf.dpkg-old" <<<"$output" || dt_fail "read a file dnsmasq ignores"
}

@test "host check: bind-interfaces in the config file is not affected" {
	hc_need_stock
	DNSMASQ_CONF='bind-interfaces' hc_start "$STOCK"
	hc_check
	hc_expect_status 0
	hc_expect_output "mode:      --bind-interfaces"
}

@test "host check: a node with no pods yet (no cali interface) is affected: the first pod's big answers will fail" {
	hc_need_stock
	# A node of its own: eth0 with an address, no pods.
	local bare="" bare_lan=""
	dt_ns_new bare bare
	dt_ns_new bare_lan barelan
	dt_veth "$bare" eth0 "$bare_lan" eth0
	ip -n "$bare" addr add "$NODE_IP4/24" dev eth0
	NODE_NS=$bare hc_start "$STOCK"
	hc_run ip netns exec "$bare" "$CHECK" --netns "$bare"
	hc_expect_status 1
	hc_expect_output "no such interface exists now"
	hc_run --separate-stderr ip netns exec "$bare" "$CHECK" --netns "$bare" --json
	hc_expect_status 1
	hc_expect_json_lines
	hc_row '.susceptible == true and .exposed_interfaces == [] and .routed_without_address == []'
	hc_node '.exit_status == 1 and .verdict == "affected"'
}

@test "host check: a patched build (+tcpifidx) is not affected" {
	hc_need_patched
	hc_start "$PATCHED"
	hc_check
	hc_expect_status 0
	hc_expect_output "this fork's build (+tcpifidx)"
	hc_expect_verdict_matches a
	hc_expect_exposure_matches a
	hc_row '.susceptible == false and .tcp_answered_udp_refused == false'
}

@test "host check: stock 2.93 with --bind-dynamic --interface=eth0 is not affected, but answers over TCP the pods it refuses over UDP (tcp_answered_udp_refused, with their cali)" {
	hc_need_293
	hc_start "$STOCK_293" --bind-dynamic --interface=eth0
	hc_check
	hc_expect_status 0
	hc_expect_output "caveat:"
	hc_pod_sees a || return 1
	[[ "$HC_UDP" == refused && "$HC_TCP" == answered ]] ||
		dt_fail "expected 2.93's gap (UDP refused, TCP answered), the pod saw UDP $HC_UDP / TCP $HC_TCP"
	hc_json
	hc_row '.susceptible == false and .tcp_answered_udp_refused == true
		and .tcp_answered_udp_refused_families == ["ipv4", "ipv6"]
		and (.tcp_answered_udp_refused_interfaces | index($a) != null and index("eth0") == null)' \
		--arg a "$(topo_pod_var a CALI)"
}

@test "host check: stock 2.93 in wildcard mode: no TCP/UDP gap, not affected" {
	hc_need_293
	hc_start "$STOCK_293"
	hc_json
	hc_expect_status 0
	hc_row '.susceptible == false and .tcp_answered_udp_refused == false and .tcp_answered_udp_refused_interfaces == []'
}

# bats test_tags=bug:calico-tcp
@test "host check: the binary under test (DNSMASQ=) in wildcard mode is not affected" {
	hc_start "$DNSMASQ"
	hc_check
	[[ "$output" != *"verdict:   AFFECTED"* ]] ||
		dt_xfail_signature bug:calico-tcp "the check finds the binary under test affected"
	hc_expect_verdict_matches a
	hc_expect_status 0
}

@test "host check: --netns from outside and --pid give the namespace's verdict" {
	hc_need_stock
	hc_start "$STOCK"
	run "$CHECK" --netns "$NODE_NS"
	printf '%s\n' "$output"
	hc_expect_status 1
	run "$CHECK" --pid "$DNSMASQ_PID"
	printf '%s\n' "$output"
	hc_expect_status 1
	hc_expect_output "dnsmasq, PID $DNSMASQ_PID"
}

@test "host check: finds a dnsmasq whose binary has another name" {
	local renamed
	hc_need_stock
	renamed=$(mktemp -d "$DT_STATE/renamed.XXXXXX")/dnsmasq-stock-build
	cp "$STOCK" "$renamed"
	hc_start "$renamed"
	hc_check
	hc_expect_status 1
	hc_expect_output "dnsmasq, PID $DNSMASQ_PID"
}

@test "host check: no dnsmasq in the namespace: not affected, and a node row says so" {
	hc_check
	hc_expect_status 0
	hc_expect_output "No dnsmasq is running in network namespace $NODE_NS: not affected."
	hc_json
	hc_expect_status 0
	[[ "$(wc -l <<<"$output")" == 1 ]] || dt_fail "expected the node row alone"
	hc_node '.instances == 0 and .exit_status == 0 and .verdict == "not affected" and .netns == [$ENV.NODE_NS]'
}

@test "host check: --json is one JSON line per instance (schema, tool version, time, node, pid, version, mode, susceptible, why) and a node row; --quiet prints nothing" {
	local before
	hc_need_stock
	hc_start "$STOCK"
	before=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	hc_json --node node-1
	hc_expect_status 1
	[[ "$(wc -l <<<"$output")" == 2 ]] || dt_fail "expected one line for one instance and the node's"
	hc_row '.node == "node-1" and .type == "instance" and .tool == "dnsmasq-tcp-check"
		and (.tool_version | length > 0) and .timestamp >= $before
		and (.timestamp | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$"))
		and .verdict == "affected" and .susceptible == true and (.version | startswith("2."))
		and .version_source == "executable" and .mode == "wildcard" and .port == 53
		and (.why | length > 0) and .unknown_because == [] and has("package_name")' --arg before "$before"
	hc_node '.node == "node-1" and .instances == 1 and .affected == 1 and .exit_status == 1'
	hc_check --quiet
	hc_expect_status 1
	[[ -z "$output" ]] || dt_fail "--quiet printed something"
}

# ---------------------------------------------------------------------------
# Never running what it inspects.

# hc_recorder FILE LOG: a script that records being run in LOG.
hc_recorder() {
	printf '#!/bin/sh\necho "ran: $0 $*" >>"%s"\necho "Dnsmasq version 2.99"\n' "$2" >"$1"
	chmod +x "$1"
}

@test "host check: never executes the inspected binary (replaced on disk by a recorder: verdict still right, nothing ran)" {
	local dir exe rec trace
	hc_require strace strace || return 1
	hc_need_stock
	dir=$(mktemp -d "$DT_STATE/replaced.XXXXXX")
	exe=$dir/dnsmasq rec=$dir/ran.log trace=$dir/execve.trace
	cp "$STOCK" "$exe"
	hc_start "$exe"
	# A running executable cannot be written to (ETXTBSY): replace it the
	# way an upgrade does, by renaming a new file over it.
	hc_recorder "$dir/new" "$rec"
	mv -f "$dir/new" "$exe"
	hc_run ip netns exec "$NODE_NS" strace -f -qq -e trace=execve -o "$trace" \
		"$CHECK" --netns "$NODE_NS"
	hc_expect_status 1
	hc_expect_output "version:   $(hc_version "$STOCK")"
	hc_expect_output "$exe (deleted)"
	[[ ! -e "$rec" ]] || dt_fail "the check ran the file now at the inspected path: $(cat "$rec")"
	if grep -E "execve\\(\"(/proc/$DNSMASQ_PID/exe|$exe|[^\"]*/dnsmasq)\"" "$trace"; then
		dt_fail "the check executed the inspected binary (above)"
	fi
}

# ---------------------------------------------------------------------------
# Cannot tell means cannot tell.

# What a `kubectl debug node/...` pod without --profile=sysadmin has: root
# without CAP_SYS_PTRACE, while dnsmasq runs as another user (it drops to
# "nobody" by default).
hc_without_ptrace() {
	setpriv --inh-caps=-sys_ptrace --bounding-set=-sys_ptrace -- "$@"
}

hc_expect_other_user() {
	local uid
	uid=$(awk '/^Uid:/ { print $2 }' "/proc/$DNSMASQ_PID/status")
	[[ "$uid" != 0 ]] || dt_fail "dnsmasq runs as root: the test needs it to run as another user"
}

@test "host check: root without CAP_SYS_PTRACE (kubectl debug without --profile=sysadmin) cannot tell, exit 2, and says how to see" {
	hc_need_stock
	hc_start "$STOCK"
	hc_expect_other_user
	hc_run hc_without_ptrace "$CHECK" --netns "$NODE_NS"
	hc_expect_status 2
	hc_expect_output "dnsmasq, PID $DNSMASQ_PID"
	hc_expect_output "CANNOT TELL"
	hc_expect_output "CAP_SYS_PTRACE"
	hc_expect_output "--profile=sysadmin"
	hc_expect_output "chroot /host"
	! grep -qE "verdict: +not affected|^Not affected|: not affected\.$" <<<"$output" ||
		dt_fail "said not affected without seeing"
}

@test "host check: an unreadable --pid gives cannot tell (exit 2), and its row has null, not defaults, for what it could not see" {
	hc_need_patched
	hc_start "$PATCHED"
	hc_expect_other_user
	hc_run --separate-stderr hc_without_ptrace "$CHECK" --pid "$DNSMASQ_PID" --json
	hc_expect_status 2
	hc_expect_json_lines
	hc_row '.verdict == "cannot tell" and .susceptible == null and .mode == null
		and .local_service == null and .interface == null and .port == null and .version == null
		and .exposed_interfaces == null and .listeners == null and .tcp_answered_udp_refused == null
		and (.unknown_because | length > 0) and (.how_to_see | test("profile=sysadmin"))'
	hc_node '.exit_status == 2 and .cannot_tell == 1 and .pid == [$ENV.DNSMASQ_PID | tonumber]'
}

# hc_append_after_start FILE TEXT [keep-mtime]: what an operator does after
# dnsmasq started: append to its configuration file, without a restart;
# with keep-mtime, the file's modification time is put back as dpkg,
# cp -p and touch -d do.
hc_append_after_start() {
	local file=$1 text=$2 keep=${3:-} ref
	ref=$(mktemp "$DT_STATE/mtime.XXXXXX")
	touch -r "$file" "$ref"
	printf '%s\n' "$text" >>"$file"
	[[ -z "$keep" ]] || touch -r "$ref" "$file"
	stat -c '%n: mtime %y, ctime %z' "$file"
}

@test "host check: bind-interfaces appended to the config file after start-up (no restart): cannot tell, never not affected" {
	hc_need_stock
	DNSMASQ_CONF='# node config' hc_start "$STOCK"
	hc_append_after_start "${DNSMASQ_LOG%/*}/dnsmasq.conf" bind-interfaces
	hc_check
	hc_expect_status 2
	hc_expect_output "changed at"
	hc_pod_sees a || return 1
	[[ "$HC_UDP" == answered && "$HC_TCP" == refused ]] ||
		dt_fail "the running dnsmasq should still close the pod's TCP: UDP $HC_UDP / TCP $HC_TCP"
	hc_json
	hc_row '.verdict == "cannot tell" and .mode == null and .susceptible == null
		and (.unknown_because | any(test("dnsmasq.conf changed at")))'
}

@test "host check: the same with the file's mtime put back (touch -d, cp -p, dpkg): still cannot tell (its ctime tells)" {
	hc_need_stock
	DNSMASQ_CONF='# node config' hc_start "$STOCK"
	hc_append_after_start "${DNSMASQ_LOG%/*}/dnsmasq.conf" bind-interfaces keep-mtime
	hc_check
	hc_expect_status 2
	hc_expect_output "changed at"
}

@test "host check: a file added to a conf-dir after start-up: cannot tell" {
	hc_need_stock
	hc_start "$STOCK"
	printf 'except-interface=cali*\n' >"${DNSMASQ_LOG%/*}/dnsmasq.d/later.conf"
	hc_check
	hc_expect_status 2
	hc_expect_output "conf-dir ${DNSMASQ_LOG%/*}/dnsmasq.d changed at"
}

@test "host check: a configuration file gone since start-up: cannot tell" {
	local conf
	hc_need_stock
	conf=$(mktemp "$DT_STATE/extra.XXXXXX")
	printf '# nothing\n' >"$conf"
	hc_start "$STOCK" --conf-file="$conf"
	rm "$conf"
	hc_check
	hc_expect_status 2
	hc_expect_output "$conf does not exist now"
}

@test "host check: garbage in the configuration (an unknown option, a value where none is taken, an open quote): cannot tell, each named, in valid JSON" {
	hc_need_stock
	DNSMASQ_CONF='# node config' hc_start "$STOCK"
	printf 'frobnicate=1\nbind-interfaces=yes\nexcept-interface="cali*\n\001\377\n' >>"${DNSMASQ_LOG%/*}/dnsmasq.conf"
	hc_json
	hc_expect_status 2
	hc_row '.verdict == "cannot tell" and .mode == null
		and (.unknown_because | any(test("has .frobnicate., an option no dnsmasq version this check knows has")))
		and (.unknown_because | any(test("bind-interfaces=…., which dnsmasq refuses")))
		and (.unknown_because | any(test("a line dnsmasq refuses \\(missing \"\\)")))'
}

@test "host check: sockets that contradict the configuration read (bind-interfaces on a file since hidden, timestamps unchanged): cannot tell" {
	local dir
	hc_need_stock
	dir=$(mktemp -d "$DT_STATE/hidden.XXXXXX")
	printf '# what is visible later\n' >"$dir/extra.conf"
	printf 'bind-interfaces\n' >"$dir/read-at-start.conf"
	# dnsmasq reads read-at-start.conf under extra.conf's name; then the
	# bind mount goes, and what anyone sees there is the older file.
	hc_wrapper "$dir/wrapper" "$STOCK" "mount --bind '$dir/read-at-start.conf' '$dir/extra.conf'"
	hc_start "$dir/wrapper" --conf-file="$dir/extra.conf"
	nsenter -t "$DNSMASQ_PID" -m umount "$dir/extra.conf"
	hc_json
	hc_expect_status 2
	hc_row '.socket_mode == "bound" and .mode == null and .susceptible == null
		and (.unknown_because | any(test("wildcard mode, but it holds no 0.0.0.0")))'
}

@test "host check: an empty /proc (not mounted): cannot tell (exit 2) with a valid JSON node row" {
	hc_run --separate-stderr unshare -m --propagation slave sh -c 'mount -t tmpfs none /proc && exec "$0" --json' "$CHECK"
	hc_expect_status 2
	hc_expect_json_lines
	hc_node '.exit_status == 2 and .verdict == "cannot tell" and (.unknown_because | any(test("/proc")))'
}

@test "host check: bad usage (an unknown option, --pid of no dnsmasq) exits 3 with an error row, never a verdict" {
	hc_check --frobnicate
	hc_expect_status 3
	hc_expect_output "unknown argument: --frobnicate"
	hc_json --frobnicate
	hc_expect_status 3
	hc_expect_json_lines
	jq -e '.type == "error" and .exit_status == 3 and (.error | test("frobnicate"))' <<<"$output" >/dev/null ||
		dt_fail "not the error row expected"
	hc_json --pid "$KNOT_PID"
	hc_expect_status 3
	hc_expect_output "not a dnsmasq process"
	hc_check --textfile "$DT_STATE/metrics.txt"
	hc_expect_status 3
	hc_expect_output ".prom"
}

@test "host check: a failure of the check itself exits 3 with an error row (never 1 or 2)" {
	hc_run --separate-stderr bash -c 'source "$1"; OUTPUT=json NODE=n; set_traps; false; echo unreachable' _ "$CHECK"
	hc_expect_status 3
	hc_expect_json_lines
	jq -e '.type == "error" and .exit_status == 3 and (.error | test("internal error at line [0-9]+: false"))' \
		<<<"$output" >/dev/null || dt_fail "not the internal error row expected"
}

@test "host check: file names with control characters and bytes that are not UTF-8 keep the JSON valid" {
	local dir ctl latin
	hc_need_stock
	dir=$(mktemp -d "$DT_STATE/names.XXXXXX")
	ctl=$dir/$'a\x01b\tc\x1b[31m.conf' latin=$dir/$'caf\xe9.conf'
	printf 'bind-dynamic\n' >"$ctl"
	printf '# latin-1\n' >"$latin"
	printf '# "quoted" \\\n' >"$dir/q\"uo\\te.conf"
	hc_start "$STOCK" --conf-dir="$dir"
	hc_json
	hc_expect_status 1
	hc_row '.mode == "bind-dynamic" and (.config_files | index($dir + "/a\u0001b\tc\u001b[31m.conf") != null)
		and (.config_files | index($dir + "/caf\ufffd.conf") != null)
		and (.config_files | index($dir + "/q\"uo\\te.conf") != null)' --arg dir "$dir"
	hc_check
	! grep -q $'\x1b' <<<"$output" || dt_fail "an escape character reached the terminal"
}

# ---------------------------------------------------------------------------
# Configuration as dnsmasq itself reads it. Each variant runs the real
# (affected) dnsmasq with the file, which accepted it (it started), and
# compares the check's exposed_interfaces with what the pod then gets.

# hc_config_variant EXPECTED FILE_TEXT [DNSMASQ OPTION...]: EXPECTED is
# exposed or refused (the pod's cali listed in exposed_interfaces or not).
hc_config_variant() {
	local want=$1
	hc_need_stock
	DNSMASQ_CONF=$2 hc_start "$STOCK" "${@:3}"
	hc_expect_exposure_matches a || return 1
	if [[ $want == exposed ]]; then
		[[ "$HC_UDP/$HC_TCP" == answered/refused ]] || dt_fail "expected the pod exposed, it saw UDP $HC_UDP / TCP $HC_TCP"
	else
		[[ "$HC_UDP" == refused ]] || dt_fail "expected the pod refused over UDP, it saw UDP $HC_UDP / TCP $HC_TCP"
	fi
}

@test "host check: config 'except-interface = cali*' (spaces around =): pod refused, as dnsmasq reads it" {
	hc_config_variant refused 'except-interface = cali*'
}

@test "host check: config 'except-interface=eth9 # ,cali*': pod exposed (a # after white space starts a comment)" {
	hc_config_variant exposed $'except-interface=eth9\t# ,cali*'
}

@test "host check: config 'except-interface=eth9#,cali*': pod refused (a # inside a word is no comment)" {
	hc_config_variant refused 'except-interface=eth9#,cali*'
}

@test "host check: config except-interface=<eth9,cali* in double quotes>: pod exposed (a quoted comma does not split)" {
	hc_config_variant exposed 'except-interface="eth9,cali*"'
}

@test "host check: config except-interface=<cali* in double quotes> # comment: pod refused (quotes removed)" {
	hc_config_variant refused 'except-interface= "cali*" # quoted'
}

@test "host check: config 'conf-file = FILE' includes FILE (except-interface there: pod refused)" {
	local inc
	inc=$(mktemp "$DT_STATE/include.XXXXXX")
	printf 'except-interface=cali*\n' >"$inc"
	hc_config_variant refused "conf-file = $inc"
	hc_row '.config_files | index($inc) != null' --arg inc "$inc"
}

@test "host check: conf-dir=DIR,*.conf reads only *.conf (except-interface in a .conf.off file: pod exposed)" {
	local dir
	dir=$(mktemp -d "$DT_STATE/confdir.XXXXXX")
	printf 'bind-dynamic\n' >"$dir/mode.conf"
	printf 'except-interface=cali*\n' >"$dir/pods.conf.off"
	printf 'except-interface=cali*\n' >"$dir/.hidden.conf"
	hc_config_variant exposed "conf-dir=$dir,*.conf"
	hc_row '.mode == "bind-dynamic" and (.config_files | map(select(test("pods.conf.off|.hidden.conf"))) == [])'
}

@test "host check: conf-dir=DIR,.bak skips *.bak and reads the rest (except-interface in x.conf: pod refused)" {
	local dir
	dir=$(mktemp -d "$DT_STATE/confdir.XXXXXX")
	printf 'except-interface=cali*\n' >"$dir/x.conf"
	printf 'interface=eth0\n' >"$dir/x.conf.bak"
	hc_config_variant refused "conf-dir = $dir, .bak"
	hc_row '(.config_files | index($x) != null) and (.config_files | map(select(endswith(".bak"))) == [])' --arg x "$dir/x.conf"
}

@test "host check: the line parser agrees with dnsmasq --test on what is an error" {
	local f
	hc_need_stock
	f=$(mktemp "$DT_STATE/bad.XXXXXX")
	printf 'except-interface="cali*\n' >"$f"
	! "$STOCK" --test --conf-file="$f" 2>/dev/null || dt_fail "dnsmasq accepted an unterminated quote"
	[[ -n "$(bash -c 'source "$1" && parse_conf_line "$2" && printf "%s" "$CL_ERROR"' _ "$CHECK" 'except-interface="cali*')" ]] ||
		dt_fail "the check's parser accepts what dnsmasq rejects"
}

# ---------------------------------------------------------------------------
# Every instance.

@test "host check: several instances in several namespaces: one row each, and the node's" {
	local bare="" bare_lan="" node_pid
	hc_need_stock
	hc_start "$STOCK"
	node_pid=$DNSMASQ_PID
	# A second "node" (a host-network pod, say): eth0, no cali.
	dt_ns_new bare bare
	dt_ns_new bare_lan barelan
	dt_veth "$bare" eth0 "$bare_lan" eth0
	ip -n "$bare" addr add "$NODE_IP4/24" dev eth0
	NODE_NS=$bare hc_start "$STOCK" --bind-interfaces
	hc_run --separate-stderr "$CHECK" --netns "$NODE_NS" --netns "$bare" --json
	hc_expect_status 1
	hc_expect_json_lines
	[[ "$(wc -l <<<"$output")" == 3 ]] || dt_fail "expected three lines"
	jq -e -s --argjson pid "$node_pid" 'map(select(.pid == $pid)) | length == 1 and .[0].verdict == "affected" and (.[0].exposed_interfaces | length == 2)' <<<"$output" >/dev/null ||
		dt_fail "the Calico node's instance is not affected?"
	jq -e -s --argjson pid "$DNSMASQ_PID" 'map(select(.pid == $pid)) | length == 1 and .[0].verdict == "not affected"' <<<"$output" >/dev/null ||
		dt_fail "the bare namespace's --bind-interfaces instance is affected?"
	hc_node '.instances == 2 and .affected == 1 and .not_affected == 1 and .exit_status == 1'
	hc_run "$CHECK" --netns "$NODE_NS" --netns "$bare"
	hc_expect_output "dnsmasq, PID $node_pid"
	hc_expect_output "dnsmasq, PID $DNSMASQ_PID"
}

# ---------------------------------------------------------------------------
# Packages. dpkg-query and apt-cache are STUBS here (a PATH directory of
# scripts answering as Debian's tools would): the machine's own package
# database has no dnsmasq of ours. RPM is real: a database of its own.

# hc_stub_packages DIR BINARY INSTALLED CANDIDATE
hc_stub_packages() {
	local dir=$1 bin=$2 installed=$3 candidate=$4
	mkdir -p "$dir"
	cat >"$dir/dpkg-query" <<-EOF
		#!/bin/sh
		# STUB of dpkg-query for tests/host-check.bats
		case "\$1" in
		-S) [ "\$2" = "$bin" ] && { echo "dnsmasq-base: $bin"; exit 0; }; exit 1 ;;
		-W) echo -n "$installed" ;;
		*) exit 1 ;;
		esac
	EOF
	cat >"$dir/apt-cache" <<-EOF
		#!/bin/sh
		# STUB of apt-cache for tests/host-check.bats
		[ "\$1 \$2" = "policy dnsmasq-base" ] || exit 1
		printf 'dnsmasq-base:\n  Installed: %s\n  Candidate: %s\n' "$installed" "$candidate"
	EOF
	chmod +x "$dir/dpkg-query" "$dir/apt-cache"
}

@test "host check: our package with Debian's affected version as apt's candidate: warns that an upgrade brings the bug back" {
	local stubs
	hc_need_patched
	stubs=$(mktemp -d "$DT_STATE/stubs.XXXXXX")
	hc_stub_packages "$stubs" "$(readlink -f "$PATCHED")" 2.90-4~deb12u2+tcpifidx1 2.90-4~deb12u3
	hc_start "$PATCHED"
	PATH=$stubs:$PATH hc_check
	hc_expect_status 0
	hc_expect_output "package:   dnsmasq-base 2.90-4~deb12u2+tcpifidx1 (this fork's package)"
	hc_expect_output "WARNING:   apt's candidate for dnsmasq-base is 2.90-4~deb12u3"
	hc_expect_output "contrib/apt-preferences"
	PATH=$stubs:$PATH hc_json
	hc_row '.package_manager == "dpkg" and .package_name == "dnsmasq-base"
		and .package_version == "2.90-4~deb12u2+tcpifidx1" and (.warnings | length == 1)'
}

@test "host check: our package pinned (apt's candidate is ours): no warning" {
	local stubs
	hc_need_patched
	stubs=$(mktemp -d "$DT_STATE/stubs.XXXXXX")
	hc_stub_packages "$stubs" "$(readlink -f "$PATCHED")" 2.90-4~deb12u2+tcpifidx1 2.90-4~deb12u2+tcpifidx1
	hc_start "$PATCHED"
	PATH=$stubs:$PATH hc_check
	hc_expect_status 0
	! grep -q WARNING <<<"$output" || dt_fail "warned although apt keeps ours"
}

@test "host check: Debian's package is named as such" {
	local stubs
	hc_need_stock
	stubs=$(mktemp -d "$DT_STATE/stubs.XXXXXX")
	hc_stub_packages "$stubs" "$(readlink -f "$STOCK")" 2.90-4~deb12u1 2.90-4~deb12u1
	hc_start "$STOCK"
	PATH=$stubs:$PATH hc_check
	hc_expect_status 1
	hc_expect_output "package:   dnsmasq-base 2.90-4~deb12u1 (Debian's package"
}

# hc_rpm_database DIR BINARY VERSION: an RPM database in DIR/var/lib/rpm
# in which package dnsmasq VERSION-1.el9_test owns BINARY, as on RHEL.
hc_rpm_database() {
	local dir=$1 bin=$2 version=$3
	mkdir -p "$dir/top" "$dir/root" "$dir/tmp"
	cat >"$dir/dnsmasq.spec" <<-EOF
		Name: dnsmasq
		Version: $version
		Release: 1.el9_test
		Summary: owns the binary under test (tests/host-check.bats)
		License: GPL-2.0-only
		BuildArch: noarch
		%description
		A package that owns the binary under test.
		%install
		mkdir -p %{buildroot}$(dirname "$bin")
		touch %{buildroot}$bin
		%files
		$bin
	EOF
	rpmbuild -bb --define "_topdir $dir/top" --define "_tmppath $dir/tmp" --define "_dbpath $dir/build-db" \
		--define '__os_install_post %{nil}' \
		--define 'debug_package %{nil}' "$dir/dnsmasq.spec" >"$dir/rpmbuild.log" 2>&1 ||
		{ cat "$dir/rpmbuild.log"; return 1; }
	rpm --root "$dir/root" --dbpath /var/lib/rpm --initdb
	# (Debian's rpm warns that it is not meant to install packages: here
	# it only records one in a database of its own.)
	rpm --root "$dir/root" --dbpath /var/lib/rpm -i --justdb --nodeps --noscripts \
		"$dir"/top/RPMS/noarch/*.rpm 2>"$dir/rpm.log" || { cat "$dir/rpm.log"; return 1; }
}

@test "host check: on an RPM system (no dpkg database) the package and, with the version string stripped, the version come from rpm -qf" {
	local dir bin version
	hc_require rpmbuild rpm || return 1
	hc_need_stock
	version=$(hc_version "$STOCK")
	dir=$(mktemp -d "$DT_STATE/rpm.XXXXXX")
	bin=$dir/dnsmasq
	# The version string's digits made letters: nothing in the bytes, no
	# version.bind answer either.
	LC_ALL=C sed 's/dnsmasq-\([0-9]\)\.\([0-9]\)/dnsmasq-X.\2/g' "$STOCK" >"$bin"
	chmod +x "$bin"
	! grep -aqE 'dnsmasq-[0-9]+\.[0-9]' "$bin" || dt_fail "the version string is still there"
	hc_rpm_database "$dir" "$bin" "$version"
	# dnsmasq's own view of the file system: /var/lib holds RPM's database
	# and no dpkg database.
	hc_wrapper "$dir/wrapper" "$bin" "mount -t tmpfs none /var/lib; mkdir /var/lib/rpm; mount --bind '$dir/root/var/lib/rpm' /var/lib/rpm"
	hc_start "$dir/wrapper"
	# The check sees what dnsmasq sees, as on a RHEL node (or chroot /host).
	hc_run --separate-stderr nsenter -t "$DNSMASQ_PID" -m "$CHECK" --netns "$NODE_NS" --json
	hc_expect_json_lines
	hc_expect_status 1
	hc_row '.version == $v and .version_source == "rpm" and .package_manager == "rpm"
		and .package_name == "dnsmasq" and .package_version == ($v + "-1.el9_test")
		and .verdict == "affected"' --arg v "$version"
}

# ---------------------------------------------------------------------------
# Metrics for node-exporter's textfile collector.

@test "host check: --textfile writes Prometheus metrics that promtool accepts, per instance, replaced atomically by a rename in the same directory" {
	local dir trace
	hc_require promtool prometheus || return 1
	hc_need_stock
	dir=$(mktemp -d "$DT_STATE/textfile.XXXXXX")
	trace=$DT_STATE/rename.trace
	hc_start "$STOCK"
	hc_run ip netns exec "$NODE_NS" strace -f -qq -e trace=rename,renameat,renameat2 -o "$trace" \
		"$CHECK" --netns "$NODE_NS" --quiet --textfile "$dir/dnsmasq_tcp_check.prom"
	hc_expect_status 1
	cat "$dir/dnsmasq_tcp_check.prom" "$trace"
	promtool check metrics <"$dir/dnsmasq_tcp_check.prom" || dt_fail "promtool rejects the metrics"
	grep -qE "rename(at2?)?\\(.*\"$dir/\\.dnsmasq-tcp-check\\.[^\"/]+\".*\"$dir/dnsmasq_tcp_check\\.prom\"" "$trace" ||
		dt_fail "the file was not renamed into place from a temporary file beside it"
	[[ "$(find "$dir" -mindepth 1 | wc -l)" == 1 ]] || dt_fail "something else was left in the directory: $(ls -A "$dir")"
	grep -qx 'dnsmasq_tcp_check_exit_status 1' "$dir/dnsmasq_tcp_check.prom" || dt_fail "no exit status 1"
	grep -qE '^dnsmasq_tcp_check_last_run_timestamp_seconds [0-9]{10}$' "$dir/dnsmasq_tcp_check.prom" || dt_fail "no run time"
	grep -qx "dnsmasq_tcp_check_susceptible{pid=\"$DNSMASQ_PID\",netns=\"net:\[[0-9]*\]\"} 1" "$dir/dnsmasq_tcp_check.prom" ||
		dt_fail "no susceptible 1 for PID $DNSMASQ_PID"
	grep -qx "dnsmasq_tcp_check_exposed_interfaces{pid=\"$DNSMASQ_PID\",netns=\"net:\[[0-9]*\]\"} 2" "$dir/dnsmasq_tcp_check.prom" ||
		dt_fail "not 2 exposed interfaces for PID $DNSMASQ_PID"
	grep -qx 'dnsmasq_tcp_check_instances{verdict="affected"} 1' "$dir/dnsmasq_tcp_check.prom" || dt_fail "no instance count"
	# A label value with quotes, a backslash, a control character and a
	# byte that is not UTF-8 must not break the format.
	bash -c 'source "$1"; reset_settings; INSTANCE_BLIND=() RUN_EPOCH=1 VERDICT=affected NETNS=1 VERSION=2.90
		BINARY=$2 SUSCEPTIBLE=true EXPOSED_KNOWN=1 EXPOSED=(x) GAP=false COUNT[affected]=1
		metrics_instance 42; metrics_text 1' _ "$CHECK" $'/x"y\\z\x01\xe9\n' >"$dir/odd.prom"
	cat "$dir/odd.prom"
	promtool check metrics <"$dir/odd.prom" || dt_fail "promtool rejects a label with odd bytes"
}

@test "host check: --textfile into a directory it cannot write: exit 3 and an error row" {
	hc_json --textfile "$DT_STATE/no-such-dir/dnsmasq_tcp_check.prom"
	hc_expect_status 3
	hc_expect_json_lines
	jq -e -s '.[-1].type == "error" and (.[-1].error | test("cannot write --textfile"))' <<<"$output" >/dev/null ||
		dt_fail "no error row for the textfile"
}

# ---------------------------------------------------------------------------
# Kubernetes: the DaemonSet of contrib/kubernetes.

@test "host check: the Kubernetes manifest validates offline (API schema and least-privilege policy), and a broken one does not" {
	local bad
	/usr/bin/python3 -c 'import kubernetes, yaml' || dt_fail "python3-kubernetes or python3-yaml is missing (make deps)" || return 1
	hc_run "$CHECK_MANIFEST" "$MANIFEST"
	hc_expect_status 0
	hc_expect_output "ok: Namespace, ServiceAccount, DaemonSet"
	bad=$DT_STATE/bad.yaml
	sed -e 's/^      hostPID: true/      hostPID: true\n      hostNetwrk: true/' "$MANIFEST" >"$bad"
	hc_run "$CHECK_MANIFEST" "$bad"
	hc_expect_status 1
	hc_expect_output "hostNetwrk: no such field in V1PodSpec"
	sed -e 's/SYS_CHROOT\]/SYS_CHROOT, NET_ADMIN]/' -e 's/^\( *\)readOnly: true/\1readOnly: false/' \
		-e '/cpu: 200m/d' -e 's/@sha256:PIN-ME//' "$MANIFEST" >"$bad"
	hc_run "$CHECK_MANIFEST" "$bad"
	hc_expect_status 1
	hc_expect_output "capabilities.add must be exactly"
	hc_expect_output "resources.limits.cpu missing"
	hc_expect_output "pinned by digest"
	hc_expect_output "hostPath / is writable"
}

# hc_runs_logged LOG N: the pod's log shows N runs of the check.
hc_runs_logged() {
	(($(grep -c 'dnsmasq-tcp-check: exit status' "$1" || true) >= $2))
}

# hc_container_root DIR: a minimal image: busybox's sh, chroot and sleep
# with the libraries it needs, and the container's mount points.
hc_container_root() {
	local dir=$1 lib app
	mkdir -p "$dir/bin" "$dir/host" "$dir/check" "$dir/proc" "$dir/dev"
	cp "$(command -v busybox)" "$dir/bin/busybox"
	for lib in $(ldd "$(command -v busybox)" | grep -oE '/[^ ]+'); do
		mkdir -p "$dir${lib%/*}"
		cp -L "$lib" "$dir$lib"
	done
	for app in sh chroot sleep; do ln -s busybox "$dir/bin/$app"; done
}

@test "host check: the DaemonSet's command, run as the manifest runs it (host PID namespace, host's / read-only at /host, only its capabilities, its own network namespace), writes metrics promtool accepts and logs each run's exit status" {
	local spec ctr textdir log caps podns="" script setup
	local -a envs=()
	hc_require promtool prometheus || return 1
	hc_require busybox busybox || return 1
	hc_need_stock
	hc_start "$STOCK"
	spec=$("$CHECK_MANIFEST" --print-container "$MANIFEST")
	jq -e '.host_pid and (.host_network | not) and .no_new_privs and .read_only_root
		and (.mounts | map(select(.path == "/host" and .read_only and .hostPath.path == "/"
			and .propagation == "HostToContainer")) | length == 1)' \
		<<<"$spec" >/dev/null || dt_fail "the manifest does not run the check as this test does: $spec"
	ctr=$DT_STATE/container textdir=$DT_STATE/textfile log=$DT_STATE/pod.log
	mkdir -p "$textdir"
	hc_container_root "$ctr"
	cp "$CHECK" "$ctr/check/dnsmasq-tcp-check"
	chmod 0444 "$ctr/check/dnsmasq-tcp-check"
	# The manifest's environment; TEXTFILE in this test's directory (a host
	# path, the textfile volume), the check limited to this file's node.
	mapfile -t envs < <(jq -r '.env | to_entries[] | select(.value != null) | "\(.key)=\(.value)"' <<<"$spec")
	envs+=(NODE_NAME=node-1 INTERVAL_SECONDS=2 "TEXTFILE=$textdir/dnsmasq_tcp_check.prom" "CHECK_ARGS=--netns $NODE_NS")
	caps=$(jq -r '.capabilities | map("+" + ascii_downcase) | join(",")' <<<"$spec")
	script=$(jq -r '.command[2]' <<<"$spec")
	[[ "$(jq -r '.command[0:2] | join(" ")' <<<"$spec")" == "/bin/sh -c" ]] || dt_fail "not sh -c"
	# The container runtime's part: its mounts (the host's / as a slave:
	# mountPropagation HostToContainer), then the manifest's capabilities
	# (nothing else), no_new_privs, its root.
	setup='set -e
		mount --bind "$1" "$1"
		mount --rbind / "$1/host"
		mount -o remount,bind,ro "$1/host"
		mount --bind "$2" "$1/host$2"
		mount --bind "$1/check" "$1/check"
		mount -o remount,bind,ro "$1/check"
		mount -t proc proc "$1/proc"
		mount --rbind /dev "$1/dev"
		mount -o remount,bind,ro "$1"
		ctr=$1 caps=$3 script=$4
		shift 4
		exec env -i PATH=/bin "$@" "$(command -v setpriv)" --no-new-privs --inh-caps=-all \
			--ambient-caps=-all --bounding-set=-all,"$caps" "$(command -v chroot)" "$ctr" /bin/sh -c "$script"'
	dt_ns_new podns pod
	dt_spawn POD_PID "$podns" "$log" unshare -m --propagation slave \
		bash -c "$setup" _ "$ctr" "$textdir" "$caps" "$script" "${envs[@]}"
	# Two runs: it runs periodically, and the textfile is replaced.
	dt_wait_until 60 dt_ready_or_gone "$POD_PID" hc_runs_logged "$log" 2 >/dev/null || true
	hc_runs_logged "$log" 2 || { cat "$log"; dt_fail "no two runs in the pod's log"; return 1; }
	dt_daemon_stop "$POD_PID"
	cat "$log"
	grep -qx 'dnsmasq-tcp-check: exit status 1 (0 not affected, 1 affected, 2 cannot tell, 3 error)' "$log" ||
		dt_fail "the log does not show exit status 1"
	output=$(grep '^{' "$log" | tail -n 2)
	hc_expect_json_lines
	hc_row '.verdict == "affected" and .unknown_because == [] and .node == "node-1"'
	hc_node '.exit_status == 1'
	cat "$textdir/dnsmasq_tcp_check.prom"
	promtool check metrics <"$textdir/dnsmasq_tcp_check.prom" || dt_fail "promtool rejects the metrics"
	grep -qx 'dnsmasq_tcp_check_exit_status 1' "$textdir/dnsmasq_tcp_check.prom" || dt_fail "no exit status 1 in the metrics"
	grep -qx "dnsmasq_tcp_check_susceptible{pid=\"$DNSMASQ_PID\",netns=\"net:\[[0-9]*\]\"} 1" "$textdir/dnsmasq_tcp_check.prom" ||
		dt_fail "no susceptible 1 for PID $DNSMASQ_PID"
	[[ "$(find "$textdir" -mindepth 1 | wc -l)" == 1 ]] || dt_fail "left in the textfile directory: $(ls -A "$textdir")"
}

@test "host check: the README's kubectl debug form (script fed to bash -s, --profile=sysadmin) gives the verdict" {
	grep -qF -- "kubectl debug node/NODE -i --profile=sysadmin --image=debian:12" "$REPO/README.md" ||
		dt_fail "the README lost its kubectl debug invocation"
	grep -qF -- "-- chroot /host bash -s -- --node NODE < contrib/dnsmasq-tcp-check" "$REPO/README.md" ||
		dt_fail "the README lost its chroot /host form"
	grep -qF "contrib/kubernetes/dnsmasq-tcp-check.yaml" "$REPO/README.md" || dt_fail "the README lost its DaemonSet"
	hc_need_stock
	hc_start "$STOCK"
	hc_run ip netns exec "$NODE_NS" bash -c 'bash -s -- --node NODE --netns "$1" <"$2"' _ "$NODE_NS" "$CHECK"
	hc_expect_status 1
	hc_expect_output "node NODE"
	hc_expect_output "dnsmasq, PID $DNSMASQ_PID"
}

# ---------------------------------------------------------------------------
# What it says about itself.

@test "host check: --help documents every JSON field it prints, every metric and every exit status" {
	local help key missing=""
	hc_need_stock
	help=$("$CHECK" --help)
	hc_start "$STOCK"
	hc_json --textfile "$DT_STATE/doc.prom"
	for key in $(jq -r 'paths | map(select(type == "string")) | .[]' <<<"$output" | sort -u) \
		$(jq -r 'keys[]' <<<"$("$CHECK" --json --frobnicate 2>/dev/null)") \
		$(grep -oE '^dnsmasq_tcp_check_[a-z_]+' "$DT_STATE/doc.prom" | sort -u); do
		grep -qE "(^|[ ,(\"])$key([ ,){\"]|$)" <<<"$help" || missing+=" $key"
	done
	for key in 0 1 2 3; do
		grep -qE "^  $key  [a-z]" <<<"$help" || missing+=" exit-status-$key"
	done
	[[ -z "$missing" ]] || dt_fail "--help does not document:$missing"
}

@test "host check: its table of dnsmasq's long options covers every option of the builds at hand (their --help)" {
	local bin name eq has bad=""
	local -a bins=()
	for bin in "${DNSMASQ_STOCK:-}" "$DNSMASQ" "$REPO"/build/stock-*/dnsmasq "$REPO/src/dnsmasq"; do
		[[ -x "$bin" ]] && bins+=("$bin")
	done
	((${#bins[@]})) || skip "no dnsmasq build"
	for bin in "${bins[@]}"; do
		while read -r name eq; do
			has=$(bash -c 'source "$1"; load_options; printf "%s" "${LONG_ARG[$2]:-none}"' _ "$CHECK" "$name")
			case "$has/$eq" in
			none/*) bad+=" --$name($(hc_version "$bin"))" ;;
			0/=* | 1/-) bad+=" --$name(takes a value: $eq, table: $has)" ;;
			esac
		done < <("$bin" --help | sed -nE 's/^(-., )? *--([A-Za-z0-9-]+)(=?).*/\2 \3-/p' | sed 's/ =-$/ =/')
	done
	[[ -z "$bad" ]] || dt_fail "missing or wrong in the check's option table:$bad"
}

# ---------------------------------------------------------------------------
# The affected range, stated once.

@test "host check: README.md, CHANGELOG and tests/README.md state the check's affected range" {
	local first last doc found bad=0
	read -r first last < <("$CHECK" --affected-range)
	[[ "$first $last" == "2.82 2.92" ]] || dt_fail "the check says $first to $last"
	for doc in README.md CHANGELOG tests/README.md; do
		# "2.82 to 2.9x", "2.82–2.9x", "2.82-2.9x", "2.82 up to 2.9x"
		while IFS= read -r found; do
			if [[ "$found" != *"$last" ]]; then
				printf '%s: "%s" (the check says %s to %s)\n' "$doc" "$found" "$first" "$last"
				bad=1
			fi
		done < <(tr '\n' ' ' <"$REPO/$doc" | grep -oE "${first//./\\.}( to | up to |–|-)2\\.[0-9]+")
		# "2.82 <= version < 2.93"
		while IFS= read -r found; do
			if [[ "$found" != *"< 2.$((${last#2.} + 1))" ]]; then
				printf '%s: "%s" (the check says %s to %s)\n' "$doc" "$found" "$first" "$last"
				bad=1
			fi
		done < <(tr '\n' ' ' <"$REPO/$doc" | grep -oE "${first//./\\.} <= version < 2\\.[0-9]+")
	done
	((bad == 0)) || dt_fail "the affected range drifted"
}
