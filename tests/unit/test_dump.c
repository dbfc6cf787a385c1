/* SPDX-License-Identifier: MIT */
/*
 * The dump model (shadow/mmu_dump.c) read back through the JSON parser
 * (vmm/json.c): a known layout on the simulated guest must come out as
 * exactly its ranges, flags and states; a guest change made without its
 * invalidation shows in the diff; hostile tables end truncated. And the
 * parser itself on good and bad input.
 */
#include "test.h"

#include "../../shadow/mmu_dump.h"
#include "../../shadow/mmu_trace.h"
#include "cli.h"
#include "json.h"
#include "nested_proto.h"
#include "shadow_sim.h"

#define UVA 0x400000ull
#define URW (PTE_RW | PTE_US)

/* The dump of mmu (shadow mode) or else of tdp, parsed. */
static struct json *dump_json_of(struct shadow_mmu *mmu, const struct tdp_dump_src *tdp,
				 const struct dump_request *req)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	int r = mmu ? shadow_dump(mmu, req, f) : tdp_dump(tdp, req, f);
	fclose(f);
	char err[128];
	struct json *j = r ? NULL : json_parse(buf, len, err, sizeof(err));
	if (!j)
		fprintf(stderr, "  dump does not parse (%d): %s\n", r, err);
	/* One line: files of dumps are JSON lines. */
	if (j && (memchr(buf, '\n', len) != buf + len - 1))
		fprintf(stderr, "  dump is not one line\n");
	free(buf);
	return j;
}

static struct json *dump_json(struct shadow_mmu *mmu, const struct dump_request *req)
{
	return dump_json_of(mmu, NULL, req);
}

static const struct json *find_as(const struct json *d, uint64_t root)
{
	const struct json *list = json_get(d, "address_spaces");
	for (size_t i = 0; list && i < list->count; i++) {
		uint64_t r;
		if (json_get_u64(json_at(list, i), "guest_root", &r) && r == root)
			return json_at(list, i);
	}
	return NULL;
}

static bool range_is(const struct json *r, uint64_t start, uint64_t end,
		     const char *flags, const char *state)
{
	uint64_t s, e;
	const char *fl = json_get_str(r, "flags"), *st = json_get_str(r, "state");
	bool ok = r && json_get_u64(r, "start", &s) && json_get_u64(r, "end", &e) &&
		  s == start && e == end && fl && !strcmp(fl, flags) && st &&
		  !strcmp(st, state);
	if (!ok && r)
		fprintf(stderr, "  range %s-%s %s %s, expected %#llx-%#llx %s %s\n",
			json_get_str(r, "start"), json_get_str(r, "end"), fl, st,
			(unsigned long long)start, (unsigned long long)end, flags, state);
	return ok;
}

TEST(dump_shows_layout_shadow_and_states)
{
	struct sim s;
	struct shadow_config c = {.efer_nxe = true, .maxphyaddr = 46, .prefetch = ~0u};
	CHECK_EQ(sim_init(&s, 2048, 4096, &c), 0);
	uint64_t root = g_alloc_table(&s), root2 = g_alloc_table(&s);
	int64_t a1 = sim_hc(&s, UMBRA_HC_SHADOW_AS_CREATE, root, 0, 0, 0);
	int64_t a2 = sim_hc(&s, UMBRA_HC_SHADOW_AS_CREATE, root2, 0, 0, 0);
	CHECK(a1 > 0 && a2 > 0);
	/* Four writable pages, a hole, two read-only pages whose frames the
	 * second address space maps too (shared, so copy-on-write). */
	for (unsigned i = 0; i < 4; i++)
		g_map(&s, root, UVA + i * 4096, (10 + i) * 4096, URW, 1);
	for (unsigned i = 0; i < 2; i++) {
		g_map(&s, root, UVA + (5 + i) * 4096, (20 + i) * 4096, PTE_US, 1);
		g_map(&s, root2, 0x800000 + i * 4096, (20 + i) * 4096, PTE_US, 1);
	}
	CHECK_EQ(sim_activate(&s, (uint32_t)a1, root), 0);
	uint32_t ec;
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(sim_access(&s, UVA + i * 4096, WALK_WRITE, 3, &ec), SIM_OK);

	struct dump_request req = {.reason = "test", .label = "a \"label\"\n", .user_only = true};
	struct json *d = dump_json(s.mmu, &req);
	CHECK(d != NULL);
	CHECK(!strcmp(json_get_str(d, "paging"), "shadow"));
	CHECK(!strcmp(json_get_str(d, "label"), "a \"label\"\n"));
	const struct json *as = find_as(d, root);
	CHECK(as != NULL);
	const struct json *g = json_get(as, "guest");
	CHECK(g && g->count == 2);
	CHECK(range_is(json_at(g, 0), UVA, UVA + 4 * 4096, "rwxuad-", "mapped,shadowed"));
	CHECK(range_is(json_at(g, 1), UVA + 5 * 4096, UVA + 7 * 4096, "r-xu---",
		       "mapped,shared,cow"));
	const struct json *sh = json_get(as, "shadow");
	CHECK(sh && sh->count == 1);
	CHECK(range_is(json_at(sh, 0), UVA, UVA + 4 * 4096, "rwxuad-", "shadowed"));
	uint64_t v;
	const struct json *sum = json_get(as, "summary");
	CHECK(json_get_u64(sum, "guest_pages", &v) && v == 6);
	CHECK(json_get_u64(sum, "shadowed_pages", &v) && v == 4);
	CHECK(json_get_u64(sum, "shared_pages", &v) && v == 2);
	CHECK(json_get(as, "diff")->count == 0);
	/* The second address space: only its shared pages, no shadow root. */
	const struct json *as2 = find_as(d, root2);
	CHECK(as2 && json_get(as2, "guest")->count == 1);
	CHECK(range_is(json_at(json_get(as2, "guest"), 0), 0x800000, 0x802000,
		       "r-xu---", "mapped,shared,cow"));
	CHECK(json_get(as2, "shadow_root")->type == JSON_NULL);
	/* The p2m: the frames the fills assigned (4), all writable. */
	CHECK(json_get_u64(json_get(d, "memory"), "p2m_populated_pages", &v) && v >= 4);
	CHECK(json_get(d, "truncated")->type == JSON_BOOL && !json_get(d, "truncated")->boolean);
	json_free(d);

	/* Only one asid. */
	req.asid = (uint32_t)a2;
	d = dump_json(s.mmu, &req);
	CHECK(d && json_get(d, "address_spaces")->count == 1 && find_as(d, root2));
	json_free(d);

	/* The guest makes a page read-only without telling: the shadow is
	 * now wider than the guest, and the diff says where. */
	uint64_t ea = g_entry(&s, root, UVA + 4096, 1, false);
	g_write(&s, ea, g_read(&s, ea) & ~PTE_RW);
	req.asid = 0;
	d = dump_json(s.mmu, &req);
	as = find_as(d, root);
	const struct json *diff = json_get(as, "diff");
	CHECK(diff && diff->count == 1);
	CHECK(json_get_u64(json_at(diff, 0), "va", &v) && v == UVA + 4096);
	json_free(d);
	s.quiet = true;
	sim_destroy(&s);
}

TEST(dump_hostile_tables_truncate)
{
	struct sim s;
	struct shadow_config c = {.efer_nxe = true, .maxphyaddr = 46, .prefetch = ~0u};
	CHECK_EQ(sim_init(&s, 2048, 4096, &c), 0);
	uint64_t root = g_alloc_table(&s);
	/* Every entry of every level points back at the root: 512^4 leaves. */
	for (unsigned i = 0; i < 512; i++)
		g_write(&s, root + i * 8, root | SIM_TABLE);
	CHECK(sim_hc(&s, UMBRA_HC_SHADOW_AS_CREATE, root, 0, 0, 0) > 0);
	struct dump_request req = {.reason = "test", .max_entries = 100000, .max_ranges = 100};
	struct json *d = dump_json(s.mmu, &req);
	CHECK(d != NULL);
	CHECK(json_get(d, "truncated") && json_get(d, "truncated")->boolean);
	json_free(d);
	sim_destroy(&s);
}

static int read_buf(void *opaque, uint64_t gpa, uint64_t *val)
{
	if (gpa + 8 > 64 * 4096 || (gpa & 7))
		return -1;
	memcpy(val, (uint8_t *)opaque + gpa, 8);
	return 0;
}

TEST(dump_tdp_guest_tables)
{
	uint8_t *ram = calloc(64, 4096);
	uint64_t *pml4 = (uint64_t *)(ram + 1 * 4096), *pdpt = (uint64_t *)(ram + 2 * 4096);
	uint64_t *pd = (uint64_t *)(ram + 3 * 4096), *pt = (uint64_t *)(ram + 4 * 4096);
	pml4[0] = 2 * 4096 | PTE_P | PTE_RW | PTE_US;
	pdpt[0] = 3 * 4096 | PTE_P | PTE_RW | PTE_US;
	pd[2] = 4 * 4096 | PTE_P | PTE_RW | PTE_US;        /* 0x400000 */
	pd[4] = 0x200000 | PTE_P | PTE_RW | PTE_PS | PTE_A; /* a kernel 2M page */
	for (unsigned i = 0; i < 3; i++)
		pt[i] = (10 + i) * 4096 | PTE_P | PTE_US | PTE_NX;
	pt[5] = 0x1234000; /* not present, not zero: swapped */
	struct tdp_dump_ram r = {.gpa = 0, .size = 64 * 4096, .hva = 0x7f0000000000, .resident = 5};
	uint64_t roots[] = {4096};
	int vc[] = {0};
	struct tdp_dump_src src = {.nxe = true, .ram = &r, .nram = 1, .roots = roots,
				   .root_vcpu = vc, .nroots = 1, .read64 = read_buf, .opaque = ram};
	struct dump_request req = {.reason = "exit"};
	struct json *d = dump_json_of(NULL, &src, &req);
	CHECK(d != NULL);
	const struct json *as = find_as(d, 4096);
	const struct json *g = json_get(as, "guest");
	CHECK(g && g->count == 3);
	CHECK(range_is(json_at(g, 0), 0x400000, 0x403000, "r--u---", "mapped"));
	CHECK(range_is(json_at(g, 1), 0x405000, 0x406000, "r------", "swapped"));
	CHECK(range_is(json_at(g, 2), 0x800000, 0xa00000, "rwx-a--", "mapped"));
	CHECK(!strcmp(json_get_str(json_at(g, 2), "size"), "2M"));
	CHECK(json_get(as, "shadow")->type == JSON_NULL);
	CHECK(!strcmp(json_get_str(d, "paging"), "tdp"));
	json_free(d);
	free(ram);
}

TEST(json_parser_good_and_bad)
{
	char err[128];
	const char *good = " {\"a\": [1, -2.5e3, true, false, null], \"s\": \"x\\u00e9\\ud83d\\ude00\\n\","
			   " \"h\": \"0x10\", \"a\": 7} ";
	struct json *j = json_parse(good, strlen(good), err, sizeof(err));
	CHECK(j != NULL);
	uint64_t v;
	CHECK(json_get_u64(j, "a", &v) && v == 7); /* the last of a repeated key */
	CHECK(json_get_u64(j, "h", &v) && v == 16);
	CHECK(!strcmp(json_get_str(j, "s"), "x\xc3\xa9\xf0\x9f\x98\x80\n"));
	CHECK(json_at(json_get(j, "a"), 1) == NULL); /* "a" is now the number */
	json_free(j);
	const char *bad[] = {"", "{", "[1,]", "{\"a\" 1}", "\"abc", "01", "1.", "-",
			     "[1] x", "{\"a\":1,}", "\"\\x\"", "\"\\u12\"", "tru", "nan",
			     "\"a\x01\"", "[\"\\"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json_parse(bad[i], strlen(bad[i]), err, sizeof(err));
		if (j)
			fprintf(stderr, "  accepted bad input %zu\n", i);
		CHECK(j == NULL && err[0]);
		json_free(j);
	}
	/* Nesting beyond the limit is refused, not a stack overflow. */
	char deep[4096];
	memset(deep, '[', sizeof(deep));
	CHECK(json_parse(deep, sizeof(deep), err, sizeof(err)) == NULL);
	/* Not NUL-terminated: nothing past len is read (ASan checks). */
	char *exact = malloc(3);
	memcpy(exact, "[1]", 3);
	j = json_parse(exact, 3, err, sizeof(err));
	CHECK(j && j->count == 1);
	json_free(j);
	free(exact);
}

TEST(dump_options_reach_the_nested_vmm)
{
	struct umbra_config cfg;
	char err[256];
	char *argv[] = {"run", "--dump-on-exit", "/tmp/d.jsonl", "--control", "/tmp/c.sock",
			"--trace", "4096", "--paging", "shadow", "k.elf", NULL};
	CHECK_EQ(cli_parse_run(10, argv, &cfg, err, sizeof(err)), CLI_OK);
	CHECK(!strcmp(cfg.dump_path, "/tmp/d.jsonl") && !strcmp(cfg.control_path, "/tmp/c.sock"));
	CHECK_EQ(cfg.trace_events, 4096);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK_EQ(nested_write_argv(f, &cfg), 0);
	fclose(f);
	char *vec[64];
	int n = nested_split_argv(buf, len, vec, 63);
	CHECK(n > 0);
	vec[n > 0 ? n : 0] = NULL;
	struct umbra_config inner;
	CHECK_EQ(cli_parse_run(n, vec, &inner, err, sizeof(err)), CLI_OK);
	/* Inside L1 the file and the socket are serial ports. */
	CHECK(inner.dump_path && !strcmp(inner.dump_path, NESTED_L1_DUMP));
	CHECK(inner.control_path && !strcmp(inner.control_path, NESTED_L1_CONTROL));
	CHECK_EQ(inner.trace_events, 4096);
	free(buf);
	char *bad[] = {"run", "--dump-on-exit", "", "k", NULL};
	CHECK_EQ(cli_parse_run(4, bad, &cfg, err, sizeof(err)), CLI_ERROR);
	/* tdp mode traces host-memory events. */
	char *tdp[] = {"run", "--trace", "10", "k", NULL};
	CHECK_EQ(cli_parse_run(4, tdp, &cfg, err, sizeof(err)), CLI_OK);
	CHECK_EQ(cfg.trace_events, 10);
}

/* The trace ring as shadow_trace_json writes it, parsed. */
static struct json *trace_json(struct shadow_mmu *mmu)
{
	char *buf = NULL, err[128];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	shadow_trace_json(mmu, f);
	fclose(f);
	struct json *t = json_parse(buf, len, err, sizeof(err));
	free(buf);
	return t;
}

TEST(trace_ring_records_and_wraps)
{
	struct sim s;
	struct shadow_config c = {.efer_nxe = true, .maxphyaddr = 46, .prefetch = 0};
	CHECK_EQ(sim_init(&s, 2048, 4096, &c), 0);
	uint64_t root = g_alloc_table(&s);
	int64_t a = sim_hc(&s, UMBRA_HC_SHADOW_AS_CREATE, root, 0, 0, 0);
	CHECK(a > 0 && sim_activate(&s, (uint32_t)a, root) == 0);
	for (unsigned i = 0; i < 8; i++)
		g_map(&s, root, UVA + i * 4096, (10 + i) * 4096, URW, 1);
	CHECK_EQ(shadow_trace_start(s.mmu, 16), 0);
	uint32_t ec;
	CHECK_EQ(sim_access(&s, UVA, 0, 3, &ec), SIM_OK);
	sim_hc(&s, UMBRA_HC_SHADOW_INVALIDATE, (uint64_t)a, UVA, UVA + 4096, UMBRA_SHADOW_EV_UNMAP);
	struct json *t = trace_json(s.mmu);
	const struct json *ev = json_get(t, "events");
	/* fault, fill, invalidate_start, zap (leaf) ..., invalidate_end */
	CHECK(ev && ev->count >= 4);
	CHECK(!strcmp(json_get_str(json_at(ev, 0), "type"), "fault"));
	CHECK(!strcmp(json_get_str(json_at(ev, 1), "type"), "fill"));
	uint64_t v;
	CHECK(json_get_u64(json_at(ev, 1), "a", &v) && v == UVA);
	CHECK(!strcmp(json_get_str(json_at(ev, 2), "type"), "invalidate_start"));
	CHECK(!strcmp(json_get_str(json_at(ev, ev->count - 1), "type"), "invalidate_end"));
	json_free(t);
	/* More events than the ring holds: the oldest go, counted. */
	for (unsigned i = 1; i < 8; i++)
		CHECK_EQ(sim_access(&s, UVA + i * 4096, 0, 3, &ec), SIM_OK);
	t = trace_json(s.mmu);
	CHECK(json_get(t, "events")->count == 16);
	CHECK(json_get_u64(t, "dropped", &v) && v > 0);
	json_free(t);
	/* Address-space switches and releases: the switch names the asid
	 * left, a release of one no vCPU runs frees it at once. */
	CHECK_EQ(shadow_trace_start(s.mmu, 16), 0);
	uint64_t root2 = g_alloc_table(&s);
	int64_t a2 = sim_hc(&s, UMBRA_HC_SHADOW_AS_CREATE, root2, 0, 0, 0);
	CHECK(a2 > 0 && sim_activate(&s, (uint32_t)a2, root2) == 0);
	CHECK_EQ(sim_hc(&s, UMBRA_HC_SHADOW_AS_RELEASE, (uint64_t)a, 0, 0, 0), 0);
	t = trace_json(s.mmu);
	ev = json_get(t, "events");
	unsigned switches = 0, releases = 0;
	for (unsigned i = 0; ev && i < ev->count; i++) {
		const struct json *e = json_at(ev, i);
		uint64_t ea, eb, earg;
		CHECK(json_get_u64(e, "a", &ea) && json_get_u64(e, "b", &eb) &&
		      json_get_u64(e, "arg", &earg));
		if (!strcmp(json_get_str(e, "type"), "root_switch")) {
			switches++;
			CHECK(ea == (uint64_t)a2 && earg == (uint64_t)a && eb != 0);
		} else if (!strcmp(json_get_str(e, "type"), "as_release")) {
			releases++;
			CHECK(ea == (uint64_t)a && eb == 0);
		}
	}
	CHECK(switches == 1 && releases == 1);
	json_free(t);
	/* A dump while tracing carries the ring. */
	struct dump_request req = {.reason = "test"};
	struct json *d = dump_json(s.mmu, &req);
	CHECK(d && json_get(d, "trace") && json_get(json_get(d, "trace"), "enabled")->boolean);
	json_free(d);
	shadow_trace_stop(s.mmu);
	d = dump_json(s.mmu, &req);
	CHECK(d && !json_get(d, "trace"));
	json_free(d);
	sim_destroy(&s);
}

/* The p2m section lists what the host holds of each gfn: present frames,
 * and runs in the swap file or given back by the balloon (without a frame
 * address); never-backed gfns are left out. Shadow mode's p2m here. */
TEST(dump_p2m_host_states_shadow)
{
	struct sim s;
	struct shadow_config c = {.efer_nxe = true, .maxphyaddr = 46};
	CHECK_EQ(sim_init(&s, 256, 512, &c), 0);
	uint64_t m;
	CHECK_EQ(p2m_populate(&s.p2m, 5, &m), 0);
	CHECK_EQ(p2m_set_absent(&s.p2m, 30, P2M_GFN_SWAPPED, 7), 0);
	CHECK_EQ(p2m_set_absent(&s.p2m, 31, P2M_GFN_SWAPPED, 9), 0);
	CHECK_EQ(p2m_set_absent(&s.p2m, 33, P2M_GFN_DISCARDED, 0), 0);
	struct dump_request req = {.reason = "test"};
	struct json *d = dump_json(s.mmu, &req);
	CHECK(d != NULL);
	const struct json *p = json_get(d, "p2m");
	CHECK(p && p->count == 3);
	CHECK(range_is(json_at(p, 0), 5 * 4096, 6 * 4096, "rwx----", "mapped"));
	CHECK(json_get(json_at(p, 0), "machine") != NULL);
	CHECK(range_is(json_at(p, 1), 30 * 4096, 32 * 4096, "r------", "swapped"));
	CHECK(json_get(json_at(p, 1), "machine") == NULL);
	CHECK(range_is(json_at(p, 2), 33 * 4096, 34 * 4096, "r------", "discarded"));
	json_free(d);
	s.quiet = true;
	sim_destroy(&s);

	/* With the host-memory layer, which keeps the state itself. */
	CHECK_EQ(sim_init_opt(&s, 256, 512, &c, true), 0);
	for (uint64_t gfn = 40; gfn < 44; gfn++) {
		CHECK_EQ(host_mem_fault(&s.hm, gfn, true, &m), 0);
		memset(frame_pool_ptr(&s.pool, m), 0x5a, 4096); /* not all-zero */
	}
	CHECK_EQ(host_mem_swap_out(&s.hm, 40), 0);
	CHECK_EQ(host_mem_swap_out(&s.hm, 41), 0);
	CHECK_EQ(host_mem_discard(&s.hm, 42), 0);
	d = dump_json(s.mmu, &req);
	p = d ? json_get(d, "p2m") : NULL;
	CHECK(p && p->count == 3);
	CHECK(range_is(json_at(p, 0), 40 * 4096, 42 * 4096, "r------", "swapped"));
	CHECK(range_is(json_at(p, 1), 42 * 4096, 43 * 4096, "r------", "discarded"));
	CHECK(range_is(json_at(p, 2), 43 * 4096, 44 * 4096, "rwx----", "mapped"));
	json_free(d);
	/* Touched again, a discarded frame is an ordinary zero frame. */
	CHECK_EQ(host_mem_fault(&s.hm, 42, false, &m), 0);
	CHECK(!host_mem_discarded(&s.hm, 42));
	s.quiet = true;
	sim_destroy(&s);
}

/* tdp mode's p2m from the state table of RAM backed on demand. */
static enum p2m_gfn_state fake_gfn_state(void *opaque, uint64_t gfn)
{
	(void)opaque;
	return gfn < 10 ? P2M_GFN_PRESENT : gfn < 12 ? P2M_GFN_SWAPPED
		 : gfn == 12 ? P2M_GFN_DISCARDED : gfn == 40 ? P2M_GFN_PRESENT : P2M_GFN_ABSENT;
}

TEST(dump_p2m_host_states_tdp)
{
	uint8_t *ram = calloc(64, 4096);
	struct tdp_dump_ram r = {.gpa = 0, .size = 64 * 4096, .hva = 0x7f0000000000};
	uint64_t roots[] = {4096};
	int vc[] = {0};
	struct tdp_dump_src src = {.ram = &r, .nram = 1, .roots = roots, .root_vcpu = vc,
				   .nroots = 1, .read64 = read_buf, .opaque = ram,
				   .gfn_state = fake_gfn_state};
	struct dump_request req = {.reason = "exit"};
	struct json *d = dump_json_of(NULL, &src, &req);
	CHECK(d != NULL);
	const struct json *p = json_get(d, "p2m");
	CHECK(p && p->count == 4);
	CHECK(range_is(json_at(p, 0), 0, 10 * 4096, "rwx----", "mapped"));
	uint64_t host;
	CHECK(json_get_u64(json_at(p, 0), "host", &host) && host == 0x7f0000000000);
	CHECK(range_is(json_at(p, 1), 10 * 4096, 12 * 4096, "r------", "swapped"));
	CHECK(json_get(json_at(p, 1), "host") == NULL);
	CHECK(range_is(json_at(p, 2), 12 * 4096, 13 * 4096, "r------", "discarded"));
	CHECK(range_is(json_at(p, 3), 40 * 4096, 41 * 4096, "rwx----", "mapped"));
	CHECK(json_get_u64(json_at(p, 3), "host", &host) && host == 0x7f0000000000 + 40 * 4096);
	json_free(d);
	free(ram);
}
