#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the stateful fuzz targets into
tests/fuzz/corpus/TARGET/ (checked in; rerun after changing an input
format). Each seed is a short program in the target's input language,
so the fuzzer starts from deep paths instead of finding them byte by byte.
"""
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(bytes(data))


# --- fuzz_hypercall (tests/fuzz/fuzz_hypercall.c) ---------------------------
# mode, then maxphyaddr, prefetch, max_roots, budget; then operations.
def hc_head(mode=0, prefetch=4, roots=3, budget=40):
    return [mode, 10, prefetch, roots - 1, budget - 8]

ZERO = [0]                      # argument class 0: the value 0


def a_root(k=0):
    return [2, k]


def a_asid(k=0):
    return [3, k]


def a_frame(n):
    return [4] + list(struct.pack("<H", n))


def a_user(page):
    return [9] + list(struct.pack("<H", page))


def a_small(v):
    return [1, v]


def hc(nr, *args, vcpu=0, rsp=None):
    args = list(args) + [ZERO] * (5 - len(args))
    out = [0, nr, vcpu]
    for a in args:
        out += a
    out += [1] + a_user(0x3f0) if rsp else [0]
    return out


def new_root():
    return [4]


def map_user(page, frame, flags=0x0f, root=0):
    # flags: RW | US | A | D
    return [3, root] + a_user(page) + list(struct.pack("<H", frame)) + [flags]


def access(page, a=0x08):       # a & 8: user mode; a % 3: read/write/fetch
    return [6] + a_user(page) + [a]


def boot(mode=0):
    """A root with four user pages, AS_CREATE, AS_ACTIVATE."""
    p = hc_head(mode) + new_root()
    for i in range(4):
        p += map_user(i, 8 + i)
    p += hc(5, a_root(0)) + hc(6, a_asid(0))
    return p


# --- fuzz_walker: selector, mode, a 32-byte header, then memory ----------
def walker(sel, mode, head, tables):
    h = head + bytes(32 - len(head))
    mem = bytearray(8 * 4096)
    for addr, val in tables:
        struct.pack_into("<Q", mem, addr, val)
    return bytes([sel, mode]) + h + bytes(mem[:max(a for a, _ in tables) + 8])


def walker_seeds():
    # guest: acc, maxphyaddr (36 + 10), pkru, cr3, gva
    four = [(0x1000, 0x2007), (0x2000, 0x3007), (0x3010, 0x4007), (0x4000, 0x5067)]
    write("walker", "4level-user-write",
          walker(0, 0x21, struct.pack("<BBIQQ", 3 | 4, 10, 0, 0x1000, 0x400000), four))
    write("walker", "2m-nx-fetch",
          walker(0, 0x23, struct.pack("<BBIQQ", 8, 10, 0, 0x1000, 0x400000),
                 four[:2] + [(0x3010, 0x8000000000200087)]))
    five = [(0x1000, 0x6007)] + four[:1] + [(0x6000, 0x2007)] + four[1:]
    write("walker", "5level",
          walker(0, 0x31, struct.pack("<BBIQQ", 3, 10, 0, 0x1000, 0x400000), five))
    write("walker", "self-map",
          walker(0, 0x09, struct.pack("<BBIQQ", 4, 10, 0x8, 0x1000, 0), [(0x1000, 0x1027)]))
    # EPT: maxphyaddr, eptp (WB, 4 levels, A/D), gpa
    ept = [(0x1000, 0x2007), (0x2000, 0x3007), (0x3010, 0x4007), (0x4000, 0x5037)]
    write("walker", "ept-4k",
          walker(1, 0x01 | 1 << 2, struct.pack("<BQQ", 10, 0x1000 | 6 | 3 << 3 | 1 << 6,
                                                  0x400000), ept))
    write("walker", "ept-2m",
          walker(1, 0x02, struct.pack("<BQQ", 10, 0x1000 | 6 | 3 << 3, 0x400000),
                 ept[:2] + [(0x3010, 0x200000 | 0x37 | 0x80)]))


# --- fuzz_image: initrd size (u32), command-line length (u8), the file ---
def image(initrd, cmdlen, f):
    return struct.pack("<IB", initrd, cmdlen) + f


def elf64(phdrs, entry, file_len, fill=()):
    """An ELF64 x86-64 executable; phdrs: (type, flags, off, vaddr, paddr,
    filesz, memsz)."""
    f = bytearray(file_len)
    f[0:16] = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    struct.pack_into("<HHIQQQIHHHHHH", f, 16, 2, 62, 1, entry, 64, 0, 0, 64, 56,
                     len(phdrs), 64, 0, 0)
    for i, (t, fl, off, va, pa, fs, ms) in enumerate(phdrs):
        struct.pack_into("<IIQQQQQQ", f, 64 + 56 * i, t, fl, off, va, pa, fs, ms, 0x1000)
    for off, n, b in fill:
        f[off:off + n] = bytes([b]) * n
    return bytes(f)


def umbra_elf():
    vbase = 0xffffffff80000000
    return elf64([(1, 5, 0x1000, vbase + 0x100000, 0x100000, 0x1000, 0x1000),
                  (4, 4, 0x200, 0, 0, 0x20, 0x20),
                  (1, 6, 0x2000, vbase + 0x101000, 0x101000, 0x100, 0x3000)],
                 vbase + 0x100010, 0x2100, [(0x1000, 0x1000, 0xaa), (0x2000, 0x100, 0xbb)])


def bzimage(kernel_len=1024, version=0x20f):
    f = bytearray(5 * 512 + kernel_len)
    f[0x1f1] = 4
    struct.pack_into("<H", f, 0x1fe, 0xaa55)
    f[0x200:0x202] = bytes([0xeb, 0x6a])
    struct.pack_into("<IH", f, 0x202, 0x53726448, version)
    f[0x211] = 1
    struct.pack_into("<I", f, 0x22c, 0x7fffffff)
    struct.pack_into("<I", f, 0x230, 0x200000)
    f[0x234] = 1
    struct.pack_into("<H", f, 0x236, 1)
    struct.pack_into("<I", f, 0x238, 2047)
    struct.pack_into("<Q", f, 0x258, 0x1000000)
    struct.pack_into("<I", f, 0x260, 8 << 20)
    f[5 * 512:] = b"\xcc" * kernel_len
    return bytes(f)


def multiboot_aout():
    f = bytearray(0x3000)
    # header at 0x40: magic, flags (page align, memory info, a.out kludge),
    # checksum, header/load/load_end/bss_end/entry addresses
    flags = 3 | (1 << 16)
    hdr_addr = 0x100040
    struct.pack_into("<III", f, 0x40, 0x1BADB002, flags, (-(0x1BADB002 + flags)) & 0xffffffff)
    struct.pack_into("<IIIII", f, 0x4c, hdr_addr, 0x100000, 0x102000, 0x104000, 0x100100)
    return bytes(f)


def multiboot_elf():
    f = bytearray(elf64([(1, 5, 0x1000, 0x200000, 0x200000, 0x800, 0x2000)], 0x200000, 0x1800))
    flags = 3
    struct.pack_into("<III", f, 0x400, 0x1BADB002, flags, (-(0x1BADB002 + flags)) & 0xffffffff)
    return bytes(f)


# --- fuzz_cpio: a newc archive -------------------------------------------
def cpio(entries):
    out = bytearray()
    for i, (name, mode, data) in enumerate(entries + [("TRAILER!!!", 0, b"")]):
        n = name.encode() + b"\0"
        out += b"070701" + b"".join(b"%08X" % v for v in (
            i + 1, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(n), 0))
        out += n
        out += bytes(-len(out) % 4)
        out += data
        out += bytes(-len(out) % 4)
    return bytes(out)


def main():
    b = boot()
    write("hypercall", "boot-fault", b + access(0) + access(1, 0x09) + access(2, 0x0a))
    write("hypercall", "invalidate", b + access(0, 0x09) +
          hc(8, a_asid(0), a_user(0), a_user(4), a_small(1)) + access(0))
    write("hypercall", "wrprotect", b + access(1, 0x09) +
          hc(8, a_asid(0), ZERO, ZERO, a_small(4)) + access(1, 0x09))
    write("hypercall", "queue", b + hc(9, a_frame(20)) + [5] + a_asid(0) + a_user(0) +
          a_user(2) + ZERO + [1] + hc(10) + access(0))
    write("hypercall", "release-active", b + access(0) + hc(7, a_asid(0)) + access(0) +
          new_root() + map_user(0, 30, root=1) + hc(5, a_root(1)) + hc(6, a_asid(1)))
    write("hypercall", "pin", b + hc(11, a_user(0), a_user(3)) + access(1))
    write("hypercall", "two-vcpus", boot(2) + hc(6, a_asid(0), vcpu=1) + access(0, 0x09) +
          hc(8, a_asid(0), ZERO, ZERO, a_small(1), vcpu=1))
    write("hypercall", "stack-refill", b + hc(4, a_user(0), [1, 4], a_asid(0), rsp=True))
    write("hypercall", "tdp", [1] + hc(3, a_small(1), a_small(5)) + hc(14, a_small(4)) +
          hc(2, a_frame(3), a_small(40)) + hc(1, a_small(3)))
    write("hypercall", "la57", boot(4) + access(0) + access(3, 0x0a))
    # A fault slot (hypercall 28: byte 244 picks 24 + 4) in frame 24,
    # written first (the VMM registers a slot only in a frame present and
    # writable). Pages 0-3 touched (their frames backed), their entries
    # unmapped; then a FAULT request for page 1 (error code: user), which
    # the poll thread's scan answers by a fill, and a streamed read of
    # page 2 whose end is posted.
    slot = [2] + list(struct.pack("<I", 24 << 12)) + [0] + ZERO + hc(244, a_frame(24))
    touch = access(0) + access(1) + access(2) + access(3)
    unmap = hc(8, a_asid(0), a_user(0), a_user(4), a_small(1))
    post = [7, 0, 1] + ZERO + [0] + a_user(1) + a_small(4) + a_asid(0)
    stream = [7, 0, 1 | 2 | 4] + a_small(4) + [0] + a_user(2) + a_small(4) + a_asid(0)
    write("hypercall", "fault-slot", b + slot + touch + unmap + post + access(1, 0x08) +
          stream + access(2, 0x08))

    walker_seeds()

    write("image", "umbra-elf", image(0, 10, umbra_elf()))
    write("image", "umbra-elf-initrd", image(1 << 20, 0, umbra_elf()))
    write("image", "bzimage", image(0, 20, bzimage()))
    write("image", "bzimage-initrd", image(3 << 20, 200, bzimage(512, 0x20c)))
    write("image", "multiboot-aout", image(4096, 5, multiboot_aout()))
    write("image", "multiboot-elf", image(0, 0, multiboot_elf()))

    write("cpio", "small", cpio([(".", 0o40755, b""), ("init", 0o100755, b"#!init\n"),
                                 ("bin", 0o40755, b""), ("bin/t_mmap", 0o100755, b"x" * 13)]))
    write("cpio", "dotslash", cpio([("./a", 0o100644, b"abc")]))

    for name, line in [
            ("version", '{"execute":"query-version","id":1}'),
            ("commands", '{"execute":"query-commands","id":"c"}'),
            ("stats", '{"execute":"query-stats"}'),
            ("dump", '{"execute":"dump","arguments":{"asid":"0x10001","user_only":true,'
                     '"label":"a\\n\\u00e9\\ud83d\\ude00","to_file":false},"id":2}'),
            ("dump-root", '{"execute":"dump","arguments":{"guest_root":"0x1000","asid":99}}'),
            ("trace", '{"execute":"trace-start","arguments":{"events":7},"id":-1.5e3}'),
            ("balloon", '{"execute":"balloon","arguments":{"bytes":1048576}}'),
            ("reclaim", '{"execute":"reclaim","arguments":{"pages":0},"id":[1,{"a":null}]}'),
            ("garbage", '{"execute":tru'),
            ("nested", '[[[[{"x":[1,2,{"y":false}]}]]]]')]:
        write("control", name, line.encode())


if __name__ == "__main__":
    sys.exit(main())
