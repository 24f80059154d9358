# shellcheck shell=bash
#
# The daemons: knotd (upstream), dnsmasq (on the node), dnsdist (a CoreDNS
# stand-in inside a pod).  Each runs in the foreground as our child, with its
# config, logs and runtime files in a temp dir; its PID is registered.  Their
# output goes to files and fd 3 is closed, or bats would wait for them.

# Zone data: names whose answers need TCP.
#   small.example.  1 A
#   big.example.    40 A    (~670 bytes: > 512 without EDNS0, < 1232)
#   huge.example.   120 A   (~1950 bytes: > 1232 even with EDNS0)
#   big6.example.   30 AAAA (~880 bytes)
ZONE=example
BIG_COUNT=40
HUGE_COUNT=120
BIG6_COUNT=30

# dt_daemon_dir NAME: a fresh directory for one daemon instance.
dt_daemon_dir() {
	mktemp -d "$DT_STATE/$1.XXXXXX"
}

# dt_spawn VAR NS LOGFILE CMD...: start CMD in NS in the background as our
# child, register it and store its PID in the exported variable VAR.
# `ip netns exec` execs, so $! is the daemon itself.
dt_spawn() {
	local var=$1 ns=$2 log=$3
	shift 3
	ip netns exec "$ns" "$@" >"$log" 2>&1 3>&- </dev/null &
	dt_register_pid "$!"
	printf -v "$var" '%s' "$!"
	export "${var?}"
}

# dt_daemon_stop PID: stop a daemon we started and forget it.
dt_daemon_stop() {
	local pid=$1
	dt_kill_pid "$pid"
	dt_unregister pid "$pid"
}

# dt_expect_running PID LOG WHAT: fail with the daemon's own words if it died.
dt_expect_running() {
	if ! dt_pid_alive "$1"; then
		printf '%s exited at start-up; its output:\n' "$3"
		cat "$2"
		return 1
	fi
}

# dt_wait_daemon PID LOG WHAT READY_CMD...: wait until READY_CMD succeeds,
# but stop waiting as soon as the daemon has died.
dt_wait_daemon() {
	local pid=$1 log=$2 what=$3
	shift 3
	dt_wait_until "$DT_WAIT_TIMEOUT" dt_ready_or_gone "$pid" "$@" ||
		{ printf '%s did not become ready\n' "$what"; return 1; }
	dt_expect_running "$pid" "$log" "$what"
}

dt_ready_or_gone() {
	local pid=$1
	shift
	dt_pid_gone "$pid" || "$@"
}

# ---------------------------------------------------------------------------
# knotd: authoritative for "example." at 203.0.113.53.

knot_zone_file() {
	local i
	# shellcheck disable=SC2016 # $ORIGIN and $TTL are zone file syntax
	printf '$ORIGIN %s.\n$TTL 300\n' "$ZONE"
	printf '@ SOA ns hostmaster 1 3600 900 604800 300\n'
	printf '@ NS ns\nns A %s\n' "$UPSTREAM_IP4"
	printf 'small A 192.0.2.200\n'
	for ((i = 1; i <= BIG_COUNT; i++)); do
		printf 'big A 203.0.113.%d\n' "$((100 + i))"
	done
	for ((i = 1; i <= HUGE_COUNT; i++)); do
		printf 'huge A 198.51.100.%d\n' "$((100 + i))"
	done
	for ((i = 1; i <= BIG6_COUNT; i++)); do
		printf 'big6 AAAA 2001:db8:53::%x\n' "$i"
	done
}

knot_config() {
	local dir=$1
	cat <<-EOF
		server:
		    rundir: "$dir"
		    listen: $UPSTREAM_IP4@53
		database:
		    storage: "$dir"
		log:
		  - target: stderr
		    any: info
		zone:
		  - domain: $ZONE.
		    file: "$dir/$ZONE.zone"
	EOF
}

# Start knotd in the upstream namespace; sets KNOT_PID.
knot_start() {
	local dir
	dir=$(dt_daemon_dir knot)
	knot_zone_file >"$dir/$ZONE.zone"
	knot_config "$dir" >"$dir/knot.conf"
	dt_spawn KNOT_PID "$UPSTREAM_NS" "$dir/knotd.log" \
		knotd -c "$dir/knot.conf"
	dt_wait_daemon "$KNOT_PID" "$dir/knotd.log" knotd knot_serving ||
		{ cat "$dir/knotd.log"; return 1; }
}

# knotd answers small.example over TCP from inside its namespace.
knot_serving() {
	ip netns exec "$UPSTREAM_NS" dig +tcp +short +time=1 +tries=1 \
			@"$UPSTREAM_IP4" "small.$ZONE" A | grep -q '^192\.0\.2\.200$'
}

# ---------------------------------------------------------------------------
# dnsmasq on the node: the one starter, for the suite, the differential
# runner and the benchmark.
#
# dnsmasq_start [--bin PATH] [--dir DIR] [--server ADDR|none] [--conf LINE]...
#               [--dropin LINE]... [--no-debug] STYLE [OPTION...]
#   STYLE forking:    --keep-in-foreground, as a service manager runs it;
#                     one child process per TCP connection.
#   STYLE no-daemon:  --no-daemon; TCP handled in the main process.
#   STYLE daemonized: no option: dnsmasq forks into the background, as
#                     Debian's Type=forking unit runs it; PID from the
#                     pid file.  One child per TCP connection too.
#   --bin PATH        the binary (default $DNSMASQ)
#   --dir DIR         the daemon's directory, made by the caller with
#                     dt_daemon_dir (to write files the options name first);
#                     default a fresh one
#   --server ADDR     the upstream (default knotd, $UPSTREAM_IP4); "none":
#                     no --server at all
#   --conf LINE       a line of the config file (after $DNSMASQ_CONF's text;
#                     /etc/dnsmasq.conf is never read)
#   --dropin LINE     a line of the file in the --conf-dir, which is given as
#                     Debian's unit does (after $DNSMASQ_DROPIN's text)
#   --no-debug        without --log-queries --log-debug (the production
#                     path; so does DNSMASQ_NO_DEBUG=1)
# Extra options go after ours; one --port=N among them is where readiness
# is waited for.  $DNSMASQ_ENV (an array, optional) is extra environment
# for dnsmasq alone, as LD_PRELOAD=...; $DNSMASQ_WRAP (an array, optional)
# a command dnsmasq runs under, as valgrind or taskset (it must exec, or
# run dnsmasq in its own process).  A SANITIZE=1 build writes its reports
# to files in the daemon's directory: the test fails if there are any
# (dt_teardown).  Waits DT_WAIT_TIMEOUT seconds for it to listen.
# Sets DNSMASQ_PID, DNSMASQ_DIR, DNSMASQ_LOG (log-facility file),
# DNSMASQ_OUT (stderr), DNSMASQ_ARGS (how it was started, for the logs).
dnsmasq_start() {
	local bin=${DNSMASQ:-} dir='' server=$UPSTREAM_IP4 debug=1 style arg port=53
	local conf=${DNSMASQ_CONF:-} dropin=${DNSMASQ_DROPIN:-}
	local -a args env
	[[ -z "${DNSMASQ_NO_DEBUG:-}" ]] || debug=0
	while (($#)); do
		case "$1" in
		--bin) bin=$2; shift 2 ;;
		--dir) dir=$2; shift 2 ;;
		--server) server=$2; shift 2 ;;
		--conf) conf+=${conf:+$'\n'}$2; shift 2 ;;
		--dropin) dropin+=${dropin:+$'\n'}$2; shift 2 ;;
		--no-debug) debug=0; shift ;;
		*) break ;;
		esac
	done
	style=${1:?dnsmasq_start: no daemon style}
	shift
	[[ -n "$dir" ]] || dir=$(dt_daemon_dir dnsmasq)
	mkdir -p "$dir/sanitizer" "$dir/dnsmasq.d"
	DT_SANITIZER_DIRS+=("$dir/sanitizer")
	# verify_asan_link_order=0: a library in $DNSMASQ_ENV's LD_PRELOAD may
	# come before ASan's runtime.
	env=(
		ASAN_OPTIONS="log_path=$dir/sanitizer/asan:detect_leaks=1:verify_asan_link_order=0"
		UBSAN_OPTIONS="log_path=$dir/sanitizer/ubsan:print_stacktrace=1"
		${DNSMASQ_ENV[@]+"${DNSMASQ_ENV[@]}"}
	)
	printf '%s\n' "$conf" >"$dir/dnsmasq.conf"
	printf '%s\n' "$dropin" >"$dir/dnsmasq.d/node.conf"
	DNSMASQ_DIR=$dir
	DNSMASQ_LOG=$dir/dnsmasq.log
	DNSMASQ_OUT=$dir/stderr
	export DNSMASQ_DIR DNSMASQ_LOG DNSMASQ_OUT
	DNSMASQ_ARGS="$style$( ((debug)) || printf ' (no --log-debug)') $*"
	export DNSMASQ_ARGS
	mapfile -t args < <(dnsmasq_style_option "$style")
	args+=(
		--conf-file="$dir/dnsmasq.conf"
		--conf-dir="$dir/dnsmasq.d,.dpkg-dist,.dpkg-old,.dpkg-new"
		--no-resolv --no-hosts
		--log-facility="$DNSMASQ_LOG"
		--pid-file="$dir/dnsmasq.pid"
	)
	[[ "$server" == none ]] || args+=(--server="$server")
	((debug == 0)) || args+=(--log-queries --log-debug)
	for arg in "$@"; do
		[[ "$arg" != --port=* ]] || port=${arg#--port=}
	done
	# env (and the wrapper) exec dnsmasq: the PID stays the daemon's.
	dt_spawn DNSMASQ_PID "$NODE_NS" "$DNSMASQ_OUT" env "${env[@]}" \
		${DNSMASQ_WRAP[@]+"${DNSMASQ_WRAP[@]}"} "$bin" "${args[@]}" "$@"
	if [[ "$style" == daemonized ]]; then
		dnsmasq_adopt_daemon "$dir/dnsmasq.pid" || {
			dnsmasq_show_log
			return 1
		}
	fi
	dt_wait_daemon "$DNSMASQ_PID" "$DNSMASQ_OUT" dnsmasq dnsmasq_ready "$port" || {
		dnsmasq_show_log
		return 1
	}
}

# dnsmasq_has_option OPTION: $DNSMASQ knows --OPTION (its --help lists
# it).  For tests of a feature some supported bases predate, e.g.
# --max-tcp-connections, which 2.85 does not have.
dnsmasq_has_option() {
	"$DNSMASQ" --help 2>/dev/null | grep -qE -- "^ *(-[[:alnum:]], )?--$1(=| |\$)"
}

# dnsmasq_has_message TEXT: $DNSMASQ's binary holds TEXT, a log message
# as its source spells it (a printf format): for the wording of a message
# which changed between supported bases.
dnsmasq_has_message() {
	grep -qaF -- "$1" "$DNSMASQ"
}

# dnsmasq_version_before VERSION: $DNSMASQ is an older release than
# VERSION (its --version, without Debian's or our suffix).
dnsmasq_version_before() {
	local v
	v=$("$DNSMASQ" --version | sed -nE '1s/^Dnsmasq version ([0-9]+(\.[0-9]+)+).*/\1/p')
	[[ -n "$v" && "$v" != "$1" ]] &&
		[[ "$(printf '%s\n' "$v" "$1" | sort -V | head -n 1)" == "$v" ]]
}

dnsmasq_style_option() {
	case "$1" in
	forking) printf '%s\n' --keep-in-foreground ;;
	no-daemon) printf '%s\n' --no-daemon ;;
	daemonized) ;;
	*)
		printf 'unknown daemon style: %s\n' "$1" >&2
		return 1
		;;
	esac
}

# The launcher we started exits once dnsmasq has forked; the daemon's PID
# (our grandchild) is then in the pid file.  Register it.
dnsmasq_adopt_daemon() {
	local pidfile=$1 launcher=$DNSMASQ_PID rc=0
	wait "$launcher" || rc=$?
	dt_unregister pid "$launcher"
	if ((rc != 0)); then
		printf 'dnsmasq exited %s while starting\n' "$rc"
		return 1
	fi
	dt_wait_until "$DT_WAIT_TIMEOUT" test -s "$pidfile" || return 1
	DNSMASQ_PID=$(<"$pidfile")
	dt_register_pid "$DNSMASQ_PID"
	export DNSMASQ_PID
}

# dnsmasq_ready [PORT]: started: it holds a TCP and a UDP socket on PORT
# (default 53).
dnsmasq_ready() {
	local port=${1:-53}
	dt_listening "$NODE_NS" tcp ":$port\$" "$DNSMASQ_PID" &&
		dt_listening "$NODE_NS" udp ":$port\$" "$DNSMASQ_PID"
}

dnsmasq_stop() {
	[[ -n "${DNSMASQ_PID:-}" ]] || return 0
	dt_daemon_stop "$DNSMASQ_PID"
	DNSMASQ_PID=
}

# dnsmasq_sanitizer_reports: print the ASan/UBSan reports of every dnsmasq
# the test started (files in its sanitizer directory, or lines on its
# stderr) and fail if there was one.  Each directory is looked at once.
dnsmasq_sanitizer_reports() {
	local dir found=0
	local -a reports
	for dir in ${DT_SANITIZER_DIRS[@]+"${DT_SANITIZER_DIRS[@]}"}; do
		mapfile -t reports < <(find "$dir" -type f 2>/dev/null)
		if ((${#reports[@]})); then
			head -n 60 "${reports[@]}"
			printf 'FAIL: sanitizer reports: %s\n' "${reports[*]}"
			found=1
		elif grep -qE 'Sanitizer|runtime error:' "${dir%/*}/stderr" 2>/dev/null; then
			grep -E -A30 'Sanitizer|runtime error:' "${dir%/*}/stderr" | head -n 60
			printf "FAIL: sanitizer report on dnsmasq's stderr (%s)\n" "${dir%/*}/stderr"
			found=1
		fi
	done
	DT_SANITIZER_DIRS=()
	return "$found"
}

# The evidence for a failed test: how dnsmasq was run and what it logged.
dnsmasq_show_log() {
	printf -- '--- dnsmasq (%s) log:\n' "${DNSMASQ_ARGS:-}"
	if [[ -s "${DNSMASQ_LOG:-}" ]]; then
		tail -n 60 "$DNSMASQ_LOG"
	else
		printf '(empty)\n'
	fi
	if [[ -s "${DNSMASQ_OUT:-}" ]]; then
		printf -- '--- dnsmasq stderr:\n'
		tail -n 20 "$DNSMASQ_OUT"
	fi
	printf -- '--- end of dnsmasq log\n'
}

# ---------------------------------------------------------------------------
# dnsdist in a pod, standing in for CoreDNS: clients in the pod ask it on
# 127.0.0.1:53; it forwards UDP over UDP and TCP over TCP to the node.

dnsdist_config() {
	cat <<-EOF
		setSecurityPollSuffix("")
		setLocal("127.0.0.1:53")
		setACL({"127.0.0.0/8"})
		newServer({address="$NODE_IP4:53", name="node"})
		-- The node decides whom it answers; never let a failed health
		-- check (a dropped UDP probe) hide that decision.
		getServer(0):setUp()
	EOF
}

# dnsdist_start POD: sets DNSDIST_PID.
dnsdist_start() {
	local ns dir
	ns=$(topo_pod_var "$1" NS)
	dir=$(dt_daemon_dir dnsdist)
	dnsdist_config >"$dir/dnsdist.conf"
	DNSDIST_LOG=$dir/dnsdist.log
	export DNSDIST_LOG
	dt_spawn DNSDIST_PID "$ns" "$DNSDIST_LOG" \
		dnsdist --supervised --disable-syslog -C "$dir/dnsdist.conf"
	dt_wait_daemon "$DNSDIST_PID" "$DNSDIST_LOG" dnsdist dnsdist_ready "$ns" ||
		{ cat "$DNSDIST_LOG"; return 1; }
}

dnsdist_ready() {
	dt_listening "$1" tcp '127\.0\.0\.1:53$' "$DNSDIST_PID" &&
		dt_listening "$1" udp '127\.0\.0\.1:53$' "$DNSDIST_PID"
}
