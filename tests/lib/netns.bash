# shellcheck shell=bash
#
# Network namespaces and links.  Every namespace gets a random suffix so two
# runs of the suite never collide, and is registered for cleanup the moment
# it exists.  None of them is ever connected to the root namespace.

# dt_ns_new VAR PREFIX: create namespace "dt-PREFIX-XXXXXX", bring lo up
# and store its name in the (exported) variable VAR.  $DT_NS_PREFIX
# replaces "dt", to tell one run's namespaces from another's.
dt_ns_new() {
	local var=$1 prefix=$2 name
	name="${DT_NS_PREFIX:-dt}-${prefix}-$(dt_random_hex 6)"
	ip netns add "$name"
	dt_register ns "$name"
	ip -n "$name" link set lo up
	# No DAD: addresses are usable at once, no tentative state to wait for.
	dt_ns_sysctl "$name" net.ipv6.conf.all.accept_dad=0
	dt_ns_sysctl "$name" net.ipv6.conf.default.accept_dad=0
	printf -v "$var" '%s' "$name"
	export "${var?}"
}

# Delete a namespace, first stopping whatever still runs inside it: only our
# own processes can be there, the name is ours and random.
dt_ns_destroy() {
	local ns=$1 pid
	ip netns list 2>/dev/null | grep -q "^$ns\\b" || return 0
	for pid in $(ip netns pids "$ns" 2>/dev/null); do
		dt_kill_pid "$pid"
	done
	ip netns delete "$ns" 2>/dev/null || true
}

# dt_random_hex N: N lowercase hex characters.
dt_random_hex() {
	local hex
	hex=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	printf '%s\n' "${hex:0:$1}"
}

# Run a command inside a namespace.
dt_nsexec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# dt_ns_sysctl NS KEY=VALUE (quietly; errors still fail).
dt_ns_sysctl() {
	ip netns exec "$1" sysctl -qw "$2" >/dev/null
}

# dt_veth NS_A IF_A NS_B IF_B: a veth pair between two namespaces, both up.
dt_veth() {
	local ns_a=$1 if_a=$2 ns_b=$3 if_b=$4
	ip -n "$ns_a" link add "$if_a" type veth peer name "$if_b" netns "$ns_b"
	ip -n "$ns_a" link set "$if_a" up
	ip -n "$ns_b" link set "$if_b" up
}

# dt_ifindex NS IF
dt_ifindex() {
	ip -n "$1" -o link show dev "$2" | awk -F': ' '{ print $1; exit }'
}

# dt_link_local NS IF: the interface's fe80:: address, without prefix length.
dt_link_local() {
	ip -n "$1" -6 -o addr show dev "$2" scope link |
		awk '{ sub("/.*", "", $4); print $4; exit }'
}

# True when NS IF has a usable (non-tentative) IPv6 link-local address.
dt_has_link_local() {
	[[ -n "$(ip -n "$1" -6 -o addr show dev "$2" scope link -tentative)" ]]
}

# dt_listening NS PROTO ADDR-REGEX [PID]: a socket whose local address
# matches ADDR-REGEX (as ss prints it, e.g. ':53$') is listening (tcp) or
# bound (udp), and belongs to PID if given.
dt_listening() {
	local ns=$1 proto=$2 want=$3 pid=${4:-} flag
	case "$proto" in
	tcp) flag=-Hltnp ;;
	udp) flag=-Hlunp ;;
	esac
	ip netns exec "$ns" ss "$flag" | awk -v w="$want" -v p="pid=$pid," '
		$4 ~ w && (p == "pid=," || index($0, p)) { found = 1 }
		END { exit !found }'
}
