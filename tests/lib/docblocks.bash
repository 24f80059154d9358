# shellcheck shell=bash
#
# Generated blocks of the documentation, for the generators (the facts and
# the matrix generators; each sets DOC_REGENERATE, the command that rewrites
# its blocks, for the messages): a block is the lines between
# "<!-- facts:NAME -->" and "<!-- /facts:NAME -->", each marker a line of
# its own.

# doc_block_text FILE NAME: the block's text; fails when FILE lacks it.
doc_block_text() {
	awk -v b="<!-- facts:$2 -->" -v e="<!-- /facts:$2 -->" '
		$0 == e { on = 0; ended = 1 } on { print } $0 == b { on = 1; began = 1 }
		END { exit !(began && ended) }' "$1"
}

# doc_block_write FILE NAME TEXT: the block becomes TEXT.
doc_block_write() {
	local tmp
	doc_block_text "$1" "$2" >/dev/null || {
		printf '%s: no <!-- facts:%s --> ... <!-- /facts:%s --> block\n' "$1" "$2" "$2" >&2
		return 2
	}
	tmp=$(mktemp)
	awk -v b="<!-- facts:$2 -->" -v e="<!-- /facts:$2 -->" -v t="$3" '
		$0 == b { print; print t; skip = 1; next }
		$0 == e { skip = 0 }
		!skip { print }' "$1" >"$tmp"
	cat "$tmp" >"$1"
	rm -f -- "$tmp"
}

# doc_block_check FILE NAME TEXT WHAT: the block is TEXT, else says how it
# differs (WHAT: where TEXT comes from) and fails.
doc_block_check() {
	local have
	if ! have=$(doc_block_text "$1" "$2"); then
		printf '%s: no <!-- facts:%s --> ... <!-- /facts:%s --> block\n' "$1" "$2" "$2"
		return 1
	fi
	[[ "$have" != "$3" ]] || return 0
	printf '%s: the %s block is not what %s gives (run %s):\n' "$1" "$2" "$4" "${DOC_REGENERATE:-its generator}"
	diff -u <(printf '%s\n' "$have") <(printf '%s\n' "$3") | tail -n +3 || true
	return 1
}
