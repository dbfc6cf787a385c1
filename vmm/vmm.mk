# vmm/: the umbra VMM, build/umbra. Linked statically: nested runs copy it
# into the L1 initramfs, which has no C library.

# Hosted, KVM-free parts: also linked into the unit tests.
VMM_HOSTED_SRCS := vmm/cli.c vmm/guest_mem.c vmm/elf_load.c vmm/boot.c \
	vmm/fdt_build.c vmm/ioport.c vmm/serial.c vmm/hypercall.c vmm/stats.c \
	vmm/file_io.c vmm/initrd.c vmm/uffd_mem.c vmm/json.c vmm/control_proto.c \
	vmm/e820.c vmm/bzimage.c vmm/pc_image.c vmm/pc_ports.c vmm/rtc.c \
	vmm/multiboot.c vmm/fw_cfg.c vmm/acpi.c
# UMBRA_HC_STATS (tests/bench, docs/bench.md)
VMM_HOSTED_SRCS += vmm/hc_stats.c
# Kicks: remote TLB flushes in shadow mode (docs/shadow.md)
VMM_HOSTED_SRCS += vmm/shadow_kick.c
# Exitless first-chance faults: the fault-slot poll thread (docs/shadow.md)
VMM_HOSTED_SRCS += vmm/shadow_poll.c
# Stopping every vCPU for tdp host-memory changes (docs/host-memory.md)
VMM_HOSTED_SRCS += vmm/vcpu_pause.c
# The signal that kicks a vCPU out of KVM_RUN
VMM_HOSTED_SRCS += vmm/vcpu_signal.c
# tdp mode's --dedup through the host kernel's KSM
VMM_HOSTED_SRCS += vmm/ksm.c
# The CPUID each vCPU sees
VMM_HOSTED_SRCS += vmm/cpuid.c
# Host memory beside the vCPUs: reclaim, dedup, chaos, balloon
VMM_HOSTED_SRCS += vmm/host_mem_vm.c
# Where a stopped nested run's L1 CPUs were: QEMU's monitor, the guest's symbols
VMM_HOSTED_SRCS += vmm/elf_syms.c vmm/nested_monitor.c
# What could wake a halted vCPU (the idle watchdog, vcpu_watch.c)
VMM_HOSTED_SRCS += vmm/lapic_state.c
# The KVM side, and the nested runner (nested.c and its helpers).
VMM_KVM_SRCS := vmm/main.c vmm/kvm.c vmm/kvm_stats.c vmm/vcpu.c vmm/vm.c vmm/shadow_vm.c vmm/vm_dump.c \
	vmm/control.c vmm/pc_boot.c vmm/vcpu_watch.c
VMM_NESTED_SRCS := vmm/nested.c vmm/nested_hold.c vmm/nested_proto.c vmm/cpio_newc.c

UMBRA_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(VMM_HOSTED_SRCS) $(VMM_KVM_SRCS) $(VMM_NESTED_SRCS))

$(BUILD)/vmm/%.o: vmm/%.c | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -MMD -MP -c -o $@ $<

-include $(UMBRA_OBJS:.o=.d)

$(BUILD)/umbra: $(UMBRA_OBJS)
	$(CC) -static -o $@ $^ $(FDT_LIB) -lpthread

ALL_TARGETS += $(BUILD)/umbra
UNIT_CODE_SRCS += $(VMM_HOSTED_SRCS)
