# tests/images/: guest images umbra did not build (docs/boot.md): the
# initramfs for the Debian kernel of nested runs (build/nested/vmlinuz).
IMAGES_DIR := $(BUILD)/images

$(IMAGES_DIR)/linux-initrd.cpio: tests/images/mklinuxinitrd.sh | $(DEPS)
	@mkdir -p $(@D)
	tests/images/mklinuxinitrd.sh $@

ALL_TARGETS += $(IMAGES_DIR)/linux-initrd.cpio
