# Issue 9: SMP for umbra's own guest kernel (sourced by run.sh; uses its
# helpers). docs/architecture.md, "SMP".
echo "-- SMP (-c N) for umbra's guest kernel"

# The boot CPU starts the others with INIT/SIPI through its x2APIC and a
# real-mode trampoline; each must report in.
run_umbra run -c 4 -i "$initrd" -p "init=/bin/hello -- 42" "$kernel"
if [ "$rc" -eq 42 ] && grep -q '^umbra-guest: smp: 4 of 4 CPUs up$' "$tmp/out" &&
	guest_output | cmp -s - "$tmp/native-hello"; then
	ok "-c 4: the boot CPU started 3 others (INIT/SIPI), hello as natively"
else
	bad "-c 4 start-up" "status $rc; $(grep 'smp' "$tmp/out" | tr '\n' ' ')"
fi
