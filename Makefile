# pve-lxcri — see README.md. `make check` and `make demo` install their own
# Debian build/test dependencies first (`make deps`, as root).

VERSION := 0.1.0

PREFIX ?= /usr
SYSCONFDIR ?= /etc
LIBEXECDIR ?= $(PREFIX)/libexec/lxcri
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
LXC_CONFIG_DIR ?= $(DATADIR)/lxc/config
DESTDIR ?=
BUILD ?= build

CC ?= gcc
PKG_CONFIG ?= pkg-config
CLANG ?= clang
CFLAGS ?= -O2 -g
# Warnings are errors in `make check` (and so in CI), not in a user's or
# Debian's build, where a newer compiler may warn about more.
WERROR ?=
WARNINGS = -Wall -Wextra $(WERROR) -Wshadow -Wformat=2 -Wno-format-nonliteral \
	-Wmissing-prototypes -Wstrict-prototypes -Wvla
BASE_CPPFLAGS := -D_GNU_SOURCE -DLXCRI_VERSION='"$(VERSION)"' -I.
HARDEN := -fstack-protector-strong -fPIE -D_FORTIFY_SOURCE=2
ALL_CFLAGS = -std=gnu11 $(BASE_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) $(WARNINGS) $(HARDEN) \
	$(JSONC_CFLAGS) $(NL_CFLAGS) $(NFT_CFLAGS) $(CURL_CFLAGS) $(ARCHIVE_CFLAGS)
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(LDFLAGS)
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Evaluated when used, so that `make deps` works before the packages exist.
JSONC_CFLAGS = $(shell $(PKG_CONFIG) --cflags json-c)
JSONC_LIBS = $(shell $(PKG_CONFIG) --libs json-c)
NL_CFLAGS = $(shell $(PKG_CONFIG) --cflags libnl-3.0 libnl-route-3.0)
NL_LIBS = $(shell $(PKG_CONFIG) --libs libnl-3.0 libnl-route-3.0)
NLNF_LIBS = $(shell $(PKG_CONFIG) --libs libnl-nf-3.0)
NFT_CFLAGS = $(shell $(PKG_CONFIG) --cflags libnftables)
NFT_LIBS = $(shell $(PKG_CONFIG) --libs libnftables)
PAM_LIBS = $(shell $(PKG_CONFIG) --libs pam)
SECCOMP_LIBS = $(shell $(PKG_CONFIG) --libs libseccomp)
SELINUX_LIBS = $(shell $(PKG_CONFIG) --libs libselinux)
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check)
FUSE_CFLAGS = $(shell $(PKG_CONFIG) --cflags fuse3)
FUSE_LIBS = $(shell $(PKG_CONFIG) --libs fuse3)
# OCI images: the registry client (libcurl), blob digests (libcrypto), and
# layer tars with their gzip/zstd codecs (libarchive reads them, ISA-L's
# igzip inflates gzip; lib/image writes every entry itself, confined to
# the rootfs).
CURL_CFLAGS = $(shell $(PKG_CONFIG) --cflags libcurl)
CURL_LIBS = $(shell $(PKG_CONFIG) --libs libcurl)
CRYPTO_LIBS = $(shell $(PKG_CONFIG) --libs libcrypto)
ARCHIVE_CFLAGS = $(shell $(PKG_CONFIG) --cflags libarchive)
ARCHIVE_LIBS = $(shell $(PKG_CONFIG) --libs libarchive)
ISAL_LIBS = $(shell $(PKG_CONFIG) --libs libisal)
IMAGE_LIBS = $(CURL_LIBS) $(CRYPTO_LIBS) $(ARCHIVE_LIBS) $(ISAL_LIBS) $(JSONC_LIBS)

# The layers, lowest first (doc/architecture.md): lib/<layer>, and cli/ on
# top. Each is a static archive; a layer may use only the layers below it
# that LAYER_USES names, and the libraries LAYER_LIBS names. The build links
# each archive whole against exactly those (the `layers` target, part of
# `all`), so a call upward or sideways fails it.
.DEFAULT_GOAL := all
LAYERS := basic config shared image pve lsm netlink net port ocihooks hook cli
layer_dir = $(if $(filter cli,$(1)),cli,lib/$(1))
LAYER_USES_basic :=
LAYER_USES_config := basic
LAYER_USES_image := shared basic
LAYER_USES_shared := basic
LAYER_USES_pve := shared basic
LAYER_USES_lsm := shared config basic
LAYER_USES_netlink := shared basic
LAYER_USES_net := netlink shared config basic
LAYER_USES_port := netlink shared config basic
LAYER_USES_ocihooks := lsm shared config basic
LAYER_USES_hook := lsm pve shared config basic
LAYER_USES_cli := hook ocihooks port net netlink lsm pve shared image config basic
LAYER_LIBS_basic :=
LAYER_LIBS_config :=
LAYER_LIBS_image = $(IMAGE_LIBS)
LAYER_LIBS_shared = $(JSONC_LIBS)
LAYER_LIBS_pve = $(JSONC_LIBS)
LAYER_LIBS_lsm = $(SECCOMP_LIBS) $(SELINUX_LIBS) $(JSONC_LIBS)
LAYER_LIBS_netlink = $(NL_LIBS) $(JSONC_LIBS)
LAYER_LIBS_net = $(NL_LIBS) $(JSONC_LIBS)
LAYER_LIBS_port = $(NFT_LIBS) $(NLNF_LIBS) $(NL_LIBS) $(JSONC_LIBS)
LAYER_LIBS_ocihooks = $(PAM_LIBS) $(SECCOMP_LIBS) $(SELINUX_LIBS) $(JSONC_LIBS)
LAYER_LIBS_hook = $(SECCOMP_LIBS) $(SELINUX_LIBS) $(JSONC_LIBS)
LAYER_LIBS_cli = $(NFT_LIBS) $(NLNF_LIBS) $(NL_LIBS) $(PAM_LIBS) $(SECCOMP_LIBS) $(SELINUX_LIBS) \
	$(IMAGE_LIBS) $(JSONC_LIBS)
# The sources of a layer (cli/lxcri.c is the program, not the archive).
layer_srcs = $(filter-out cli/lxcri.c,$(sort $(wildcard $(call layer_dir,$(1))/*.c)))
# The archives of layers $(1) under build dir $(2), in link order (the list's).
archives = $(foreach l,$(1),$(2)/lib$(l).a)
LIB_SRCS := $(foreach l,$(LAYERS),$(call layer_srcs,$(l)))
ALL_LAYERS_TOP_DOWN := cli hook ocihooks port net netlink lsm pve image shared config basic
LIBS_ALL = $(LAYER_LIBS_cli)

# An archive is made again when a file of its folder comes or goes (the
# folder's mtime), so that no object of a moved file stays in it.
define layer_rules
$(BUILD)/lib$(1).a: $(patsubst %.c,$(BUILD)/%.o,$(call layer_srcs,$(1))) $(call layer_dir,$(1))
	rm -f $$@ && ar rcs $$@ $$(filter %.o,$$^)
$(BUILD)/asan/lib$(1).a: $(patsubst %.c,$(BUILD)/asan/%.o,$(call layer_srcs,$(1))) $(call layer_dir,$(1))
	rm -f $$@ && ar rcs $$@ $$(filter %.o,$$^)
$(BUILD)/fuzzlib/lib$(1).a: $(patsubst %.c,$(BUILD)/fuzzlib/%.o,$(call layer_srcs,$(1))) $(call layer_dir,$(1))
	rm -f $$@ && ar rcs $$@ $$(filter %.o,$$^)
# Every object of the layer, linked with only what the layer may use.
$(BUILD)/layers/$(1): $(BUILD)/layers/main.o $(call archives,$(1) $(LAYER_USES_$(1)),$(BUILD))
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $(BUILD)/layers/main.o -Wl,--whole-archive $(BUILD)/lib$(1).a \
		-Wl,--no-whole-archive $(call archives,$(LAYER_USES_$(1)),$(BUILD)) $$(LAYER_LIBS_$(1))
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rules,$(l))))

LAYER_CHECKS := $(LAYERS:%=$(BUILD)/layers/%)
$(BUILD)/layers/main.o:
	@mkdir -p $(dir $@)
	printf 'int main(void)\n{\n\treturn 0;\n}\n' | $(CC) $(ALL_CFLAGS) -x c -c -o $@ -
layers: $(LAYER_CHECKS)

UNIT_SRCS := $(sort $(wildcard tests/unit/check_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60

# lxcri-hook is the fast path every container runs: libc only.
PROGRAMS := $(BUILD)/lxcri-hook $(BUILD)/lxcri-guard $(BUILD)/lxcri-lifecycle $(BUILD)/lxcri-net $(BUILD)/lxcri-portfwd \
	$(BUILD)/lxcri-ocihooks $(BUILD)/lxcri-apparmor $(BUILD)/lxcri $(BUILD)/lxcri-init
PROGRAMS += $(BUILD)/lxcri-selinux
GENERATED := $(BUILD)/50-lxcri.conf
# The SELinux policy module, built with Debian's selinux-policy-dev.
SELINUX_DEVEL_MAKEFILE ?= /usr/share/selinux/devel/Makefile
SELINUX_POLICY := $(BUILD)/selinux/lxcri.pp
MANPAGES := $(wildcard man/*.[158])
# Profiles of our programs and lxcri-default, loaded at boot from /etc/apparmor.d;
# lxcri-default and the template of generated profiles also in /usr/share/lxcri/apparmor.
APPARMOR_PROFILES := $(filter-out %.md %.template,$(wildcard apparmor/*))

.PHONY: all install install-selinux check unit integration demo deb bench fuzz clean deps format lint \
	layers

all: $(PROGRAMS) $(GENERATED) $(LAYER_CHECKS)
# The policy module where Debian's policy tools are installed (selinux-policy-dev).
ifneq ($(wildcard $(SELINUX_DEVEL_MAKEFILE)),)
all: $(SELINUX_POLICY)
endif

# Each object depends on the headers it includes (-MMD), read back below.
# DEPS_STAMP is newer than any object of a build dir made before objects
# had their .d files: those are all built again, once.
DEPS_STAMP := $(BUILD)/.mmd
$(DEPS_STAMP):
	@mkdir -p $(dir $@) && touch $@

$(BUILD)/%.o: %.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/asan/%.o: %.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SANITIZE) $(CHECK_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# The fast path every container runs: lib/basic only, and so libc only.
$(BUILD)/lxcri-hook: $(BUILD)/hooks/lxcri-hook.o $(call archives,basic,$(BUILD))
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# PID 1 of a container made from an image: static (the image may have no
# libc, or another one), lib/basic only.
$(BUILD)/lxcri-init: $(BUILD)/helpers/lxcri-init.o $(call archives,basic,$(BUILD))
	$(CC) -static -Wl,-z,relro,-z,now $(LDFLAGS) -o $@ $^

# The guard PVE runs from a container's raw keys: libc only too.
$(BUILD)/lxcri-guard: $(BUILD)/hooks/lxcri-guard.o $(call archives,pve basic,$(BUILD))
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# It validates every key without libnl or libnftables.
$(BUILD)/lxcri-lifecycle: $(BUILD)/hooks/lxcri-lifecycle.o $(call archives,hook lsm pve shared config basic,$(BUILD))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(JSONC_LIBS)

$(BUILD)/lxcri-net: $(BUILD)/helpers/lxcri-net.o $(call archives,hook net netlink lsm pve shared config basic,$(BUILD))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(NL_LIBS) $(JSONC_LIBS)

$(BUILD)/lxcri-portfwd: $(BUILD)/helpers/lxcri-portfwd.o $(call archives,hook port netlink lsm pve shared config basic,$(BUILD))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(NFT_LIBS) $(NLNF_LIBS) $(NL_LIBS) $(JSONC_LIBS)

$(BUILD)/lxcri-ocihooks: $(BUILD)/helpers/lxcri-ocihooks.o $(call archives,hook ocihooks lsm pve shared config basic,$(BUILD))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PAM_LIBS) $(JSONC_LIBS)

$(BUILD)/lxcri-apparmor: $(BUILD)/helpers/lxcri-apparmor.o $(call archives,hook lsm pve shared config basic,$(BUILD))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(JSONC_LIBS)

$(BUILD)/lxcri: $(BUILD)/cli/lxcri.o $(call archives,$(ALL_LAYERS_TOP_DOWN),$(BUILD))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_ALL)

$(BUILD)/lxcri-selinux: $(BUILD)/helpers/lxcri-selinux.o $(call archives,hook lsm pve shared config basic,$(BUILD))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(SELINUX_LIBS) $(JSONC_LIBS)

# In a copy under BUILD: the policy Makefile writes next to its sources. It
# gets none of our make variables (PREFIX, SBINDIR mean other things there).
$(SELINUX_POLICY): selinux/lxcri.te selinux/lxcri.fc selinux/lxcri.if
	@mkdir -p $(dir $@)
	cp $^ $(dir $@)
	cd $(dir $@) && env -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES \
		$(MAKE) -f $(SELINUX_DEVEL_MAKEFILE) lxcri.pp

$(BUILD)/50-lxcri.conf: hooks/50-lxcri.conf.in
	@mkdir -p $(dir $@)
	sed 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' $< > $@

LIB_ASAN := $(call archives,$(ALL_LAYERS_TOP_DOWN),$(BUILD)/asan)
$(BUILD)/tests/check_%: tests/unit/check_%.c $(DEPS_STAMP) $(LIB_ASAN)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SANITIZE) $(CHECK_CFLAGS) -Wno-format-truncation -MMD -MP -o $@ $< $(LIB_ASAN) \
		$(CHECK_LIBS) $(LIBS_ALL)

TEST_TOOLS := $(BUILD)/tests/logsink $(BUILD)/tests/udptool $(BUILD)/tests/syscalltool \
	$(BUILD)/tests/hostilehook $(BUILD)/tests/pmxcfs-sim $(BUILD)/tests/tokenserver \
	$(BUILD)/tests/maketar

$(BUILD)/tests/logsink: tests/integration/logsink.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

# The pmxcfs-like filesystem the PVE tests mount (tests/pmxcfs/pmxcfs-sim.c).
$(BUILD)/tests/pmxcfs-sim: tests/pmxcfs/pmxcfs-sim.c lib/basic/cleanup.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(FUSE_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(FUSE_LIBS)

# The image tests' registry: its Bearer token server, and the writer of
# layer tars that no image builder would write (the hostile images).
$(BUILD)/tests/tokenserver: tests/integration/tokenserver.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(CRYPTO_LIBS) $(JSONC_LIBS)

$(BUILD)/tests/maketar: tests/integration/maketar.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(ARCHIVE_LIBS)

# Static: they run inside busybox containers, which have no libc.
$(BUILD)/tests/udptool $(BUILD)/tests/syscalltool $(BUILD)/tests/hostilehook: $(BUILD)/tests/%: tests/integration/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

unit: $(UNIT_BINS) $(PROGRAMS) $(GENERATED)
	BUILD=$(BUILD) tests/run-suites unit

integration: all $(TEST_TOOLS)
	BUILD=$(BUILD) tests/run-suites integration

check: deps
	$(MAKE) WERROR=-Werror all $(UNIT_BINS) $(TEST_TOOLS) $(FUZZ_BINS)
	BUILD=$(BUILD) tests/run-suites all

demo: deps
	$(MAKE) all $(TEST_TOOLS)
	BUILD=$(BUILD) tests/demo

install: all
	install -d $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SBINDIR) \
		$(DESTDIR)$(LXC_CONFIG_DIR)/common.conf.d $(DESTDIR)$(SYSCONFDIR)/pam.d \
		$(DESTDIR)$(SYSCONFDIR)/lxcri/containers $(DESTDIR)$(SYSCONFDIR)/apparmor.d \
		$(DESTDIR)$(DATADIR)/lxcri/apparmor \
		$(DESTDIR)$(DATADIR)/bash-completion/completions \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BUILD)/lxcri-hook $(BUILD)/lxcri-guard $(BUILD)/lxcri-lifecycle $(BUILD)/lxcri-net \
		$(BUILD)/lxcri-portfwd $(BUILD)/lxcri-ocihooks $(BUILD)/lxcri-apparmor \
		$(BUILD)/lxcri-init $(DESTDIR)$(LIBEXECDIR)/
	install -m 0755 $(BUILD)/lxcri $(DESTDIR)$(SBINDIR)/
	# The hooks run lxcri (metrics) as a program of the libexec dir, as in the build tree.
	ln -sf ../../sbin/lxcri $(DESTDIR)$(LIBEXECDIR)/lxcri
	install -m 0644 $(BUILD)/50-lxcri.conf $(DESTDIR)$(LXC_CONFIG_DIR)/common.conf.d/
	install -m 0644 hooks/pam.d/lxcri-hook $(DESTDIR)$(SYSCONFDIR)/pam.d/lxcri-hook
	install -m 0644 hooks/lxcri.conf $(DESTDIR)$(SYSCONFDIR)/lxcri/lxcri.conf
	install -m 0644 $(APPARMOR_PROFILES) $(DESTDIR)$(SYSCONFDIR)/apparmor.d/
	install -m 0644 apparmor/lxcri-default apparmor/lxcri-container.template \
		$(DESTDIR)$(DATADIR)/lxcri/apparmor/
	install -m 0644 cli/lxcri.bash-completion \
		$(DESTDIR)$(DATADIR)/bash-completion/completions/lxcri
	for m in $(MANPAGES); do \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/; done

# Where Debian keeps third-party policy packages and the interfaces that
# other modules build against (the layers of selinux-policy-dev).
install: install-selinux
# Without selinux-policy-dev the module is not built, and so not installed
# (the Debian package build-depends on it: it always has the module).
SELINUX_POLICY_BUILT = $(if $(wildcard $(SELINUX_DEVEL_MAKEFILE)),$(SELINUX_POLICY))
install-selinux: $(BUILD)/lxcri-selinux $(SELINUX_POLICY_BUILT)
	install -d $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR)/selinux/packages \
		$(DESTDIR)$(DATADIR)/selinux/devel/include/services
	install -m 0755 $(BUILD)/lxcri-selinux $(DESTDIR)$(LIBEXECDIR)/
	$(if $(SELINUX_POLICY_BUILT),install -m 0644 $(SELINUX_POLICY) \
		$(DESTDIR)$(DATADIR)/selinux/packages/lxcri.pp,@echo "no $(SELINUX_DEVEL_MAKEFILE): the SELinux policy module is not installed")
	install -m 0644 selinux/lxcri.if $(DESTDIR)$(DATADIR)/selinux/devel/include/services/lxcri.if

deb:
	tests/build-deb $(BUILD)

bench: all
	BUILD=$(BUILD) bench/run

# lib/ built once for every fuzz target (clang, instrumented for libFuzzer
# and the sanitizers), with the warnings of every other build.
FUZZ_CFLAGS = -std=gnu11 -g -O1 $(BASE_CPPFLAGS) $(WARNINGS) $(JSONC_CFLAGS) $(NL_CFLAGS) $(NFT_CFLAGS) \
	$(CURL_CFLAGS) $(ARCHIVE_CFLAGS)
LIB_FUZZ := $(call archives,$(ALL_LAYERS_TOP_DOWN),$(BUILD)/fuzzlib)

$(BUILD)/fuzzlib/%.o: %.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c -o $@ $<

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(DEPS_STAMP) $(LIB_FUZZ)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -MMD -MP -o $@ $< $(LIB_FUZZ) \
		$(LIBS_ALL)

fuzz: $(FUZZ_BINS)
	BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run

deps:
	tests/install-deps

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

lint:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
