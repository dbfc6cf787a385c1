/* SPDX-License-Identifier: MIT */
/* One request and its answer over a VM's control socket (docs/control.md). */
#include "control_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int control_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

struct json *control_call(const char *path, const char *request, char *err, size_t errlen)
{
	int fd = control_connect(path, err, errlen);
	if (fd < 0)
		return NULL;
	size_t want = strlen(request);
	for (size_t done = 0; done < want;) {
		ssize_t w = write(fd, request + done, want - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			return NULL;
		}
		done += (size_t)w;
	}
	/* Buffered: a dump is one line of megabytes. */
	FILE *in = fdopen(fd, "r");
	if (!in) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	struct json *answer = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	snprintf(err, errlen, "%s: the VM closed the connection", path);
	while (!answer && (len = getline(&line, &cap, in)) > 0) {
		char perr[160];
		struct json *j = json_parse(line, (size_t)len, perr, sizeof(perr));
		if (!j) {
			snprintf(err, errlen, "%s: bad answer: %s", path, perr);
			break;
		}
		if (!json_get(j, "id")) {
			json_free(j);
			continue;
		}
		const struct json *e = json_get(j, "error");
		if (e) {
			const char *desc = json_get_str(e, "desc");
			snprintf(err, errlen, "%s: %s", path, desc ? desc : "error");
			json_free(j);
			break;
		}
		answer = j;
	}
	free(line);
	fclose(in);
	return answer;
}
