# shadow/: the MMU core, hosted C without KVM (see shadow/README.md).
# Its sources join the unit-test binary (tests/tests.mk builds it plain and
# with ASan/UBSan).
SHADOW_SRCS := shadow/walker.c
UNIT_CODE_SRCS += $(SHADOW_SRCS)
