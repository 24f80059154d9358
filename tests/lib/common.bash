# shellcheck shell=bash
#
# Sourced by every tests/*.bats file: the library plus the bats hooks.
#
#   setup_file:    dt_setup_file  -> state dir, "file" scope
#   setup:         dt_setup       -> "test" scope
#   teardown:      dt_teardown    -> undo what the test made (dnsmasq, pods),
#                                    fail on any sanitizer report
#   teardown_file: dt_teardown_file -> undo everything, state dir included

# shellcheck source=tests/lib/kit.bash
source "$(dirname "${BASH_SOURCE[0]}")/kit.bash"

# The binary under test: $DNSMASQ, else the project's build.
: "${DNSMASQ:=$(cd "$DT_LIB/../.." && pwd)/src/dnsmasq}"
export DNSMASQ

# dt_setup_cluster [POD...]: setup_file for most files: the cluster (node,
# LAN, upstream knotd) and the named standard pods:
#   a  198.51.100.10 and 2001:db8:2::10; its cali has only an fe80:: address
#      (Calico's default)
#   b  198.51.100.11, IPv4 only; IPv6 disabled on its cali, so the cali has
#      no address at all
dt_setup_cluster() {
	local pod
	dt_setup_file
	topo_cluster
	for pod in "$@"; do
		case "$pod" in
		a) topo_pod a 198.51.100.10 2001:db8:2::10 ;;
		b)
			topo_pod b 198.51.100.11 -
			topo_cali_disable_ipv6 b
			;;
		*)
			printf 'dt_setup_cluster: no standard pod %s\n' "$pod" >&2
			return 1
			;;
		esac
	done
	knot_start
}

dt_setup() {
	dt_scope test
	DT_SANITIZER_DIRS=()
	dt_watchdog_start
}

# After the test's daemons have stopped (leak checks run at exit), any
# sanitizer report fails the test: the whole suite checks a SANITIZE=1 build.
dt_teardown() {
	local rc=0
	dt_cleanup_test
	DNSMASQ_PID=
	dt_watchdog_check || rc=1
	dnsmasq_sanitizer_reports || rc=1
	return "$rc"
}

dt_teardown_file() {
	dt_cleanup_file
}

# The default bats hooks. A .bats file defines setup_file (its topology)
# and overrides any of these only when it has more to do.
teardown_file() {
	dt_teardown_file
}

setup() {
	dt_setup
}

teardown() {
	dt_teardown
}
