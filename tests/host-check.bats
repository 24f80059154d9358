#!/usr/bin/env bats
#
# contrib/dnsmasq-tcp-check, the read-only check an operator runs on a node,
# on the suite's Calico node: its verdict (exit 0 not affected, 1 affected,
# 2 cannot tell) for given builds and listening modes, checked against what
# a pod behind a cali interface actually gets over UDP and TCP.
#
# Most tests start the build they need themselves, whatever $DNSMASQ is:
# a stock build of an affected version (2.82-2.91; $DNSMASQ_STOCK, $DNSMASQ
# or build/stock-*/dnsmasq) or a patched one (+tcpifidx; $DNSMASQ, src/ or
# build/*/), and skip if there is none. Only "the binary under test" judges
# $DNSMASQ itself, and carries bug:calico-tcp: it fails for stock 2.82-2.91.
#
# Pod "a": cali has only an IPv6 link-local address (Calico's default).
# Pod "b": IPv6 disabled on its cali, so the cali has no address at all.

load lib/common

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
CHECK=$REPO/contrib/dnsmasq-tcp-check

setup_file() {
	dt_setup_cluster a b
}

# ---------------------------------------------------------------------------
# Which builds there are.

hc_version() {
	"$1" --version 2>/dev/null | awk 'NR == 1 { print $3 }'
}

# True for an unpatched 2.82 .. 2.92.
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

# Sets STOCK to an unpatched 2.82-2.91 build, or skips the test.
hc_need_stock() {
	STOCK=$(hc_find hc_stock_affected "${DNSMASQ_STOCK:-}" "$DNSMASQ" \
		"$REPO"/build/stock-*/dnsmasq) ||
		skip "no unpatched 2.82-2.91 build (make stock BASE=debian-12)"
}

hc_need_patched() {
	PATCHED=$(hc_find hc_patched "$DNSMASQ" "$REPO/src/dnsmasq" \
		"$REPO"/build/*/dnsmasq) ||
		skip "no patched (+tcpifidx) build (make)"
}

# ---------------------------------------------------------------------------
# Running things.

# hc_start BINARY [OPTION...]: dnsmasq on the node, as a service runs it.
hc_start() {
	local bin=$1
	shift
	DNSMASQ=$bin dnsmasq_start forking "$@"
}

# hc_check [ARG...]: the check tool inside the node namespace; bats' run
# sets $status and $output, which are printed for a failing test.
hc_check() {
	run ip netns exec "$NODE_NS" "$CHECK" "$@"
	printf '$ %s %s   (exit %s)\n%s\n' "${CHECK##*/}" "$*" "$status" "$output"
}

hc_expect_status() {
	[[ "$status" == "$1" ]] || dt_fail "expected exit status $1, got $status"
}

hc_expect_output() {
	grep -qF -- "$1" <<<"$output" || dt_fail "the output does not mention: $1"
}

# What a pod really gets: "udp tcp" decisions for big.example.
hc_pod_sees() {
	local ns
	ns=$(topo_pod_var "$1" NS)
	dig_udp "$ns" "$NODE_IP4" "big.$ZONE"
	HC_UDP=$Q_DECISION
	dig_tcp "$ns" "$NODE_IP4" "big.$ZONE"
	HC_TCP=$Q_DECISION
	printf 'pod %s sees: UDP %s, TCP %s\n' "$1" "$HC_UDP" "$HC_TCP"
}

# The tool's verdict must match reality: affected (1) exactly when UDP is
# answered and TCP refused.
hc_expect_verdict_matches() {
	local pod=$1
	hc_pod_sees "$pod"
	if [[ "$HC_UDP" == answered && "$HC_TCP" == refused ]]; then
		[[ "$status" == 1 ]] || dt_fail "the pod's TCP is refused while UDP is answered, but the check said exit $status"
	else
		[[ "$status" == 0 ]] || dt_fail "the pod gets UDP $HC_UDP / TCP $HC_TCP, but the check said exit $status"
	fi
}

# ---------------------------------------------------------------------------

@test "host check: stock 2.82-2.91 in wildcard mode is affected; names both cali interfaces" {
	hc_need_stock
	hc_start "$STOCK"
	hc_check
	hc_expect_status 1
	hc_expect_output "AFFECTED"
	hc_expect_output "$(topo_pod_var a CALI): IPv4 clients (198.51.100.10); IPv6 link-local only"
	hc_expect_output "$(topo_pod_var b CALI): IPv4 clients (198.51.100.11); no address at all"
	hc_expect_output "--bind-interfaces"
	hc_expect_verdict_matches a
}

@test "host check: stock 2.82-2.91 with --bind-dynamic is affected" {
	hc_need_stock
	hc_start "$STOCK" --bind-dynamic
	hc_check
	hc_expect_status 1
	hc_expect_output "mode:      --bind-dynamic"
	hc_expect_verdict_matches a
}

@test "host check: stock 2.82-2.91 with --listen-address=<node address> is affected" {
	hc_need_stock
	hc_start "$STOCK" --listen-address="$NODE_IP4"
	hc_check
	hc_expect_status 1
	hc_expect_output "when they query $NODE_IP4"
	hc_expect_verdict_matches a
}

@test "host check: stock 2.82-2.91 with --listen-address=127.0.0.1 only is not affected (UDP refused too)" {
	hc_need_stock
	hc_start "$STOCK" --listen-address=127.0.0.1
	hc_check
	hc_expect_status 0
	hc_expect_output "not in --interface"
	hc_expect_verdict_matches a
}

@test "host check: stock 2.82-2.91 with --bind-interfaces is not affected" {
	hc_need_stock
	hc_start "$STOCK" --bind-interfaces
	hc_check
	hc_expect_status 0
	hc_expect_output "not affected: --bind-interfaces"
	hc_expect_verdict_matches a
}

@test "host check: the --bind-interfaces workaround serves a pod created after dnsmasq started" {
	hc_need_stock
	hc_start "$STOCK" --bind-interfaces
	topo_pod c 198.51.100.12 2001:db8:2::12
	hc_pod_sees c
	[[ "$HC_UDP" == answered && "$HC_TCP" == answered ]] ||
		dt_fail "a pod created after start-up gets UDP $HC_UDP / TCP $HC_TCP"
	hc_check
	hc_expect_status 0
}

@test "host check: stock 2.82-2.91 with --except-interface=cali* is not affected (UDP refused too)" {
	hc_need_stock
	hc_start "$STOCK" --except-interface='cali*'
	hc_check
	hc_expect_status 0
	hc_expect_output "--except-interface=cali*: refused over UDP as well"
	hc_expect_verdict_matches a
}

@test "host check: stock 2.82-2.91 with --bind-dynamic --interface=eth0 is not affected (UDP refused too)" {
	hc_need_stock
	hc_start "$STOCK" --bind-dynamic --interface=eth0
	hc_check
	hc_expect_status 0
	hc_expect_output "not in --interface"
	hc_expect_verdict_matches a
}

@test "host check: stock 2.82-2.91 with --local-service is not affected (UDP refused too)" {
	hc_need_stock
	hc_start "$STOCK" --local-service
	hc_check
	hc_expect_status 0
	hc_expect_output "--local-service"
	hc_expect_verdict_matches a
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

@test "host check: a node without cali interfaces is not affected" {
	hc_need_stock
	# A node of its own: eth0 with an address, no pods.
	local bare="" bare_lan=""
	dt_ns_new bare bare
	dt_ns_new bare_lan barelan
	dt_veth "$bare" eth0 "$bare_lan" eth0
	ip -n "$bare" addr add "$NODE_IP4/24" dev eth0
	NODE_NS=$bare hc_start "$STOCK"
	run ip netns exec "$bare" "$CHECK"
	printf '%s\n' "$output"
	hc_expect_status 0
	hc_expect_output "No interface routes clients of a family it has no address of."
}

@test "host check: a patched build (+tcpifidx) is not affected" {
	hc_need_patched
	hc_start "$PATCHED"
	hc_check
	hc_expect_status 0
	hc_expect_output "this fork's build (+tcpifidx)"
	hc_expect_verdict_matches a
}

@test "host check: stock 2.93 with --bind-dynamic --interface=eth0 is not affected, with the 2.93 caveat" {
	local bin
	bin=$(hc_find hc_stock_293 "${DNSMASQ_STOCK:-}" "$DNSMASQ" \
		"$REPO/build/stock-upstream-2.93/dnsmasq") ||
		skip "no stock 2.93 build (make stock BASE=upstream-2.93)"
	hc_start "$bin" --bind-dynamic --interface=eth0
	hc_check
	hc_expect_status 0
	hc_expect_output "caveat:"
}

# bats test_tags=bug:calico-tcp
@test "host check: the binary under test (DNSMASQ=) in wildcard mode is not affected" {
	hc_start "$DNSMASQ"
	hc_check
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

@test "host check: --pid of a process that is not dnsmasq: cannot tell (exit 2)" {
	hc_check --pid "$KNOT_PID"
	hc_expect_status 2
	hc_expect_output "not a dnsmasq process"
}

@test "host check: no dnsmasq in the namespace: not affected" {
	hc_check
	hc_expect_status 0
	hc_expect_output "No dnsmasq is running in this network namespace"
}

@test "host check: --json is one JSON object with the verdict; --quiet prints nothing" {
	hc_need_stock
	hc_start "$STOCK"
	hc_check --json
	hc_expect_status 1
	if command -v python3 >/dev/null; then
		python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["verdict"] == "affected", d' <<<"$output" ||
			dt_fail "not valid JSON, or not the verdict"
	else
		[[ "$output" == '{'*'"verdict":"affected"'*'}' ]] || dt_fail "not the JSON object expected"
	fi
	hc_check --quiet
	hc_expect_status 1
	[[ -z "$output" ]] || dt_fail "--quiet printed something"
}
