# guest/: the guest kernel, a freestanding x86-64 ELF the VMM boots directly.
GUEST_BUILD := $(BUILD)/guest
GUEST_ELF   := $(GUEST_BUILD)/umbra-guest.elf

GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -nostdlib \
	-fno-pic -fno-pie -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns -Iinclude -Iguest/include -MMD -MP
# -fno-tree-loop-distribute-patterns: GCC would turn the loops in
# lib/string.c into calls to memset/memcpy themselves.
GUEST_LDFLAGS := -no-pie -nostdlib -static -Wl,--build-id=none -Wl,-z,max-page-size=4096 \
	-T guest/kernel.ld

GUEST_SRCS := $(wildcard guest/arch/x86/*.c guest/arch/x86/*.S guest/kernel/*.c \
	guest/mm/*.c guest/ipc/*.c guest/fs/*.c guest/fs/*/*.c guest/lib/*.c guest/drivers/*.c)
GUEST_OBJS := $(patsubst guest/%,$(GUEST_BUILD)/%.o,$(GUEST_SRCS))

# Order-only on $(DEPS): a fresh clone's first build installs the toolchain
# and libfdt (as vmm.mk does).
$(GUEST_BUILD)/%.c.o: guest/%.c | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_BUILD)/%.S.o: guest/%.S | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_ELF): $(GUEST_OBJS) guest/kernel.ld
	$(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ $(GUEST_OBJS) $(FDT_LIB)

-include $(GUEST_OBJS:.o=.d)

ALL_TARGETS += $(GUEST_ELF)

# The initramfs reader is plain C and unit-tested hosted.
UNIT_CODE_SRCS += guest/fs/cpio.c
