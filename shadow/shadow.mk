# shadow/: the MMU core, hosted C without KVM (see shadow/README.md).
# Its sources join the unit-test binary (tests/tests.mk builds it plain and
# with ASan/UBSan).
SHADOW_SRCS := shadow/walker.c shadow/ept_walk.c shadow/frame_pool.c shadow/p2m.c shadow/host_mem.c \
	shadow/mmu_page.c shadow/rmap.c shadow/mmu_as.c shadow/mmu_fault.c shadow/mmu_pin.c \
	shadow/mmu_audit.c shadow/hc_shadow.c shadow/mmu_dump.c \
	shadow/mmu_trace.c shadow/fault_inject.c shadow/fault_slot.c shadow/tsc_clock.c
UNIT_CODE_SRCS += $(SHADOW_SRCS)

# The exhaustive walker comparison (tests/walker/): walker and EPT walker vs
# independent reference models over the access.c-style permission space. -O2 and two
# threads keep it well under a minute.
WALKER_TEST := $(BUILD)/tests/walker-exhaustive
WALKER_TEST_SRCS := tests/walker/exhaustive.c tests/walker/ref_model.c tests/walker/ref_ept.c
$(WALKER_TEST): $(WALKER_TEST_SRCS) $(wildcard tests/walker/*.h) $(SHADOW_SRCS) $(wildcard shadow/*.h)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -O2 -o $@ $(WALKER_TEST_SRCS) $(SHADOW_SRCS) -lpthread
ALL_TARGETS += $(WALKER_TEST)

.PHONY: walker-test
walker-test: $(WALKER_TEST)
	@echo "== walker exhaustive comparison"
	$(WALKER_TEST)
EXTRA_TESTS += walker-test

# The VMM's hypercall dispatcher routes the shadow hypercalls to
# hc_shadow.c: the umbra binary links the MMU core too. (vmm.mk is read
# first; a prerequisite added here still joins $^ of its link rule.)
SHADOW_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(SHADOW_SRCS))
$(BUILD)/shadow/%.o: shadow/%.c | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -MMD -MP -c -o $@ $<
-include $(SHADOW_OBJS:.o=.d)
$(BUILD)/umbra: $(SHADOW_OBJS)
