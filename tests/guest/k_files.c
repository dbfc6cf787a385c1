/* SPDX-License-Identifier: MIT */
/*
 * The file system calls on RAM files (/tmp), /dev, memfd and /proc:
 * results and errors as Linux gives them. Prints TAP; exits 0 when every
 * check passes. Runs natively and in the guest.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static int n, failed;

static void check(int ok, const char *what)
{
	n++;
	if (!ok)
		failed++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", n, what);
}

/* -errno or the value */
#define E(expr) ((expr) < 0 ? -errno : (long)(expr))
#define CHECK_EQ(expr, want)                                                   \
	do {                                                                   \
		long v_ = (long)(expr);                                        \
		char b_[256];                                                  \
		snprintf(b_, sizeof(b_), "%s == %s (got %ld)", #expr, #want, v_); \
		check(v_ == (long)(want), b_);                                 \
	} while (0)

static char dir[64];

static void path(char *buf, const char *name)
{
	snprintf(buf, 128, "%s/%s", dir, name);
}

static void test_basic(void)
{
	char p[128], buf[8192];
	path(p, "a");
	int fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
	check(fd >= 3, "open O_CREAT|O_EXCL gives a descriptor >= 3");
	CHECK_EQ(E(open(p, O_RDWR | O_CREAT | O_EXCL, 0644)), -EEXIST);
	CHECK_EQ(write(fd, "hello world", 11), 11);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 11);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(read(fd, buf, sizeof(buf)), 11);
	check(!memcmp(buf, "hello world", 11), "read back what was written");
	CHECK_EQ(read(fd, buf, sizeof(buf)), 0);
	CHECK_EQ(pread(fd, buf, 5, 6), 5);
	check(!memcmp(buf, "world", 5), "pread at an offset");
	CHECK_EQ(pwrite(fd, "W", 1, 6), 1);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 11);
	CHECK_EQ(E(lseek(fd, -1, SEEK_SET)), -EINVAL);
	CHECK_EQ(E(lseek(fd, 0, 99)), -EINVAL);
	CHECK_EQ(lseek(fd, 100, SEEK_END), 111);
	CHECK_EQ(write(fd, "x", 1), 1);
	struct stat st;
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_size, 112);
	check(S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0644, "mode 0644 regular (umask 022)");
	CHECK_EQ(st.st_nlink, 1);
	CHECK_EQ(pread(fd, buf, 10, 50), 10);
	check(buf[0] == 0 && buf[9] == 0, "a hole reads as zeroes");
	CHECK_EQ(ftruncate(fd, 5), 0);
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_size, 5);
	CHECK_EQ(ftruncate(fd, 10000), 0);
	CHECK_EQ(pread(fd, buf, 10, 0), 10);
	check(!memcmp(buf, "hello\0\0\0\0\0", 10), "truncate down then up zeroes the tail");
	CHECK_EQ(E(ftruncate(fd, -1)), -EINVAL);
	CHECK_EQ(fsync(fd), 0);
	CHECK_EQ(fdatasync(fd), 0);
	struct iovec iov[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(writev(fd, iov, 3), 5);
	char r1[2], r2[3];
	struct iovec riov[2] = {{r1, 2}, {r2, 3}};
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(readv(fd, riov, 2), 5);
	check(!memcmp(r1, "ab", 2) && !memcmp(r2, "cde", 3), "readv scatters");
	CHECK_EQ(close(fd), 0);
	CHECK_EQ(E(close(fd)), -EBADF);
	CHECK_EQ(stat(p, &st), 0);
	CHECK_EQ(st.st_size, 10000);
	fd = open(p, O_WRONLY | O_TRUNC);
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_size, 0);
	CHECK_EQ(E(read(fd, buf, 1)), -EBADF);
	close(fd);
	fd = open(p, O_RDONLY);
	CHECK_EQ(E(write(fd, "x", 1)), -EBADF);
	CHECK_EQ(E(ftruncate(fd, 0)), -EINVAL);
	close(fd);
	fd = open(p, O_WRONLY | O_APPEND);
	CHECK_EQ(write(fd, "12", 2), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(write(fd, "34", 2), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 4);
	CHECK_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND), O_WRONLY | O_APPEND);
	close(fd);
	CHECK_EQ(unlink(p), 0);
	CHECK_EQ(E(unlink(p)), -ENOENT);
	CHECK_EQ(E(open(p, O_RDONLY)), -ENOENT);
}

static void test_errors(void)
{
	char p[128], q[128];
	CHECK_EQ(E(open("/nonexistent/x", O_RDONLY)), -ENOENT);
	CHECK_EQ(E(open("", O_RDONLY)), -ENOENT);
	CHECK_EQ(E(open((char *)1, O_RDONLY)), -EFAULT);
	char longname[300];
	memset(longname, 'a', 299);
	longname[299] = 0;
	CHECK_EQ(E(open(longname, O_RDONLY)), -ENAMETOOLONG);
	char *longpath = malloc(5000);
	memset(longpath, '/', 4999);
	longpath[4999] = 0;
	CHECK_EQ(E(open(longpath, O_RDONLY)), -ENAMETOOLONG);
	free(longpath);
	CHECK_EQ(E(open(dir, O_WRONLY)), -EISDIR);
	CHECK_EQ(E(open(dir, O_RDONLY | O_CREAT, 0644)), -EISDIR);
	path(p, "f");
	int fd = open(p, O_CREAT | O_WRONLY, 0600);
	close(fd);
	CHECK_EQ(E(open(p, O_RDONLY | O_DIRECTORY)), -ENOTDIR);
	path(q, "f/x");
	CHECK_EQ(E(open(q, O_RDONLY)), -ENOTDIR);
	CHECK_EQ(E(open(q, O_RDONLY | O_CREAT, 0600)), -ENOTDIR);
	path(q, "f/");
	CHECK_EQ(E(open(q, O_RDONLY)), -ENOTDIR);
	path(q, "newfile/");
	CHECK_EQ(E(open(q, O_RDWR | O_CREAT, 0600)), -EISDIR);
	CHECK_EQ(E(mkdir(p, 0700)), -EEXIST);
	CHECK_EQ(E(rmdir(p)), -ENOTDIR);
	CHECK_EQ(E(unlink(dir)), -EISDIR);
	CHECK_EQ(E(rmdir(dir)), -ENOTEMPTY);
	CHECK_EQ(E(read(999, p, 1)), -EBADF);
	CHECK_EQ(E(write(-1, p, 1)), -EBADF);
	fd = open(p, O_RDWR);
	CHECK_EQ(E(read(fd, (void *)0x1000, 10)), 0);
	CHECK_EQ(E(write(fd, (void *)0x1000, 10)), -EFAULT);
	CHECK_EQ(E(read(fd, (void *)-1L, 10)), -EFAULT);
	CHECK_EQ(E(lseek(1, 0, SEEK_SET)) == -ESPIPE || 1, 1);
	CHECK_EQ(E(ioctl(fd, 0x5413, 0)), -ENOTTY);
	CHECK_EQ(E(syscall(SYS_getdents64, fd, p, 100)), -ENOTDIR);
	close(fd);
	unlink(p);
	CHECK_EQ(E(open(p, O_CREAT | O_DIRECTORY | O_RDONLY, 0600)), -EINVAL);
}

static void test_partial_fault(void)
{
	char p[128];
	path(p, "pf");
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	char data[8192];
	memset(data, 'z', sizeof(data));
	CHECK_EQ(write(fd, data, sizeof(data)), 8192);
	char *m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(m + 4096, 4096);
	CHECK_EQ(pread(fd, m + 4000, 200, 0), 96);
	CHECK_EQ(E(pread(fd, m + 4096, 200, 0)), -EFAULT);
	CHECK_EQ(pwrite(fd, m + 4000, 200, 0), 96);
	munmap(m, 4096);
	close(fd);
	unlink(p);
}

static void test_dirs(void)
{
	char p[128], q[512], buf[4096];
	path(p, "d");
	CHECK_EQ(mkdir(p, 0755), 0);
	CHECK_EQ(E(mkdir(p, 0755)), -EEXIST);
	struct stat st;
	CHECK_EQ(stat(dir, &st), 0);
	CHECK_EQ(st.st_nlink, 3);
	for (int i = 0; i < 5; i++) {
		snprintf(q, sizeof(q), "%s/d/f%d", dir, i);
		close(open(q, O_CREAT | O_WRONLY, 0644));
	}
	int fd = open(p, O_RDONLY | O_DIRECTORY);
	check(fd >= 0, "open a directory");
	CHECK_EQ(E(read(fd, buf, 10)), -EISDIR);
	int names = 0, dots = 0;
	long r;
	while ((r = syscall(SYS_getdents64, fd, buf, 64)) > 0) {
		for (long off = 0; off < r;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				dots++;
			else if (de->d_name[0] == 'f' && de->d_type == DT_REG)
				names++;
			off += de->d_reclen;
		}
	}
	CHECK_EQ(r, 0);
	CHECK_EQ(names, 5);
	CHECK_EQ(dots, 2);
	CHECK_EQ(E(syscall(SYS_getdents64, fd, buf, 10)), 0);
	lseek(fd, 0, SEEK_SET);
	CHECK_EQ(E(syscall(SYS_getdents64, fd, buf, 10)), -EINVAL);
	/* unlink everything while reading: nothing is skipped */
	lseek(fd, 0, SEEK_SET);
	int removed = 0;
	while ((r = syscall(SYS_getdents64, fd, buf, 40)) > 0) {
		for (long off = 0; off < r;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			if (de->d_name[0] == 'f') {
				snprintf(q, sizeof(q), "%s/d/%s", dir, de->d_name);
				removed += unlink(q) == 0;
			}
			off += de->d_reclen;
		}
	}
	CHECK_EQ(removed, 5);
	close(fd);
	CHECK_EQ(chdir(p), 0);
	CHECK_EQ(getcwd(buf, sizeof(buf)) != NULL, 1);
	check(!strcmp(buf, p), "getcwd after chdir");
	CHECK_EQ(E(syscall(SYS_getcwd, buf, 3)), -ERANGE);
	close(open("rel", O_CREAT | O_WRONLY, 0600));
	snprintf(q, sizeof(q), "%s/d/rel", dir);
	CHECK_EQ(access(q, F_OK), 0);
	CHECK_EQ(access("../d/./rel", R_OK | W_OK), 0);
	CHECK_EQ(E(access("rel", X_OK)), -EACCES);
	CHECK_EQ(E(access("rel", 64)), -EINVAL);
	CHECK_EQ(unlink("rel"), 0);
	CHECK_EQ(chdir("/"), 0);
	CHECK_EQ(E(chdir(q)), -ENOENT);
	CHECK_EQ(rmdir(p), 0);
	CHECK_EQ(E(rmdir(p)), -ENOENT);
	snprintf(q, sizeof(q), "%s/.", dir);
	CHECK_EQ(E(rmdir(q)), -EINVAL);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK_EQ(mkdirat(dfd, "sub", 0700), 0);
	CHECK_EQ(E(unlinkat(dfd, "sub", 0)), -EISDIR);
	CHECK_EQ(unlinkat(dfd, "sub", AT_REMOVEDIR), 0);
	int f = openat(dfd, "x", O_CREAT | O_RDWR, 0600);
	check(f >= 0, "openat relative to a directory descriptor");
	CHECK_EQ(fstatat(dfd, "x", &st, 0), 0);
	CHECK_EQ(fstatat(f, "", &st, AT_EMPTY_PATH), 0);
	CHECK_EQ(E(fstatat(f, "y", &st, 0)), -ENOTDIR);
	CHECK_EQ(E(openat(f, "y", O_RDONLY)), -ENOTDIR);
	close(f);
	/* rename */
	snprintf(p, sizeof(p), "%s/x", dir);
	snprintf(q, sizeof(q), "%s/y", dir);
	CHECK_EQ(rename(p, q), 0);
	CHECK_EQ(E(stat(p, &st)), -ENOENT);
	CHECK_EQ(stat(q, &st), 0);
	CHECK_EQ(mkdir(p, 0700), 0);
	CHECK_EQ(E(rename(q, p)), -EISDIR);
	CHECK_EQ(E(rename(p, q)), -ENOTDIR);
	char sub[160];
	snprintf(sub, sizeof(sub), "%s/x/inner", dir);
	CHECK_EQ(E(rename(p, sub)), -EINVAL);
	CHECK_EQ(unlink(q), 0);
	CHECK_EQ(rmdir(p), 0);
	close(dfd);
}

static void test_fds(void)
{
	char p[128];
	path(p, "fds");
	int fd = open(p, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(fd, F_SETFD, 0), 0);
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
	int d = dup(fd);
	CHECK_EQ(d, fd + 1);
	CHECK_EQ(fcntl(d, F_GETFD), 0);
	CHECK_EQ(write(fd, "abc", 3), 3);
	CHECK_EQ(lseek(d, 0, SEEK_CUR), 3);
	int d2 = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	CHECK_EQ(d2, 100);
	CHECK_EQ(fcntl(d2, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(E(fcntl(fd, F_DUPFD, -1)), -EINVAL);
	CHECK_EQ(E(fcntl(fd, 12345)), -EINVAL);
	close(d2);
	close(d);
	CHECK_EQ(fcntl(fd, F_SETFL, O_APPEND), 0);
	CHECK_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND), O_RDWR | O_APPEND);
	/* the lowest free descriptor, and EMFILE at the limit */
	/* the guest's limit; lowered natively (the guest may not have setrlimit) */
	struct rlimit rl = {1024, 1024};
	setrlimit(RLIMIT_NOFILE, &rl);
	int fds[1100], count = 0, err = 0;
	for (;;) {
		int x = dup(fd);
		if (x < 0) {
			err = errno;
			break;
		}
		fds[count++] = x;
		if (count == 1100)
			break;
	}
	CHECK_EQ(err, EMFILE);
	CHECK_EQ(fds[count - 1], 1023);
	close(fds[10]);
	CHECK_EQ(dup(fd), fds[10]);
	for (int i = 0; i < count; i++)
		close(fds[i]);
	close(fd);
	unlink(p);
}

static void test_unlinked_open(void)
{
	char p[128];
	path(p, "ul");
	int fd = open(p, O_CREAT | O_RDWR, 0600);
	CHECK_EQ(write(fd, "data", 4), 4);
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(m != MAP_FAILED, "MAP_SHARED of a RAM file");
	CHECK_EQ(unlink(p), 0);
	struct stat st;
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_nlink, 0);
	char buf[8] = {0};
	CHECK_EQ(pread(fd, buf, 4, 0), 4);
	check(!memcmp(buf, "data", 4), "unlinked file still readable");
	close(fd);
	if (m != MAP_FAILED) {
		check(!memcmp(m, "data", 4), "mapping of an unlinked, closed file");
		munmap(m, 4096);
	}
}

static void test_dev(void)
{
	char buf[100];
	int fd = open("/dev/null", O_RDWR);
	CHECK_EQ(read(fd, buf, 10), 0);
	CHECK_EQ(write(fd, buf, 10), 10);
	CHECK_EQ(lseek(fd, 100, SEEK_SET), 0);
	struct stat st;
	CHECK_EQ(fstat(fd, &st), 0);
	check(S_ISCHR(st.st_mode) && st.st_rdev == (dev_t)makedev(1, 3), "/dev/null is char 1:3");
	close(fd);
	fd = open("/dev/zero", O_RDWR);
	memset(buf, 7, sizeof(buf));
	CHECK_EQ(read(fd, buf, 100), 100);
	check(buf[0] == 0 && buf[99] == 0, "/dev/zero reads zeroes");
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check(m != MAP_FAILED && m[100] == 0, "private mmap of /dev/zero");
	close(fd);
}

static void test_memfd(void)
{
	int fd = memfd_create("kfiles", MFD_CLOEXEC);
	check(fd >= 0, "memfd_create");
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(ftruncate(fd, 8192), 0);
	struct stat st;
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_size, 8192);
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(pwrite(fd, "memfd", 5, 4096), 5);
	char buf[8] = {0};
	CHECK_EQ(pread(fd, buf, 5, 4096), 5);
	check(!memcmp(buf, "memfd", 5), "memfd read back");
	char name[300];
	memset(name, 'n', 260);
	name[260] = 0;
	CHECK_EQ(E(memfd_create(name, 0)), -EINVAL);
	CHECK_EQ(E(memfd_create("x", 0x100)), -EINVAL);
	close(fd);
}

static void test_proc(void)
{
	char buf[16384], link[64];
	ssize_t n = readlink("/proc/self", link, sizeof(link) - 1);
	check(n > 0, "readlink /proc/self");
	link[n > 0 ? n : 0] = 0;
	CHECK_EQ(atoi(link), getpid());
	int fd = open("/proc/self/maps", O_RDONLY);
	check(fd >= 0, "open /proc/self/maps");
	n = read(fd, buf, sizeof(buf) - 1);
	check(n > 0, "read maps");
	buf[n > 0 ? n : 0] = 0;
	check(strstr(buf, "[stack]") != NULL, "maps has [stack]");
	/* name column: 73 */
	char *st = strstr(buf, "[stack]");
	char *ls = st;
	while (ls > buf && ls[-1] != '\n')
		ls--;
	CHECK_EQ(st - ls, 73);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	char buf2[16384];
	ssize_t n2 = read(fd, buf2, sizeof(buf2) - 1);
	CHECK_EQ(n2, n);
	CHECK_EQ(E(lseek(fd, 0, SEEK_END)), -EINVAL);
	CHECK_EQ(pread(fd, buf2, 10, 5), 10);
	check(!memcmp(buf2, buf + 5, 10), "pread of maps at an offset");
	close(fd);
	fd = open("/proc/self/status", O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	check(strstr(buf, "\nVmSize:\t") != NULL && strstr(buf, "\nVmRSS:\t") != NULL &&
		      strstr(buf, "\nVmLck:\t       0 kB\n") != NULL,
	      "status has VmSize, VmRSS, VmLck");
	char want[64];
	snprintf(want, sizeof(want), "\nPid:\t%d\n", getpid());
	check(strstr(buf, want) != NULL, "status Pid");
	close(fd);
	fd = open("/proc/meminfo", O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	check(!strncmp(buf, "MemTotal:", 9) && strstr(buf, "\nMemFree:") && strstr(buf, "\nShmem:") &&
		      strstr(buf, "\nMlocked:"),
	      "meminfo fields");
	CHECK_EQ(E(write(fd, "x", 1)), -EBADF);
	close(fd);
	fd = open("/proc/sys/vm/mmap_min_addr", O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	long mina = atol(buf);
	check(mina > 0 && mina % 4096 == 0 && buf[strlen(buf) - 1] == '\n', "mmap_min_addr is a page multiple");
	close(fd);
	fd = open("/proc/self/maps", O_WRONLY);
	CHECK_EQ(E(write(fd, "x", 1)), -EINVAL);
	close(fd);
	fd = open("/proc/vmstat", O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	check(strstr(buf, "\npgfault ") != NULL, "vmstat has pgfault");
	close(fd);
	fd = open("/proc/self/stat", O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	snprintf(want, sizeof(want), "%d (", getpid());
	check(!strncmp(buf, want, strlen(want)), "stat starts with pid (comm)");
	close(fd);
	CHECK_EQ(E(open("/proc/nonexistent", O_RDONLY)), -ENOENT);
	CHECK_EQ(E(open("/proc/newfile", O_RDWR | O_CREAT, 0600)), -ENOENT);
	CHECK_EQ(E(mkdir("/proc/newdir", 0700)), -ENOENT);
	CHECK_EQ(E(unlink("/proc/meminfo")), -EPERM);
	DIR *d = opendir("/proc/self");
	int seen = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		seen += !strcmp(de->d_name, "maps") || !strcmp(de->d_name, "status");
	if (d)
		closedir(d);
	CHECK_EQ(seen, 2);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	umask(022);
	snprintf(dir, sizeof(dir), "/tmp/k_files.%d", getpid());
	if (mkdir(dir, 0755)) {
		perror("mkdir");
		return 1;
	}
	test_basic();
	test_errors();
	test_partial_fault();
	test_dirs();
	test_fds();
	test_unlinked_open();
	test_dev();
	test_memfd();
	test_proc();
	rmdir(dir);
	printf("1..%d\n", n);
	return failed != 0;
}
