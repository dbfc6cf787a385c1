/* SPDX-License-Identifier: MIT */
/* /proc readers and memory helpers of the guest test suite: see suite.h. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "suite.h"

/*
 * Static buffers, not malloc: a reader must not add or grow the mappings it
 * is asked about.
 */
static char proc_text[256 << 10];

/* Next line of text at *cursor, NUL-terminated in place; NULL at the end. */
static char *next_line(char **cursor)
{
	char *line = *cursor, *nl;
	if (!*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = 0;
		*cursor = nl + 1;
	} else {
		*cursor = line + strlen(line);
	}
	return line;
}

/* Parses a maps (or smaps header) line; 1 if it is one. */
static int parse_vma(const char *line, struct vma *vma)
{
	int path_at = 0;
	memset(vma, 0, sizeof(*vma));
	if (sscanf(line, "%lx-%lx %4s %llx %x:%x %lu %n", &vma->start, &vma->end, vma->perms,
		   &vma->offset, &vma->major, &vma->minor, &vma->inode, &path_at) != 7 ||
	    !path_at)
		return 0;
	snprintf(vma->path, sizeof(vma->path), "%s", line + path_at);
	return 1;
}

int maps_line(const void *addr, char *line_out, size_t len)
{
	char *cursor = proc_text, *line;
	struct vma vma;
	unsigned long a = (unsigned long)addr;
	if (read_text("/proc/self/maps", proc_text, sizeof(proc_text)) < 0)
		return 0;
	while ((line = next_line(&cursor)))
		if (parse_vma(line, &vma) && vma.start <= a && a < vma.end) {
			snprintf(line_out, len, "%s", line);
			return 1;
		}
	return 0;
}

int maps_find(const void *addr, struct vma *vma)
{
	char line[512];
	return maps_line(addr, line, sizeof(line)) && parse_vma(line, vma);
}

void maps_format(char *buf, size_t len, const struct vma *vma)
{
	/*
	 * As show_map_vma() in fs/proc/task_mmu.c: the fields end with a space;
	 * a path is padded to column 73 (25 + 6 * sizeof(void *) - 1 wide,
	 * then one more space).
	 */
	int n = snprintf(buf, len, "%08lx-%08lx %s %08llx %02x:%02x %lu ", vma->start, vma->end,
			 vma->perms, vma->offset, vma->major, vma->minor, vma->inode);
	if (vma->path[0] && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%*s %s", n < 72 ? 72 - n : 0, "",
			 vma->path);
}

int maps_all(struct vma *vmas, int max)
{
	char *cursor = proc_text, *line;
	int count = 0;
	if (read_text("/proc/self/maps", proc_text, sizeof(proc_text)) < 0)
		return -1;
	while ((line = next_line(&cursor)) && count < max)
		if (parse_vma(line, &vmas[count]))
			count++;
	return count;
}

int maps_count(const void *start, size_t len)
{
	char *cursor = proc_text, *line;
	struct vma vma;
	unsigned long s = (unsigned long)start, e = s + len;
	int count = 0;
	if (read_text("/proc/self/maps", proc_text, sizeof(proc_text)) < 0)
		return -1;
	while ((line = next_line(&cursor)))
		if (parse_vma(line, &vma) && vma.start < e && s < vma.end)
			count++;
	return count;
}

/*
 * The smaps lines of the mapping covering addr, up to the next mapping's
 * header; NULL if none. Points into proc_text.
 */
static char *smaps_entry(const void *addr)
{
	char *cursor = proc_text, *line;
	struct vma vma;
	unsigned long a = (unsigned long)addr;
	if (read_text("/proc/self/smaps", proc_text, sizeof(proc_text)) < 0)
		return NULL;
	while ((line = next_line(&cursor))) {
		if (!parse_vma(line, &vma) || a < vma.start || a >= vma.end)
			continue;
		/* The entry ends where the next mapping's header line starts. */
		char *entry = cursor, *end = cursor;
		while (*end) {
			char *nl = strchrnul(end, '\n'), saved = *nl;
			*nl = 0;
			int header = parse_vma(end, &vma);
			*nl = saved;
			if (header)
				break;
			end = *nl ? nl + 1 : nl;
		}
		*end = 0;
		return entry;
	}
	return NULL;
}

/* "Name:   123 kB" (or "Name 123") inside text: the number, or -1. */
static long field_value(const char *text, const char *field)
{
	size_t flen = strlen(field);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, field, flen))
			continue;
		const char *v = p + flen;
		if (*v == ':')
			v++;
		if (*v != ' ' && *v != '\t')
			continue;
		return strtol(v, NULL, 10);
	}
	return -1;
}

long smaps_kb(const void *addr, const char *field)
{
	char *entry = smaps_entry(addr);
	return entry ? field_value(entry, field) : -1;
}

int smaps_has_flag(const void *addr, const char *flag)
{
	char *entry = smaps_entry(addr), *flags, *tok, *save;
	if (!entry || !(flags = strstr(entry, "VmFlags:")))
		return 0;
	flags += strlen("VmFlags:");
	*strchrnul(flags, '\n') = 0;
	for (tok = strtok_r(flags, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (!strcmp(tok, flag))
			return 1;
	return 0;
}

static long file_field(const char *path, const char *field)
{
	if (read_text(path, proc_text, sizeof(proc_text)) < 0)
		return -1;
	return field_value(proc_text, field);
}

long status_kb(const char *field)
{
	return file_field("/proc/self/status", field);
}

long meminfo_kb(const char *field)
{
	return file_field("/proc/meminfo", field);
}

long vmstat_value(const char *name)
{
	return file_field("/proc/vmstat", name);
}

long self_vmstat_value(const char *name)
{
	return file_field("/proc/self/vmstat", name);
}

long umbra_stat(const char *name)
{
	return file_field("/proc/umbra/stats", name);
}

long resident_pages(const void *addr, size_t len)
{
	static unsigned char vec[8192];
	size_t pages = (len + PAGE - 1) / PAGE;
	long count = 0;
	if (pages > sizeof(vec) || mincore((void *)addr, len, vec))
		return -1;
	for (size_t i = 0; i < pages; i++)
		count += vec[i] & 1;
	return count;
}

void *map_isolated(size_t len, int prot, int flags)
{
	char *guarded = mmap(NULL, len + 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guarded == MAP_FAILED)
		return NULL;
	void *p = mmap(guarded + PAGE, len, prot, flags | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

int zero_page_on_read(void)
{
	/* umbra's guest kernel must: there the checks always run. */
	if (access("/proc/umbra/stats", R_OK) == 0)
		return 1;
	char *p = map_isolated(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!p)
		return 1;
	madvise(p, 2 * PAGE, MADV_NOHUGEPAGE);
	int sum = ((volatile char *)p)[0] + ((volatile char *)p)[PAGE];
	long rss = smaps_kb(p, "Rss");
	munmap(p - PAGE, 4 * PAGE);
	return sum == 0 && rss == 0;
}
