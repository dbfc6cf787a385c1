# tests/: unit tests of hosted code, guest test programs, integration tests.

# --- Unit tests -------------------------------------------------------------
# Test files are tests/unit/test_*.c; the hosted code they test is listed by
# the other fragments in UNIT_CODE_SRCS. Built twice: plain and ASan/UBSan.
UNIT_TEST_SRCS := tests/unit/main.c $(wildcard tests/unit/test_*.c)
UNIT_ALL_SRCS  := $(UNIT_TEST_SRCS) $(UNIT_CODE_SRCS)

$(BUILD)/unit-tests: $(UNIT_ALL_SRCS) $(wildcard tests/unit/*.h include/umbra/*.h vmm/*.h guest/include/*.h) | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -Ivmm -Itests/unit -o $@ $(UNIT_ALL_SRCS) $(FDT_LIB) -lpthread

$(BUILD)/unit-tests-asan: $(UNIT_ALL_SRCS) $(wildcard tests/unit/*.h include/umbra/*.h vmm/*.h guest/include/*.h) | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -O1 $(SAN_FLAGS) -Ivmm -Itests/unit -o $@ $(UNIT_ALL_SRCS) $(FDT_LIB) -lpthread

ALL_TARGETS += $(BUILD)/unit-tests $(BUILD)/unit-tests-asan

unit-test: $(BUILD)/unit-tests $(BUILD)/unit-tests-asan
	@echo "== unit tests"
	$(BUILD)/unit-tests
	@echo "== unit tests (ASan/UBSan)"
	$(BUILD)/unit-tests-asan

# --- Guest test programs ----------------------------------------------------
# Static musl programs; each also runs natively on the host (the oracle).
MUSL_CC        := musl-gcc
GUEST_PROG_SRCS := $(wildcard tests/guest/*.c)
GUEST_PROGS    := $(patsubst tests/guest/%.c,$(BUILD)/tests/guest/%,$(GUEST_PROG_SRCS))

$(BUILD)/tests/guest/%: tests/guest/%.c | $(DEPS)
	@mkdir -p $(@D)
	$(MUSL_CC) -static -O2 -Wall -Wextra -Werror -o $@ $<

# The default guest initrd: /init plus every test program under /bin.
$(BUILD)/initrd.cpio: $(GUEST_PROGS) tools/mkinitrd.sh | $(DEPS)
	tools/mkinitrd.sh $@ $(BUILD)/tests/guest/hello $(GUEST_PROGS)

ALL_TARGETS += $(GUEST_PROGS) $(BUILD)/initrd.cpio

# --- Integration tests ------------------------------------------------------
# Boot the guest under the VMM (nested in QEMU where there is no /dev/kvm).
integration-test: build-all
	@echo "== integration tests"
	tests/integration/run.sh $(BUILD)

# Makes malformed kernel images for the bad-input tests.
$(BUILD)/tests/elf_mutate: tests/integration/elf_mutate.c | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -o $@ $<
ALL_TARGETS += $(BUILD)/tests/elf_mutate
