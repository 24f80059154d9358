# shellcheck shell=bash
#
# Run state: one registry of everything the suite creates, the cleanup that
# walks it, and wait-until helpers.
#
# Every namespace, process and directory we create is appended to ONE list,
# the registry file "$DT_STATE/registry".  A file (not a bash array) because
# bats runs setup_file and each test in different processes, and because the
# runner (tests/run) must be able to sweep it after Ctrl-C.
#
# A registry line is tab separated:   <scope> <kind> <value> [<extra>]
#   scope: "file" (made in setup_file) or "test" (made in a test)
#   kind:  ns   <netns name>
#          pid  <pid> <start time from /proc/<pid>/stat, guards against reuse>
#          dir  <path>
#          addr <netns> <address/len> <device>   (an address added by hand)
#          link <netns> <name>                   (a link added by hand)
#
# Safe under `set -euo pipefail`; sets no shell options of its own.

: "${DT_WAIT_TIMEOUT:=10}" # seconds; default for the wait-until helpers

# Create (once) the state directory for this bats file or script.
# Under tests/run it lives inside $DT_RUN_DIR, which the runner sweeps.
dt_state_init() {
	[[ -n "${DT_STATE:-}" && -d "${DT_STATE}" ]] && return 0
	DT_STATE=$(mktemp -d "${DT_RUN_DIR:-${TMPDIR:-/tmp}}/dnsmasq-tests.XXXXXX")
	export DT_STATE
	: >"$DT_STATE/registry"
	DT_SCOPE="file" dt_register dir "$DT_STATE"
}

# dt_temp_dir NAME: a fresh directory under the state directory, registered
# (in the current scope); prints its path.
dt_temp_dir() {
	local dir
	dir=$(mktemp -d "$DT_STATE/$1.XXXXXX")
	dt_register dir "$dir"
	printf '%s\n' "$dir"
}

# Scope for registrations that follow: "file" or "test".
dt_scope() {
	DT_SCOPE=$1
	export DT_SCOPE
}

# The state directory, and "file" scope: what a bats file's setup_file, or
# a script using the kit (bench/, scripts/), starts with.
dt_setup_file() {
	dt_state_init
	dt_scope file
}

# dt_register KIND VALUE [EXTRA]
dt_register() {
	printf '%s\t%s\t%s\t%s\n' "${DT_SCOPE:-file}" "$1" "$2" "${3:-}" \
		>>"$DT_STATE/registry"
}

# Forget one entry (after we removed the thing ourselves).
dt_unregister() {
	local kind=$1 value=$2 tmp
	tmp=$(mktemp "$DT_STATE/registry.XXXXXX")
	awk -F '\t' -v k="$kind" -v v="$value" '!($2 == k && $3 == v)' \
		"$DT_STATE/registry" >"$tmp"
	mv "$tmp" "$DT_STATE/registry"
}

# ---------------------------------------------------------------------------
# Wait-until helpers: poll instead of sleeping a guessed time.

# Milliseconds since the epoch.
dt_now_ms() {
	date +%s%3N
}

# dt_wait_until TIMEOUT_SECONDS CMD [ARGS...]: run CMD until it succeeds.
# Returns 1 (and CMD's last output on stdout) if it never did.
dt_wait_until() {
	local timeout_ms=$(($1 * 1000)) start out
	shift
	start=$(dt_now_ms)
	while true; do
		if out=$("$@" 2>&1); then
			return 0
		fi
		if (($(dt_now_ms) - start > timeout_ms)); then
			printf 'timed out after %ss waiting for: %s\n%s\n' \
				"$((timeout_ms / 1000))" "$*" "$out"
			return 1
		fi
		sleep 0.05
	done
}

# ---------------------------------------------------------------------------
# Processes

# Start time (clock ticks since boot) of PID, empty if it is gone.
dt_pid_starttime() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	# Field 22; strip "pid (comm) " first since comm may contain spaces.
	stat=${stat##*) }
	awk '{ print $20 }' <<<"$stat"
}

# True while PID runs (a zombie counts as gone).
dt_pid_alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z ]]
}

dt_pid_gone() {
	! dt_pid_alive "$1"
}

# Remember a PID we started, with its start time ("-": already gone).
dt_register_pid() {
	local start
	start=$(dt_pid_starttime "$1")
	dt_register pid "$1" "${start:--}"
}

# dt_kill_pid PID [STARTTIME]: stop a process we started: TERM, then KILL.
# Does nothing if PID now belongs to somebody else (start time differs).
dt_kill_pid() {
	local pid=$1 want=${2:-}
	dt_pid_alive "$pid" || return 0
	[[ "$want" != - ]] || return 0
	if [[ -n "$want" && "$(dt_pid_starttime "$pid")" != "$want" ]]; then
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || return 0
	if ! dt_wait_until 5 dt_pid_gone "$pid" >/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
		dt_wait_until 5 dt_pid_gone "$pid" >/dev/null || true
	fi
	# Reap it if it is our child; harmless otherwise.
	wait "$pid" 2>/dev/null || true
}

# dt_descendants PID: all descendants of PID, deepest last (one ps snapshot).
dt_descendants() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2; pids[NR] = $1 }
		END {
			for (i = 1; i <= NR; i++) {
				p = pids[i]; q = parent[p]
				while (q != "" && q != 0 && q != 1) {
					if (q == root) { print p; break }
					q = parent[q]
				}
			}
		}'
}

# dt_addr_add NS ADDR/LEN DEV [ip addr options...]: add an address by hand,
# registered so that it goes even if the test aborts.
dt_addr_add() {
	local ns=$1 addr=$2 dev=$3
	shift 3
	ip -n "$ns" addr add "$addr" dev "$dev" "$@"
	dt_register addr "$ns $addr $dev"
}

# dt_addr_del NS ADDR/LEN DEV: remove it again, and forget it.
dt_addr_del() {
	ip -n "$1" addr del "$2" dev "$3"
	dt_unregister addr "$1 $2 $3"
}

# dt_link_add NS NAME [ip link add arguments...]: add a link by hand in a
# namespace that outlives the test, registered so that it goes even if the
# test aborts (a veth's peer goes with it).
dt_link_add() {
	local ns=$1 name=$2
	shift 2
	ip -n "$ns" link add "$name" "$@"
	dt_register link "$ns $name"
}

# ---------------------------------------------------------------------------
# Per-test timeout.  bats 1.8 has no BATS_TEST_TIMEOUT, so a watchdog (our
# registered child, stopped in teardown) kills whatever the test is running
# after DT_TEST_TIMEOUT seconds (default BATS_TEST_TIMEOUT, else 300); the
# command fails, and teardown fails the test with the reason.

dt_watchdog_start() {
	local timeout=${DT_TEST_TIMEOUT:-${BATS_TEST_TIMEOUT:-300}} test_pid=$BASHPID
	DT_WATCHDOG_FLAG=$DT_STATE/timed-out.$test_pid
	rm -f -- "$DT_WATCHDOG_FLAG"
	(
		end=$((SECONDS + timeout))
		while ((SECONDS < end)); do sleep 1; done
		printf '%s\n' "$timeout" >"$DT_WATCHDOG_FLAG"
		for pid in $(dt_descendants "$test_pid"); do
			[[ "$pid" == "$BASHPID" ]] || kill -TERM "$pid" 2>/dev/null || true
		done
	) </dev/null >/dev/null 2>&1 3>&- &
	dt_register_pid "$!"
}

# In teardown: fail if the watchdog fired.
dt_watchdog_check() {
	[[ -n "${DT_WATCHDOG_FLAG:-}" && -e "$DT_WATCHDOG_FLAG" ]] || return 0
	printf 'FAIL: the test ran longer than %ss (DT_TEST_TIMEOUT): its commands were killed\n' "$(<"$DT_WATCHDOG_FLAG")"
	rm -f -- "$DT_WATCHDOG_FLAG"
	return 1
}

# ---------------------------------------------------------------------------
# Cleanup

# Remove one registered thing.
dt_cleanup_entry() {
	local kind=$1 value=$2 extra=$3
	case "$kind" in
	pid) dt_kill_pid "$value" "$extra" ;;
	ns) dt_ns_destroy "$value" ;;
	dir) [[ -d "$value" ]] && rm -rf -- "$value" ;;
	addr)
		local ns addr dev
		read -r ns addr dev <<<"$value"
		ip -n "$ns" addr del "$addr" dev "$dev" 2>/dev/null || true
		;;
	link)
		local ns name
		read -r ns name <<<"$value"
		ip -n "$ns" link del "$name" 2>/dev/null || true
		;;
	esac
	return 0
}

# dt_cleanup_registry FILE SCOPE: undo every entry of SCOPE ("all" for every
# scope), processes first, then addresses, links, namespaces, directories;
# newest first within each kind.  Entries that were undone are dropped from
# FILE.
dt_cleanup_registry() {
	local file=$1 scope=$2 kind s k v e
	[[ -f "$file" ]] || return 0
	for kind in pid addr link ns dir; do
		while IFS=$'\t' read -r s k v e; do
			[[ "$k" == "$kind" ]] || continue
			[[ "$scope" == all || "$s" == "$scope" ]] || continue
			dt_cleanup_entry "$k" "$v" "$e"
		done < <(tac "$file")
	done
	# The registry may have gone with its directory.
	[[ -f "$file" ]] || return 0
	if [[ "$scope" == all ]]; then
		: >"$file"
	else
		awk -F '\t' -v s="$scope" '$1 != s' "$file" >"$file.new"
		mv "$file.new" "$file"
	fi
}

# Undo what the current test created.
dt_cleanup_test() {
	dt_cleanup_registry "$DT_STATE/registry" test
}

# Undo everything this file created, including its state directory.
dt_cleanup_file() {
	[[ -n "${DT_STATE:-}" ]] || return 0
	dt_cleanup_registry "$DT_STATE/registry" all
	DT_STATE=
}

# Sweep every registry below DIR (the runner's safety net after Ctrl-C).
dt_cleanup_tree() {
	local dir=$1 reg
	[[ -d "$dir" ]] || return 0
	while IFS= read -r reg; do
		dt_cleanup_registry "$reg" all
	done < <(find "$dir" -name registry -type f 2>/dev/null)
}
