#!/usr/bin/env bats
#
# The release's image-builder layouts refuse a dnsmasq of another upstream
# version instead of building it unpatched. No network and no Buildroot or
# bitbake: the real hook script and bbappend of contrib/image-builders/ are
# run, and the tools' lookup rules are simulated as they are documented:
# Buildroot takes <dir>/<pkg>/<version>/ when it exists, else <dir>/<pkg>/
# (package/pkg-generic.mk), for each directory of BR2_GLOBAL_PATCH_DIR;
# bitbake applies name_ver.bbappend to name_ver.bb, name_%.bbappend to any
# name_*.bb, and stops on an append that matches no recipe.

load lib/common

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
TEMPLATES=$REPO/contrib/image-builders
HOOK=$TEMPLATES/buildroot/check-dnsmasq-tcpifidx

setup_file() {
	dt_setup_file
}

setup() {
	dt_setup
	WORK=$(dt_temp_dir layouts)
}

# render TEMPLATE VERSION: the template for upstream VERSION, as make dist fills it.
render() {
	sed -e "s/@UPSTREAM_VERSION@/$2/g" -e 's/@FORK_VERSION@/tcpifidx1/g' \
		-e 's/@PATCH@/0001-Move-the-arrival-interface-check.patch/g' -e 's/@[A-Z0-9_]*@/x/g' "$1"
}

# fake_source DIR: a dnsmasq-like tree with src/network.c.
fake_source() {
	mkdir -p "$1/src"
	printf 'int iface_check(void);\n' >"$1/src/network.c"
}

# fake_patch FILE: a patch adding check_arrival_interface() to the fake tree.
fake_patch() {
	cat >"$1" <<-'PATCH'
	--- a/src/network.c
	+++ b/src/network.c
	@@ -1 +1,2 @@
	 int iface_check(void);
	+int check_arrival_interface(void);
	PATCH
}

# br_apply_patches SRC PKG VERSION DIR...: Buildroot's patch step for PKG:
# per directory, <dir>/<pkg>/<version>/ if it exists, else <dir>/<pkg>/.
br_apply_patches() {
	local src=$1 pkg=$2 version=$3 dir d p
	shift 3
	for dir in "$@"; do
		if [[ -d $dir/$pkg/$version ]]; then
			d=$dir/$pkg/$version
		elif [[ -d $dir/$pkg ]]; then
			d=$dir/$pkg
		else
			continue
		fi
		for p in "$d"/*.patch; do
			[[ -e $p ]] || continue
			patch -d "$src" -p1 --fuzz=0 -s <"$p" || return 1
		done
	done
}

# br_external TREE VERSION: the BR2_EXTERNAL tree of a release for VERSION.
br_external() {
	mkdir -p "$1/patches/dnsmasq/$2"
	fake_patch "$1/patches/dnsmasq/$2/0001-Move-the-arrival-interface-check.patch"
	cp "$HOOK" "$1/"
}

# bb_append_applies APPEND RECIPE: bitbake's match of a .bbappend to a .bb.
bb_append_applies() {
	local append=${1##*/} recipe=${2##*/}
	append=${append%.bbappend}
	recipe=${recipe%.bb}
	if [[ $append == *% ]]; then
		[[ $recipe == "${append%\%}"* ]]
	else
		[[ $recipe == "$append" ]]
	fi
}

# bb_parse LAYER...: bitbake's check of appends against recipes; stops
# ("No recipes available for") on an append that matches no recipe.
bb_parse() {
	local a r found
	local -a appends recipes
	mapfile -t appends < <(find "$@" -name '*.bbappend')
	mapfile -t recipes < <(find "$@" -name '*.bb')
	for a in "${appends[@]}"; do
		found=no
		for r in "${recipes[@]}"; do
			if bb_append_applies "$a" "$r"; then found=yes; fi
		done
		if [[ $found == no ]]; then
			printf 'ERROR: No recipes available for:\n  %s\n' "$a"
			return 1
		fi
	done
}

# bb_anonymous BBAPPEND PV: run the bbappend's anonymous python function
# with a datastore whose PV is PV; bb.fatal stops the parse.
bb_anonymous() {
	python3 - "$1" "$2" <<-'PY'
	import sys, textwrap
	text = open(sys.argv[1]).read()
	body = text[text.index("python () {") + len("python () {"):]
	body = textwrap.dedent(body[:body.index("\n}")])
	class Fatal(Exception):
	    pass
	class BB:
	    @staticmethod
	    def fatal(msg):
	        raise Fatal(msg)
	class D:
	    def getVar(self, name):
	        return {"PV": sys.argv[2]}[name]
	try:
	    exec(body, {"d": D(), "bb": BB})
	except Fatal as e:
	    print("ERROR: " + str(e))
	    sys.exit(1)
	PY
}

@test "Buildroot: a dnsmasq of another version stops at the pre-patch check" {
	run "$HOOK" pre-patch 2.90 2.92
	echo "$output"
	[[ $status -ne 0 ]] || dt_fail "the check let dnsmasq 2.92 through patches for 2.90"
	[[ $output == *"for dnsmasq 2.90, but Buildroot's dnsmasq is 2.92"* ]] || dt_fail "no reason given"
	run "$HOOK" pre-patch 2.90 2.90
	[[ $status -eq 0 ]] || dt_fail "the check refuses the right version: $output"
}

@test "Buildroot: another version falls back to dnsmasq/ with no patch, and the post-patch check stops the unpatched tree" {
	br_external "$WORK/ext" 2.90
	fake_source "$WORK/src"
	br_apply_patches "$WORK/src" dnsmasq 2.92 "$WORK/board" "$WORK/ext/patches"
	if grep -q check_arrival_interface "$WORK/src/src/network.c"; then
		dt_fail "the simulation applied 2.90's patches to 2.92"
	fi
	run "$WORK/ext/check-dnsmasq-tcpifidx" post-patch 2.90 2.92 "$WORK/src"
	echo "$output"
	[[ $status -ne 0 ]] || dt_fail "an unpatched dnsmasq 2.92 passed the post-patch check"
}

@test "Buildroot: the right version is patched from the BR2_EXTERNAL tree and passes both checks" {
	br_external "$WORK/ext" 2.90
	fake_source "$WORK/src"
	br_apply_patches "$WORK/src" dnsmasq 2.90 "$WORK/board" "$WORK/ext/patches"
	run "$WORK/ext/check-dnsmasq-tcpifidx" post-patch 2.90 2.90 "$WORK/src"
	echo "$output"
	[[ $status -eq 0 ]] || dt_fail "the patched 2.90 tree was refused"
}

@test "Buildroot: the right version without our patch directory in BR2_GLOBAL_PATCH_DIR is stopped after the patch step" {
	fake_source "$WORK/src"
	br_apply_patches "$WORK/src" dnsmasq 2.90 "$WORK/board"
	run "$HOOK" post-patch 2.90 2.90 "$WORK/src"
	echo "$output"
	[[ $status -ne 0 ]] || dt_fail "a dnsmasq built without our patches passed"
	[[ $output == *BR2_GLOBAL_PATCH_DIR* ]] || dt_fail "the message does not say what to fix"
}

@test "Buildroot: add-patch-dir keeps the board's own BR2_GLOBAL_PATCH_DIR entries and adds ours once" {
	printf 'BR2_x86_64=y\nBR2_GLOBAL_PATCH_DIR="board/acme/patches board/acme/more"\n' >"$WORK/defconfig"
	"$HOOK" add-patch-dir "$WORK/defconfig"
	"$HOOK" add-patch-dir "$WORK/defconfig"
	cat "$WORK/defconfig"
	# shellcheck disable=SC2016 # literal make variable
	grep -qxF 'BR2_GLOBAL_PATCH_DIR="board/acme/patches board/acme/more $(BR2_EXTERNAL_DNSMASQ_TCPIFIDX_PATH)/patches"' "$WORK/defconfig" ||
		dt_fail "the board's directories were not kept, or ours was not added once"
	grep -qx 'BR2_x86_64=y' "$WORK/defconfig" || dt_fail "another line was lost"
}

@test "Buildroot: add-patch-dir on a defconfig without BR2_GLOBAL_PATCH_DIR adds one line" {
	printf 'BR2_x86_64=y\n' >"$WORK/defconfig"
	"$HOOK" add-patch-dir "$WORK/defconfig"
	[[ $(grep -c '^BR2_GLOBAL_PATCH_DIR=' "$WORK/defconfig") == 1 ]] || dt_fail "$(cat "$WORK/defconfig")"
}

@test "Buildroot: the fragment's example line adds to a board's directory, not replaces it" {
	line=$(render "$TEMPLATES/buildroot/defconfig.fragment.in" 2.90 | grep '^BR2_GLOBAL_PATCH_DIR=')
	# shellcheck disable=SC2016 # literal make variable
	[[ $line == 'BR2_GLOBAL_PATCH_DIR="board/<company>/<board>/patches $(BR2_EXTERNAL_DNSMASQ_TCPIFIDX_PATH)/patches"' ]] ||
		dt_fail "$line"
}

@test "Yocto: dnsmasq_2.90.bbappend with only a dnsmasq 2.92 recipe: bitbake stops on the dangling append" {
	mkdir -p "$WORK/meta-oe/recipes-support/dnsmasq" "$WORK/meta-ours/recipes-support/dnsmasq"
	touch "$WORK/meta-oe/recipes-support/dnsmasq/dnsmasq_2.92.bb"
	render "$TEMPLATES/yocto/dnsmasq_VERSION.bbappend.in" 2.90 >"$WORK/meta-ours/recipes-support/dnsmasq/dnsmasq_2.90.bbappend"
	run bb_parse "$WORK/meta-oe" "$WORK/meta-ours"
	echo "$output"
	[[ $status -ne 0 && $output == *"No recipes available for"*dnsmasq_2.90.bbappend* ]] ||
		dt_fail "the 2.90 append was taken for the 2.92 recipe"
}

@test "Yocto: dnsmasq_2.90.bbappend applies to the dnsmasq 2.90 recipe" {
	mkdir -p "$WORK/meta-oe" "$WORK/meta-ours"
	touch "$WORK/meta-oe/dnsmasq_2.90.bb"
	render "$TEMPLATES/yocto/dnsmasq_VERSION.bbappend.in" 2.90 >"$WORK/meta-ours/dnsmasq_2.90.bbappend"
	run bb_parse "$WORK/meta-oe" "$WORK/meta-ours"
	[[ $status -eq 0 ]] || dt_fail "$output"
	run bb_anonymous "$WORK/meta-ours/dnsmasq_2.90.bbappend" 2.90
	[[ $status -eq 0 ]] || dt_fail "the PV check refuses 2.90: $output"
}

@test "Yocto: a dnsmasq_2.90 recipe whose PV is another version is stopped by the bbappend's check" {
	render "$TEMPLATES/yocto/dnsmasq_VERSION.bbappend.in" 2.90 >"$WORK/dnsmasq_2.90.bbappend"
	run bb_anonymous "$WORK/dnsmasq_2.90.bbappend" 2.92
	echo "$output"
	[[ $status -ne 0 && $output == *"for dnsmasq 2.90, not 2.92"* ]] || dt_fail "PV 2.92 went through"
}
