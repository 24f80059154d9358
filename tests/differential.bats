#!/usr/bin/env bats
# shellcheck disable=SC2154 # variables exported by the topology
#
# The differential suite: for each configuration people run (one row in
# tests/differential/corpus/), the unpatched build of this base
# ($DNSMASQ_STOCK) and ours ($DNSMASQ) run one after the other on the same
# topology with the same configuration, events and queries; every outcome
# must be the same, or be listed in tests/differential/intended.tsv.
# Every row runs (DT_DIFF_CORPUS=full, the default); DT_DIFF_CORPUS=quick,
# for a look by hand with bats, runs the rows tagged "quick" and skips the
# others.
# DT_DIFF_SHOW=1 prints each row's summary; DT_DIFF_KEEP=DIR keeps the tables.
# The rows' tests are in differential-<group>.bats (libvirt, hosts,
# kubernetes, options, upstream), one file per group so that tests/run
# runs them side by side; this file holds the runner's own checks.

load lib/common
load differential/lib

setup_file() {
	dt_setup_file
	diff_topology
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

@test "every corpus row has a test in a differential-*.bats file, and every test's row exists" {
	local f id rc=0
	local -a row_files=("$BATS_TEST_DIRNAME"/differential-*.bats)
	for f in "$DIFF_CORPUS_DIR"/*.row; do
		id=$(diff_row_get "$f" id)
		[[ "$id" == "$(basename "$f" .row)" ]] || { dt_fail "$f: id $id is not its file name" || rc=1; }
		[[ -n "$(diff_row_get "$f" source)" ]] || { dt_fail "$f: no source" || rc=1; }
		grep -qE "^[[:space:]]*diff_row $id\$" "${row_files[@]}" || { dt_fail "row $id has no test" || rc=1; }
	done
	while read -r id; do
		[[ -f "$DIFF_CORPUS_DIR/$id.row" ]] || { dt_fail "test for missing row $id" || rc=1; }
	done < <(sed -nE 's/^[[:space:]]*diff_row ([a-z0-9-]+)$/\1/p' "${row_files[@]}")
	((rc == 0))
}
