# SPDX-License-Identifier: ISC
# rpt -- signed bulletin archives. `make` builds into build/; see README.md.
# Plain `make` warns but never fails on warnings; `make test` adds -Werror.
#
# The usual variables add to what the build needs, never replace it:
# CFLAGS, CPPFLAGS and LDFLAGS are the user's (default CFLAGS -O2 -g); the
# flags rpt cannot build without live in RPT_* variables. Installation
# honours PREFIX, DESTDIR, BINDIR, LIBDIR, INCLUDEDIR, MANDIR, PKGCONFIGDIR,
# BASHCOMPDIR, ZSHCOMPDIR and MAGICDIR (format/rpt.magic, for `file -m`);
# tools come from CC, AR, OBJCOPY and PKG_CONFIG.
# Only `make demo`, `make test` and `make bench` install missing Debian
# packages (tests/deps.sh); `make` and `make install` never run apt-get.

PREFIX ?= /usr/local
EXEC_PREFIX ?= $(PREFIX)
BINDIR ?= $(EXEC_PREFIX)/bin
LIBDIR ?= $(EXEC_PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATAROOTDIR ?= $(PREFIX)/share
MANDIR ?= $(DATAROOTDIR)/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR ?= $(DATAROOTDIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATAROOTDIR)/zsh/site-functions
MAGICDIR ?= $(DATAROOTDIR)/rpt
DESTDIR ?=

CC ?= cc
AR ?= ar
OBJCOPY ?= objcopy
PKG_CONFIG ?= pkg-config
INSTALL ?= install

# The version has one home, the public header.
VERSION := $(shell sed -n 's/^\#define RPT_VERSION_STRING "\(.*\)"/\1/p' include/archive_rpt.h)
SOVERSION := $(firstword $(subst ., ,$(VERSION)))

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
RPT_CPPFLAGS := -Iinclude -Ilibarchive_rpt -D_GNU_SOURCE
RPT_CFLAGS := -std=c11 $(WARN)
# Recursive (=), so pkg-config runs only once a target needs the flags:
# by then `make test` has installed the packages.
DEP_CFLAGS = $(shell $(PKG_CONFIG) --cflags libsodium zlib)
DEP_LIBS = $(shell $(PKG_CONFIG) --libs libsodium zlib)
LIBS = $(DEP_LIBS) -lpthread

# EXTRA_CFLAGS is the test targets' own (-Werror, sanitizers).
COMPILE = $(CC) $(RPT_CPPFLAGS) $(DEP_CFLAGS) $(CPPFLAGS) $(RPT_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
LINK = $(CC) $(RPT_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS)

B ?= build
# Every symbol the shared library uses must come from its own libraries;
# the sanitizer build leaves its runtime to the executable, so it turns
# this off.
SHLIB_NO_UNDEFINED ?= -Wl,--no-undefined
LIB_SRC := $(sort $(wildcard libarchive_rpt/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
LIB_PIC := $(LIB_SRC:%.c=$(B)/pic/%.o)
LIB_MAP := libarchive_rpt/libarchive_rpt.map
SHLIB := libarchive_rpt.so.$(VERSION)
FE_SRC := $(sort $(filter-out tools/rpt-%.c,$(wildcard tools/*.c)))
FE_OBJ := $(FE_SRC:%.c=$(B)/obj/%.o)
TOOL_SRC := $(sort $(wildcard tools/rpt-*.c))
TOOLS := $(TOOL_SRC:tools/%.c=$(B)/bin/%)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNITS := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
HELPER_SRC := $(sort $(wildcard tests/tools/*.c))
HELPERS := $(HELPER_SRC:tests/tools/%.c=$(B)/tests/%)
MAN1 := $(sort $(wildcard man/*.1))
MAN3 := $(sort $(wildcard man/*.3))
MAN5 := $(sort $(wildcard man/*.5))

# libarchive is optional: with it rpt-pack reads tar and zip members
# (--from-archive) and rpt-extract writes them (--tar); without it those
# options say so and exit 2. Its headers are needed to build; the library
# itself is loaded (tools/la.c) only by a run that uses it, so that the
# tools do not pay for loading it, and run where it is missing.
# The file it is loaded from is the soname of the libarchive.so built
# against (libarchive.so.13 when that cannot be read).
HAVE_LIBARCHIVE = $(shell $(PKG_CONFIG) --exists libarchive && echo 1)
LIBARCHIVE_SONAME = $(or $(shell f=$$($(PKG_CONFIG) --variable=libdir libarchive)/libarchive.so; \
    [ -e "$$f" ] || f=$$($(CC) -print-file-name=libarchive.so); \
    readelf -d "$$f" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p'),libarchive.so.13)
ARCHIVE_CFLAGS = $(if $(HAVE_LIBARCHIVE),-DRPT_HAVE_LIBARCHIVE \
    -DRPT_LIBARCHIVE_SONAME='"$(LIBARCHIVE_SONAME)"' $(shell $(PKG_CONFIG) --cflags libarchive))
ARCHIVE_LIBS = $(if $(HAVE_LIBARCHIVE),-ldl)
FE_TESTS := $(B)/tests/test_detect $(B)/tests/test_holdq $(B)/tests/test_inlist $(B)/tests/test_la
$(FE_OBJ): RPT_CPPFLAGS += $(ARCHIVE_CFLAGS)
$(TOOLS) $(FE_TESTS): LIBS += $(ARCHIVE_LIBS)

.PHONY: all lib tools pc test test-unit test-cli test-asan test-vectors test-fault \
        test-install test-abi abi-baseline test-python test-licence bench bench-scale demo install \
        uninstall clean fuzz

.SECONDARY: $(FE_OBJ) $(LIB_OBJ)

all: lib tools pc $(HELPERS)

lib: $(B)/lib/libarchive_rpt.a $(B)/lib/$(SHLIB)
tools: $(TOOLS)
pc: $(B)/lib/libarchive_rpt.pc

$(B)/obj/%.o: %.c $(wildcard include/*.h libarchive_rpt/*.h tools/*.h)
	@mkdir -p $(dir $@)
	$(COMPILE) -fvisibility=hidden -c $< -o $@

$(B)/pic/%.o: %.c $(wildcard include/*.h libarchive_rpt/*.h)
	@mkdir -p $(dir $@)
	$(COMPILE) -fPIC -fvisibility=hidden -c $< -o $@

# One relocatable object whose hidden symbols are made local: the static
# archive then exports the public rpt_* API and nothing else, as the
# shared library does through its version script.
$(B)/lib/libarchive_rpt.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -r -nostdlib -o $(B)/obj/libarchive_rpt.o $^
	$(OBJCOPY) --localize-hidden $(B)/obj/libarchive_rpt.o
	rm -f $@ && $(AR) rcs $@ $(B)/obj/libarchive_rpt.o

$(B)/lib/$(SHLIB): $(LIB_PIC) $(LIB_MAP)
	@mkdir -p $(dir $@)
	$(LINK) -shared -Wl,-soname,libarchive_rpt.so.$(SOVERSION) \
	    -Wl,--version-script=$(LIB_MAP) $(SHLIB_NO_UNDEFINED) -o $@ $(LIB_PIC) $(LIBS)
	ln -sf $(SHLIB) $(B)/lib/libarchive_rpt.so.$(SOVERSION)
	ln -sf libarchive_rpt.so.$(SOVERSION) $(B)/lib/libarchive_rpt.so

$(B)/lib/libarchive_rpt.pc: libarchive_rpt/libarchive_rpt.pc.in include/archive_rpt.h Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

$(B)/bin/%: tools/%.c $(FE_OBJ) $(B)/lib/libarchive_rpt.a
	@mkdir -p $(dir $@)
	$(COMPILE) $(ARCHIVE_CFLAGS) -Itools $(LDFLAGS) -o $@ $< $(FE_OBJ) $(B)/lib/libarchive_rpt.a \
	    $(LIBS)

# Unit tests see the library's internals: they link the objects directly.
$(B)/tests/%: tests/unit/%.c tests/unit/testlib.h $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(COMPILE) -Itests/unit $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LIBS)

# rpt-pack's content detection (tools/detect.c), list of inputs
# (tools/inlist.c), held records (tools/holdq.c) and libarchive loading
# (tools/la.c) tested on their own.
$(FE_TESTS): $(B)/tests/%: tests/unit/%.c tests/unit/testlib.h $(FE_OBJ) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(COMPILE) $(ARCHIVE_CFLAGS) -Itests/unit -Itools $(LDFLAGS) -o $@ $< $(FE_OBJ) $(LIB_OBJ) $(LIBS)

$(B)/tests/%: tests/tools/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(COMPILE) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LIBS)

# ---------------------------------------------------------------- tests
test:
	@sh tests/deps.sh test
	$(MAKE) EXTRA_CFLAGS=-Werror all $(UNITS)
	$(MAKE) EXTRA_CFLAGS=-Werror test-unit test-vectors test-cli test-install test-abi test-python test-licence
	$(MAKE) test-asan
	@echo "make test: all passed"

test-unit: $(UNITS) $(B)/tests/fault_run
	@sh tests/run-unit.sh $(B) $(UNITS) $(B)/tests/fault_run

# Faults on purpose: every allocation and I/O call of pack, append, verify,
# list, extract and key saving fails in turn (tests/fault/). The library's
# calls reach the shim through the linker's --wrap; test-unit runs it too,
# so it also runs under ASan and UBSan.
FAULT_WRAP := $(foreach f,malloc calloc realloc strdup free sodium_malloc sodium_free \
        write pwrite read pread fsync ftruncate rename link linkat unlink open mkstemp close flock lseek \
        fchmod pthread_create,-Wl,--wrap=$(f))

$(B)/tests/fault_run: tests/fault/fault.c tests/fault/shim.c tests/fault/shim.h \
        tests/unit/helpers.h tests/unit/testlib.h $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(COMPILE) -Itests/unit $(LDFLAGS) -o $@ tests/fault/fault.c tests/fault/shim.c \
	    $(LIB_OBJ) $(LIBS) $(FAULT_WRAP)

test-fault: $(B)/tests/fault_run
	@$(B)/tests/fault_run

test-vectors: all $(B)/tests/fuzz_regress
	@sh tests/conformance/run.sh $(B)
	@$(B)/tests/fuzz_regress format/vectors/*.rpt $(wildcard tests/fuzz/crashers/*)

# The fuzz harness, replayed on the vectors and on every saved crasher.
$(B)/tests/fuzz_regress: tests/fuzz/fuzz_reader.c tests/fuzz/regress.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(COMPILE) $(LDFLAGS) -o $@ tests/fuzz/fuzz_reader.c tests/fuzz/regress.c $(LIB_OBJ) $(LIBS)

test-cli: all
	@RPT_BIN=$(CURDIR)/$(B)/bin bats tests/cli

# Install into a staging directory, build examples/ against it through
# pkg-config (shared and static), run them, check the exported symbols,
# then uninstall and check that nothing is left.
test-install: all
	@sh tests/install.sh $(B)

# The ABI against the committed baseline (abi/): an incompatible change
# fails. After a deliberate, compatible addition: make abi-baseline.
test-abi: lib
	@sh tests/abi.sh check $(B)/lib/$(SHLIB)

abi-baseline: lib
	@sh tests/abi.sh update $(B)/lib/$(SHLIB)

test-licence:
	@sh tests/licence.sh

test-python: lib tools
	@sh tests/python.sh $(B)

# The whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer.
ASAN_FLAGS := -Werror -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
test-asan:
	$(MAKE) B=build/asan CC=clang EXTRA_CFLAGS="$(ASAN_FLAGS)" SHLIB_NO_UNDEFINED= all $(UNITS:$(B)/%=build/asan/%)
	ASAN_OPTIONS=detect_leaks=1:exitcode=99 UBSAN_OPTIONS=print_stacktrace=1 \
	    $(MAKE) B=build/asan CC=clang EXTRA_CFLAGS="$(ASAN_FLAGS)" SHLIB_NO_UNDEFINED= test-unit test-vectors test-cli

fuzz:
	@sh tests/fuzz/run.sh

bench:
	@sh tests/deps.sh bench
	$(MAKE) all
	@sh tests/bench/run.sh

# make passes no --scale through, so the run at 10^4, 10^5 and 10^6
# generated bulletins (time and peak memory of every tool) is a target
# of its own: half an hour or more, and several GB of disk.
bench-scale:
	@sh tests/deps.sh bench
	$(MAKE) all
	@sh tests/bench/run.sh --scale

demo:
	@sh tests/deps.sh build
	$(MAKE) all
	@sh tests/demo.sh $(B)

# ---------------------------------------------------------------- install
install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
	    $(DESTDIR)$(MAGICDIR)
	$(INSTALL) -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 644 $(B)/lib/libarchive_rpt.a $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 755 $(B)/lib/$(SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf $(SHLIB) $(DESTDIR)$(LIBDIR)/libarchive_rpt.so.$(SOVERSION)
	ln -sf libarchive_rpt.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libarchive_rpt.so
	$(INSTALL) -m 644 include/archive_rpt.h $(DESTDIR)$(INCLUDEDIR)/
	@# written here, not copied from $(B): PREFIX and LIBDIR are install's
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    libarchive_rpt/libarchive_rpt.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/libarchive_rpt.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/libarchive_rpt.pc
	$(INSTALL) -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	$(if $(MAN3),$(INSTALL) -m 644 $(MAN3) $(DESTDIR)$(MANDIR)/man3/)
	$(if $(MAN5),$(INSTALL) -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/)
	@sh tests/manlinks.sh install $(DESTDIR)$(MANDIR)/man3 $(MAN3)
	@if [ -f completions/bash/rpt ]; then \
	    $(INSTALL) -m 644 completions/bash/rpt $(DESTDIR)$(BASHCOMPDIR)/rpt && \
	    for t in $(TOOLS:$(B)/bin/%=%); do ln -sf rpt $(DESTDIR)$(BASHCOMPDIR)/$$t; done; fi
	@if [ -f completions/zsh/_rpt ]; then \
	    $(INSTALL) -m 644 completions/zsh/_rpt $(DESTDIR)$(ZSHCOMPDIR)/_rpt; fi
	$(INSTALL) -m 644 format/rpt.magic $(DESTDIR)$(MAGICDIR)/rpt.magic

# Removes what install put there, and the directories it leaves empty.
uninstall:
	rm -f $(TOOLS:$(B)/bin/%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(DESTDIR)$(LIBDIR)/libarchive_rpt.a $(DESTDIR)$(LIBDIR)/$(SHLIB) \
	    $(DESTDIR)$(LIBDIR)/libarchive_rpt.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libarchive_rpt.so
	rm -f $(DESTDIR)$(INCLUDEDIR)/archive_rpt.h $(DESTDIR)$(PKGCONFIGDIR)/libarchive_rpt.pc
	rm -f $(MAN1:man/%=$(DESTDIR)$(MANDIR)/man1/%) $(MAN3:man/%=$(DESTDIR)$(MANDIR)/man3/%) \
	    $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%)
	@sh tests/manlinks.sh uninstall $(DESTDIR)$(MANDIR)/man3 $(MAN3)
	rm -f $(DESTDIR)$(BASHCOMPDIR)/rpt $(TOOLS:$(B)/bin/%=$(DESTDIR)$(BASHCOMPDIR)/%) \
	    $(DESTDIR)$(ZSHCOMPDIR)/_rpt $(DESTDIR)$(MAGICDIR)/rpt.magic
	@if [ -n "$(DESTDIR)" ]; then for d in $(BINDIR) $(PKGCONFIGDIR) $(LIBDIR) \
	    $(INCLUDEDIR) $(MANDIR)/man1 $(MANDIR)/man3 $(MANDIR)/man5 $(BASHCOMPDIR) $(ZSHCOMPDIR) \
	    $(MAGICDIR); do \
	    d="$(DESTDIR)$$d"; while [ "$$d" != "$(DESTDIR)" ] && rmdir "$$d" 2>/dev/null; do d=$${d%/*}; done; \
	    done; fi

clean:
	rm -rf build
