/* SPDX-License-Identifier: MIT */
/* uname: the fields an x86-64 Linux reports, and EFAULT. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	struct utsname u;
	memset(&u, 0x7f, sizeof(u));

	plan(8);
	is_long(uname(&u), 0, "uname succeeds");
	is_str(u.sysname, "Linux", "sysname");
	is_str(u.machine, "x86_64", "machine");
	ok(isdigit((unsigned char)u.release[0]) && strchr(u.release, '.'),
	   "release looks like N.N... ('%s')", u.release);
	ok(strlen(u.nodename) > 0 && strlen(u.nodename) < sizeof(u.nodename), "nodename is a string");
	ok(strlen(u.version) > 0 && strlen(u.version) < sizeof(u.version), "version is a string");
	ok(memchr(u.domainname, 0, sizeof(u.domainname)) != NULL, "domainname is terminated");
	is_errno(syscall(SYS_uname, unmapped_ptr()), EFAULT, "uname(unmapped): EFAULT");
	return done_testing();
}
