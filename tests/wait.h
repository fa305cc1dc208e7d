/**
 * @file wait.h  Run libre's loop until a condition holds, or a time is up
 */

#ifndef CHORUS_TEST_WAIT_H
#define CHORUS_TEST_WAIT_H

typedef bool (wait_cond_h)(const void *arg);

struct wait {
	struct tmr tmr;
	uint64_t deadline;           /* [tmr_jiffies() ms] */
	wait_cond_h *cond;
	const void *arg;
};


static inline void wait_poll_h(void *arg)
{
	struct wait *w = arg;

	if (w->cond(w->arg) || tmr_jiffies() > w->deadline)
		re_cancel();
	else
		tmr_start(&w->tmr, 5, wait_poll_h, w);
}


/* Run the loop until cond(arg) holds, at most ms; whether it holds */
static inline bool wait_until(wait_cond_h *cond, const void *arg,
			      uint32_t ms)
{
	struct wait w;

	tmr_init(&w.tmr);
	w.deadline = tmr_jiffies() + ms;
	w.cond = cond;
	w.arg = arg;
	tmr_start(&w.tmr, 0, wait_poll_h, &w);
	(void)re_main(NULL);
	tmr_cancel(&w.tmr);

	return cond(arg);
}

#endif
