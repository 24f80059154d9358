# shellcheck shell=bash
#
# The namespace kit's one entry point: run state and cleanup (state.bash),
# namespaces (netns.bash), the Calico node (topology.bash), the daemons
# (daemons.bash: knotd, the one dnsmasq starter, dnsdist) and the clients
# (clients.bash).  The suite (lib/common.bash), bench/, tests/package/ and
# scripts/ source this file, never the parts:
#
#   source "$REPO/tests/lib/kit.bash"    the kit
#   dt_kit_use package                   and the Debian package test's
#                                        helpers (tests/lib/package.bash)
#   dt_kit_use matrix                    and the test matrix's tables
#                                        (tests/lib/matrix.bash)
#
# Sourcing defines functions and defaults only; nothing exists until the
# caller makes its state directory (dt_state_init) and registers there
# what it creates.

DT_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/state.bash
source "$DT_LIB/state.bash"
# shellcheck source=tests/lib/netns.bash
source "$DT_LIB/netns.bash"
# shellcheck source=tests/lib/topology.bash
source "$DT_LIB/topology.bash"
# shellcheck source=tests/lib/daemons.bash
source "$DT_LIB/daemons.bash"
# shellcheck source=tests/lib/clients.bash
source "$DT_LIB/clients.bash"

# dt_kit_use PART: an optional part of the kit: package (the Debian package
# test's helpers), matrix (the test matrix's tables), debsrc (source packages: tools, cached
# .dsc, throwaway signing keys).  (Not an argument of
# `source`: without one, bash hands the sourced file the caller's own
# arguments.)
dt_kit_use() {
	case "$1" in
	package)
		# shellcheck source=tests/lib/package.bash
		source "$DT_LIB/package.bash"
		;;
	matrix)
		# shellcheck source=tests/lib/matrix.bash
		source "$DT_LIB/matrix.bash"
		;;
	debsrc)
		# shellcheck source=tests/lib/debsrc.bash
		source "$DT_LIB/debsrc.bash"
		;;
	*)
		printf 'dt_kit_use: unknown part %s (known: package, matrix, debsrc)\n' "$1" >&2
		return 2
		;;
	esac
}
