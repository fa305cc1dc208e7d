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

/* read by every thread, set by the main one (at start-up and on SIGHUP) */
static enum log_level min_level = LOG_INFO;

static const char *names[] = {"debug", "info", "warn", "error"};


void log_set_level(enum log_level level)
{
	__atomic_store_n(&min_level, level, __ATOMIC_RELAXED);
}


/** The current level */
enum log_level log_level_get(void)
{
	return __atomic_load_n(&min_level, __ATOMIC_RELAXED);
}


/** The name of a level, as log_level_parse() takes it */
const char *log_level_name(enum log_level level)
{
	return (size_t)level < ARRAY_SIZE(names) ? names[level] : "?";
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

	if (level < log_level_get())
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
