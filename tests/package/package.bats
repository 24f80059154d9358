#!/usr/bin/env bats
# shellcheck disable=SC2154 # POD_a_NS comes from topo_pod
#
# Our dnsmasq-base as a drop-in for Debian's, with Debian's own "dnsmasq"
# service package on top, on a Calico-like node built from network
# namespaces. Run through tests/package/run (as root), which saves the
# machine's state first and puts it back afterwards on every exit path.
#
# The tests run in order and build on each other:
#   1. stock dnsmasq + dnsmasq-base: the pod's TCP retry fails (the bug)
#   2. our dnsmasq-base over it: the same retry gets the whole answer
#   3. apt: Debian's next upload would replace ours; our pin holds it
#   4. back to stock (a downgrade): Debian's binary answers again
#   5. the machine is as the test found it
# What Debian's piuparts checks of any package is left to it (make
# check-piuparts: install, upgrade from Debian's version, purge, files left
# behind, in a throwaway system); these are the checks of our drop-in.
#
# bats file_tags=package

load ../lib/common
dt_kit_use package

POD_IP4=198.51.100.10
TOP_DIR=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup_file() {
	dt_setup_file
	topo_cluster
	topo_pod a "$POD_IP4"
	knot_start
	# The daemon's log, inside the target system so the chroot sees it too.
	PKG_LOG_DIR=$(mktemp -d "$(pkg_path /tmp)/dnsmasq-tcpifidx-test.XXXXXX")
	chmod 755 "$PKG_LOG_DIR"
	dt_register dir "$PKG_LOG_DIR"
	export PKG_LOG_DIR
	# Where tests/run keeps this run's registry, for a later run to sweep
	# if this one is killed outright.
	printf '%s\n' "${DT_RUN_DIR:-}" >"$PKG_STATE/run-dir"
	pkg_deny_services
}

setup() {
	dt_setup
	# Each step needs the one before it to have passed.
	if [[ "$BATS_TEST_NUMBER" -gt 1 && ! -f "$PKG_STATE/step$((BATS_TEST_NUMBER - 1)).ok" ]]; then
		skip "step $((BATS_TEST_NUMBER - 1)) did not pass"
	fi
}

step_ok() {
	touch "$PKG_STATE/step$BATS_TEST_NUMBER.ok"
}

teardown() {
	# The service's daemon outlives a single test: only the registry entry
	# of the test scope goes; the daemon itself is stopped in step 4 or by
	# teardown_file.
	dt_teardown
}

teardown_file() {
	pkg_restore || true
	dt_teardown_file
}

# Log lines that explain a decision, for failed runs.
show_daemon_log() {
	printf -- '--- dnsmasq service log (without the cached/reply records):\n'
	grep -vE ': (cached|reply|forwarded) .* is ' "$(pkg_log_file)" 2>/dev/null | tail -n 25 || true
	printf -- '--- end\n'
}

pkg_log_file() {
	printf '%s/dnsmasq.log\n' "$PKG_LOG_DIR"
}

# Starts (or restarts) the service in the node namespace and waits for it.
service_action() {
	local action=$1 pid
	pkg_service "$action"
	dt_wait_until "$DT_WAIT_TIMEOUT" pkg_service_ready || {
		show_daemon_log
		return 1
	}
	pid=$(pkg_register_daemon)
	printf 'service %s: dnsmasq PID %s as uid %s: %s\n' "$action" "$pid" \
		"$(ps -o uid= -p "$pid" | tr -d ' ')" "$(tr '\0' ' ' <"/proc/$pid/cmdline")"
}

# The pod asks the node for big.example (40 A records, > 512 bytes) the way
# a stub resolver does: UDP without EDNS0, then TCP after the truncated
# reply. Q_DECISION/Q_ANSWERS/Q_OUT tell what happened.
pod_asks_big_name() {
	dig_auto "$POD_a_NS" "$NODE_IP4" "big.$ZONE" +noedns
}

@test "stock Debian dnsmasq + dnsmasq-base: the pod's TCP retry fails (or, once Debian has fixed it, the output says so)" {
	local stock_spec=() pid
	if [[ -n "${PKG_STOCK:-}" ]]; then
		stock_spec=("dnsmasq-base=$PKG_STOCK" "dnsmasq=$PKG_STOCK")
	else
		stock_spec=(dnsmasq-base dnsmasq)
	fi
	pkg_sys apt-get install -q -y "${stock_spec[@]}"
	PKG_STOCK=$(pkg_version dnsmasq-base)
	printf '%s\n' "$PKG_STOCK" >"$PKG_STATE/stock-version"
	[[ "$(pkg_status dnsmasq)" == ii && "$(pkg_status dnsmasq-base)" == ii ]]

	# What must not change when our dnsmasq-base replaces the stock one.
	pkg_sys dnsmasq --version | sed -n 's/^Compile time options: //p' >"$PKG_STATE/stock-options"
	printf 'stock: %s\ncompile time options: %s\n' "$PKG_STOCK" "$(cat "$PKG_STATE/stock-options")"
	[[ -s "$PKG_STATE/stock-options" ]]
	pkg_sys getent passwd dnsmasq >"$PKG_STATE/user.stock"

	pkg_write_conf "${PKG_LOG_DIR#"$PKG_ROOT"}"
	service_action start

	# The control: a client on the node's LAN gets the whole answer.
	dig_auto "$LAN_NS" "$NODE_IP4" "big.$ZONE" +noedns
	expect_answers 40
	# The pod: UDP is answered (truncated), the TCP retry is cut off.
	dig_udp "$POD_a_NS" "$NODE_IP4" "big.$ZONE"
	expect_decision "UDP from the pod" answered
	pod_asks_big_name
	show_daemon_log
	# The later steps must not depend on Debian still shipping the bug:
	# once Debian's package answers the pod, say so and go on; the next
	# step then asserts our package's answer without a "before".
	if [[ "$Q_DECISION" == answered ]]; then
		printf 'NOTE: Debian'"'"'s dnsmasq-base %s answers the pod over TCP: Debian has fixed the bug.\n' "$PKG_STOCK"
		printf 'NOTE: no "before" on this package; the following steps assert our package answers the pod.\n'
		printf '%s\n' "$PKG_STOCK" >"$PKG_STATE/stock-fixed"
	else
		grep -qE 'communications error|end of file|connection reset' <<<"$Q_OUT" ||
			dt_fail "the TCP retry did not fail the way the bug does"
	fi
	step_ok
}

@test "our dnsmasq-base over stock, service restarted: the pod's TCP retry gets all 40 records" {
	local deb_in_target pid ours user
	# dpkg -i, as an administrator would; in a chroot the .deb must be
	# inside it.
	deb_in_target=$PKG_LOG_DIR/${PKG_DEB##*/}
	cp "$PKG_DEB" "$deb_in_target"
	pkg_sys dpkg -i "${deb_in_target#"$PKG_ROOT"}"
	ours=$(dpkg-deb -f "$PKG_DEB" Version)
	[[ "$(pkg_version dnsmasq-base)" == "$ours" ]]
	[[ "$(pkg_status dnsmasq-base)" == ii && "$(pkg_status dnsmasq)" == ii ]]

	# The package's files are intact (the README's "Verify").
	run pkg_sys dpkg -V dnsmasq-base
	printf 'dpkg -V dnsmasq-base: %s\n' "${output:-(clean)}"
	[[ "$status" -eq 0 && -z "$output" ]]
	# Same features as the stock binary, and our version.
	run pkg_sys dnsmasq --version
	printf '%s\n' "${lines[0]}" "${lines[1]}"
	[[ "${lines[0]}" == "Dnsmasq version $ours "* ]]
	[[ "${lines[1]}" == "Compile time options: $(cat "$PKG_STATE/stock-options")" ]]
	# The account the service runs as, as the stock package made it.
	[[ "$(pkg_sys getent passwd dnsmasq)" == "$(cat "$PKG_STATE/user.stock")" ]]

	service_action restart
	pid=$(pkg_daemon_pid)
	# By number: in a chroot, this machine's passwd does not know the name.
	user=$(ps -o uid= -p "$pid" | tr -d ' ')
	[[ "$user" == "$(pkg_sys id -u dnsmasq)" ]] ||
		dt_fail "the daemon runs as uid $user, not as dnsmasq ($(pkg_sys id -u dnsmasq))"
	[[ "$(readlink "/proc/$pid/exe")" == "$(pkg_path /usr/sbin/dnsmasq)" ]]

	dig_auto "$LAN_NS" "$NODE_IP4" "big.$ZONE" +noedns
	expect_answers 40
	pod_asks_big_name
	show_daemon_log
	expect_no_tcp_failure
	expect_answers 40
	step_ok
}

@test "versions and the apt pin: a newer Debian upload replaces ours, unless contrib/apt-preferences holds it" {
	local ours stock next dir arch
	ours=$(pkg_version dnsmasq-base)
	stock=$(cat "$PKG_STATE/stock-version")
	next=$(pkg_next_revision "$stock")
	printf 'stock %s < ours %s < next Debian upload %s\n' "$stock" "$ours" "$next"
	dpkg --compare-versions "$ours" gt "$stock"
	dpkg --compare-versions "$ours" lt "$next"

	dir=${PKG_LOG_DIR#"$PKG_ROOT"}/apt
	arch=$(pkg_sys dpkg --print-architecture)
	pkg_fake_repo "$dir" "$next" "$arch"
	cp "$TOP_DIR/contrib/apt-preferences/dnsmasq-tcpifidx-$(pkg_codename)" "$(pkg_path "$dir/prefs")/"
	pkg_apt_sim apt-get "$dir" "$dir/empty" update >/dev/null

	# Without the pin: apt would upgrade to Debian's next upload.
	run pkg_apt_sim apt-get "$dir" "$dir/empty" -s install dnsmasq-base
	printf 'without the pin:\n%s\n' "$(grep -E '^Inst|newest' <<<"$output")"
	[[ "$status" -eq 0 ]]
	grep -qF "Inst dnsmasq-base [$ours] ($next " <<<"$output"
	# With it: ours stays.
	run pkg_apt_sim apt-get "$dir" "$dir/prefs" -s install dnsmasq-base
	printf 'with the pin:\n%s\n' "$(grep -E '^Inst|newest' <<<"$output")"
	[[ "$status" -eq 0 ]]
	if grep -q '^Inst dnsmasq-base' <<<"$output"; then
		dt_fail "with the pin, apt still replaces our dnsmasq-base"
	fi
	grep -q 'dnsmasq-base is already the newest version' <<<"$output"
	run pkg_apt_sim apt-cache "$dir" "$dir/prefs" policy dnsmasq-base
	printf '%s\n' "$output"
	grep -qF "Candidate: $ours" <<<"$output"
	step_ok
}

@test "back to stock (the README's roll back): Debian's dnsmasq-base again, and its binary answers the LAN" {
	local stock pid
	stock=$(cat "$PKG_STATE/stock-version")
	pid=$(pkg_daemon_pid)

	# Stopped the way the init script stops it: its pid file.
	pkg_service stop
	dt_wait_until "$DT_WAIT_TIMEOUT" dt_pid_gone "$pid"

	pkg_sys apt-get install -q -y --allow-downgrades "dnsmasq-base=$stock"
	[[ "$(pkg_version dnsmasq-base)" == "$stock" ]]
	[[ "$(pkg_status dnsmasq-base)" == ii && "$(pkg_status dnsmasq)" == ii ]]
	run pkg_sys dpkg -V dnsmasq-base
	[[ "$status" -eq 0 && -z "$output" ]]
	run pkg_sys dnsmasq --version
	[[ "${lines[0]}" == "Dnsmasq version ${stock%%-*} "* || "${lines[0]}" == "Dnsmasq version $stock "* ]] ||
		dt_fail "after the downgrade: ${lines[0]}"

	service_action start
	dig_auto "$LAN_NS" "$NODE_IP4" "big.$ZONE" +noedns
	expect_answers 40
	pid=$(pkg_daemon_pid)
	pkg_service stop
	dt_wait_until "$DT_WAIT_TIMEOUT" dt_pid_gone "$pid"
	step_ok
}

@test "the machine is as the test found it" {
	local diff_out
	pkg_restore
	# The package test's own dependencies are gone again.
	diff -u "$PKG_STATE/packages.before" <(pkg_installed_list)
	if [[ ! -e "$PKG_STATE/user.before" ]] && pkg_sys getent passwd dnsmasq; then
		dt_fail "the dnsmasq account was not there before the test, and still is"
	fi
	diff_out=$(diff "$PKG_STATE/fs.before" <(pkg_fs_snapshot) || true)
	if [[ -n "$diff_out" ]]; then
		printf 'changed on the system:\n%s\n' "$diff_out" | head -n 40
		false
	fi
	[[ "$(pkg_port53)" == "$(cat "$PKG_STATE/port53.before")" ]]
	step_ok
}
