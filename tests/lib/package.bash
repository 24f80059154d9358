# shellcheck shell=bash
# shellcheck disable=SC2016 # dpkg-query formats and inner sh scripts
#
# Helpers for the package test (tests/package/package.bats): the system it
# installs packages into, what it saves beforehand and how it puts the
# machine back.
#
# The target system is this machine, or with PKG_ROOT=<dir> a chroot of
# another Debian release (build/package-root/<suite>); network namespaces always
# come from this machine. Everything the test changes outside its own
# namespaces is undone by pkg_restore, which is safe to run any number of
# times and from any process: its state lives in $PKG_STATE on disk.
#
# Environment (set by tests/package/run):
#   PKG_STATE    state directory (saved files, markers)
#   PKG_ROOT     root of the target system, empty for this machine
#   PKG_DEB      our dnsmasq-base .deb
#   PKG_STOCK    Debian's version to install first (empty: apt's candidate)

: "${PKG_ROOT:=}"

# Packages the test may install; any of them already present makes the
# test refuse to run, as it would remove them.
PKG_OURS=(dnsmasq dnsmasq-base dnsmasq-base-lua dnsmasq-utils)
# Our own configuration fragment for the dnsmasq service.
PKG_CONF=/etc/dnsmasq.d/tcpifidx-package-test.conf
PKG_POLICY=/usr/sbin/policy-rc.d
PKG_PIDFILE=/run/dnsmasq/dnsmasq.pid

# pkg_path PATH: PATH of the target system, as seen from here.
pkg_path() {
	printf '%s%s\n' "$PKG_ROOT" "$1"
}

# pkg_sys CMD...: run CMD in the target system. In a chroot it gets its
# own /proc, in a private mount namespace that vanishes with the command.
pkg_sys() {
	pkg_run_in "" "$@"
}

# pkg_sys_ns NS CMD...: the same, inside network namespace NS.
pkg_sys_ns() {
	local ns=$1
	shift
	pkg_run_in "$ns" "$@"
}

pkg_run_in() {
	local ns=$1 pre=()
	shift
	[[ -n "$ns" ]] && pre=(ip netns exec "$ns")
	if [[ -z "$PKG_ROOT" ]]; then
		"${pre[@]}" env DEBIAN_FRONTEND=noninteractive "$@"
		return
	fi
	"${pre[@]}" unshare --mount --propagation private -- sh -c '
		root=$1; shift
		mount -t proc proc "$root/proc" || exit 125
		exec chroot "$root" /usr/bin/env -i \
			PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
			DEBIAN_FRONTEND=noninteractive "$@"' pkg_run_in "$PKG_ROOT" "$@"
}

# The init script of Debian's dnsmasq package, run in the node namespace.
# _SYSTEMCTL_SKIP_REDIRECT keeps lsb's init-functions from handing the
# action to systemd (which would run it in the root namespace).
pkg_service() {
	pkg_sys_ns "$NODE_NS" env _SYSTEMCTL_SKIP_REDIRECT=1 /etc/init.d/dnsmasq "$1"
}

# pkg_status PKG: dpkg's two-letter status (ii, rc, un...), empty if unknown.
pkg_status() {
	pkg_sys dpkg-query -W -f '${db:Status-Abbrev}' "$1" 2>/dev/null | tr -d ' ' || true
}

pkg_version() {
	pkg_sys dpkg-query -W -f '${Version}' "$1" 2>/dev/null || true
}

# Installed (or half-installed, or config-files) packages, one per line.
pkg_installed_list() {
	pkg_sys dpkg-query -W -f '${db:Status-Abbrev} ${binary:Package}\n' |
		awk '$1 !~ /^[up]n/ { print $2 }' | LC_ALL=C sort
}

# The files that tell whether the machine is as it was: every path with
# type, mode and owner, and the checksum of every file under /etc. Package
# databases, caches and logs change on any install and are left out; so are
# the backup copies useradd and userdel keep of the account files, and /run
# (other programs come and go there; /run/dnsmasq is checked on its own).
pkg_fs_snapshot() {
	local root=${PKG_ROOT:-/}
	(
		cd "$root" &&
			find usr etc var/lib opt -xdev \
				\( -path var/lib/dpkg -o -path var/lib/apt -o -path var/lib/ucf \
				-o -path etc/ld.so.cache -o -name '*-' -path 'etc/*' \) -prune \
				-o -printf '%y %m %u %g %p\n' 2>/dev/null | LC_ALL=C sort
		find etc -xdev -type f ! -name '*-' ! -name ld.so.cache -print0 2>/dev/null |
			LC_ALL=C sort -z | xargs -0 md5sum
	) || true
}

# What listens on port 53 in the root namespace (ss, numeric, no owner).
pkg_port53() {
	{
		ss -Hlnu 'sport = :53'
		ss -Hlnt 'sport = :53'
	} | awk '{ print $1, $4, $5 }' | sort
}

# ---------------------------------------------------------------------------
# Saving the machine's state, and putting it back.

# Records what pkg_restore needs. Refuses (status 2) when one of our
# packages is already there: the test installs and purges them.
pkg_save_state() {
	local p s
	mkdir -p "$PKG_STATE"
	[[ -f "$PKG_STATE/saved" ]] && return 0
	for p in "${PKG_OURS[@]}"; do
		s=$(pkg_status "$p")
		if [[ -n "$s" && "$s" != un && "$s" != pn ]]; then
			printf 'package %s is present (dpkg status %s); the package test installs and purges it, so it will not run here\n' "$p" "$s" >&2
			return 2
		fi
	done
	pkg_installed_list >"$PKG_STATE/packages.before"
	if [[ -e "$(pkg_path "$PKG_POLICY")" || -L "$(pkg_path "$PKG_POLICY")" ]]; then
		cp -a "$(pkg_path "$PKG_POLICY")" "$PKG_STATE/policy-rc.d.orig"
	fi
	if pkg_sys getent passwd dnsmasq >"$PKG_STATE/user.before"; then :; else rm -f "$PKG_STATE/user.before"; fi
	[[ -e "$(pkg_path /run/dnsmasq)" ]] && touch "$PKG_STATE/run-dnsmasq.before"
	pkg_port53 >"$PKG_STATE/port53.before"
	pkg_fs_snapshot >"$PKG_STATE/fs.before"
	touch "$PKG_STATE/saved"
}

# A policy-rc.d that denies every service action: package scripts must
# not start dnsmasq in the root namespace while we install and remove.
pkg_deny_services() {
	local policy
	policy=$(pkg_path "$PKG_POLICY")
	printf '#!/bin/sh\n# dnsmasq-tcpifidx package test: no service actions.\nexit 101\n' >"$policy.tcpifidx-test"
	chmod 755 "$policy.tcpifidx-test"
	mv -f "$policy.tcpifidx-test" "$policy"
}

# Puts the machine back as pkg_save_state found it. Safe to repeat.
pkg_restore() {
	local new=() p policy
	[[ -f "${PKG_STATE:-}/saved" ]] || return 0
	pkg_stop_our_daemon
	rm -f "$(pkg_path "$PKG_CONF")"
	# Packages the test brought in (ours, their dependencies, and any left
	# in config-files state), purged together so dpkg orders them itself.
	while read -r p; do new+=("$p"); done < <(LC_ALL=C comm -13 "$PKG_STATE/packages.before" <(pkg_installed_list))
	if ((${#new[@]})); then
		pkg_sys dpkg --purge "${new[@]}" >"$PKG_STATE/restore-purge.log" 2>&1 ||
			{ cat "$PKG_STATE/restore-purge.log" >&2; return 1; }
	fi
	policy=$(pkg_path "$PKG_POLICY")
	if [[ -e "$PKG_STATE/policy-rc.d.orig" || -L "$PKG_STATE/policy-rc.d.orig" ]]; then
		cp -a "$PKG_STATE/policy-rc.d.orig" "$policy"
	else
		rm -f "$policy"
	fi
	# Debian's dnsmasq-base keeps the account on purge; we made it.
	if [[ ! -f "$PKG_STATE/user.before" ]] && pkg_sys getent passwd dnsmasq >/dev/null; then
		pkg_sys userdel dnsmasq
	fi
	if [[ ! -f "$PKG_STATE/run-dnsmasq.before" ]]; then
		rm -rf "$(pkg_path /run/dnsmasq)"
	fi
	rm -f "$PKG_STATE/saved"
}

# ---------------------------------------------------------------------------
# The service's daemon: started by the init script, stopped by it, and as
# a last resort killed by its PID, which we checked was our own.

# The PID in the service's pid file, if that process runs.
pkg_daemon_pid() {
	local pid
	pid=$(cat "$(pkg_path "$PKG_PIDFILE")" 2>/dev/null) || return 1
	[[ "$pid" =~ ^[0-9]+$ ]] && dt_pid_alive "$pid" && printf '%s\n' "$pid"
}

# Remember the daemon the init script started (it is ours: it runs in our
# node namespace) so every cleanup path can stop it.
pkg_register_daemon() {
	local pid
	pid=$(pkg_daemon_pid) || return 1
	[[ "$(pkg_netns_of "$pid")" == "$(pkg_netns_of_ns "$NODE_NS")" ]] ||
		{ printf 'PID %s from %s does not run in our node namespace\n' "$pid" "$PKG_PIDFILE"; return 1; }
	# File scope: the daemon lives on from one step to the next.
	DT_SCOPE='file' dt_register_pid "$pid"
	printf '%s %s\n' "$pid" "$(dt_pid_starttime "$pid")" >>"$PKG_STATE/daemons"
	printf '%s\n' "$pid"
}

pkg_netns_of() {
	readlink "/proc/$1/ns/net" 2>/dev/null
}

pkg_netns_of_ns() {
	ip netns exec "$1" readlink /proc/self/ns/net
}

# Stop every daemon we registered that still runs (only those PIDs, and
# only while their start time still matches).
pkg_stop_our_daemon() {
	local pid start
	[[ -f "$PKG_STATE/daemons" ]] || return 0
	while read -r pid start; do
		dt_kill_pid "$pid" "$start"
	done <"$PKG_STATE/daemons"
}

# The node's service is up: the daemon runs and port 53 is bound.
pkg_service_ready() {
	pkg_daemon_pid >/dev/null &&
		dt_listening "$NODE_NS" tcp ':53$' &&
		dt_listening "$NODE_NS" udp ':53$'
}

# The node's configuration: answer on the node address (as pods are told
# to), forward to the upstream server, log queries for the evidence.
pkg_write_conf() {
	local log_dir=$1
	cat >"$(pkg_path "$PKG_CONF")" <<-EOF
		# dnsmasq-tcpifidx package test; removed when the test ends.
		listen-address=$NODE_IP4
		no-resolv
		no-hosts
		server=$UPSTREAM_IP4
		log-queries
		log-facility=$log_dir/dnsmasq.log
	EOF
}

# ---------------------------------------------------------------------------
# apt, simulated against a made-up newer Debian upload of dnsmasq-base, to
# see the version ordering and the pin at work without changing anything:
# private sources, lists and caches, apt-get -s only.

# pkg_next_revision VERSION: the same version with its last number raised
# (2.90-4~deb12u2 -> 2.90-4~deb12u3), as Debian's next upload would be.
pkg_next_revision() {
	[[ "$1" =~ ^(.*[^0-9])([0-9]+)$ ]] || return 1
	printf '%s%s\n' "${BASH_REMATCH[1]}" "$((BASH_REMATCH[2] + 1))"
}

# pkg_fake_repo DIR VERSION ARCH: a flat repository in DIR (a path of the
# target system) offering an empty dnsmasq-base VERSION.
pkg_fake_repo() {
	local dir=$1 version=$2 arch=$3 host_dir pkg deb
	host_dir=$(pkg_path "$dir")
	pkg=$host_dir/pkg
	mkdir -p "$pkg/DEBIAN" "$host_dir/repo" "$host_dir/lists/partial" \
		"$host_dir/cache/archives/partial" "$host_dir/empty" "$host_dir/prefs"
	cat >"$pkg/DEBIAN/control" <<-EOF
		Package: dnsmasq-base
		Version: $version
		Architecture: $arch
		Maintainer: package test <nobody@example.org>
		Description: stand-in for a newer Debian upload (never installed)
	EOF
	deb=$host_dir/repo/dnsmasq-base_fake.deb
	dpkg-deb --root-owner-group -b "$pkg" "$deb" >/dev/null
	{
		dpkg-deb -f "$deb"
		printf 'Filename: ./%s\nSize: %s\nSHA256: %s\n\n' "${deb##*/}" \
			"$(stat -c %s "$deb")" "$(sha256sum "$deb" | cut -d' ' -f1)"
	} >"$host_dir/repo/Packages"
	# Debian's security suite of the target's release, as the release-bound
	# pin (contrib/apt-preferences/dnsmasq-tcpifidx-<codename>) sees it.
	apt-ftparchive -o APT::FTPArchive::Release::Origin=Debian \
		-o APT::FTPArchive::Release::Label=Debian-Security \
		-o APT::FTPArchive::Release::Codename="$(pkg_codename)-security" \
		release "$host_dir/repo" >"$host_dir/Release"
	mv "$host_dir/Release" "$host_dir/repo/Release"
	printf 'deb [trusted=yes] file:%s/repo ./\n' "$dir" >"$host_dir/sources.list"
	chmod -R a+rX "$host_dir"
}

# The target system's release codename (bookworm, trixie).
pkg_codename() {
	# shellcheck disable=SC2016 # expanded in the target system
	pkg_sys sh -c '. /etc/os-release && printf "%s\n" "$VERSION_CODENAME"'
}

# pkg_apt_sim TOOL DIR PREFS_DIR ARGS...: apt-get or apt-cache with only
# the fake repository as a source and the preferences in PREFS_DIR.
pkg_apt_sim() {
	local tool=$1 dir=$2 prefs=$3
	shift 3
	pkg_sys "$tool" -q \
		-o Dir::Etc::SourceList="$dir/sources.list" \
		-o Dir::Etc::SourceParts="$dir/empty" \
		-o Dir::Etc::Preferences="$dir/empty/none" \
		-o Dir::Etc::PreferencesParts="$prefs" \
		-o Dir::State::Lists="$dir/lists" \
		-o Dir::Cache="$dir/cache" \
		-o APT::Sandbox::User=root \
		"$@"
}
