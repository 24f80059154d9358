# shellcheck shell=bash
#
# For the tests of source packages and repositories (follow repository,
# keyring package, derivative source packages): the tools they need, the
# source package `make BASE=...` cached, and throwaway OpenPGP keys in a
# private GNUPGHOME in the test's state directory, never the caller's keys.

# dt_require_tools TOOL...: skips the file (from setup_file) unless every
# TOOL is installed.
dt_require_tools() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || skip "$tool is missing (make deps)"
	done
}

# dt_cached_dsc VAR BASE: VAR gets the newest Debian source package of BASE
# in the checkout's build/cache (made by `make BASE=...`); skips the file
# (from setup_file) without one.
dt_cached_dsc() {
	local repo dsc
	repo=$(cd "$DT_LIB/../.." && pwd)
	dsc=$(find "$repo/build/cache/$2" -mindepth 2 -maxdepth 2 -name 'dnsmasq_*.dsc' 2>/dev/null | sort | tail -n 1)
	[[ -n $dsc ]] || skip "no cached $2 source: run 'make BASE=$2' first"
	printf -v "$1" '%s' "$dsc"
}

# dt_gpg_home DIR: GNUPGHOME=DIR, made private and exported.
dt_gpg_home() {
	export GNUPGHOME=$1
	mkdir -m 700 "$GNUPGHOME"
}

# dt_gpg_key UID EXPIRY [gpg option...]: a new ed25519 signing key without
# a passphrase; prints its fingerprint.
dt_gpg_key() {
	local uid=$1 expiry=$2
	shift 2
	gpg --batch --quiet --passphrase '' "$@" --quick-gen-key "$uid" ed25519 sign "$expiry" 2>/dev/null
	gpg --batch --with-colons --list-keys "$uid" | awk -F: '$1 == "fpr" { print $10; exit }'
}

# dt_gpg_stop: ends the agent gpg started for the throwaway home (by its
# socket there), for teardown_file; nothing if no home was made.
dt_gpg_stop() {
	if [[ -n ${GNUPGHOME:-} && -d $GNUPGHOME ]]; then
		gpgconf --kill gpg-agent || true
	fi
}
