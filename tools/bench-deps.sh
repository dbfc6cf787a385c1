#!/bin/sh
# What `make bench` needs beyond tools/deps.sh: valgrind (callgrind counts
# the instructions of the VMM-side microbenchmarks) and python3 (the
# driver, tests/bench/run.py). Not needed to build or to run `make test`.
set -eu
missing=
for pkg in valgrind python3; do
	dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "bench-deps: missing packages:$missing; run as root or install them" >&2
	exit 1
fi
echo "bench-deps: installing$missing"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing ||
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing; }
