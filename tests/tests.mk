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
# The suite proper is tests/guest/t_*.c: TAP programs sharing
# tests/guest/lib/ and run together by tests/guest/runner.c (see
# docs/guest-tests.md). The other programs serve tests/integration/run.sh.
MUSL_CC         := musl-gcc
GUEST_PROG_KHDRS     := $(BUILD)/tests/guest-khdrs
GUEST_PROG_CFLAGS    := -std=gnu11 -O2 -Wall -Wextra -Werror -Itests/guest/lib -idirafter $(GUEST_PROG_KHDRS)
GUEST_PROG_LIB_SRCS  := $(wildcard tests/guest/lib/*.c)
GUEST_PROG_LIB_HDRS  := $(wildcard tests/guest/lib/*.h)
GUEST_PROG_LIB_OBJS  := $(patsubst tests/guest/lib/%.c,$(BUILD)/tests/guest-lib/%.o,$(GUEST_PROG_LIB_SRCS))
GUEST_PROG_LIB       := $(BUILD)/tests/guest-lib/libsuite.a
GUEST_PROG_SRCS := $(wildcard tests/guest/*.c)
GUEST_PROGS     := $(patsubst tests/guest/%.c,$(BUILD)/tests/guest/%,$(GUEST_PROG_SRCS))

# musl has no <linux/*.h> or <asm/*.h>: a folder of links to the host's
# kernel headers, searched after musl's own (-idirafter).
$(GUEST_PROG_KHDRS)/.stamp: | $(DEPS)
	@mkdir -p $(@D)
	ln -sfn /usr/include/linux $(@D)/linux
	ln -sfn /usr/include/asm-generic $(@D)/asm-generic
	ln -sfn /usr/include/x86_64-linux-gnu/asm $(@D)/asm
	@touch $@

$(BUILD)/tests/guest-lib/%.o: tests/guest/lib/%.c $(GUEST_PROG_LIB_HDRS) | $(GUEST_PROG_KHDRS)/.stamp
	@mkdir -p $(@D)
	$(MUSL_CC) $(GUEST_PROG_CFLAGS) -c -o $@ $<

$(GUEST_PROG_LIB): $(GUEST_PROG_LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/tests/guest/%: tests/guest/%.c $(GUEST_PROG_LIB) $(GUEST_PROG_LIB_HDRS) | $(GUEST_PROG_KHDRS)/.stamp
	@mkdir -p $(@D)
	$(MUSL_CC) -static $(GUEST_PROG_CFLAGS) -o $@ $< $(GUEST_PROG_LIB)

# The default guest initrd: every test program under /bin, and the suite's
# runner also as /init, so the default boot runs the whole suite.
$(BUILD)/initrd.cpio: $(GUEST_PROGS) tools/mkinitrd.sh tests/tests.mk | $(DEPS)
	tools/mkinitrd.sh $@ $(BUILD)/tests/guest/runner $(GUEST_PROGS)

ALL_TARGETS += $(GUEST_PROGS) $(BUILD)/initrd.cpio

# The suite natively: Linux must pass every check (see docs/guest-tests.md).
.PHONY: native-test
native-test: $(GUEST_PROGS)
	@echo "== guest test suite, natively"
	$(BUILD)/tests/guest/runner $(BUILD)/tests/guest
	@if [ "$$(id -u)" = 0 ]; then \
		echo "== guest test suite, natively as uid 65534"; \
		d=$$(mktemp -d) && cp -r $(BUILD)/tests/guest/. "$$d" && chmod -R a+rX "$$d" && \
		(cd / && "$$d/runner" -u 65534 "$$d"); rc=$$?; rm -rf "$$d"; exit $$rc; \
	fi
EXTRA_TESTS += native-test

# The suite under the Debian kernel of nested runs, in QEMU (about 10 s of
# TCG): a second Linux as oracle. Not part of `make test`.
.PHONY: linux-vm-test
linux-vm-test: $(GUEST_PROGS) | $(DEPS)
	@echo "== guest test suite, under $(notdir $(wildcard $(CACHE)/kernel/boot/vmlinuz-*)) in QEMU"
	tests/guest/linux-vm.sh $(BUILD) $(CACHE)

# --- Integration tests ------------------------------------------------------
# Boot the guest under the VMM (nested in QEMU where there is no /dev/kvm).
# Every run with the ASan/UBSan VMM (run.sh, UMBRA_ASAN_BIN) but the two
# whole-suite --audit runs (run_umbra_plain: too slow under ASan).
integration-test: build-all
	@echo "== integration tests (with build/umbra-asan)"
	UMBRA_ASAN_BIN=$(BUILD)/umbra-asan tests/integration/run.sh $(BUILD)

# The same suite with the ASan/UBSan build of the VMM, build/umbra-asan,
# for every run (issue 10; make test does this too, but for the two
# run_umbra_plain runs). Sanitizers need the dynamic loader, so it is linked
# dynamically; nested runs take its shared objects into L1 (vmm/nested.c).
# A sanitizer report ends a run with status 99 (vmm/asan_options.c).
UMBRA_ASAN_OBJS := $(patsubst %.c,$(BUILD)/asan/%.o,$(VMM_HOSTED_SRCS) $(VMM_KVM_SRCS) \
	$(VMM_NESTED_SRCS) $(SHADOW_SRCS) vmm/asan_options.c)
$(BUILD)/asan/%.o: %.c | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -O1 $(SAN_FLAGS) -MMD -MP -c -o $@ $<
-include $(UMBRA_ASAN_OBJS:.o=.d)
$(BUILD)/umbra-asan: $(UMBRA_ASAN_OBJS)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(FDT_LIB) -lpthread
ALL_TARGETS += $(BUILD)/umbra-asan

.PHONY: integration-test-asan
integration-test-asan: build-all
	@echo "== integration tests with the ASan/UBSan VMM (build/umbra-asan)"
	UMBRA_BIN=$(BUILD)/umbra-asan tests/integration/run.sh $(BUILD)

# Makes malformed kernel images for the bad-input tests.
$(BUILD)/tests/elf_mutate: tests/integration/elf_mutate.c | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -o $@ $<
ALL_TARGETS += $(BUILD)/tests/elf_mutate

# --- The hosted MMU under ThreadSanitizer (issue 10) --------------------------
# tests/stress/mmu_stress.c: vCPU threads with TLBs, chaos, reclaim and
# dedup threads over the shadow MMU and host memory, with the VMM's locking
# and kicks; checksummed patterns checked. A few seconds, in make test.
STRESS_TSAN := $(BUILD)/tests/mmu-stress-tsan
STRESS_SRCS := tests/stress/mmu_stress.c vmm/shadow_kick.c vmm/uffd_mem.c vmm/ksm.c vmm/guest_mem.c \
	$(SHADOW_SRCS)
$(STRESS_TSAN): $(STRESS_SRCS) $(wildcard tests/unit/*.h shadow/*.h) vmm/shadow_kick.h | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -O1 -fsanitize=thread -Itests/unit -Ivmm -o $@ $(STRESS_SRCS) -lpthread
ALL_TARGETS += $(STRESS_TSAN)

.PHONY: stress-test
stress-test: $(STRESS_TSAN)
	@echo "== hosted MMU stress, 3 vCPU threads, under ThreadSanitizer"
	TSAN_OPTIONS=halt_on_error=1 $(STRESS_TSAN) 3
EXTRA_TESTS += stress-test
