# shellcheck shell=bash
#
# The test matrix's tables (tests/matrix/), read: the awk functions every
# reader shares (reading the tables; how a row's options are spelled in a
# test name, the README and the shell), and the modes of the upstream cover
# letter's evidence table.  tests/gen-matrix generates from them; scripts
# use them through the kit (dt_kit_use matrix).

DT_MATRIX_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../matrix" && pwd)

# shellcheck disable=SC2016 # awk programs
DT_MATRIX_AWK='
	# Rows of a table: comments, blank lines and the header skipped.
	function skip() { return ($0 ~ /^#/ || $0 ~ /^[ \t]*$/ || $1 == "file" || $1 == "key") }
	function debian(opts) { return opts ~ /^debian-service( |$)/ }
	# label(OPTS): as a test name says it.
	function label(opts,   n, t, i, conf, dropin, s) {
		if (opts == "-") return "wildcard"
		if (debian(opts)) {
			n = split(opts, t, " ")
			for (i = 2; i <= n; i++) {
				s = t[i]; sub(/^(conf|dropin):/, "", s); gsub(/<node>/, "192.0.2.1", s)
				conf = conf (conf == "" ? "" : ", ") s
				if (t[i] ~ /^dropin:/) dropin = 1
			}
			return "Debian service" (conf == "" ? "" : " + " conf (dropin ? " in dnsmasq.d" : ""))
		}
		s = opts; gsub(/<cali>/, "<its cali>", s); gsub(/<node>/, "192.0.2.1", s)
		return s
	}
	# shown(OPTS): as the README table says it (markdown).
	function shown(opts,   n, t, i, conf, dropin, s) {
		if (opts == "-") return "default (wildcard)"
		if (debian(opts)) {
			n = split(opts, t, " ")
			for (i = 2; i <= n; i++) {
				s = t[i]; sub(/^(conf|dropin):/, "", s); gsub(/<node>/, "192.0.2.1", s)
				conf = conf (conf == "" ? "" : ", ") "`" s "`"
				if (t[i] ~ /^dropin:/) dropin = 1
			}
			return (conf == "" ? "Debian service: `--local-service`, empty config" : "Debian service + " conf (dropin ? " in dnsmasq.d" : ""))
		}
		s = opts; gsub(/<cali>/, "<pod'"'"'s cali>", s); gsub(/<node>/, "192.0.2.1", s)
		return "`" s "`"
	}
	# shell(OPTS, POD, WHERE): the starter options (WHERE "pre", before the
	# style) or dnsmasq options ("post"), quoted for the shell.
	function shell(opts, pod, where,   n, t, i, s, out) {
		if (opts == "-") return ""
		n = split(opts, t, " ")
		for (i = 1; i <= n; i++) {
			s = t[i]
			gsub(/<cali>/, "$POD_" pod "_CALI", s); gsub(/<node>/, "$NODE_IP4", s)
			if (s == "debian-service") { if (where == "post") out = out " --local-service"; continue }
			if (s ~ /^(conf|dropin):/) {
				if (where == "pre") { sub(/:/, " \"", s); out = out " --" s "\"" }
				continue
			}
			if (where == "post") out = out " \"" s "\""
		}
		return out
	}
	function client_text(c) {
		return (c == "pod") ? "pod behind cali (no IPv4)" : \
			(c == "pod-no-v6") ? "pod behind cali with IPv6 disabled (no address at all)" : \
			(c == "ipv6-pod") ? "IPv6 pod behind cali (fe80:: only)" : \
			(c == "lan") ? "LAN client on eth0" : \
			(c == "node-lo") ? "node itself via 127.0.0.1" : "node itself via 192.0.2.1"
	}
	function column(c) {
		return (c == "pod") ? "pod" : (c == "pod-no-v6") ? "pod no v6" : (c == "ipv6-pod") ? "IPv6 pod" : \
			(c == "lan") ? "LAN" : (c == "node-lo") ? "node lo" : "node"
	}
	# check(CLIENT, UDP, TCP): the assertion of a cell.
	function check(c, udp, tcp) {
		if (c == "pod") return "check_pod a " udp " v4 \"big.$ZONE\" " tcp
		if (c == "pod-no-v6") return "check_pod b " udp " v4 \"big.$ZONE\" " tcp
		if (c == "ipv6-pod") return "check_pod a " udp " v6 \"big.$ZONE\" " tcp
		if (c == "lan") return "check_cell \"$LAN_NS\" \"$NODE_IP4\" " udp " \"big.$ZONE\" " tcp
		if (c == "node-lo") return "check_cell \"$NODE_NS\" 127.0.0.1 " udp " \"big.$ZONE\" " tcp
		return "check_cell \"$NODE_NS\" \"$NODE_IP4\" " udp " \"big.$ZONE\" " tcp
	}
	# wrap(TEXT, PREFIX, WIDTH): TEXT in lines of at most WIDTH, each
	# starting with PREFIX (the first with FIRST).
	function wrap(text, first, prefix, width,   n, w, i, line, out) {
		n = split(text, w, " ")
		line = first
		for (i = 1; i <= n; i++) {
			if (w[i] == "") continue
			if (line != first && line != prefix && length(line) + 1 + length(w[i]) > width) {
				out = out line "\n"; line = prefix
			}
			line = line ((line == first || line == prefix) ? "" : " ") w[i]
		}
		return out line
	}
'

# dt_matrix_letter_modes: the modes of the upstream cover letter's evidence
# table, one "LABEL|OPTIONS" line each: every mode the pod (IPv4, fe80::
# only cali) has a row for, in data order, but those naming its cali and
# Debian's service rows.
dt_matrix_letter_modes() {
	awk -F '\t' "$DT_MATRIX_AWK"'
		skip() || $1 != "listen-modes" || $3 != "pod" || $2 ~ /<cali>/ || debian($2) || ($2 in seen) { next }
		{
			seen[$2] = 1
			opts = ($2 == "-") ? "" : $2
			gsub(/<node>/, "192.0.2.1", opts)
			print (($2 == "-") ? "default (wildcard)" : label($2)) "|" opts
		}' "$DT_MATRIX_DIR/listen-modes.tsv"
}
