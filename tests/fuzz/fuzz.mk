# tests/fuzz/: libFuzzer targets of the code that reads what a guest, a
# file or a control client hands the VMM (docs/reliability.md). Built with
# clang, ASan and UBSan; `make test` replays every seed and regression
# input and fuzzes each target for FUZZ_TIME seconds (fixed seed: the same
# run everywhere); `make fuzz` fuzzes longer with a random seed.
FUZZ_CC     := clang
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Iinclude -Ivmm -D_GNU_SOURCE \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_DIR    := $(BUILD)/fuzz
FUZZ_TARGETS := hypercall walker image cpio control
FUZZ_TIME   ?= 20

# The code each target links (the code under test and what it needs).
FUZZ_SRCS_hypercall := vmm/hypercall.c vmm/shadow_kick.c vmm/shadow_poll.c vmm/hc_stats.c vmm/stats.c vmm/guest_mem.c $(SHADOW_SRCS)
FUZZ_SRCS_walker    := shadow/walker.c shadow/ept_walk.c tests/walker/ref_model.c tests/walker/ref_ept.c
FUZZ_SRCS_image     := vmm/pc_image.c vmm/bzimage.c vmm/multiboot.c vmm/elf_load.c vmm/boot.c \
	vmm/e820.c vmm/guest_mem.c shadow/fault_inject.c
FUZZ_SRCS_cpio      := guest/fs/cpio.c
FUZZ_SRCS_control   := vmm/control_proto.c vmm/json.c

FUZZ_HDRS := $(wildcard tests/fuzz/*.h tests/unit/*.h tests/walker/*.h include/umbra/*.h \
	vmm/*.h shadow/*.h guest/include/cpio.h)

define FUZZ_TARGET_RULE
$(FUZZ_DIR)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $$(FUZZ_SRCS_$(1)) $(FUZZ_HDRS) | $(DEPS)
	@mkdir -p $$(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $$@ $$< $$(FUZZ_SRCS_$(1)) -lpthread
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_TARGET_RULE,$(t))))

FUZZ_BINS := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_TARGETS))
ALL_TARGETS += $(FUZZ_BINS)

.PHONY: fuzz-test fuzz
fuzz-test: $(FUZZ_BINS)
	@echo "== fuzz targets ($(FUZZ_TIME) s each)"
	tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_TIME) 1 $(FUZZ_TARGETS)
EXTRA_TESTS += fuzz-test

# make fuzz FUZZ_TIME=600 [FUZZ_ONLY=hypercall]: a longer campaign, random
# seed; new inputs are kept in build/fuzz/work/TARGET.
fuzz: $(FUZZ_BINS)
	tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_TIME) 0 $(or $(FUZZ_ONLY),$(FUZZ_TARGETS))
