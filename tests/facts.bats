#!/usr/bin/env bats
#
# Every fact in one place: the places made from tests/bugs.tsv and
# tests/matrix/ (README tables, generated .bats files, test counts,
# expected stock failures) agree with them, and `make check-facts` says so
# when one does not.  Each test edits one place in a copy of the
# repository and expects the check to fail, naming that place; the data
# edited once and regenerated passes again.  No namespaces, no daemons.

# shellcheck disable=SC2016 # sed scripts: backquotes and $ are literal

load lib/common

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

setup_file() {
	dt_setup_file
}

setup() {
	dt_setup
	COPY=$(dt_temp_dir repo)
	cp -a "$REPO/Makefile" "$REPO/README.md" "$REPO/tests" "$REPO/patches" "$REPO/contrib" \
		"$REPO/scripts" "$REPO/bench" "$REPO/debian" "$COPY/"
}

# check_facts: make check-facts in the copy; $status and $output as run's.
check_facts() {
	run make -s -C "$COPY" check-facts
	printf '$ make check-facts   (exit %s)\n%s\n' "$status" "$output"
}

# import_graph: scripts/import-graph --check in the copy (not a git
# checkout: it reads every file there).
import_graph() {
	run "$COPY/scripts/import-graph" --check
	printf '$ scripts/import-graph --check   (exit %s)\n%s\n' "$status" "$output"
}

# expect_caught WORDS: the check failed and its output has WORDS.
expect_caught() {
	((status != 0)) || dt_fail "make check-facts passed after the edit"
	grep -qF -- "$1" <<<"$output" || dt_fail "the check does not say: $1"
}

# edit FILE SED-SCRIPT: edit FILE of the copy; fails unless it changed.
edit() {
	local file=$COPY/$1 before
	before=$(cksum <"$file")
	sed -i -e "$2" "$file"
	[[ "$(cksum <"$file")" != "$before" ]] || dt_fail "the edit '$2' changed nothing in $1"
}

@test "facts: the repository as it is passes the check" {
	check_facts
	((status == 0)) || dt_fail "make check-facts fails on the repository itself"
}

@test "facts: a stock version edited in README.md's intended-differences table fails the check" {
	edit README.md 's/| 2\.82–2\.92: accepted, then closed |/| 2.82–2.91: accepted, then closed |/'
	check_facts
	expect_caught 'README.md: the intended-differences block is not what tests/bugs.tsv gives'
}

@test "facts: a patch number edited in README.md's intended-differences table fails the check" {
	edit README.md 's/| 0011 | `bug:tcp-upstream-eof` |/| 0012 | `bug:tcp-upstream-eof` |/'
	check_facts
	expect_caught 'README.md: the intended-differences block'
}

@test "facts: a row of the tags table in tests/README.md edited fails the check" {
	edit tests/README.md '/^| `bug:label-exception-tcp` |/s/2\.93 (upstream-2\.93)/2.93 (upstream-2.93, debian-13)/'
	check_facts
	expect_caught 'tests/README.md: the tags block'
}

@test "facts: a cell of the LAN column of the expectation table edited fails the check" {
	edit tests/README.md 's/^| `--local-service` | refused | – | refused | answered |/| `--local-service` | refused | – | refused | refused |/'
	check_facts
	expect_caught 'tests/README.md: the matrix block is not what tests/matrix/listen-modes.tsv gives'
}

@test "facts: a row of the differential suite's table in tests/README.md edited fails the check" {
	edit tests/README.md 's/^| `local-service\*` | pod | tcp | `timeout` |/| `local-service*` | pod | tcp | `closed-at-accept` |/'
	check_facts
	expect_caught 'tests/README.md: the differential block'
}

@test "facts: a generated .bats file edited by hand fails the check" {
	edit tests/controls.bats 's/check_cell "$NODE_NS" 127.0.0.1 refused/check_cell "$NODE_NS" 127.0.0.1 answered/'
	check_facts
	expect_caught 'tests/controls.bats is not what tests/matrix/ makes'
}

@test "facts: a test count in tests/README.md edited fails the check" {
	edit tests/README.md 's/-->[0-9]*<!-- \/facts --> tests)/-->96<!-- \/facts --> tests)/'
	check_facts
	expect_caught 'tests/README.md: a test count is not what the files hold'
}

@test "facts: STOCK_FAILS put back in a base file fails the check" {
	printf 'STOCK_FAILS=bug:calico-tcp\n' >>"$COPY/patches/upstream-2.90.base"
	check_facts
	expect_caught 'patches/upstream-2.90.base: STOCK_FAILS is computed from tests/bugs.tsv'
}

@test "facts: a base without a line in tests/bugs.tsv fails the check" {
	sed 's/2\.91/2.99/g' "$COPY/patches/upstream-2.91.base" >"$COPY/patches/upstream-2.99.base"
	check_facts
	expect_caught 'tests/bugs.tsv: no line for base upstream-2.99'
}

@test "facts: a tag a test carries that tests/bugs.tsv does not list fails the check, and tests/run refuses it" {
	edit tests/upstream-failures.bats 's/test_tags=bug:tcp-upstream-eof/test_tags=bug:tcp-upstream-eof2/'
	check_facts
	expect_caught 'tag bug:tcp-upstream-eof2 is not in tests/bugs.tsv'
	run env DNSMASQ=/nonexistent "$COPY/tests/run" --expect-failures bug:tcp-upstream-eof2
	printf '$ tests/run --expect-failures bug:tcp-upstream-eof2   (exit %s)\n%s\n' "$status" "$output"
	((status == 2)) || dt_fail "tests/run exited $status, not 2"
	grep -qF 'unknown tag bug:tcp-upstream-eof2' <<<"$output" || dt_fail "tests/run does not name the unknown tag"
}

@test "facts: a tag renamed in tests/bugs.tsv alone fails the check: the tests still carry the old one" {
	edit tests/bugs.tsv 's/^bug:tcp-arrival-unknown\t/bug:tcp-arrival-unseen\t/'
	check_facts
	expect_caught 'tag bug:tcp-arrival-unknown is not in tests/bugs.tsv'
	expect_caught 'no test carries bug:tcp-arrival-unseen'
}

@test "facts: an intended difference naming an unknown tag fails the check" {
	edit tests/differential/intended.tsv 's/\tbug:tcp-upstream-eof\t/\tbug:upstream-eof\t/'
	check_facts
	expect_caught 'unknown tag bug:upstream-eof'
}

@test "facts: a patch that does not exist fails the check" {
	edit tests/bugs.tsv '/^bug:tcp-upstream-eof\t/s/\t0011\t/\t0099\t/'
	check_facts
	expect_caught 'bug:tcp-upstream-eof: no patch 0099 in patches/'
}

@test "facts: the Calico range of tests/bugs.tsv differs from the host check tool's: the check fails" {
	edit tests/bugs.tsv 's/^bug:calico-tcp\t2\.82-2\.92\t/bug:calico-tcp\t2.82-2.91\t/'
	check_facts
	expect_caught 'contrib/dnsmasq-tcp-check --affected-range says 2.82-2.92'
}

@test "facts: a stock version added to a bug is one edit: regenerated, the check passes and the base's expected failures follow" {
	local before after
	before=$("$COPY/tests/facts" stock-fails upstream-2.91)
	[[ ",$before," != *,bug:tcp-upstream-eof,* ]] || dt_fail "upstream-2.91 already expects bug:tcp-upstream-eof"
	edit tests/bugs.tsv '/^bug:tcp-upstream-eof\t/s/\t2\.90\t/\t2.90-2.91\t/'
	check_facts
	expect_caught 'README.md: the intended-differences block'
	run "$COPY/tests/facts" --write
	check_facts
	((status == 0)) || dt_fail "the check still fails after tests/facts --write"
	after=$("$COPY/tests/facts" stock-fails upstream-2.91)
	printf 'upstream-2.91 expects: %s\n' "$after"
	[[ ",$after," == *,bug:tcp-upstream-eof,* ]] || dt_fail "upstream-2.91 does not expect bug:tcp-upstream-eof after the edit"
	grep -qF '| 2.90–2.91: closed after the query' "$COPY/README.md" || dt_fail "README.md does not show 2.90–2.91"
}

@test "import graph: as it is, no two folders depend on each other, and README.md shows the graph" {
	import_graph
	((status == 0)) || dt_fail "the repository's folders depend both ways, or the README's graph is stale"
}

@test "import graph: a script that runs a test tool makes scripts and tests depend both ways: the check fails, naming both sides" {
	printf '"$TOP/tests/gen-matrix" --check\n' >>"$COPY/scripts/make-dist"
	import_graph
	((status == 1)) || dt_fail "the check passed with scripts/make-dist running tests/gen-matrix"
	grep -qF 'scripts and tests depend on each other' <<<"$output" || dt_fail "the pair is not named"
	grep -qF 'scripts/make-dist -> tests/gen-matrix' <<<"$output" || dt_fail "the script's side is not named"
	grep -qF 'tests/build-pipeline.bats -> scripts/' <<<"$output" || dt_fail "the tests' side is not named"
}

@test "import graph: a kit part that runs a tool of the suite fails the check" {
	printf '"$REPO/tests/facts" tags >/dev/null\n' >>"$COPY/tests/lib/clients.bash"
	import_graph
	((status == 1)) || dt_fail "the check passed with the kit running tests/facts"
	grep -qF 'tests and tests/lib depend on each other' <<<"$output" || dt_fail "the pair is not named"
}

@test "import graph: a new edge not in README.md's table fails the check" {
	printf 'source "$TOP/tests/lib/kit.bash"\n' >>"$COPY/contrib/kubernetes/check-manifest"
	import_graph
	((status == 1)) || dt_fail "the check passed with an edge the README does not show"
	grep -qF "README.md's import-graph block is not the graph" <<<"$output" || dt_fail "the stale table is not named"
}
