# dnsmasq with the TCP arrival-interface fix for Calico-style interfaces.
# `make deps all` (as root) then `make check`: see README.md.
#
#   BASE=<name>      which source to patch (patches/<name>.base); default: this host's Debian
#   PATCHES=none     build the base unpatched (stock), for comparisons
#   PATCHES=minimal  only patches/<base>.minimal.series (the fix proposed to Debian)
#   SRC=<dir>        where the tree is made (default: src/)
#   BASE_VERSION=    pin a Debian version instead of following the suite
#   DNSMASQ=<path>   the binary `make check` tests (default: $(SRC)/dnsmasq)
#   TESTS=<files>    run only these tests/*.bats files
#   SANITIZE=1       build with ASan + UBSan (in build/sanitize-<base>/) and test that
#   DT_JOBS=N        run N test files at a time (GNU parallel; tests/run --jobs)
#   DT_ALLOW_SKIP=RE skips of tests whose name matches RE do not fail the run
#   BUGS_ONLY=1      check, check-stock: only the tests of the bugs BASE's stock
#                    build shows (tests/bugs.tsv): each passes on ours, fails on stock

SHELL := /bin/bash
SCRIPTS := scripts

BASE ?= $(shell $(SCRIPTS)/default-base)
PATCHES ?= series
# SANITIZE=1: an ASan + UBSan build, kept in its own tree.
ifeq ($(SANITIZE),1)
SRC ?= build/sanitize-$(BASE)
endif
SRC ?= src
export SANITIZE
DNSMASQ ?= $(SRC)/dnsmasq
export BASE_VERSION
# A base whose tarball the archive lacks (upstream-2.92): TARBALL=<file>,
# checked against its ORIG_SHA256 (ALLOW_GIT_ARCHIVE=1: a git archive of the
# release tag, for development only).
export TARBALL ALLOW_GIT_ARCHIVE
# EXTRA_COPTS: features compiled in besides the base's own COPTS.
export EXTRA_COPTS

# Everything a fresh Debian 12 machine needs to build every base, run the
# suite, and build the package.
BUILD_DEPS := build-essential pkgconf quilt gettext dpkg-dev apt \
  libdbus-1-dev libidn2-dev libnftables-dev libnetfilter-conntrack-dev \
  nettle-dev libgmp-dev
TEST_DEPS := bats iproute2 procps psmisc bind9-dnsutils knot-dnsutils knot dnsdist python3-dnspython parallel \
  libc-bin tcpdump shellcheck python3 util-linux gcc libc6-dev busybox ndisc6 \
  jq strace prometheus python3-kubernetes python3-yaml
PACKAGE_DEPS := debhelper dh-exec dh-runit liblua5.4-dev lintian mmdebstrap sbuild uidmap piuparts devscripts autopkgtest reprepro gnupg rpm distro-info-data
FUZZ_DEPS := clang

.PHONY: archive-keyring check-archive-keyring routes check-routes available-bases series check-series follow check-follow check-derivative check-deps-services check-facts all tree build check check-stock check-package check-piuparts check-autopkgtest check-differential stock-references deb debdiff revision bump-revision upstream-patches dist deps stock lint clean distclean help bases bench fuzz

all: build

help:
	@sed -n '1,/^$$/p' Makefile

# available-bases: those whose source can be had here (a user-supplied
# tarball once supplied), one a line; CI builds these.
available-bases:
	@. $(SCRIPTS)/lib.sh && for b in $$(list_bases); do if base_available "$$b"; then echo "$$b"; else echo "$$b: its tarball is not supplied here (TARBALL=): skipped" >&2; fi; done

bases:
	@for f in patches/*.base; do b=$${f##*/}; printf '%-15s %s\n' "$${b%.base}" "$$(sed -n 's/^DESCRIPTION=//p' "$$f")"; done

tree:
	@test -n "$(BASE)" || exit 1
	$(SCRIPTS)/prepare-tree "$(BASE)" "$(PATCHES)" "$(SRC)"

build: tree
	$(SCRIPTS)/build-tree "$(SRC)"

# An unpatched build of the same base beside ours: build/stock-<base>/dnsmasq.
stock:
	$(MAKE) build PATCHES=none SRC=build/stock-$(BASE) SANITIZE=

# The stock builds some tests compare against: this base's, and 2.93's.
stock-references: stock
	$(if $(filter upstream-2.93,$(BASE)),,$(MAKE) stock BASE=upstream-2.93)

STOCK_DNSMASQ := build/stock-$(BASE)/dnsmasq
base_get = $(shell sed -n 's/^$(2)=//p' patches/$(1).base)
# The base's ALLOW_SKIP (a regex of test names): tests which skip on it
# because its dnsmasq lacks what they test, each saying so.
ALLOW_SKIP_ARGS = $(if $(call base_get,$(BASE),ALLOW_SKIP),--allow-skip '$(call base_get,$(BASE),ALLOW_SKIP)')

# Without DNSMASQ=, the suite tests this project's build, made first, with
# the stock build of the same base beside it (some tests compare the two).
# BUGS_ONLY=1: --only the tags of the bugs BASE's stock build shows.
ONLY_BUGS_ARGS = $(if $(filter 1,$(BUGS_ONLY)),--only "$$(tests/facts stock-fails "$(BASE)")")
check: $(if $(filter command line environment,$(origin DNSMASQ)),,build) stock-references
	DNSMASQ="$(abspath $(DNSMASQ))" \
	DNSMASQ_STOCK="$(if $(wildcard $(STOCK_DNSMASQ)),$(abspath $(STOCK_DNSMASQ)))" \
	  tests/run $(ONLY_BUGS_ARGS) $(ALLOW_SKIP_ARGS) $(TESTS)

# The differential suite alone (make check runs it too): our build of BASE
# against the unpatched build of BASE over every corpus row.
check-differential: $(if $(filter command line environment,$(origin DNSMASQ)),,build) stock
	DNSMASQ="$(abspath $(DNSMASQ))" \
	DNSMASQ_STOCK="$(abspath $(STOCK_DNSMASQ))" \
	  tests/run $(wildcard tests/differential*.bats)

# Proof that the suite detects the bug: the unpatched build of BASE must fail
# exactly the tests tagged with the bugs tests/bugs.tsv gives BASE's version
# (tests/facts stock-fails BASE), and pass all others.
# (Without TESTS, every file but the differential suite, which would only
# compare the stock build with itself.)
STOCK_TESTS = $(or $(TESTS),$(filter-out tests/differential%,$(wildcard tests/*.bats)))
check-stock: stock-references
	tags=$$(tests/facts stock-fails "$(BASE)") && \
	DNSMASQ="$(abspath $(STOCK_DNSMASQ))" DNSMASQ_STOCK="$(abspath $(STOCK_DNSMASQ))" \
	  tests/run --expect-failures "$$tags" $(if $(filter 1,$(BUGS_ONLY)),--only "$$tags") $(ALLOW_SKIP_ARGS) $(STOCK_TESTS)

# Benchmark, not part of check (bench/README.md): our build against the
# unpatched builds of the same base and of 2.93. BENCH_QUICK=1: ~2 minutes.
bench: $(if $(BENCH_OURS),,build) stock
	$(MAKE) stock BASE=upstream-2.93
	BENCH_OURS="$(abspath $(or $(BENCH_OURS),$(DNSMASQ)))" bench/run

# libFuzzer run of the code that parses what TCP clients send (tests/fuzz/),
# built with clang from the prepared tree; FUZZ_SECONDS (default 60), fresh seeds.
fuzz: build
	tests/fuzz/run "$(SRC)" "$(FUZZ_SECONDS)"

# Debian's source package of the base plus our series, built into dist/<base>/:
# .dsc, .debian.tar.xz, .changes, .buildinfo and the .debs (scripts/build-deb).
# DSC=<file>: a derivative's own dnsmasq source package instead (Ubuntu's,
# Raspberry Pi OS's...), verified against DSC_KEYRING=<keyring> (or
# DSC_UNSIGNED=1: checksums only, said loudly), into dist/dsc-<version>/;
# DSC_SERIES=<base> picks another base's series than the one of its version.
deb: $(if $(DSC),,build)
	$(SCRIPTS)/build-deb $(if $(DSC),--dsc "$(DSC)" $(if $(DSC_KEYRING),--keyring "$(DSC_KEYRING)") $(if $(filter 1,$(DSC_UNSIGNED)),--unsigned) $(if $(DSC_SERIES),--series "$(DSC_SERIES)"),"$(SRC)")

# In dist/<base>/: the debdiff of Debian's source package against our build
# (after make deb), and the route's texts as of today (release-route):
# proposal/ (Debian's package plus the minimal series and our test, Debian's
# next revision, with its debdiff), <suite>-pu.txt while the release is
# stable or lts-request.txt while it is in LTS, and bug-report.txt. Each
# debdiff is checked to hold only debian/patches/, debian/tests/ (ours
# added) and one changelog entry. Needs no package build.
debdiff:
	$(MAKE) tree PATCHES=none SRC=build/proposal-$(BASE) SANITIZE=
	$(SCRIPTS)/make-debdiff "$(BASE)" build/proposal-$(BASE)

# Which route takes a fix to each Debian base's release today, from
# distro-info-data; check-routes: the README's route table is the csv's.
routes:
	@for f in patches/debian-*.base; do b=$${f##*/}; b=$${b%.base}; printf '%-10s %s\n' "$$b" "$$($(SCRIPTS)/release-route route "$$b")"; done

check-routes:
	$(SCRIPTS)/release-route check README.md

# The source package's autopkgtests (Debian's and ours, debian/tests/) against
# the built .debs with Debian's runner (autopkgtest ... -- null, root): ours
# run, Debian's are counted as not run (they need a systemd-booted testbed);
# leaves the machine's packages as it found them.
check-autopkgtest:
	$(SCRIPTS)/run-autopkgtest "$(BASE)"

# The fork revision (VERSION) against the series: patches/REVISION records what
# each base's package is made from. bump-revision: next tcpifidxN, recorded;
# revision: record for the current one (only while it was never released).
bump-revision:
	$(SCRIPTS)/fork-revision bump

revision:
	$(SCRIPTS)/fork-revision record

# Following Debian's uploads (scripts/follow-archive): when the
# archive has a newer dnsmasq for BASE than FOLLOW_REPO holds, build it with our
# series, run the package tests, publish it with reprepro, signed with FOLLOW_KEY.
export FOLLOW_KEY FOLLOW_KEYRING FOLLOW_KEY_WARN_DAYS FOLLOW_REPO FOLLOW_SOURCES FOLLOW_CHECKS
follow:
	$(SCRIPTS)/follow-archive --base "$(BASE)"

# The repository's keyring package (dnsmasq-tcpifidx-archive-keyring, from
# contrib/archive-keyring/) with the keys FOLLOW_KEYRING (default FOLLOW_KEY),
# signed by the first of FOLLOW_KEY, into dist/archive-keyring/, version
# KEYRING_VERSION. make follow builds and publishes it by itself whenever the
# keys change (numbered above the version published).
KEYRING_VERSION ?= 1
archive-keyring:
	$(SCRIPTS)/archive-keyring build --version "$(KEYRING_VERSION)" --out dist/archive-keyring \
	  $(if $(FOLLOW_KEY),--sign $(firstword $(FOLLOW_KEY))) $(or $(FOLLOW_KEYRING),$(FOLLOW_KEY))

# Its test (tests/follow/): a local archive with a simulated upload, one
# package build (a few minutes), so not part of `make check`.
check-follow:
	DNSMASQ="$(abspath $(DNSMASQ))" tests/run tests/follow/follow-archive.bats

# The keyring package and a key rotation, on a repository of its own (seconds;
# no package build, no archive; no dnsmasq is run, hence DNSMASQ=/bin/true).
check-archive-keyring:
	DNSMASQ=/bin/true tests/run tests/follow/archive-keyring.bats

# make deb DSC=... on a derivative made in the test (Debian's trixie source
# as "fakeos-stable", signed with a throwaway key): version order, Maintainer
# fields, patch order, and the refusals (checksum, signature, unsigned, no
# series). Builds the package once (a few minutes; needs the debian-13 cache
# of 'make BASE=debian-13'), so not part of `make check`.
check-derivative:
	DNSMASQ="$(abspath $(DNSMASQ))" tests/run tests/derivative/derivative.bats

# The Debian package test (root): Debian's dnsmasq from apt, our dnsmasq-base
# over it on a Calico-like node, the apt pin, the downgrade; leaves the
# machine's packages as it found them.
check-package:
	tests/package/run --base "$(BASE)"

# Debian's piuparts on dist/<base>/'s .debs (root), in a throwaway system of
# the base's release: install and purge, upgrade from Debian's own version.
check-piuparts:
	$(SCRIPTS)/run-piuparts "$(BASE)"

# Every base's patches (patches/<base>/, <base>.series) from the one source,
# patches/source/ (scripts/series); check-series: fails if what
# is committed differs from what the source gives (CI).
series:
	$(SCRIPTS)/series generate

check-series:
	$(SCRIPTS)/series check

# The series against pristine upstream 2.93, as mails for dnsmasq-discuss.
# CHECK=1: then each thread's scenarios against the builds it left
# (tests/upstream-threads: bug scenarios fail on 2.93, pass with the thread).
upstream-patches:
	$(SCRIPTS)/make-upstream-patches dist/upstream
	$(if $(filter 1,$(CHECK)),tests/upstream-threads build/upstream-patches)

# Per base: a release tarball for image builders (series, upstream tarball hash, README).
dist:
	$(SCRIPTS)/make-dist dist

ALL_DEPS = $(BUILD_DEPS) $(TEST_DEPS) $(PACKAGE_DEPS) $(FUZZ_DEPS)

# Installs what is missing; services the install enables (knot, dnsdist) are
# disabled and stopped again: this is a build host, not a DNS server.
deps:
	$(SCRIPTS)/install-deps $(ALL_DEPS)

# Fails if any service of a dependency package is enabled or running.
check-deps-services:
	$(SCRIPTS)/check-no-services $(ALL_DEPS)

# Every generated place (README tables, generated .bats files, test counts)
# against its data: tests/bugs.tsv and tests/matrix/ (tests/facts --write
# regenerates them). No root, no network.
check-facts:
	tests/facts --check

# The shell scripts of scripts/ (its templates and Python tools aside).
SHELL_SCRIPTS = $(shell grep -lE '^\#!.*\b(ba)?sh\b' $(SCRIPTS)/*)

lint: check-facts check-routes
	shellcheck -x $(SHELL_SCRIPTS) contrib/image-builders/buildroot/check-dnsmasq-tcpifidx contrib/dnsmasq-tcp-check contrib/dnsmasq-tcpifidx-held-back debian/tests/calico-tcp .ci/run tests/run tests/gen-matrix tests/facts tests/upstream-threads tests/lib/*.bash tests/package/run \
	  tests/robustness/lib.bash tests/differential/lib.bash tests/fuzz/run bench/run bench/lib.bash bench/soak.bash bench/report bench/freshness
	shellcheck -x -s bash tests/*.bats tests/package/*.bats tests/follow/*.bats tests/derivative/*.bats
	contrib/kubernetes/check-manifest contrib/kubernetes/dnsmasq-tcp-check.yaml
	scripts/import-graph --check
	contrib/kubernetes/check-manifest --print-script contrib/kubernetes/dnsmasq-tcp-check.yaml | shellcheck -s sh -

clean:
	rm -rf $(SRC) $(SRC).new

distclean: clean
	rm -rf build dist
