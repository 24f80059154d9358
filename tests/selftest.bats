#!/usr/bin/env bats
# shellcheck disable=SC2154 # POD_<name>_* are exported by topo_pod
#
# Self-tests of the suite: break things on purpose and check that the cell
# check (check_pod, tests/lib/clients.bash) FAILS, with the right words.
# A refused cell must be proven (the datagram reached dnsmasq's socket and
# nothing came back; the TCP connection was accepted and closed at once,
# and dnsmasq still runs and answers a control client), not inferred from
# silence.  Each case runs the check in a subshell (bats `run`) and expects
# a non-zero status.
#
#   (a) a dnsmasq that exits on its first TCP connection (LD_PRELOAD shim
#       tests/selftest/accept-exit.c, built here with cc);
#   (b) a node whose route to the pod was removed (replies cannot go back);
#   (c) stock 2.93 under --no-daemon --local-service, which leaves refused
#       TCP connections open ($DNSMASQ_STOCK_293, default
#       build/stock-upstream-2.93/dnsmasq: `make stock BASE=upstream-2.93`).
# And the controls: the same checks pass on the build under test.

load lib/common

setup_file() {
	dt_setup_cluster a
}

ST_DIR=$(cd "$(dirname "$BATS_TEST_FILENAME")" && pwd)/selftest
: "${DNSMASQ_STOCK_293:=$(cd "$ST_DIR/../.." && pwd)/build/stock-upstream-2.93/dnsmasq}"

# st_expect_failure REGEX: the last `run` failed and said REGEX.
st_expect_failure() {
	printf '%s\n' "$output"
	printf -- '--- (that was the check under test; status %s)\n' "$status"
	((status != 0)) || dt_fail "the cell check passed; it must fail here" || return 1
	grep -qE -- "$1" <<<"$output" ||
		dt_fail "the cell check failed, but without saying: $1"
}

# st_build_accept_exit: the shim, preloaded into the next dnsmasq_start.
st_build_accept_exit() {
	local lib=$DT_STATE/accept-exit.so
	[[ -e "$lib" ]] || cc -Wall -Wextra -shared -fPIC -o "$lib" "$ST_DIR/accept-exit.c"
	# shellcheck disable=SC2034 # read by dnsmasq_start
	DNSMASQ_ENV=(LD_PRELOAD="$lib")
}

@test "self-test: the refused-cell check passes on the build under test (--except-interface=cali*, forking)" {
	dnsmasq_start forking --except-interface='cali*'
	check_pod a refused
}

@test "self-test: the refused-cell check fails against a dnsmasq that exits on its first TCP connection (forking)" {
	st_build_accept_exit
	dnsmasq_start forking --except-interface='cali*'
	run check_pod a refused
	st_expect_failure 'dnsmasq \(pid [0-9]+\) is gone after the cell'
}

@test "self-test: the refused-cell check fails against a dnsmasq that exits on its first TCP connection (no-daemon)" {
	st_build_accept_exit
	dnsmasq_start no-daemon --except-interface='cali*'
	run check_pod a refused
	st_expect_failure 'dnsmasq \(pid [0-9]+\) is gone after the cell'
}

@test "self-test: the answered-cell check fails against a dnsmasq that exits on its first TCP connection (forking)" {
	st_build_accept_exit
	dnsmasq_start forking
	run check_pod a answered
	st_expect_failure 'TCP was (refused|closed|no-listener|timeout)[^ ]*, expected answered'
}

@test "self-test: the refused-cell check fails when the node has no route back to the pod (--except-interface=cali*, forking)" {
	topo_pod r 198.51.100.20 -
	ip -n "$NODE_NS" route del 198.51.100.20/32
	dnsmasq_start forking --except-interface='cali*'
	run check_pod r refused
	st_expect_failure 'TCP was (timeout|unreachable), expected refused'
}

@test "self-test: the answered-cell check fails when the node has no route back to the pod (wildcard, forking)" {
	topo_pod r 198.51.100.20 -
	ip -n "$NODE_NS" route del 198.51.100.20/32
	dnsmasq_start forking
	run check_pod r answered
	st_expect_failure 'UDP was [a-z-]+, expected answered'
}

@test "self-test: the refused-cell check fails against stock 2.93 under --local-service, which leaves the TCP connection open (no-daemon)" {
	[[ -x "$DNSMASQ_STOCK_293" ]] ||
		skip "no stock 2.93 build at $DNSMASQ_STOCK_293 (make stock BASE=upstream-2.93, or set DNSMASQ_STOCK_293)"
	DNSMASQ=$DNSMASQ_STOCK_293 dnsmasq_start no-daemon --local-service
	run check_pod a refused
	st_expect_failure 'TCP was timeout, expected refused'
}

@test "self-test: the refused-cell check fails when nothing listens on the node (no dnsmasq)" {
	# shellcheck disable=SC2034 # read by cell_after
	DNSMASQ_PID=
	run check_pod a refused
	st_expect_failure 'UDP was (no-listener|lost)|TCP was no-listener'
}
