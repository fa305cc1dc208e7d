/**
 * @file tick.c  A periodic clock on an absolute monotonic schedule
 *
 * A timerfd armed with an absolute CLOCK_MONOTONIC period: ticks do not
 * drift with the work done in each one (unlike libre's millisecond tmr,
 * which re-arms relative to when the handler ran). Read from the thread's
 * libre loop like any other file descriptor.
 */
#include <sys/timerfd.h>
#include <unistd.h>
#include <re.h>
#include "tick.h"

struct tick {
	int fd;   /* timerfd */
	tick_h *h;
	void *arg;
};


static void destructor(void *arg)
{
	struct tick *tk = arg;

	if (tk->fd >= 0) {
		fd_close(tk->fd);
		close(tk->fd);
	}
}


static void fd_handler(int flags, void *arg)
{
	struct tick *tk = arg;
	uint64_t expirations = 0;

	if (read(tk->fd, &expirations, sizeof(expirations)) !=
	    sizeof(expirations) || !expirations)
		return;

	tk->h(expirations - 1, tk->arg);
}


/**
 * Start a clock that calls h every period_ms on the calling thread's loop
 *
 * @param tkp        Set on success; mem_deref() stops it
 * @param period_ms  Period [ms]
 * @param h          Handler; 'missed' counts periods that passed unrun
 * @param arg        Handler argument
 *
 * @return 0 or errno
 */
int tick_alloc(struct tick **tkp, uint32_t period_ms, tick_h *h, void *arg)
{
	struct itimerspec its;
	struct tick *tk;
	int err;

	if (!tkp || !period_ms || !h)
		return EINVAL;

	tk = mem_zalloc(sizeof(*tk), destructor);
	if (!tk)
		return ENOMEM;

	tk->h = h;
	tk->arg = arg;
	tk->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tk->fd < 0) {
		err = errno;
		goto out;
	}

	clock_gettime(CLOCK_MONOTONIC, &its.it_value);
	its.it_interval.tv_sec = period_ms / 1000;
	its.it_interval.tv_nsec = (long)(period_ms % 1000) * 1000000;
	its.it_value.tv_nsec += its.it_interval.tv_nsec;
	its.it_value.tv_sec += its.it_interval.tv_sec;
	if (its.it_value.tv_nsec >= 1000000000) {
		its.it_value.tv_nsec -= 1000000000;
		its.it_value.tv_sec++;
	}

	if (timerfd_settime(tk->fd, TFD_TIMER_ABSTIME, &its, NULL)) {
		err = errno;
		goto out;
	}

	err = fd_listen(tk->fd, FD_READ, fd_handler, tk);

 out:
	if (err)
		mem_deref(tk);
	else
		*tkp = tk;

	return err;
}
