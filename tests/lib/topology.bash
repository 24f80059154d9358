# shellcheck shell=bash
#
# The Kubernetes node with Calico pods, as network namespaces:
#
#   lan ns                       node ns ("host")                   upstream ns
#   +-----------------+          +------------------------------+   +-----------------+
#   | eth0            |          | eth0  192.0.2.1/24           |   |                 |
#   |  192.0.2.10/24  |----------|       2001:db8:1::1/64       |   |                 |
#   |  2001:db8:1::10 |          | up0   203.0.113.1/24         |---| eth0            |
#   | (dig, kdig)     |          | lo    127.0.0.1   [dnsmasq]  |   |  203.0.113.53   |
#   +-----------------+          |                              |   |  [knotd]        |
#                                | caliXXXXXXXXXXX  (per pod)   |   +-----------------+
#   pod ns (one per pod)         |   no IPv4, fe80:: only,      |
#   +-----------------+          |   MAC ee:ee:ee:ee:ee:ee,     |
#   | eth0            |----------|   proxy_arp=1,               |
#   |  198.51.100.x/32|          |   198.51.100.x/32 dev cali   |
#   |  2001:db8:2::x  |          |   2001:db8:2::x/128 dev cali |
#   | default via     |          +------------------------------+
#   |  169.254.1.1    |
#   |  onlink         |
#   +-----------------+
#
# The node has no default route; nothing is connected to the root namespace.

NODE_IP4=192.0.2.1
NODE_IP6=2001:db8:1::1
LAN_IP4=192.0.2.10
LAN_IP6=2001:db8:1::10
UPLINK_IP4=203.0.113.1
UPSTREAM_IP4=203.0.113.53
CALICO_GW4=169.254.1.1
CALI_MAC=ee:ee:ee:ee:ee:ee

# The node namespace: loopback only so far, forwarding on as on any
# Calico node (proxy ARP answers only for addresses the node would route).
topo_node() {
	dt_ns_new NODE_NS node
	dt_ns_sysctl "$NODE_NS" net.ipv4.ip_forward=1
	dt_ns_sysctl "$NODE_NS" net.ipv6.conf.all.forwarding=1
}

# The LAN: an ordinary client next to the node's eth0 (the IPv4 control).
topo_lan() {
	dt_ns_new LAN_NS lan
	dt_veth "$NODE_NS" eth0 "$LAN_NS" eth0
	ip -n "$NODE_NS" addr add "$NODE_IP4/24" dev eth0
	ip -n "$NODE_NS" addr add "$NODE_IP6/64" dev eth0 nodad
	ip -n "$LAN_NS" addr add "$LAN_IP4/24" dev eth0
	ip -n "$LAN_NS" addr add "$LAN_IP6/64" dev eth0 nodad
}

# The uplink to the upstream (authoritative) server's namespace.
topo_upstream() {
	dt_ns_new UPSTREAM_NS upstream
	dt_veth "$NODE_NS" up0 "$UPSTREAM_NS" eth0
	ip -n "$NODE_NS" addr add "$UPLINK_IP4/24" dev up0
	ip -n "$UPSTREAM_NS" addr add "$UPSTREAM_IP4/24" dev eth0
	# Calico pods reach the node through 169.254.1.1, answered by proxy
	# ARP, which needs the node to have a route for it that does not point
	# back at the pod.  A real node has its default route; ours has none,
	# so this host route stands in for it.
	ip -n "$NODE_NS" route add "$CALICO_GW4/32" dev up0
}

# The whole node: node + LAN + upstream (pods are added per file or test).
topo_cluster() {
	topo_node
	topo_lan
	topo_upstream
}

# ---------------------------------------------------------------------------
# Calico pods.  A pod NAME (letters, digits, _) gets exported variables
# POD_<NAME>_NS, POD_<NAME>_CALI, POD_<NAME>_IP4, POD_<NAME>_IP6.

# Calico's interface name: "cali" + 11 hex characters.
topo_cali_name() {
	printf 'cali%s\n' "$(dt_random_hex 11)"
}

# topo_pod NAME IPV4 [IPV6] [CALI_NAME] [IFINDEX]: a pod behind a new cali
# veth.  IPV6 "-" or empty means an IPv4-only pod.  CALI_NAME reuses a name;
# IFINDEX chooses the cali's interface index (a reused one, say).
topo_pod() {
	local name=$1 ip4=$2 ip6=${3:-} cali=${4:-} index=${5:-} ns
	[[ "$ip6" == - ]] && ip6=
	[[ -n "$cali" ]] || cali=$(topo_cali_name)
	dt_ns_new "POD_${name}_NS" "pod"
	ns=$(topo_pod_var "$name" NS)
	topo_export "$name" CALI "$cali"
	topo_export "$name" IP4 "$ip4"
	topo_export "$name" IP6 "$ip6"

	ip -n "$NODE_NS" link add "$cali" ${index:+index "$index"} address "$CALI_MAC" \
		type veth peer name eth0 netns "$ns"
	topo_cali_sysctls "$cali"
	ip -n "$NODE_NS" link set "$cali" up
	ip -n "$ns" link set eth0 up

	# Pod side: a /32 and a default route to a gateway that does not exist.
	ip -n "$ns" addr add "$ip4/32" dev eth0
	ip -n "$ns" route add default via "$CALICO_GW4" dev eth0 onlink
	# Node side: no address on the cali, just a route to the pod.
	ip -n "$NODE_NS" route add "$ip4/32" dev "$cali" scope link

	[[ -n "$ip6" ]] && topo_pod_ipv6 "$name"
	return 0
}

# What Felix sets on every cali interface.
topo_cali_sysctls() {
	local cali=$1
	dt_ns_sysctl "$NODE_NS" "net.ipv4.conf.$cali.proxy_arp=1"
	dt_ns_sysctl "$NODE_NS" "net.ipv4.neigh.$cali.proxy_delay=0"
	dt_ns_sysctl "$NODE_NS" "net.ipv4.conf.$cali.rp_filter=1"
}

# Dual stack: pod /128 with the cali's link-local address as its gateway.
topo_pod_ipv6() {
	local name=$1 ns cali ip6 gw6
	ns=$(topo_pod_var "$name" NS)
	cali=$(topo_pod_var "$name" CALI)
	ip6=$(topo_pod_var "$name" IP6)
	dt_wait_until "$DT_WAIT_TIMEOUT" dt_has_link_local "$NODE_NS" "$cali"
	gw6=$(dt_link_local "$NODE_NS" "$cali")
	ip -n "$ns" addr add "$ip6/128" dev eth0 nodad
	ip -n "$ns" -6 route add default via "$gw6" dev eth0
	ip -n "$NODE_NS" -6 route add "$ip6/128" dev "$cali"
}

# The variant with IPv6 switched off on the cali: no address at all on it.
topo_cali_disable_ipv6() {
	local cali
	cali=$(topo_pod_var "$1" CALI)
	dt_ns_sysctl "$NODE_NS" "net.ipv6.conf.$cali.disable_ipv6=1"
}

# Delete a pod: the veth (and the node's routes over it) go with its netns.
topo_pod_delete() {
	local ns
	ns=$(topo_pod_var "$1" NS)
	dt_ns_destroy "$ns"
	dt_unregister ns "$ns"
	dt_wait_until "$DT_WAIT_TIMEOUT" topo_link_gone "$(topo_pod_var "$1" CALI)"
}

topo_link_gone() {
	! ip -n "$NODE_NS" link show dev "$1" >/dev/null 2>&1
}

# topo_pod_var NAME FIELD: value of POD_<NAME>_<FIELD>.
topo_pod_var() {
	local var="POD_${1}_${2}"
	printf '%s\n' "${!var}"
}

topo_export() {
	local var="POD_${1}_${2}"
	printf -v "$var" '%s' "$3"
	export "${var?}"
}
