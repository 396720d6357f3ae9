# rpt -- signed bulletin archives. `make` builds into build/; see README.md.
# Plain `make` warns but never fails on warnings; `make test` adds -Werror.

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
VERSION := 1.0.0
SOVERSION := 1

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE $(WARN) $(EXTRA_CFLAGS)
CPPFLAGS += -Iinclude -Ilibarchive_rpt -DRPT_VERSION=\"$(VERSION)\"
LIBS := -lsodium -lz -lpthread

B ?= build
LIB_SRC := $(sort $(wildcard libarchive_rpt/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
LIB_PIC := $(LIB_SRC:%.c=$(B)/pic/%.o)
FE_SRC := $(sort $(filter-out tools/rpt-%.c,$(wildcard tools/*.c)))
FE_OBJ := $(FE_SRC:%.c=$(B)/obj/%.o)
TOOL_SRC := $(sort $(wildcard tools/rpt-*.c))
TOOLS := $(TOOL_SRC:tools/%.c=$(B)/bin/%)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNITS := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
HELPER_SRC := $(sort $(wildcard tests/tools/*.c))
HELPERS := $(HELPER_SRC:tests/tools/%.c=$(B)/tests/%)

.PHONY: all lib tools check-deps test test-unit test-cli test-asan test-vectors \
        test-fault bench demo install clean fuzz

.SECONDARY: $(FE_OBJ) $(LIB_OBJ)

all: check-deps lib tools $(HELPERS)

check-deps:
	@sh tests/deps.sh build

lib: $(B)/lib/libarchive_rpt.a $(B)/lib/libarchive_rpt.so.$(SOVERSION)
tools: $(TOOLS)

$(B)/obj/%.o: %.c $(wildcard include/*.h libarchive_rpt/*.h tools/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fvisibility=hidden -c $< -o $@

$(B)/pic/%.o: %.c $(wildcard include/*.h libarchive_rpt/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

$(B)/lib/libarchive_rpt.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/lib/libarchive_rpt.so.$(SOVERSION): $(LIB_PIC)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -Wl,-soname,libarchive_rpt.so.$(SOVERSION) -o $@ $^ $(LIBS)
	ln -sf libarchive_rpt.so.$(SOVERSION) $(B)/lib/libarchive_rpt.so

$(B)/bin/%: tools/%.c $(FE_OBJ) $(B)/lib/libarchive_rpt.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itools -o $@ $< $(FE_OBJ) $(B)/lib/libarchive_rpt.a $(LIBS)

# Unit tests see the library's internals: they link the objects directly.
$(B)/tests/%: tests/unit/%.c tests/unit/testlib.h $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/unit -o $@ $< $(LIB_OBJ) $(LIBS)

$(B)/tests/%: tests/tools/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LIB_OBJ) $(LIBS)

# ---------------------------------------------------------------- tests
test:
	@sh tests/deps.sh test
	$(MAKE) EXTRA_CFLAGS=-Werror all $(UNITS)
	$(MAKE) EXTRA_CFLAGS=-Werror test-unit test-vectors test-cli
	$(MAKE) test-asan
	@echo "make test: all passed"

test-unit: $(UNITS) $(B)/tests/fault_run
	@sh tests/run-unit.sh $(B) $(UNITS) $(B)/tests/fault_run

# Faults on purpose: every allocation and I/O call of pack, append, verify,
# list, extract and key saving fails in turn (tests/fault/). The library's
# calls reach the shim through the linker's --wrap; test-unit runs it too,
# so it also runs under ASan and UBSan.
FAULT_WRAP := $(foreach f,malloc calloc realloc strdup free sodium_malloc sodium_free \
        write read pread fsync ftruncate rename link unlink open mkstemp close flock lseek \
        fchmod pthread_create,-Wl,--wrap=$(f))

$(B)/tests/fault_run: tests/fault/fault.c tests/fault/shim.c tests/fault/shim.h \
        tests/unit/helpers.h tests/unit/testlib.h $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/unit -o $@ tests/fault/fault.c tests/fault/shim.c \
	    $(LIB_OBJ) $(LIBS) $(FAULT_WRAP)

test-fault: $(B)/tests/fault_run
	@$(B)/tests/fault_run

test-vectors: all $(B)/tests/fuzz_regress
	@sh tests/conformance/run.sh $(B)
	@$(B)/tests/fuzz_regress format/vectors/*.rpt $(wildcard tests/fuzz/crashers/*)

# The fuzz harness, replayed on the vectors and on every saved crasher.
$(B)/tests/fuzz_regress: tests/fuzz/fuzz_reader.c tests/fuzz/regress.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ tests/fuzz/fuzz_reader.c tests/fuzz/regress.c $(LIB_OBJ) $(LIBS)

test-cli: all
	@RPT_BIN=$(CURDIR)/$(B)/bin bats tests/cli

# The whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan:
	$(MAKE) B=build/asan CC=clang EXTRA_CFLAGS="-Werror -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	    all $(UNITS:$(B)/%=build/asan/%)
	ASAN_OPTIONS=detect_leaks=1:exitcode=99 UBSAN_OPTIONS=print_stacktrace=1 \
	    $(MAKE) B=build/asan CC=clang EXTRA_CFLAGS="-Werror -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	    test-unit test-vectors test-cli

fuzz:
	@sh tests/fuzz/run.sh

bench: all
	@sh tests/bench/run.sh

demo: all
	@sh tests/demo.sh $(B)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	    $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(B)/lib/libarchive_rpt.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(B)/lib/libarchive_rpt.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libarchive_rpt.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/libarchive_rpt.so
	install -m 644 include/archive_rpt.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/

clean:
	rm -rf build
