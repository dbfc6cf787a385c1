# tests/images/: guest images umbra did not build (docs/boot.md): the
# initramfs for the Debian kernel of nested runs (build/nested/vmlinuz).
IMAGES_DIR := $(BUILD)/images

$(IMAGES_DIR)/linux-initrd.cpio: tests/images/mklinuxinitrd.sh | $(DEPS)
	@mkdir -p $(@D)
	tests/images/mklinuxinitrd.sh $@

ALL_TARGETS += $(IMAGES_DIR)/linux-initrd.cpio

# The multiboot test image: freestanding 32-bit C, an ELF32 at 1 MiB.
MBTEST_SRCS := tests/images/mbtest/head.S tests/images/mbtest/main.c
$(IMAGES_DIR)/mbtest.elf: $(MBTEST_SRCS) tests/images/mbtest/mbtest.ld | $(DEPS)
	@mkdir -p $(@D)
	$(CC) -m32 -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-pic -no-pie \
		-fno-stack-protector -fno-asynchronous-unwind-tables -nostdlib -static \
		-Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,--no-warn-rwx-segments \
		-T tests/images/mbtest/mbtest.ld -o $@ $(MBTEST_SRCS)

ALL_TARGETS += $(IMAGES_DIR)/mbtest.elf
