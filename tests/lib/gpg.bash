# shellcheck shell=bash
#
# Throwaway OpenPGP keys for the tests that sign (follow repository,
# keyring package, derivative source packages): a private GNUPGHOME in
# the test's state directory, never the caller's keys.

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
