# tools/: the fixed files of nested runs (vmm/nested.c): the L1 kernel and
# the base of its initramfs, built from the kernel package deps.sh unpacked.
NESTED_DIR := $(BUILD)/nested

$(NESTED_DIR)/vmlinuz $(NESTED_DIR)/l1-base.cpio.gz &: tools/mkl1base.sh $(wildcard $(CACHE)/kernel/boot/vmlinuz-*) | $(DEPS)
	tools/mkl1base.sh $(CACHE)/kernel $(NESTED_DIR)

ALL_TARGETS += $(NESTED_DIR)/vmlinuz $(NESTED_DIR)/l1-base.cpio.gz

# Hosted, KVM-free code of the nested runner, unit-tested.
UNIT_CODE_SRCS += vmm/cpio_newc.c vmm/nested_proto.c

# The tools (issue 7): umbra-dump and umbra-trace read dumps and traces
# (docs/dump-format.md, docs/trace.md) through the VMM's JSON parser.
# Both talk to a running VM through tools/control_client.c.
TOOLS_COMMON := tools/control_client.c tools/control_client.h vmm/json.c vmm/json.h
$(BUILD)/umbra-dump: tools/umbra-dump.c $(TOOLS_COMMON) | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -Ivmm -o $@ tools/umbra-dump.c tools/control_client.c vmm/json.c -lm
$(BUILD)/umbra-trace: tools/umbra-trace.c $(TOOLS_COMMON) | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -Ivmm -o $@ tools/umbra-trace.c tools/control_client.c vmm/json.c
ALL_TARGETS += $(BUILD)/umbra-dump $(BUILD)/umbra-trace
