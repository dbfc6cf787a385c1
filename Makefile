# umbra — top-level build. `make` builds everything; `make run` boots the
# default guest image; `make test` runs the whole test suite.
# Each folder contributes a fragment (*/*.mk); outputs go to build/.

BUILD    := build
CACHE    := cache
DEPS     := $(CACHE)/deps.stamp

# Hosted code (VMM, shadow/, tools, unit tests).
HOST_CFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude -D_GNU_SOURCE
SAN_FLAGS    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FDT_LIB      := /usr/lib/x86_64-linux-gnu/libfdt.a

.PHONY: all run test unit-test integration-test clean distclean deps
all: $(DEPS)
	@$(MAKE) --no-print-directory build-all

# The dependency step: installs Debian packages and fetches the nested kernel
# once; the stamp records that it ran.
$(DEPS): tools/deps.sh
	tools/deps.sh $(CACHE)
	@touch $@
deps: $(DEPS)

include vmm/vmm.mk
include guest/guest.mk
include tools/tools.mk
# shadow/ (the MMU core) before tests/: it adds to UNIT_CODE_SRCS.
-include shadow/shadow.mk
-include tests/hwmmu/hwmmu.mk
-include tests/images/images.mk
include tests/tests.mk
include tests/fuzz/fuzz.mk
include tests/bench/bench.mk

# Fragments may add test targets that `make test` runs.
EXTRA_TESTS ?=

.PHONY: build-all
build-all: $(ALL_TARGETS)

# make run PAGING=shadow: the same boot with the VMM's shadow MMU;
# UMBRA_ARGS adds any other `umbra run` options (e.g. --stats, -m 512M).
PAGING ?= tdp
UMBRA_ARGS ?=
# Frames the guest's balloon gives back to the host at boot (the summary
# shows them; docs/host-memory.md).
BALLOON ?= 4096
# The run ends with a dump of the page tables (docs/dump-format.md).
run: $(DEPS)
	@$(MAKE) --no-print-directory build-all
	$(BUILD)/umbra run --paging $(PAGING) $(if $(filter shadow,$(PAGING)),--stats) \
		--dump-on-exit $(BUILD)/last-run.jsonl -p "balloon=$(BALLOON)" $(UMBRA_ARGS) \
		-i $(BUILD)/initrd.cpio $(BUILD)/guest/umbra-guest.elf; rc=$$?; \
	echo "umbra: the page tables at the end are in $(BUILD)/last-run.jsonl; show them with" \
		"$(BUILD)/umbra-dump $(BUILD)/last-run.jsonl (or -f html -o tables.html for a picture)"; \
	exit $$rc

test: $(DEPS)
	@$(MAKE) --no-print-directory build-all
	@$(MAKE) --no-print-directory unit-test $(EXTRA_TESTS) integration-test

clean:
	rm -rf $(BUILD)
distclean: clean
	rm -rf $(CACHE)
