# tests/hwmmu/: the hardware differential of the guest page-table walker
# (docs/walker.md, "Hardware differential"). A freestanding image that umbra
# boots like a guest kernel; it runs seeded combinations on the MMU under it
# and compares each with shadow/walker.c, compiled into the same image.
HWMMU_BUILD := $(BUILD)/tests/hwmmu
HWMMU_ELF   := $(HWMMU_BUILD)/hwmmu.elf
HWMMU_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -nostdlib \
	-fno-pic -fno-pie -mcmodel=small -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns -Iinclude
HWMMU_LDFLAGS := -no-pie -nostdlib -static -Wl,--build-id=none \
	-Wl,-z,max-page-size=4096 -T tests/hwmmu/hwmmu.ld
HWMMU_SRCS := $(wildcard tests/hwmmu/*.c tests/hwmmu/*.S) shadow/walker.c

$(HWMMU_ELF): $(HWMMU_SRCS) $(wildcard tests/hwmmu/*.h) tests/hwmmu/hwmmu.ld \
		shadow/walker.h shadow/x86_pte.h include/umbra/boot.h include/umbra/hypercall.h | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(HWMMU_CFLAGS) $(HWMMU_LDFLAGS) -o $@ $(HWMMU_SRCS)
ALL_TARGETS += $(HWMMU_ELF)

# UMBRA_HWMMU_SEED chooses another seed, UMBRA_HWMMU_COUNT another count.
.PHONY: hwmmu-test
hwmmu-test: $(HWMMU_ELF) $(BUILD)/umbra
	@echo "== walker hardware differential (nested MMU)"
	tests/hwmmu/run.sh $(BUILD)
EXTRA_TESTS += hwmmu-test
