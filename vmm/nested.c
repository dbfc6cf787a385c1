/* SPDX-License-Identifier: MIT */
/*
 * Nested runs: where this machine has no /dev/kvm, `umbra run` re-executes
 * itself inside a QEMU (TCG) VM, "L1", whose Linux offers KVM through
 * kvm_amd on QEMU's emulated SVM with nested paging (../shared/NESTED.md).
 *
 * Files. The L1 kernel and the base initramfs (busybox, KVM modules, /init)
 * are built by tools/mkl1base.sh into build/nested; they are found through
 * $UMBRA_NESTED_DIR, else in "nested" beside this binary (build/umbra ->
 * build/nested), so no path is compiled in. Per run, the initramfs image is
 * assembled in a memfd (nothing on disk to clean up, even after SIGKILL):
 * the base (gzip'd cpio), zero padding to 4 bytes, then an uncompressed
 * newc archive with /umbra/{umbra,kernel,initrd,argv,env}. Linux unpacks
 * concatenated, mixed compressed/uncompressed archives in order.
 *
 * Output. QEMU's two serial ports are pipes to this process: ttyS0 carries
 * L1's console, the markers of nested_proto.h and the inner umbra's stdout,
 * parsed by nested_console; ttyS1 carries only the inner umbra's stderr and
 * is copied to our stderr as it comes. QEMU's own output is kept to explain
 * a failure. The status of the inner `umbra run` comes from the exit marker.
 */
#include "nested.h"
#include "ksm.h"
#include "vm.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <umbra/hypercall.h>

#include "cpio_newc.h"
#include "elf_syms.h"
#include "nested_monitor.h"
#include "nested_proto.h"

#define QEMU "qemu-system-x86_64"
/* After the exit marker L1 powers off at once; do not wait forever if not. */
#define POWEROFF_GRACE_S 10.0
/* L1 boots to umbra's start in 3-4 s (docs/architecture.md); a boot that
 * takes this long has hung (UMBRA_NESTED_BOOT_TIMEOUT). */
#define NESTED_BOOT_TIMEOUT_S 60.0
/* Where L1's CPUs are when a run is stopped from outside: a few looks,
 * enough to tell a CPU spinning in one place from one that moves. */
#define L1_CPU_SAMPLES 3
#define L1_CPU_SAMPLE_GAP_MS 100
/* Arguments an argv file may hold (the `umbra run` options and a few). */
#define NESTED_ARGS_MAX 64
/* L1's KSM for --dedup: pages per scan and the pause between scans, set
 * explicitly (the kernel's defaults): with 1000 pages per scan ksmd took
 * so much of L1's emulated CPUs that the guest's boot took 30 s, not 2. */
#define NESTED_KSM_PAGES_TO_SCAN 100
#define NESTED_KSM_SLEEP_MS 20

static void nested_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void nested_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("umbra: nested run: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* $UMBRA_NESTED_DIR, else the "nested" folder beside this binary. */
static int find_nested_dir(char *dir, size_t cap)
{
	const char *env = getenv("UMBRA_NESTED_DIR");
	if (env && env[0]) {
		snprintf(dir, cap, "%s", env);
		return 0;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0) {
		nested_error("cannot find this binary (/proc/self/exe): %s; "
			     "set UMBRA_NESTED_DIR", strerror(errno));
		return -1;
	}
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(dir, cap, "%s/nested", exe);
	return 0;
}

/*
 * The copy of this binary runs in L1, which has no C library. A static
 * umbra needs nothing more; a dynamically linked one (the ASan/UBSan build,
 * build/umbra-asan: sanitizers need the dynamic loader) takes along its
 * program interpreter, whose path this returns in interp (empty for a
 * static binary), and the shared objects it has mapped (self_objects).
 */
static int self_interp(char *interp, size_t cap)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	Elf64_Ehdr eh;
	bool readable = fd >= 0 && pread(fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh);
	interp[0] = '\0';
	for (unsigned int i = 0; readable && i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		readable = pread(fd, &ph, sizeof(ph),
				 (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) ==
			   (ssize_t)sizeof(ph);
		if (readable && ph.p_type == PT_INTERP) {
			size_t n = ph.p_filesz < cap ? ph.p_filesz : cap - 1;
			readable = pread(fd, interp, n, (off_t)ph.p_offset) == (ssize_t)n;
			interp[readable ? n : 0] = '\0';
		}
	}
	if (fd >= 0)
		close(fd);
	if (!readable) {
		nested_error("cannot read this binary's ELF header (/proc/self/exe)");
		return -1;
	}
	return 0;
}

/* Adds the file at path (absolute) to the archive as name, with name's
 * parent folders (adding a folder twice is harmless: the kernel's unpacker
 * skips one that exists). */
static int add_with_parents(struct cpio_newc *c, const char *name, const char *path)
{
	char dir[PATH_MAX];
	const char *rel = name + strspn(name, "/");
	for (const char *p = strchr(rel, '/'); p; p = strchr(p + 1, '/')) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(p - rel), rel);
		int err = cpio_newc_add_dir(c, dir, 0755);
		if (err)
			return err;
	}
	return cpio_newc_add_file(c, rel, 0755, path);
}

struct self_objects {
	struct cpio_newc *c;
	int err;
};

static int add_loaded_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct self_objects *so = arg;
	(void)size;
	/* The loader's own names: the main program and the vDSO have none
	 * that is a file. */
	if (!so->err && info->dlpi_name[0] == '/' && access(info->dlpi_name, R_OK) == 0)
		so->err = add_with_parents(so->c, info->dlpi_name, info->dlpi_name);
	return so->err;
}

/* The interpreter at its PT_INTERP path, and the shared objects the loader
 * opened, at the paths it found them by (their sonames in its search
 * path), so that it finds them in L1 the same way. */
static int add_self_objects(struct cpio_newc *c, const char *interp)
{
	struct self_objects so = {c, add_with_parents(c, interp, interp)};
	if (!so.err)
		dl_iterate_phdr(add_loaded_object, &so);
	return so.err;
}

/* A number of seconds from the environment variable name: dflt when
 * unset; 0 (no limit) is accepted only when allow_zero. */
static int read_seconds(const char *name, double dflt, bool allow_zero, double *seconds)
{
	const char *env = getenv(name);
	*seconds = dflt;
	if (!env || !env[0])
		return 0;
	char *end;
	errno = 0;
	*seconds = strtod(env, &end);
	/* At most a year: ppoll takes a finite timespec. */
	if (errno || *end || !(*seconds > 0 || (allow_zero && *seconds == 0)) ||
	    !(*seconds <= 365 * 86400.0)) {
		nested_error("%s=\"%s\" is not a %s number of seconds (at most a year)",
			     name, env, allow_zero ? "non-negative" : "positive");
		return -1;
	}
	return 0;
}

/* UMBRA_NESTED_TCG_THREAD: QEMU's -accel tcg,thread=... ("single" runs
 * every L1 CPU on one host thread, round robin: other interleavings of
 * the vCPUs, for chasing SMP races, and for the one test that hit QEMU's
 * SVM world-switch fault most: docs/reliability.md); unset: QEMU's
 * default. */
static int read_tcg_accel(const char **accel)
{
	const char *env = getenv("UMBRA_NESTED_TCG_THREAD");
	*accel = "tcg";
	if (!env || !env[0])
		return 0;
	if (!strcmp(env, "single"))
		*accel = "tcg,thread=single";
	else if (!strcmp(env, "multi"))
		*accel = "tcg,thread=multi";
	else {
		nested_error("UMBRA_NESTED_TCG_THREAD=\"%s\": single or multi", env);
		return -1;
	}
	return 0;
}

static int make_mark(char mark[NESTED_MARK_LEN + 1])
{
	unsigned char bytes[NESTED_MARK_LEN / 2];
	if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes)) {
		nested_error("getrandom: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(bytes); i++)
		snprintf(mark + 2 * i, 3, "%02x", bytes[i]);
	return 0;
}

/* Copies the file at path to f; returns its size, or -1 (errno set). */
static long long copy_file(FILE *f, const char *path)
{
	FILE *in = fopen(path, "rb");
	if (!in)
		return -1;
	char buf[64 * 1024];
	long long total = 0;
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (fwrite(buf, 1, n, f) != n) {
			fclose(in);
			errno = EIO;
			return -1;
		}
		total += (long long)n;
	}
	int err = ferror(in) ? EIO : 0;
	fclose(in);
	errno = err;
	return err ? -1 : total;
}

/*
 * The per-run L1 initramfs image, in a memfd (close-on-exec; the child
 * moves it to a known descriptor). Returns the fd, or -1 after an error
 * message.
 */
static int build_initrd(const char *base, const struct umbra_config *cfg,
			const char *mark, const char *interp)
{
	/* The small files /umbra/argv and /umbra/env, written in memory. */
	char *argv = NULL, *env = NULL;
	size_t argv_len = 0, env_len = 0;
	FILE *fa = open_memstream(&argv, &argv_len);
	FILE *fe = open_memstream(&env, &env_len);
	int bad = !fa || !fe;
	if (fa)
		bad |= nested_write_argv(fa, cfg) != 0 || fclose(fa) != 0;
	if (fe)
		bad |= nested_write_env(fe, mark,
					getenv("UMBRA_NESTED_KVM_AMD_PARAMS")) != 0 ||
		       fclose(fe) != 0;

	int fd = memfd_create("umbra-l1-initrd", MFD_CLOEXEC);
	int wfd = fd >= 0 ? dup(fd) : -1;
	FILE *f = wfd >= 0 ? fdopen(wfd, "wb") : NULL;
	if (bad || !f) {
		nested_error("cannot create the L1 initramfs in memory: %s",
			     strerror(errno));
		goto fail;
	}

	long long base_len = copy_file(f, base);
	if (base_len < 0) {
		nested_error("cannot read %s: %s (build it with `make`)", base,
			     strerror(errno));
		goto fail;
	}
	/* The appended archive must begin at a 4-byte boundary of the image. */
	static const char zeros[3];
	fwrite(zeros, 1, (size_t)((4 - (base_len & 3)) & 3), f);

	struct cpio_newc c;
	cpio_newc_init(&c, f);
	struct {
		const char *name, *src; /* src NULL: not in this run */
		unsigned int perm;
	} files[] = {
		{"umbra/umbra", "/proc/self/exe", 0755},
		{"umbra/kernel", cfg->kernel, 0644},
		{"umbra/initrd", cfg->initrd, 0644},
		{"umbra/bios", cfg->bios, 0644},
	};
	int err = cpio_newc_add_dir(&c, "umbra", 0755);
	if (!err && interp[0] && (err = add_self_objects(&c, interp)) != 0) {
		nested_error("cannot add this umbra's shared objects to the L1 "
			     "initramfs: %s", strerror(-err));
		goto fail;
	}
	for (size_t i = 0; !err && i < sizeof(files) / sizeof(files[0]); i++) {
		if (!files[i].src)
			continue;
		err = cpio_newc_add_file(&c, files[i].name, files[i].perm,
					 files[i].src);
		if (err) {
			nested_error("cannot add %s to the L1 initramfs: %s",
				     files[i].src, strerror(-err));
			goto fail;
		}
	}
	if (err || cpio_newc_add_buffer(&c, "umbra/argv", 0644, argv, argv_len) ||
	    cpio_newc_add_buffer(&c, "umbra/env", 0644, env, env_len) ||
	    cpio_newc_finish(&c) ||
	    fflush(f) != 0 || ferror(f)) {
		nested_error("cannot write the L1 initramfs: %s", strerror(errno));
		goto fail;
	}
	fclose(f);
	free(argv);
	free(env);
	return fd;
fail:
	if (f)
		fclose(f);
	else if (wfd >= 0)
		close(wfd);
	if (fd >= 0)
		close(fd);
	free(argv);
	free(env);
	return -1;
}

/* A path as a QEMU option value: commas doubled. */
static void qemu_escape(char *out, size_t cap, const char *path)
{
	size_t n = 0;
	for (const char *p = path ? path : ""; *p && n + 3 < cap; p++) {
		out[n++] = *p;
		if (*p == ',')
			out[n++] = ',';
	}
	out[n] = '\0';
}

/* Where QEMU's monitor listens: UMBRA_NESTED_MONITOR, else a socket in
 * the run's private folder ("" if none). */
static char monitor_sock[108];

/* The read ends of the pipes QEMU writes into, and QEMU itself. */
struct l1_vm {
	pid_t pid;
	int console_fd; /* ttyS0 */
	int stderr_fd;  /* ttyS1 */
	int log_fd;     /* QEMU's own stdout and stderr */
};

/*
 * Starts QEMU with the initramfs on descriptor 3 and the serial ports on
 * 4 and 5, opened by QEMU as /proc/self/fd/N. child_mask is the signal mask
 * QEMU gets. Returns 0, or -1 after an error message.
 */
static int start_qemu(struct l1_vm *vm, const char *vmlinuz, int initrd_fd,
		      const char *accel, const struct umbra_config *cfg,
		      const sigset_t *child_mask)
{
	struct stat st;
	if (fstat(initrd_fd, &st) != 0) {
		nested_error("fstat of the L1 initramfs: %s", strerror(errno));
		return -1;
	}
	/* QEMU's monitor listens on monitor_sock (UMBRA_NESTED_MONITOR, or a
	 * private path), to say where L1's CPUs are when a run is stopped
	 * (nested_monitor.h); none where no such path could be made. */
	char monitor[2 * PATH_MAX + 64] = "none";
	if (monitor_sock[0]) {
		char escaped[2 * PATH_MAX];
		qemu_escape(escaped, sizeof(escaped), monitor_sock);
		snprintf(monitor, sizeof(monitor), "unix:%s,server=on,wait=off", escaped);
	}
	char mem[32], cpus[16];
	snprintf(mem, sizeof(mem), "%llu",
		 (unsigned long long)nested_l1_mem_mib(cfg->mem_bytes,
						       (uint64_t)st.st_size));
	snprintf(cpus, sizeof(cpus), "%u", nested_l1_cpus(cfg->cpus));
	char *args[] = {
		QEMU, "-accel", (char *)accel, "-cpu", "max", "-m", mem, "-smp", cpus,
		"-nodefaults", "-no-user-config", "-display", "none",
		"-monitor", (char *)monitor, "-no-reboot",
		"-kernel", (char *)vmlinuz, "-initrd", "/proc/self/fd/3",
		/* loglevel=1: only emergencies (a panic) reach the console. */
		"-append", "console=ttyS0 quiet loglevel=1 panic=-1",
		"-chardev", "file,id=s0,path=/proc/self/fd/4", "-serial", "chardev:s0",
		"-chardev", "file,id=s1,path=/proc/self/fd/5", "-serial", "chardev:s1",
		/* ttyS2: the dump file; ttyS3: the control socket (nested_proto.h);
		 * then QEMU's log (-d, -D) */
		NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
		NULL, NULL, NULL, NULL, NULL,
	};
	char dump_dev[2 * PATH_MAX + 32], control_dev[2 * PATH_MAX + 64];
	char dump_path[2 * PATH_MAX], control_path[2 * PATH_MAX];
	qemu_escape(dump_path, sizeof(dump_path), cfg->dump_path);
	qemu_escape(control_path, sizeof(control_path), cfg->control_path);
	/* The optional arguments go into the NULL slots after the fixed
	 * ones, from k on. */
	size_t k = 0;
	while (args[k])
		k++;
	if (cfg->dump_path || cfg->control_path) {
		if (cfg->dump_path)
			snprintf(dump_dev, sizeof(dump_dev), "file,id=s2,path=%s", dump_path);
		else
			snprintf(dump_dev, sizeof(dump_dev), "null,id=s2");
		args[k++] = "-chardev";
		args[k++] = dump_dev;
		args[k++] = "-serial";
		args[k++] = "chardev:s2";
		if (cfg->control_path) {
			/* QEMU listens on PATH; one client at a time. */
			snprintf(control_dev, sizeof(control_dev),
				 "socket,id=s3,path=%s,server=on,wait=off", control_path);
			args[k++] = "-chardev";
			args[k++] = control_dev;
			args[k++] = "-serial";
			args[k++] = "chardev:s3";
		}
	}
	/* UMBRA_NESTED_QEMU_LOG=PATH: QEMU logs every interrupt and exception
	 * with the CPU state to PATH (-d int): the only record of a nested
	 * guest's triple fault, whose registers KVM resets on AMD. Heavy:
	 * point it at a FIFO that keeps the tail. */
	const char *qemu_log = getenv("UMBRA_NESTED_QEMU_LOG");
	if (qemu_log && qemu_log[0]) {
		args[k++] = "-d";
		args[k++] = "int,cpu_reset";
		args[k++] = "-D";
		args[k++] = (char *)qemu_log;
	}

	int console[2], err[2], log[2];
	if (pipe2(console, O_CLOEXEC) || pipe2(err, O_CLOEXEC) ||
	    pipe2(log, O_CLOEXEC)) {
		nested_error("pipe: %s", strerror(errno));
		return -1;
	}
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, child_mask, NULL);
		/* QEMU must not outlive us, however we die. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Its own process group: a stop signal sent to ours (Ctrl-C,
		 * `timeout`) reaches umbra alone, which says where L1's CPUs
		 * were (through QEMU's monitor) before it stops QEMU. */
		setpgid(0, 0);
		if (getppid() != parent)
			_exit(1);
		/* Move through high close-on-exec copies, so the targets
		 * 0..5 never clobber a source. */
		int src[] = {devnull, log[1], log[1], initrd_fd, console[1], err[1]};
		int high[6];
		for (int i = 0; i < 6; i++)
			high[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 10);
		for (int i = 0; i < 6; i++)
			dup2(high[i], i);
		execvp(QEMU, args);
		dprintf(2, "cannot run %s: %s (install it: tools/deps.sh)\n",
			QEMU, strerror(errno));
		_exit(127);
	}
	int fork_errno = errno;
	close(console[1]);
	close(err[1]);
	close(log[1]);
	if (devnull >= 0)
		close(devnull);
	if (pid < 0) {
		close(console[0]);
		close(err[0]);
		close(log[0]);
		nested_error("fork: %s", strerror(fork_errno));
		return -1;
	}
	vm->pid = pid;
	vm->console_fd = console[0];
	vm->stderr_fd = err[0];
	vm->log_fd = log[0];
	return 0;
}

static void write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* our reader is gone; nothing better to do */
		data += n;
		len -= (size_t)n;
	}
}

static void to_stdout(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	write_all(STDOUT_FILENO, data, len);
}

/* The tail of QEMU's own output, for the error message. */
struct log_tail {
	char buf[2048];
	size_t len;
};

static void log_tail_add(struct log_tail *t, const char *data, size_t len)
{
	if (len >= sizeof(t->buf)) {
		data += len - sizeof(t->buf) / 2;
		len = sizeof(t->buf) / 2;
	}
	if (t->len + len > sizeof(t->buf)) {
		size_t drop = t->len + len - sizeof(t->buf);
		memmove(t->buf, t->buf + drop, t->len - drop);
		t->len -= drop;
	}
	memcpy(t->buf + t->len, data, len);
	t->len += len;
}

/* The last non-empty line of the tail, NUL-terminated in place. */
static const char *log_tail_last_line(struct log_tail *t)
{
	while (t->len && (t->buf[t->len - 1] == '\n' || t->buf[t->len - 1] == '\r'))
		t->len--;
	t->buf[t->len < sizeof(t->buf) ? t->len : sizeof(t->buf) - 1] = '\0';
	char *nl = strrchr(t->buf, '\n');
	return nl ? nl + 1 : t->buf;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

/*
 * SIGUSR2 asks for a dump (docs/dump-format.md). The inner VMM cannot be
 * signalled from here: the request goes over its control port instead
 * (QEMU's socket at dump_sock: the user's --control PATH, or a private one).
 */
static volatile sig_atomic_t dump_signal;
static char dump_sock[108];
static int dump_conn = -1; /* a request waiting for its answer */

/*
 * --control PATH appears only once L1 has started umbra: until then QEMU
 * listens on a name of its own beside PATH (dump_sock), renamed to PATH
 * when the boot is done. A client therefore never connects to an L1 whose
 * boot hangs and is started again, which would cut its connection; it
 * waits for PATH, as it may natively while the VMM sets up.
 */
static const char *control_user_path; /* the user's PATH, until renamed */

static void control_publish(void)
{
	if (!control_user_path)
		return;
	/* As at the start: a socket there goes, any other file stays. */
	struct stat st;
	if (lstat(control_user_path, &st) == 0 && !S_ISSOCK(st.st_mode))
		nested_error("--control %s: a file that is not a socket appeared "
			     "there; the VM listens on %s instead",
			     control_user_path, dump_sock);
	else if (rename(dump_sock, control_user_path) == 0)
		snprintf(dump_sock, sizeof(dump_sock), "%s", control_user_path);
	else
		nested_error("--control %s: cannot rename QEMU's socket %s to it: %s",
			     control_user_path, dump_sock, strerror(errno));
	control_user_path = NULL;
}

static void on_dump_signal(int sig)
{
	(void)sig;
	dump_signal = 1;
}

/* Ends the wait for a dump request's answer (it came, or its QEMU went). */
static void dump_conn_close(void)
{
	if (dump_conn >= 0)
		close(dump_conn);
	dump_conn = -1;
}

/* Sends the request; returns the connection, kept open until the answer
 * comes (QEMU drops what it has not passed on when the client hangs up),
 * or -1. */
static int forward_dump(void)
{
	static const char req[] = "\n{\"execute\":\"dump\",\"arguments\":"
		"{\"to_file\":true,\"label\":\"SIGUSR2\"}}\n";
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", dump_sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) == (ssize_t)sizeof(req) - 1) {
		fprintf(stderr, "umbra: SIGUSR2: dump requested\n");
		return fd;
	}
	fprintf(stderr, "umbra: SIGUSR2: cannot reach the VM's control port\n");
	if (fd >= 0)
		close(fd);
	return -1;
}

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define NSTOP (sizeof(stop_signals) / sizeof(stop_signals[0]))

/* Passes on what is ready on L1's console (to our stdout, through the
 * marker parser), L1's stderr (to ours) and QEMU's log (kept); closes
 * what ended. */
static void forward_ready(struct pollfd pfd[3], int *fds[3], struct nested_console *console,
			  struct log_tail *log)
{
	for (int i = 0; i < 3; i++) {
		if (pfd[i].fd < 0 || !pfd[i].revents)
			continue;
		char buf[16 * 1024];
		ssize_t n = read(pfd[i].fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(pfd[i].fd);
			pfd[i].fd = *fds[i] = -1;
		} else if (i == 0) {
			nested_console_feed(console, buf, (size_t)n, to_stdout, NULL);
			if (console->state == NESTED_RUN)
				control_publish();
		} else if (i == 1) {
			write_all(STDERR_FILENO, buf, (size_t)n);
		} else {
			log_tail_add(log, buf, (size_t)n);
		}
	}
}

/* Why the run loop ended before QEMU closed its output. */
enum cut { CUT_NONE, CUT_SIGNAL, CUT_TIMEOUT, CUT_GRACE, CUT_BOOT, CUT_ERROR };

/*
 * Passes L1's output through until QEMU closes it, a stop signal arrives,
 * the deadline (0: none) passes, L1 has not started umbra by boot_deadline
 * (0: none), or L1 lingers after its exit marker. poll_mask is the signal
 * mask while waiting (the stop signals unblocked).
 */
static enum cut pump(struct l1_vm *vm, struct nested_console *console,
		     struct log_tail *log, double deadline, double boot_deadline,
		     const sigset_t *poll_mask)
{
	struct pollfd pfd[4] = {
		{.fd = vm->console_fd, .events = POLLIN},
		{.fd = vm->stderr_fd, .events = POLLIN},
		{.fd = vm->log_fd, .events = POLLIN},
		{.fd = -1, .events = POLLIN}, /* a SIGUSR2 dump request's answer */
	};
	int *fds[3] = {&vm->console_fd, &vm->stderr_fd, &vm->log_fd};
	double grace_deadline = 0;
	while (pfd[0].fd >= 0 || pfd[1].fd >= 0 || pfd[2].fd >= 0) {
		if (!grace_deadline && console->state != NESTED_BOOT &&
		    console->state != NESTED_RUN)
			grace_deadline = now_s() + POWEROFF_GRACE_S;
		bool booting = console->state == NESTED_BOOT && boot_deadline;
		double until = grace_deadline;
		if (deadline && (!until || deadline < until))
			until = deadline;
		if (booting && (!until || boot_deadline < until))
			until = boot_deadline;
		struct timespec ts, *tsp = NULL;
		if (until) {
			double left = until - now_s();
			if (left < 0)
				left = 0;
			ts.tv_sec = (time_t)left;
			ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
			tsp = &ts;
		}
		int r = ppoll(pfd, 4, tsp, poll_mask);
		int poll_errno = errno; /* forward_dump below may change errno */
		if (stop_signal)
			return CUT_SIGNAL;
		if (dump_signal) {
			dump_signal = 0;
			if (dump_sock[0] && dump_conn < 0)
				dump_conn = forward_dump();
		}
		if (dump_conn >= 0 && pfd[3].fd == dump_conn && pfd[3].revents) {
			/* The answer (or the end): the request went through. */
			char ans[4096];
			ssize_t got = read(dump_conn, ans, sizeof(ans));
			if (got <= 0 || memchr(ans, '\n', (size_t)got))
				dump_conn_close();
		}
		pfd[3].fd = dump_conn;
		pfd[3].revents = 0;
		if (r == 0)
			return until == grace_deadline ? CUT_GRACE :
			       booting && until == boot_deadline ? CUT_BOOT : CUT_TIMEOUT;
		if (r < 0 && poll_errno == EINTR)
			continue; /* another signal */
		if (r < 0) {
			nested_error("ppoll: %s", strerror(poll_errno));
			return CUT_ERROR;
		}
		forward_ready(pfd, fds, console, log);
	}
	return CUT_NONE;
}

/* What nested_monitor_report's waits call: QEMU's output read on, so
 * that a full pipe does not stop the emulator (and its monitor). */
struct output_drain {
	struct l1_vm *vm;
	struct nested_console *console;
	struct log_tail *log;
};

static void drain_output(void *arg)
{
	struct output_drain *d = arg;
	struct pollfd pfd[3] = {
		{.fd = d->vm->console_fd, .events = POLLIN},
		{.fd = d->vm->stderr_fd, .events = POLLIN},
		{.fd = d->vm->log_fd, .events = POLLIN},
	};
	int *fds[3] = {&d->vm->console_fd, &d->vm->stderr_fd, &d->vm->log_fd};
	if (poll(pfd, 3, 0) > 0)
		forward_ready(pfd, fds, d->console, d->log);
}

/* Before QEMU is stopped from outside: where L1's CPUs were, with the
 * guest kernel's function names where it has them. */
static void report_l1_cpus(enum cut cut, const char *kernel, double timeout_s,
			   double boot_timeout_s, struct output_drain *drain)
{
	if (!monitor_sock[0])
		return;
	char why[96];
	if (cut == CUT_SIGNAL)
		snprintf(why, sizeof(why), "stopped by SIG%s", sigabbrev_np(stop_signal));
	else if (cut == CUT_TIMEOUT)
		snprintf(why, sizeof(why), "%g s passed (UMBRA_NESTED_TIMEOUT)", timeout_s);
	else if (cut == CUT_BOOT)
		snprintf(why, sizeof(why), "L1 did not start umbra within %g s", boot_timeout_s);
	else
		snprintf(why, sizeof(why), "L1 did not power off %g s after umbra ended",
			 POWEROFF_GRACE_S);
	struct elf_syms syms;
	elf_syms_load(kernel, &syms); /* none: addresses only */
	nested_monitor_report(stderr, monitor_sock, &syms, why, L1_CPU_SAMPLES,
			      L1_CPU_SAMPLE_GAP_MS, drain_output, drain);
	elf_syms_free(&syms);
}

/* The exit status of the run, from what happened; prints any error. */
static int outcome(struct nested_console *console, struct log_tail *log,
		   enum cut cut, double timeout_s, double boot_timeout_s, int wait_status)
{
	if (console->state == NESTED_EXIT)
		return console->status;
	const char *last = console->last_line[0] ? console->last_line : "(nothing)";
	if (console->state == NESTED_ERROR)
		nested_error("the L1 VM failed: %s", console->message);
	else if (cut == CUT_TIMEOUT)
		nested_error("timed out after %g s (UMBRA_NESTED_TIMEOUT) %s, QEMU "
			     "stopped; last L1 output: %s", timeout_s,
			     console->state == NESTED_RUN ? "while umbra ran"
							  : "before L1 started umbra", last);
	else if (cut == CUT_BOOT)
		nested_error("the L1 VM did not start umbra within %g s, twice "
			     "(UMBRA_NESTED_BOOT_TIMEOUT), QEMU stopped; last L1 "
			     "output: %s", boot_timeout_s, last);
	else if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) != 0 &&
		 log->len)
		nested_error("QEMU failed (exit status %d): %s",
			     WEXITSTATUS(wait_status), log_tail_last_line(log));
	else if (WIFSIGNALED(wait_status))
		nested_error("QEMU was killed by signal %d; last L1 output: %s",
			     WTERMSIG(wait_status), last);
	else
		nested_error("the L1 VM stopped %s without an exit status; "
			     "last L1 output: %s",
			     console->state == NESTED_RUN ? "while umbra ran"
							  : "before umbra started",
			     last);
	return UMBRA_EXIT_NESTED;
}

int nested_run(const struct umbra_config *cfg, const char *why)
{
	char dir[PATH_MAX + 8], vmlinuz[PATH_MAX + 32], base[PATH_MAX + 32];
	char mark[NESTED_MARK_LEN + 1], interp[PATH_MAX];
	double timeout_s, boot_timeout_s;
	/* QEMU writes the dump file (serial port 2): say here, in one line,
	 * when it cannot. */
	if (cfg->dump_path) {
		int fd = open(cfg->dump_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "umbra: --dump-on-exit %s: %s\n", cfg->dump_path,
				strerror(errno));
			return UMBRA_EXIT_USAGE;
		}
		close(fd);
	}
	/* QEMU listens on the control socket: a socket left by an earlier
	 * run goes, any other file there is an error. */
	struct stat cst;
	if (cfg->control_path && lstat(cfg->control_path, &cst) == 0) {
		if (!S_ISSOCK(cst.st_mode)) {
			fprintf(stderr, "umbra: --control %s: exists and is not a socket\n",
				cfg->control_path);
			return UMBRA_EXIT_USAGE;
		}
		unlink(cfg->control_path);
	}
	const char *accel;
	if (read_seconds("UMBRA_NESTED_TIMEOUT", 0, false, &timeout_s) ||
	    read_seconds("UMBRA_NESTED_BOOT_TIMEOUT", NESTED_BOOT_TIMEOUT_S, true,
			 &boot_timeout_s) ||
	    read_tcg_accel(&accel) ||
	    find_nested_dir(dir, sizeof(dir)) ||
	    self_interp(interp, sizeof(interp)) || make_mark(mark))
		return UMBRA_EXIT_NESTED;
	snprintf(vmlinuz, sizeof(vmlinuz), "%s/vmlinuz", dir);
	snprintf(base, sizeof(base), "%s/l1-base.cpio.gz", dir);
	if (access(vmlinuz, R_OK) != 0) {
		nested_error("cannot read %s: %s (build it with `make`, or set "
			     "UMBRA_NESTED_DIR)", vmlinuz, strerror(errno));
		return UMBRA_EXIT_NESTED;
	}
	/* A private folder for QEMU's monitor and, with a dump file but no
	 * control socket, the socket that carries SIGUSR2's requests. */
	struct umbra_config with_port = *cfg;
	char private_dir[64] = "";
	dump_sock[0] = '\0';
	monitor_sock[0] = '\0';
	control_user_path = NULL;
	snprintf(private_dir, sizeof(private_dir), "%s/umbra-ctl.XXXXXX",
		 getenv("TMPDIR") && strlen(getenv("TMPDIR")) < 40 ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(private_dir))
		private_dir[0] = '\0';
	const char *monitor_env = getenv("UMBRA_NESTED_MONITOR");
	if (monitor_env && monitor_env[0]) {
		if (strlen(monitor_env) < sizeof(monitor_sock))
			strcpy(monitor_sock, monitor_env);
		else
			fprintf(stderr, "umbra: UMBRA_NESTED_MONITOR: the path is longer "
					"than a socket's (%zu bytes); no monitor\n",
				sizeof(monitor_sock) - 1);
	} else if (private_dir[0]) {
		snprintf(monitor_sock, sizeof(monitor_sock), "%s/monitor", private_dir);
	}
	if (cfg->control_path) {
		/* PATH's folder, so that the rename cannot cross file systems;
		 * where that name would be too long, QEMU listens on PATH from
		 * its start, as it did before. */
		const char *slash = strrchr(cfg->control_path, '/');
		int dir_len = slash ? (int)(slash - cfg->control_path) + 1 : 0;
		if (snprintf(dump_sock, sizeof(dump_sock), "%.*s.umbra-boot-%d", dir_len,
			     cfg->control_path, (int)getpid()) < (int)sizeof(dump_sock)) {
			control_user_path = cfg->control_path;
			with_port.control_path = dump_sock;
		} else {
			snprintf(dump_sock, sizeof(dump_sock), "%s", cfg->control_path);
		}
	} else if (cfg->dump_path && private_dir[0]) {
		snprintf(dump_sock, sizeof(dump_sock), "%s/control", private_dir);
		with_port.control_path = dump_sock;
	}
	cfg = &with_port;
	int initrd_fd = build_initrd(base, cfg, mark, interp);
	if (initrd_fd < 0) {
		if (private_dir[0])
			rmdir(private_dir);
		return UMBRA_EXIT_NESTED;
	}

	/* Stop signals are blocked but for ppoll(), so they are only seen
	 * where QEMU can be stopped cleanly. */
	struct sigaction act = {.sa_handler = on_stop_signal}, old_act[NSTOP];
	sigset_t stop_set, old_mask, poll_mask;
	sigemptyset(&stop_set);
	for (size_t i = 0; i < NSTOP; i++)
		sigaddset(&stop_set, stop_signals[i]);
	sigaddset(&stop_set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &stop_set, &old_mask);
	poll_mask = old_mask;
	for (size_t i = 0; i < NSTOP; i++) {
		sigdelset(&poll_mask, stop_signals[i]);
		sigaction(stop_signals[i], &act, &old_act[i]);
	}
	struct sigaction dump_act = {.sa_handler = on_dump_signal};
	sigdelset(&poll_mask, SIGUSR2);
	sigaction(SIGUSR2, &dump_act, NULL);
	stop_signal = 0;
	dump_signal = 0;

	fprintf(stderr, "umbra: %s; running the VM nested in QEMU "
			"(TCG, SVM+NPT) — see docs/architecture.md\n", why);
	struct l1_vm vm;
	int status = UMBRA_EXIT_NESTED;
	double deadline = timeout_s > 0 ? now_s() + timeout_s : 0;
	/* L1 has been seen, rarely, to boot no further (no output, QEMU busy):
	 * nothing of the run has happened yet then, so it is started again,
	 * once, within the same overall timeout. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (start_qemu(&vm, vmlinuz, initrd_fd, accel, cfg, &old_mask) != 0)
			break;
		struct nested_console console;
		struct log_tail log = {.len = 0};
		nested_console_init(&console, mark);
		double boot_deadline = boot_timeout_s > 0 ? now_s() + boot_timeout_s : 0;
		enum cut cut = pump(&vm, &console, &log, deadline, boot_deadline, &poll_mask);
		if (cut != CUT_NONE && cut != CUT_ERROR) {
			struct output_drain drain = {&vm, &console, &log};
			report_l1_cpus(cut, cfg->kernel, timeout_s, boot_timeout_s, &drain);
		}
		if (cut != CUT_NONE)
			kill(vm.pid, SIGKILL);
		int fds[] = {vm.console_fd, vm.stderr_fd, vm.log_fd};
		for (int i = 0; i < 3; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		int ws = 0;
		while (waitpid(vm.pid, &ws, 0) < 0 && errno == EINTR)
			;
		if (cut == CUT_BOOT && attempt == 0) {
			fprintf(stderr, "umbra: the L1 VM did not start umbra within %g s "
					"(UMBRA_NESTED_BOOT_TIMEOUT; last L1 output: %s): "
					"starting it again, once\n", boot_timeout_s,
				console.last_line[0] ? console.last_line : "(nothing)");
			/* A SIGUSR2 dump request to the first QEMU is dropped
			 * with it; no control client could reach it yet. */
			dump_conn_close();
			if (dump_sock[0])
				unlink(dump_sock);
			continue;
		}
		nested_console_end(&console, to_stdout, NULL);
		if (cut != CUT_SIGNAL && cut != CUT_ERROR)
			status = outcome(&console, &log, cut, timeout_s, boot_timeout_s, ws);
		break;
	}
	close(initrd_fd);

	for (size_t i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], &old_act[i], NULL);
	/* A dump asked for now has no VM: ignored, as vm_run does after its
	 * run, not SIGUSR2's default action (umbra would end without the
	 * guest's status). */
	signal(SIGUSR2, SIG_IGN);
	dump_conn_close();
	/* The socket goes with the VM, as natively (QEMU, killed or not,
	 * may leave it). */
	if (dump_sock[0])
		unlink(dump_sock);
	control_user_path = NULL;
	if (private_dir[0]) {
		/* QEMU, killed, leaves its monitor's socket. */
		if (!strncmp(monitor_sock, private_dir, strlen(private_dir)))
			unlink(monitor_sock);
		rmdir(private_dir);
	}
	if (stop_signal) {
		/* Die of the signal, as the caller (shell, timeout) expects. */
		signal(stop_signal, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		raise(stop_signal);
	}
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	return status;
}

/*
 * In L1: write the exit marker as soon as the status is known, before the VM
 * is torn down, so a teardown that hangs inside L1's KVM cannot lose the
 * result (the host side stops QEMU a few seconds after the marker). /init
 * writes the marker again when umbra exits; the host reads the first.
 */
static void nested_child_report(int status)
{
	const char *mark = getenv("UMBRA_MARK");
	if (!mark)
		return;
	fflush(stderr);
	printf("umbra-l1-exit %s %d\n", mark, status);
	fflush(stdout);
}

int nested_child_main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "umbra: usage: umbra nested-child ARGV_FILE "
				"(run by the L1 VM of a nested run)\n");
		return UMBRA_EXIT_USAGE;
	}
	FILE *f = fopen(argv[1], "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	while (f) {
		if (len == cap) {
			cap = cap ? 2 * cap : 4096;
			char *grown = realloc(buf, cap);
			if (!grown)
				break;
			buf = grown;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	bool read_ok = f && !ferror(f) && feof(f);
	if (f)
		fclose(f);
	char *vec[NESTED_ARGS_MAX + 1];
	int n = read_ok ? nested_split_argv(buf, len, vec, NESTED_ARGS_MAX) : -1;
	if (n < 1 || strcmp(vec[0], "run") != 0) {
		fprintf(stderr, "umbra: nested-child: %s is not a readable argv "
				"file of `umbra run`\n", argv[1]);
		free(buf);
		return UMBRA_EXIT_NESTED;
	}
	vec[n] = NULL;
	/* tdp mode's --dedup merges through L1's KSM (docs/host-memory.md):
	 * on in this disposable VM, scanning fast enough for a test run. */
	for (int i = 1; i < n; i++)
		if (strcmp(vec[i], "--dedup") == 0)
			ksm_enable(KSM_SYSFS, NESTED_KSM_PAGES_TO_SCAN, NESTED_KSM_SLEEP_MS);
	vm_result_hook = nested_child_report;
	int status = umbra_run_main(n, vec);
	free(buf);
	return status;
}
