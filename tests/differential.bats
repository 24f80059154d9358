#!/usr/bin/env bats
# shellcheck disable=SC2154 # variables exported by the topology
#
# The differential suite: for each configuration people run (one row in
# tests/differential/corpus/), the unpatched build of this base
# ($DNSMASQ_STOCK) and ours ($DNSMASQ) run one after the other on the same
# topology with the same configuration, events and queries; every outcome
# must be the same, or be listed in tests/differential/intended.tsv.
# DT_DIFF_CORPUS=quick (the default) runs the rows tagged "quick",
# DT_DIFF_CORPUS=full all of them (make check-differential).
# DT_DIFF_SHOW=1 prints each row's summary; DT_DIFF_KEEP=DIR keeps the tables.

load lib/common
load differential/lib

setup_file() {
	dt_setup_file
	diff_topology
}

@test "libvirt NAT network (daemonized, bind-dynamic on virbr0, DHCP, RA): same answers as stock, before and after interface changes" {
	diff_row libvirt-nat
}

@test "libvirt isolated network (bind-interfaces, listen-address, local=//): same answers and lease as stock" {
	diff_row libvirt-isolated
}

@test "libvirt routed network with DHCPv6 and RA: same answers, lease and advertisement as stock" {
	diff_row libvirt-routed
}

@test "NetworkManager shared connection (bind-interfaces, listen-address, DHCP): same answers and lease as stock" {
	diff_row nm-shared
}

@test "NetworkManager dns=dnsmasq plugin (127.0.0.1 only): same answers as stock" {
	diff_row nm-dns-plugin
}

@test "Debian's service defaults (daemonized, --local-service): same answers as stock, after interface changes too" {
	diff_row debian-default
}

@test "Pi-hole-like resolver (blocking, localise-queries, local-service): same answers as stock" {
	diff_row pihole
}

@test "node-local cache on 169.254.20.10: same answers as stock, after a netlink overflow too" {
	diff_row nodelocal
}

@test "--interface-name under --bind-dynamic: same answers as stock, after a link change too" {
	diff_row interface-name
}

@test "--interface-name with the wildcard socket (--no-daemon): same answers as stock, after a link change and a rename" {
	diff_row interface-name-wildcard
}

@test "auth zone by interface (--auth-server, --auth-zone, --bind-dynamic): same answers as stock" {
	diff_row auth-zone
}

@test "--localise-queries: every client gets the same address as from stock" {
	diff_row localise
}

@test "server=/domain/addr@interface: same answers as stock" {
	diff_row server-iface
}

@test "--local-service --no-daemon: same answers as stock, except the intended TCP refusal" {
	diff_row local-service-nodaemon
}

@test "Calico node, wildcard socket: same answers as stock, except the pod's TCP (the bug)" {
	diff_row calico-wildcard
}

@test "--except-interface=cali*: same answers as stock" {
	diff_row except-cali
}

@test "--bind-dynamic --except-interface=cali*: same answers as stock, except 2.93's TCP/UDP parity" {
	diff_row except-cali-bind-dynamic
}

@test "--interface=cali* --interface=lo as an allow-list: same answers as stock" {
	diff_row allow-cali
}

@test "--bind-interfaces with an interface filter: same answers as stock, except IPv6 TCP parity" {
	diff_row bind-interfaces-filter
}

@test "upstream without a route: same answers as stock" {
	diff_row upstream-unreachable
}

@test "upstream that drops every packet: same answers as stock" {
	diff_row upstream-timeout
}

# The runner itself: a dnsmasq that dies on its first TCP connection must
# fail the row (dead, never "refused"), even though stock answers.
@test "the differential runner fails a dnsmasq that dies when a TCP client connects" {
	local shim
	[[ -n "${DNSMASQ_STOCK:-}" ]] || skip "DNSMASQ_STOCK is not set"
	shim=$DT_STATE/exit-on-accept.so
	cc -shared -fPIC -o "$shim" "$DIFF_DIR/shim/exit-on-accept.c"
	DT_DIFF_CORPUS=full run diff_row calico-wildcard LD_PRELOAD="$shim"
	printf '%s\n' "$output"
	((status != 0))
	grep -q 'FAIL:dead' <<<"$output"
}

@test "every corpus row has a test here, and every test's row exists" {
	local f id rc=0
	for f in "$DIFF_CORPUS_DIR"/*.row; do
		id=$(diff_row_get "$f" id)
		[[ "$id" == "$(basename "$f" .row)" ]] || { dt_fail "$f: id $id is not its file name" || rc=1; }
		[[ -n "$(diff_row_get "$f" source)" ]] || { dt_fail "$f: no source" || rc=1; }
		grep -qE "^[[:space:]]*diff_row $id\$" "$BATS_TEST_FILENAME" || { dt_fail "row $id has no test" || rc=1; }
	done
	while read -r id; do
		[[ -f "$DIFF_CORPUS_DIR/$id.row" ]] || { dt_fail "test for missing row $id" || rc=1; }
	done < <(sed -nE 's/^[[:space:]]*diff_row ([a-z0-9-]+)$/\1/p' "$BATS_TEST_FILENAME")
	((rc == 0))
}

@test "tests/README.md's intended-differences table is the one intended.tsv gives" {
	run "$DIFF_DIR/readme-table" --check
	printf '%s\n' "$output"
	((status == 0))
}
