/**
 * @file log.c  One-line, levelled logging to stderr
 *
 * Every event is one line: "<UTC time> <level> <message>", so that a
 * container's log collector sees whole events. Uses libre's printf for %j,
 * %J, %r and friends.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "log.h"

static enum log_level min_level = LOG_INFO;

static const char *names[] = {"debug", "info", "warn", "error"};


void log_set_level(enum log_level level)
{
	min_level = level;
}


/**
 * Parse a level name (debug, info, warn, error)
 *
 * @return 0 on success, EINVAL for an unknown name
 */
int log_level_parse(enum log_level *levelp, const char *str)
{
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (0 == str_casecmp(str, names[i])) {
			*levelp = (enum log_level)i;
			return 0;
		}
	}

	return EINVAL;
}


void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[1024];
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level < min_level)
		return;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);

	va_start(ap, fmt);
	(void)re_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);

	/* one event, one line: never let a peer's text break the line */
	for (char *p = line; *p; p++) {
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	}

	fprintf(stderr, "%s.%03ldZ %-5s %s\n", stamp, ts.tv_nsec / 1000000,
		names[level], line);
	fflush(stderr);
}
