# tests/bench/: benchmarks (docs/bench.md). `make bench` runs them; it is
# not part of `make test`, which only runs the guest microbenchmarks once
# natively and the VMM-side ones once (bench-smoke: they run and print
# every line), and checks run.py's verdicts and regression rules on
# made-up figures (test_run.py).

BENCH_BUILD := $(BUILD)/bench
BENCH_PROG  := $(BENCH_BUILD)/bench
BENCH_SRCS  := tests/bench/bench.c tests/bench/harness.c
BENCH_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror

# The guest microbenchmarks: a static musl program, also run natively.
$(BENCH_PROG): $(BENCH_SRCS) tests/bench/harness.h | $(DEPS)
	@mkdir -p $(@D)
	$(MUSL_CC) -static $(BENCH_CFLAGS) -o $@ $(BENCH_SRCS)

# The initrd of the bench boots: the program as /init.
$(BENCH_BUILD)/initrd.cpio: $(BENCH_PROG) tools/mkinitrd.sh
	tools/mkinitrd.sh $@ $(BENCH_PROG)

# The VMM-side microbenchmarks: shadow/ on the unit tests' simulated guest.
SHADOW_BENCH := $(BENCH_BUILD)/shadow-bench
$(SHADOW_BENCH): tests/bench/shadow_bench.c tests/unit/shadow_sim.h $(SHADOW_SRCS) $(wildcard shadow/*.h) | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -Itests/unit -o $@ tests/bench/shadow_bench.c $(SHADOW_SRCS) -lpthread

ALL_TARGETS += $(BENCH_PROG) $(BENCH_BUILD)/initrd.cpio $(SHADOW_BENCH)

# make bench: every mode in one invocation (several minutes nested);
# BENCH_ARGS passes options to tests/bench/run.py (e.g. --modes tdp,shadow).
BENCH_ARGS ?=
bench: $(DEPS)
	@$(MAKE) --no-print-directory build-all
	tools/bench-deps.sh
	tests/bench/run.py --build $(BUILD) --baseline tests/bench/baseline.json $(BENCH_ARGS)

# Records the last results as the committed baseline.
bench-baseline:
	cp $(BUILD)/bench/results.json tests/bench/baseline.json

.PHONY: bench bench-smoke bench-baseline
bench-smoke: $(BENCH_PROG) $(SHADOW_BENCH)
	@echo "== guest microbenchmarks, natively (smoke: they run)"
	tests/bench/smoke.sh $(BENCH_PROG) $(SHADOW_BENCH)
	@echo "== make bench's verdicts and regression rules, on made-up figures"
	tests/bench/test_run.py
EXTRA_TESTS += bench-smoke
