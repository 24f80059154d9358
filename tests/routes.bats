#!/usr/bin/env bats
#
# The route by which a fix reaches a Debian release follows the release's
# status in distro-info-data (scripts/release-route): stable ->
# <suite>-pu, LTS -> the LTS team, ELTS and EOL -> none, not released ->
# unstable. Each test runs the tool on a csv made here, at dates on both
# sides of each boundary; the README's route table is checked against the
# csv and an edit of either is caught. No namespaces, no daemons, no root.

load lib/common

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
ROUTE=$REPO/scripts/release-route

setup_file() {
	dt_setup_file
}

setup() {
	dt_setup
	DIR=$(dt_temp_dir routes)
	CSV=$DIR/debian.csv
	cat >"$CSV" <<-'EOC'
	version,codename,series,created,release,eol,eol-lts,eol-elts
	12,Bookworm,bookworm,2021-08-14,2023-06-10,2026-07-11,2028-06-30,2033-06-30
	13,Trixie,trixie,2023-06-10,2025-08-09,2028-08-09,2030-06-30,2035-06-30
	14,Forky,forky,2025-08-09
	EOC
}

# route_at DATE SUITE: the tool's answer; fails the test if the tool does.
route_at() {
	run "$ROUTE" --csv "$CSV" --date "$1" route "$2"
	printf '$ release-route --date %s route %s   (exit %s)\n%s\n' "$1" "$2" "$status" "$output"
	((status == 0)) || dt_fail "release-route failed"
}

expect_route() {
	route_at "$1" "$2"
	[[ $output == "$3" ]] || dt_fail "expected '$3'"
}

@test "routes: as of 2026-12-07 Debian 12 goes to the LTS team, Debian 13 to trixie-pu" {
	expect_route 2026-12-07 debian-12 "bookworm lts lts 2028-06-30"
	expect_route 2026-12-07 debian-13 "trixie stable trixie-pu 2028-08-09"
}

@test "routes: each boundary of the csv moves the route, on its day" {
	expect_route 2026-07-10 bookworm "bookworm stable bookworm-pu 2026-07-11"
	expect_route 2026-07-11 bookworm "bookworm lts lts 2028-06-30"
	expect_route 2028-06-30 bookworm "bookworm elts none 2033-06-30"
	expect_route 2033-06-30 bookworm "bookworm eol none -"
	expect_route 2025-08-08 trixie "trixie testing unstable 2025-08-09"
	expect_route 2025-08-09 trixie "trixie stable trixie-pu 2028-08-09"
	# A release with no dates yet is not released.
	expect_route 2026-12-07 forky "forky testing unstable -"
}

@test "routes: the route follows the csv, not a suite written in the code" {
	# Debian 13's end of life brought forward: trixie goes to LTS.
	sed -i 's/^13,\(.*\),2028-08-09,/13,\1,2026-12-01,/' "$CSV"
	expect_route 2026-12-07 debian-13 "trixie lts lts 2030-06-30"
}

@test "routes: an unknown suite, a bad date and a missing csv are refused" {
	run "$ROUTE" --csv "$CSV" --date 2026-12-07 route sid-not-a-suite
	((status != 0)) || dt_fail "an unknown suite was accepted"
	run "$ROUTE" --csv "$CSV" --date 7.12.2026 route trixie
	((status != 0)) || dt_fail "a bad date was accepted"
	run "$ROUTE" --csv "$DIR/none.csv" route trixie
	((status != 0)) && grep -qF 'apt-get install distro-info-data' <<<"$output" ||
		dt_fail "a missing csv was not named with its package: $output"
}

@test "routes: the README's route table is the csv's, and an edit of either is caught" {
	cp "$REPO/README.md" "$DIR/README.md"
	run "$ROUTE" check "$DIR/README.md"
	printf '$ release-route check README.md   (exit %s)\n%s\n' "$status" "$output"
	((status == 0)) || dt_fail "the committed README's table differs from the system's distro-info-data"
	# The README edited by hand: caught.
	sed -i 's/| 2028-06-30 |/| 2027-06-30 |/' "$DIR/README.md"
	run "$ROUTE" check "$DIR/README.md"
	((status != 0)) || dt_fail "an edited table passed"
	# Written again: passes.
	"$ROUTE" write "$DIR/README.md"
	run "$ROUTE" check "$DIR/README.md"
	((status == 0)) || dt_fail "the rewritten table does not pass: $output"
	# The csv changed (a new distro-info-data): the table no longer passes.
	"$ROUTE" --csv "$CSV" write "$DIR/README.md"
	run "$ROUTE" --csv "$CSV" check "$DIR/README.md"
	((status == 0)) || dt_fail "the table written from the test's csv does not pass: $output"
	sed -i 's/^12,\(.*\),2028-06-30,/12,\1,2028-07-31,/' "$CSV"
	run "$ROUTE" --csv "$CSV" check "$DIR/README.md"
	((status != 0)) || dt_fail "a changed csv passed against the old table"
}
