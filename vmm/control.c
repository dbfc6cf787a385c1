/* SPDX-License-Identifier: MIT */
/*
 * The control socket (--control PATH, docs/control.md): a thread serving
 * control_proto.c's JSON lines on a Unix socket (up to CONTROL_CLIENTS
 * clients at once), or on a serial port when PATH is a character device
 * (a nested run's inner VMM: QEMU's end of that port is the user's socket).
 */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <umbra/hypercall.h>

#include "../shadow/mmu.h"
#include "../shadow/mmu_trace.h"
#include "control_proto.h"
#include "vm.h"

#define CONTROL_CLIENTS 8

struct client {
	int fd;
	char *buf;
	size_t len;
	bool skipping; /* in a line that was too long */
};

struct control {
	struct vm *vm;
	pthread_t thread;
	int listen_fd, wake[2];
	bool is_tty, unlink_path;
	struct client clients[CONTROL_CLIENTS];
};

static int send_all(int fd, const char *p, size_t n, bool sock)
{
	while (n) {
		ssize_t w = sock ? send(fd, p, n, MSG_NOSIGNAL) : write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* --- what the VM offers (control_ops) --- */

static int op_stats(void *opaque, FILE *out, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	struct vm *vm = opaque;
	const struct stats *s = &vm->stats;
	uint64_t total = atomic_load(&s->exits_other);
	for (int i = 0; i < STATS_EXIT_REASONS; i++)
		total += atomic_load(&s->exits[i]);
	fprintf(out, "{\"paging\":\"%s\",\"vcpus\":%u,\"exits\":%llu,\"exits_by_reason\":{",
		vm->shadow.mmu ? "shadow" : "tdp", vm->nvcpus, (unsigned long long)total);
	bool first = true;
	for (int i = 0; i < STATS_EXIT_REASONS; i++) {
		uint64_t n = atomic_load(&s->exits[i]);
		const char *name = kvm_exit_name((uint32_t)i);
		if (!n || !name)
			continue;
		fprintf(out, "%s\"%s\":%llu", first ? "" : ",", name + strlen("KVM_EXIT_"),
			(unsigned long long)n);
		first = false;
	}
	fprintf(out, "},\"hypercalls\":%llu,\"hypercalls_unknown\":%llu,\"mmio_reads\":%llu,"
		"\"mmio_writes\":%llu,\"guest_boot_ns\":%lld,\"shadow\":",
		(unsigned long long)atomic_load(&s->hypercalls),
		(unsigned long long)atomic_load(&s->hypercalls_unknown),
		(unsigned long long)atomic_load(&s->mmio_reads),
		(unsigned long long)atomic_load(&s->mmio_writes),
		(long long)hc_boot_ns(&vm->hc));
	if (!vm->shadow.mmu) {
		fprintf(out, "null}");
		return 0;
	}
	struct shadow_stats ss;
	pthread_mutex_lock(&vm->hc.shadow_lock);
	shadow_get_stats(vm->shadow.mmu, &ss);
	unsigned pages = shadow_nr_pages(vm->shadow.mmu), budget = shadow_budget(vm->shadow.mmu);
	pthread_mutex_unlock(&vm->hc.shadow_lock);
#define S(n) fprintf(out, ",\"" #n "\":%llu", (unsigned long long)ss.n)
	fprintf(out, "{\"pages\":%u,\"budget\":%u", pages, budget);
	S(faults_handled); S(faults_reflected); S(fills); S(fills_2m); S(prefetched);
	S(prefetch_used); S(zaps); S(wrprotects); S(sp_created); S(sp_evicted);
	S(roots_created); S(roots_evicted); S(root_switches); S(invalidations);
	S(tlb_flushes); S(p2m_zaps); S(audit_findings);
#undef S
	struct shadow_kick_stats ks;
	shadow_kick_get_stats(&vm->shadow.kick, &ks);
	fprintf(out, ",\"kicks\":{\"waits\":%llu,\"sent\":%llu,\"failed\":%llu,"
		"\"acks\":%llu,\"promises\":%llu,\"timeouts\":%llu,\"wait_us\":%llu,"
		"\"wait_exits\":%llu}",
		(unsigned long long)ks.barriers, (unsigned long long)ks.kicks,
		(unsigned long long)ks.kick_failed, (unsigned long long)ks.acks,
		(unsigned long long)ks.promises, (unsigned long long)ks.timeouts,
		(unsigned long long)(ks.wait_ns / 1000), (unsigned long long)ks.wait_exits);
	fprintf(out, "}}");
	return 0;
}

static int op_dump(void *opaque, const struct control_dump_args *ca, FILE *out,
		   char *err, size_t errlen)
{
	struct vm *vm = opaque;
	struct vm_dump_args a = {
		.reason = "control", .guest_root = ca->guest_root, .asid = (uint32_t)ca->asid,
		.user_only = ca->user_only,
	};
	snprintf(a.label, sizeof(a.label), "%s", ca->label);
	if (ca->to_file) {
		int64_t r = vm_dump_request(vm, &a, NULL);
		if (r == -UMBRA_ENOENT) {
			snprintf(err, errlen, "no dump file (umbra run --dump-on-exit FILE)");
			return -ENOENT;
		}
		if (r < 0)
			return -EIO;
		fprintf(out, "{\"seq\":%lld}", (long long)r);
		return 0;
	}
	/* The dump ends its line: inside an answer it must not. */
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return -ENOMEM;
	int64_t r = vm_dump_request(vm, &a, m);
	fclose(m);
	while (len && buf[len - 1] == '\n')
		len--;
	if (r >= 0)
		fwrite(buf, 1, len, out);
	free(buf);
	return r < 0 ? -EIO : 0;
}

/* Shadow mode traces the shadow MMU's ring (its events and host
 * memory's); tdp mode a ring of host-memory events (docs/trace.md). */
static int op_trace_start(void *opaque, unsigned events, FILE *out, char *err, size_t errlen)
{
	struct vm *vm = opaque;
	int r;
	(void)err;
	(void)errlen;
	if (vm->shadow.mmu) {
		pthread_mutex_lock(&vm->hc.shadow_lock);
		r = shadow_trace_start(vm->shadow.mmu, events);
		pthread_mutex_unlock(&vm->hc.shadow_lock);
	} else {
		r = uffd_mem_trace_start(&vm->hmem.uffd, events);
	}
	if (!r)
		fprintf(out, "{\"events\":%u}", events ? events : TRACE_DEFAULT_EVENTS);
	return r;
}

static int op_trace_stop(void *opaque, FILE *out, char *err, size_t errlen)
{
	struct vm *vm = opaque;
	(void)err;
	(void)errlen;
	if (vm->shadow.mmu) {
		pthread_mutex_lock(&vm->hc.shadow_lock);
		shadow_trace_stop(vm->shadow.mmu);
		pthread_mutex_unlock(&vm->hc.shadow_lock);
	} else {
		uffd_mem_trace_stop(&vm->hmem.uffd);
	}
	fprintf(out, "{}");
	return 0;
}

static int op_trace_read(void *opaque, FILE *out, char *err, size_t errlen)
{
	struct vm *vm = opaque;
	(void)err;
	(void)errlen;
	if (vm->shadow.mmu) {
		pthread_mutex_lock(&vm->hc.shadow_lock);
		shadow_trace_json(vm->shadow.mmu, out);
		pthread_mutex_unlock(&vm->hc.shadow_lock);
	} else {
		uffd_mem_trace_json(&vm->hmem.uffd, out);
	}
	return 0;
}

/* The balloon, as virtio-balloon's num_pages: the target is set here and
 * the guest told by an interrupt; its driver asks for the target and
 * inflates or deflates (hypercall 12 from the vCPU, docs/hypercalls.md). */
static int op_balloon(void *opaque, uint64_t bytes, FILE *out, char *err, size_t errlen)
{
	struct vm *vm = opaque;
	uint64_t pages = bytes / 4096;
	host_mem_vm_set_balloon_target(&vm->hmem, pages);
	int r = kvm_signal_msi(&vm->kvm, 0, UMBRA_BALLOON_VECTOR);
	if (r && r != -EAGAIN) {
		snprintf(err, errlen, "balloon: cannot interrupt the guest: %s", strerror(-r));
		return -EIO;
	}
	/* -EAGAIN: its APIC is not up yet; the driver asks anyway at its
	 * first return to user mode. */
	fprintf(out, "{\"target_pages\":%llu,\"told\":%s}", (unsigned long long)pages,
		r == 0 ? "true" : "false");
	return 0;
}

/*
 * Host reclaim from this thread. Shadow mode (host_mem_vm.c): while the
 * vCPUs run; the vCPUs that may cache what it unmaps are kicked and
 * acknowledge before anything is swapped out. tdp mode: the vCPUs are
 * paused between exits (a guest write between a frame's copy to the swap
 * file and its drop would be lost) and KVM's own MMU notifier unmaps what
 * is dropped before madvise returns, so it is always flushed.
 */
static int op_reclaim(void *opaque, uint64_t pages, FILE *out, char *err, size_t errlen)
{
	struct vm *vm = opaque;
	bool flushed = true;
	int64_t n;
	if (vm->shadow.mmu) {
		n = host_mem_vm_reclaim_remote(&vm->hmem, pages, &flushed);
	} else if (!uffd_mem_can_reclaim(&vm->hmem.uffd)) {
		snprintf(err, errlen, "reclaim: guest RAM is backed eagerly "
			 "(no userfaultfd) or there is no swap file");
		return -ENOTSUP;
	} else if ((n = vm_pause(vm)) == 0) {
		n = (int64_t)uffd_mem_reclaim_pages(&vm->hmem.uffd, pages);
		vm_resume(vm);
	}
	if (n < 0) {
		snprintf(err, errlen, "reclaim: %s", strerror((int)-n));
		return (int)n == -ENOTSUP ? -ENOTSUP : -EIO;
	}
	fprintf(out, "{\"pages\":%lld,\"flushed\":%s}", (long long)n,
		flushed ? "true" : "false");
	return 0;
}

/* --- the server --- */

static void serve_line(struct control *c, struct client *cl, const char *line, size_t len)
{
	const struct control_ops ops = {
		.opaque = c->vm, .query_stats = op_stats, .dump = op_dump,
		.trace_start = op_trace_start, .trace_stop = op_trace_stop,
		.trace_read = op_trace_read, .balloon = op_balloon, .reclaim = op_reclaim,
	};
	char *ans = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&ans, &n);
	if (!m)
		return;
	if (line)
		control_handle(&ops, line, len, m);
	else
		control_too_long(m);
	fclose(m);
	send_all(cl->fd, ans, n, !c->is_tty);
	free(ans);
}

/* New bytes from a client: answer every whole line. -1: drop the client. */
static int client_input(struct control *c, struct client *cl)
{
	char chunk[4096];
	ssize_t r = read(cl->fd, chunk, sizeof(chunk));
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (r <= 0)
		return -1;
	for (ssize_t i = 0; i < r; i++) {
		char ch = chunk[i];
		if (ch == '\n') {
			if (!cl->skipping)
				serve_line(c, cl, cl->buf, cl->len);
			cl->skipping = false;
			cl->len = 0;
			continue;
		}
		if (cl->skipping)
			continue;
		if (cl->len == CONTROL_LINE_MAX) {
			serve_line(c, cl, NULL, 0);
			cl->skipping = true;
			cl->len = 0;
			continue;
		}
		cl->buf[cl->len++] = ch;
	}
	return 0;
}

static void drop(struct client *cl)
{
	close(cl->fd);
	free(cl->buf);
	cl->fd = -1;
	cl->buf = NULL;
}

static void *control_thread(void *arg)
{
	struct control *c = arg;
	for (;;) {
		struct pollfd pfd[CONTROL_CLIENTS + 2];
		int idx[CONTROL_CLIENTS + 2];
		nfds_t n = 0;
		pfd[n] = (struct pollfd){.fd = c->wake[0], .events = POLLIN};
		idx[n++] = -2;
		if (c->listen_fd >= 0) {
			pfd[n] = (struct pollfd){.fd = c->listen_fd, .events = POLLIN};
			idx[n++] = -1;
		}
		for (int i = 0; i < CONTROL_CLIENTS; i++)
			if (c->clients[i].fd >= 0) {
				pfd[n] = (struct pollfd){.fd = c->clients[i].fd, .events = POLLIN};
				idx[n++] = i;
			}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents)
			break;
		for (nfds_t k = 1; k < n; k++) {
			if (!pfd[k].revents)
				continue;
			if (idx[k] == -1) {
				int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
				if (fd < 0)
					continue;
				int slot = -1;
				for (int i = 0; i < CONTROL_CLIENTS && slot < 0; i++)
					if (c->clients[i].fd < 0)
						slot = i;
				char *buf = slot >= 0 ? malloc(CONTROL_LINE_MAX) : NULL;
				if (!buf) {
					static const char busy[] = "{\"error\":{\"class\":\"Failed\","
						"\"desc\":\"too many clients\"}}\n";
					send_all(fd, busy, sizeof(busy) - 1, true);
					close(fd);
					continue;
				}
				c->clients[slot] = (struct client){.fd = fd, .buf = buf};
				char *g = NULL;
				size_t gl = 0;
				FILE *m = open_memstream(&g, &gl);
				if (m) {
					control_greeting(m);
					fclose(m);
					send_all(fd, g, gl, true);
					free(g);
				}
				continue;
			}
			struct client *cl = &c->clients[idx[k]];
			if (client_input(c, cl) < 0) {
				if (c->is_tty)
					goto out; /* the serial port went away */
				drop(cl);
			}
		}
	}
out:
	return NULL;
}

int control_start(struct vm *vm)
{
	const char *path = vm->cfg->control_path;
	if (!path)
		return 0;
	struct control *c = calloc(1, sizeof(*c));
	if (!c) {
		fprintf(stderr, "umbra: --control: out of memory\n");
		return UMBRA_EXIT_INTERNAL;
	}
	c->vm = vm;
	c->listen_fd = -1;
	c->wake[0] = c->wake[1] = -1;
	for (int i = 0; i < CONTROL_CLIENTS; i++)
		c->clients[i].fd = -1;
	struct stat st;
	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode)) {
		/* A serial port: one client, always there; bytes as they are. */
		int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
		struct termios t;
		if (fd >= 0 && tcgetattr(fd, &t) == 0) {
			cfmakeraw(&t);
			tcsetattr(fd, TCSANOW, &t);
		}
		char *buf = fd >= 0 ? malloc(CONTROL_LINE_MAX) : NULL;
		if (!buf) {
			fprintf(stderr, "umbra: --control %s: %s\n", path,
				fd < 0 ? strerror(errno) : "out of memory");
			if (fd >= 0)
				close(fd);
			free(c);
			return UMBRA_EXIT_USAGE;
		}
		c->is_tty = true;
		c->clients[0] = (struct client){.fd = fd, .buf = buf};
	} else {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		if (strlen(path) >= sizeof(sa.sun_path)) {
			fprintf(stderr, "umbra: --control %s: path too long for a socket\n", path);
			free(c);
			return UMBRA_EXIT_USAGE;
		}
		strcpy(sa.sun_path, path);
		/* A socket left by an earlier run goes; any other file stays. */
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(path);
		c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->listen_fd < 0 || bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
		    listen(c->listen_fd, 4)) {
			fprintf(stderr, "umbra: --control %s: %s\n", path, strerror(errno));
			if (c->listen_fd >= 0)
				close(c->listen_fd);
			free(c);
			return UMBRA_EXIT_USAGE;
		}
		c->unlink_path = true;
	}
	if (pipe2(c->wake, O_CLOEXEC) || pthread_create(&c->thread, NULL, control_thread, c)) {
		fprintf(stderr, "umbra: --control: cannot start its thread\n");
		return UMBRA_EXIT_INTERNAL;
	}
	vm->control = c;
	return 0;
}

void control_stop(struct vm *vm)
{
	struct control *c = vm->control;
	if (!c)
		return;
	vm->control = NULL;
	if (write(c->wake[1], "x", 1) == 1)
		pthread_join(c->thread, NULL);
	for (int i = 0; i < CONTROL_CLIENTS; i++)
		if (c->clients[i].fd >= 0)
			drop(&c->clients[i]);
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	if (c->unlink_path)
		unlink(vm->cfg->control_path);
	close(c->wake[0]);
	close(c->wake[1]);
	free(c);
}
