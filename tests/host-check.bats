#!/usr/bin/env bats
#
# contrib/dnsmasq-tcp-check, the read-only check an operator runs on a node,
# on the suite's Calico node: its verdict (exit 0 not affected, 1 affected,
# 2 cannot tell) for given builds, listening modes and configuration files,
# checked against what a pod behind a cali interface actually gets over UDP
# and TCP from the real dnsmasq run with that configuration; that it never
# runs the binary it inspects; that it says "cannot tell" when it may not
# look (a Kubernetes debug pod without --profile=sysadmin); one verdict per
# instance across namespaces; the package/apt warning; one affected range.
#
# Most tests start the build they need themselves, whatever $DNSMASQ is:
# a stock build of an affected version (2.82-2.92; $DNSMASQ_STOCK, $DNSMASQ
# or build/stock-*/dnsmasq) or a patched one (+tcpifidx; $DNSMASQ, src/ or
# build/*/), and skip if there is none. Only "the binary under test" judges
# $DNSMASQ itself, and carries bug:calico-tcp: it fails for stock 2.82-2.92.
#
# Other test files may run dnsmasq at the same time on this machine: every
# run of the check is limited to this file's namespaces (--netns, --pid).
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

# hc_run CMD...: run and show.
hc_run() {
	run "$@"
	printf '$ %s   (exit %s)\n%s\n' "$*" "$status" "$output"
}

hc_expect_status() {
	[[ "$status" == "$1" ]] || dt_fail "expected exit status $1, got $status"
}

hc_expect_output() {
	grep -qF -- "$1" <<<"$output" || dt_fail "the output does not mention: $1"
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

# The tool's verdict must match reality: affected (1) exactly when UDP is
# answered and TCP refused.
hc_expect_verdict_matches() {
	local pod=$1
	hc_pod_sees "$pod" || return 1
	if [[ "$HC_UDP" == answered && "$HC_TCP" == refused ]]; then
		[[ "$status" == 1 ]] || dt_fail "the pod's TCP is refused while UDP is answered, but the check said exit $status"
	else
		[[ "$status" == 0 ]] || dt_fail "the pod gets UDP $HC_UDP / TCP $HC_TCP, but the check said exit $status"
	fi
}

# ---------------------------------------------------------------------------

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
}

@test "host check: stock 2.82-2.92 with --bind-dynamic is affected" {
	hc_need_stock
	hc_start "$STOCK" --bind-dynamic
	hc_check
	hc_expect_status 1
	hc_expect_output "mode:      --bind-dynamic"
	hc_expect_verdict_matches a
}

@test "host check: stock 2.82-2.92 with --listen-address=<node address> is affected" {
	hc_need_stock
	hc_start "$STOCK" --listen-address="$NODE_IP4"
	hc_check
	hc_expect_status 1
	hc_expect_output "when they query $NODE_IP4"
	hc_expect_verdict_matches a
}

@test "host check: stock 2.82-2.92 with --listen-address=127.0.0.1 only is not affected (UDP refused too)" {
	hc_need_stock
	hc_start "$STOCK" --listen-address=127.0.0.1
	hc_check
	hc_expect_status 0
	hc_expect_output "not in --interface"
	hc_expect_verdict_matches a
}

@test "host check: stock 2.82-2.92 with --bind-interfaces is not affected" {
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
	hc_pod_sees c || return 1
	[[ "$HC_UDP" == answered && "$HC_TCP" == answered ]] ||
		dt_fail "a pod created after start-up gets UDP $HC_UDP / TCP $HC_TCP"
	hc_check
	hc_expect_status 0
}

@test "host check: stock 2.82-2.92 with --except-interface=cali* is not affected (UDP refused too)" {
	hc_need_stock
	hc_start "$STOCK" --except-interface='cali*'
	hc_check
	hc_expect_status 0
	hc_expect_output "--except-interface=cali*: refused over UDP as well"
	hc_expect_verdict_matches a
}

@test "host check: stock 2.82-2.92 with --bind-dynamic --interface=eth0 is not affected (UDP refused too)" {
	hc_need_stock
	hc_start "$STOCK" --bind-dynamic --interface=eth0
	hc_check
	hc_expect_status 0
	hc_expect_output "not in --interface"
	hc_expect_verdict_matches a
}

@test "host check: stock 2.82-2.92 with --local-service is not affected (UDP refused too)" {
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
	run ip netns exec "$bare" "$CHECK" --netns "$bare"
	printf '%s\n' "$output"
	hc_expect_status 0
	hc_expect_output "not affected: no interface routes clients of a family it has no address of"
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

@test "host check: --pid of a process that is not dnsmasq: cannot tell (exit 2)" {
	hc_check --pid "$KNOT_PID"
	hc_expect_status 2
	hc_expect_output "not a dnsmasq process"
}

@test "host check: no dnsmasq in the namespace: not affected" {
	hc_check
	hc_expect_status 0
	hc_expect_output "No dnsmasq is running in network namespace $NODE_NS: not affected."
}

@test "host check: --json is one JSON line per instance with node, pid, version, package, mode, affected, why; --quiet prints nothing" {
	hc_need_stock
	hc_start "$STOCK"
	hc_check --json --node node-1
	hc_expect_status 1
	[[ "$(wc -l <<<"$output")" == 1 ]] || dt_fail "expected one line for one instance"
	jq -e --argjson pid "$DNSMASQ_PID" '
		.node == "node-1" and .pid == $pid and .affected == true and
		.verdict == "affected" and (.version | startswith("2.")) and
		(.mode | startswith("wildcard")) and (.why | length > 0) and has("package")' \
		<<<"$output" >/dev/null || dt_fail "not the JSON line expected"
	hc_check --quiet
	hc_expect_status 1
	[[ -z "$output" ]] || dt_fail "--quiet printed something"
}

# ---------------------------------------------------------------------------
# Never running what it inspects.

# hc_recorder FILE LOG: a script that records being run in LOG.
hc_recorder() {
	# shellcheck disable=SC2016 # $0 and $* are the recorder's own
	printf '#!/bin/sh\necho "ran: $0 $*" >>"%s"\necho "Dnsmasq version 2.99"\n' "$2" >"$1"
	chmod +x "$1"
}

@test "host check: never executes the inspected binary (replaced on disk by a recorder: verdict still right, nothing ran)" {
	local dir exe rec trace
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

@test "host check: an unreadable --pid gives cannot tell (exit 2) and a JSON line with affected null" {
	hc_need_patched
	hc_start "$PATCHED"
	hc_expect_other_user
	hc_run hc_without_ptrace "$CHECK" --pid "$DNSMASQ_PID" --json
	hc_expect_status 2
	jq -e --argjson pid "$DNSMASQ_PID" '.pid == $pid and .affected == null and
		.verdict == "cannot tell" and (.how_to_see | test("profile=sysadmin"))' \
		<<<"$output" >/dev/null || dt_fail "not the JSON line expected"
}

# ---------------------------------------------------------------------------
# Configuration as dnsmasq itself reads it. Each variant runs the real
# (affected) dnsmasq with the file, which accepted it (it started), and
# compares the check's verdict with what the pod then gets.

# hc_config_variant EXPECTED_STATUS FILE_TEXT [DNSMASQ OPTION...]
hc_config_variant() {
	local want=$1
	hc_need_stock
	DNSMASQ_CONF=$2 hc_start "$STOCK" "${@:3}"
	hc_check
	hc_expect_verdict_matches a
	hc_expect_status "$want"
}

@test "host check: config 'except-interface = cali*' (spaces around =) is not affected, as dnsmasq reads it" {
	hc_config_variant 0 'except-interface = cali*'
}

@test "host check: config 'except-interface=eth9 # ,cali*' is affected (a # after white space starts a comment)" {
	hc_config_variant 1 $'except-interface=eth9\t# ,cali*'
}

@test "host check: config 'except-interface=eth9#,cali*' is not affected (a # inside a word is no comment)" {
	hc_config_variant 0 'except-interface=eth9#,cali*'
}

@test "host check: config except-interface=<eth9,cali* in double quotes> is affected (a quoted comma does not split)" {
	hc_config_variant 1 'except-interface="eth9,cali*"'
}

@test "host check: config except-interface=<cali* in double quotes> # comment is not affected (quotes removed)" {
	hc_config_variant 0 'except-interface= "cali*" # quoted'
}

@test "host check: config 'conf-file = FILE' includes FILE (except-interface there: not affected)" {
	local inc
	inc=$(mktemp "$DT_STATE/include.XXXXXX")
	printf 'except-interface=cali*\n' >"$inc"
	hc_config_variant 0 "conf-file = $inc"
	hc_expect_output "$inc"
}

@test "host check: conf-dir=DIR,*.conf reads only *.conf (except-interface in a .conf.off file: still affected)" {
	local dir
	dir=$(mktemp -d "$DT_STATE/confdir.XXXXXX")
	printf 'bind-dynamic\n' >"$dir/mode.conf"
	printf 'except-interface=cali*\n' >"$dir/pods.conf.off"
	printf 'except-interface=cali*\n' >"$dir/.hidden.conf"
	hc_config_variant 1 "conf-dir=$dir,*.conf"
	hc_expect_output "mode:      --bind-dynamic"
	! grep -qF -e "pods.conf.off" -e ".hidden.conf" <<<"$output" || dt_fail "read a file dnsmasq skips"
}

@test "host check: conf-dir=DIR,.bak skips *.bak and reads the rest (except-interface in x.conf: not affected)" {
	local dir
	dir=$(mktemp -d "$DT_STATE/confdir.XXXXXX")
	printf 'except-interface=cali*\n' >"$dir/x.conf"
	printf 'interface=eth0\n' >"$dir/x.conf.bak"
	hc_config_variant 0 "conf-dir = $dir, .bak"
	hc_expect_output "$dir/x.conf"
	! grep -qF "x.conf.bak" <<<"$output" || dt_fail "read a file dnsmasq skips"
}

@test "host check: the line parser agrees with dnsmasq --test on what is an error" {
	local f
	hc_need_stock
	f=$(mktemp "$DT_STATE/bad.XXXXXX")
	printf 'except-interface="cali*\n' >"$f"
	! "$STOCK" --test --conf-file="$f" 2>/dev/null || dt_fail "dnsmasq accepted an unterminated quote"
	# shellcheck disable=SC2016 # expanded by that bash
	[[ "$(bash -c 'source "$1" && parse_conf_line "$2"' _ "$CHECK" 'except-interface="cali*')" == ERROR* ]] ||
		dt_fail "the check's parser accepts what dnsmasq rejects"
}

# ---------------------------------------------------------------------------
# Every instance.

@test "host check: several instances in several namespaces: one verdict each" {
	local bare="" bare_lan="" node_pid
	hc_need_stock
	hc_start "$STOCK"
	node_pid=$DNSMASQ_PID
	# A second "node" (a host-network pod, say): eth0, no cali.
	dt_ns_new bare bare
	dt_ns_new bare_lan barelan
	dt_veth "$bare" eth0 "$bare_lan" eth0
	ip -n "$bare" addr add "$NODE_IP4/24" dev eth0
	NODE_NS=$bare hc_start "$STOCK"
	hc_run "$CHECK" --netns "$NODE_NS" --netns "$bare" --json
	hc_expect_status 1
	[[ "$(wc -l <<<"$output")" == 2 ]] || dt_fail "expected two lines"
	jq -e -s --argjson pid "$node_pid" 'map(select(.pid == $pid)) | length == 1 and .[0].affected == true' <<<"$output" >/dev/null ||
		dt_fail "the Calico node's instance is not affected?"
	jq -e -s --argjson pid "$DNSMASQ_PID" 'map(select(.pid == $pid)) | length == 1 and .[0].affected == false' <<<"$output" >/dev/null ||
		dt_fail "the bare namespace's instance is affected?"
	hc_run "$CHECK" --netns "$NODE_NS" --netns "$bare"
	hc_expect_output "dnsmasq, PID $node_pid"
	hc_expect_output "dnsmasq, PID $DNSMASQ_PID"
}

# ---------------------------------------------------------------------------
# Packages. dpkg-query and apt-cache are STUBS here (a PATH directory of
# scripts answering as Debian's tools would): the machine's own package
# database has no dnsmasq of ours.

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

# ---------------------------------------------------------------------------
# Kubernetes, as the README documents it.

@test "host check: the README's kubectl debug form (script fed to bash -s, --profile=sysadmin) gives the verdict" {
	grep -qF -- "kubectl debug node/NODE -i --profile=sysadmin --image=debian:12" "$REPO/README.md" ||
		dt_fail "the README lost its kubectl debug invocation"
	grep -qF -- "-- chroot /host bash -s -- --node NODE < contrib/dnsmasq-tcp-check" "$REPO/README.md" ||
		dt_fail "the README lost its chroot /host form"
	grep -qF "hostPID: true" "$REPO/README.md" || dt_fail "the README lost its DaemonSet"
	hc_need_stock
	hc_start "$STOCK"
	# shellcheck disable=SC2016 # expanded by that bash
	hc_run ip netns exec "$NODE_NS" bash -c 'bash -s -- --node NODE --netns "$1" <"$2"' _ "$NODE_NS" "$CHECK"
	hc_expect_status 1
	hc_expect_output "node NODE"
	hc_expect_output "dnsmasq, PID $DNSMASQ_PID"
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
