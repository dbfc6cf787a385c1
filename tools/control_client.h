/* SPDX-License-Identifier: MIT */
/* The tools' side of the control socket (docs/control.md). */
#ifndef UMBRA_TOOLS_CONTROL_CLIENT_H
#define UMBRA_TOOLS_CONTROL_CLIENT_H

#include <stddef.h>

#include "json.h"

/*
 * Sends one request line to the VM listening at path and returns its
 * answer (the first line carrying an "id"; the greeting and events are
 * skipped). On failure, including an error answer, NULL with err set.
 */
struct json *control_call(const char *path, const char *request, char *err, size_t errlen);

#endif
