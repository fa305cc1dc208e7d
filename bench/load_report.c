/**
 * @file load_report.c  chorus-load results: calls, media window, /proc
 *
 * Per participant (with --csv or -v) one "part" line; then one "join"
 * line for the calls and one "summary" line for the window, both
 * key=value so that scripts can read them. With video, a "video" line
 * (and with -v a "vpart" line per participant) follows. The summary's
 * srtp_* fields count SRTP failures over the whole calls, not only the
 * window.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <re.h>
#include "load.h"


/* Time on a CPU of every thread of pid [ns]: the first field of each
 * /proc/PID/task/TID/schedstat, exact where utime + stime count ticks */
static uint64_t run_ns_of(int pid)
{
	char path[96];
	struct dirent *de;
	uint64_t sum = 0;
	DIR *d;

	re_snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return 0;

	while ((de = readdir(d))) {
		unsigned long long ran;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		re_snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat",
			    pid, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &ran) == 1)
			sum += ran;
		fclose(f);
	}
	closedir(d);

	return sum;
}


/* utime + stime and VmRSS of pid (proc(5)) */
int load_psample_take(struct load_psample *s, int pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	s->t_us = load_now_us();
	re_snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';

	/* the command name may hold spaces: fields follow the last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
			 "%*u %lu %lu", &ut, &st) != 2)
		return EPROTO;
	s->ticks = (uint64_t)ut + st;
	s->run_ns = run_ns_of(pid);

	/* time the process waited on a run queue: other work on its core */
	re_snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	f = fopen(path, "r");
	if (f) {
		unsigned long long ran, wait;

		if (fscanf(f, "%llu %llu", &ran, &wait) == 2)
			s->wait_ns = wait;
		fclose(f);
	}

	/* time the hypervisor gave our CPUs to others */
	f = fopen("/proc/stat", "r");
	if (f) {
		unsigned long long v[8];

		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7]) == 8)
			s->steal = v[7];
		fclose(f);
	}

	re_snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return errno;
	s->rss_kb = 0;
	while (fgets(buf, sizeof(buf), f)) {
		if (!strncmp(buf, "VmRSS:", 6))
			s->rss_kb = strtoull(buf + 6, NULL, 10);
	}
	fclose(f);

	return 0;
}


static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}


static double pct_of(const double *v, size_t n, double q)
{
	if (!n)
		return 0.0;

	return v[(size_t)(q * (n - 1) + 0.5)];
}


/* Calls: how many came up, failed, dropped; answer times */
void load_report_join(struct load_run *r)
{
	uint32_t ok = 0, failed = 0, dropped = 0, pending = 0;
	uint64_t t_last = r->t0;
	double *jv, span, ach;
	size_t nj = 0;

	jv = mem_zalloc(r->o.calls * sizeof(*jv), NULL);
	if (!jv)
		return;

	for (uint32_t i = 0; i < r->o.calls; i++) {
		const struct load_part *p = &r->partv[i];

		if (p->t_answer) {
			ok++;
			jv[nj++] = (double)(p->t_answer - p->t_invite) / 1000;
			if (p->t_answer > t_last)
				t_last = p->t_answer;
		}
		if (p->state == CALL_FAILED)
			failed++;
		else if (p->state == CALL_INVITING || p->state == CALL_IDLE)
			pending++;
		else if (p->state == CALL_DROPPED)
			dropped++;
	}

	qsort(jv, nj, sizeof(*jv), cmp_dbl);
	span = (double)(t_last - r->t0) / 1e6;
	ach = span > 0 ? ok / span : 0.0;

	printf("join calls=%u ok=%u failed=%u unanswered=%u dropped=%u "
	       "success_pct=%.3f rate_target=%.0f rate_achieved=%.1f "
	       "answer_ms_med=%.2f answer_ms_p99=%.2f answer_ms_max=%.2f\n",
	       r->o.calls, ok, failed, pending, dropped,
	       100.0 * ok / r->o.calls, r->o.rate, ach,
	       pct_of(jv, nj, 0.5), pct_of(jv, nj, 0.99),
	       nj ? jv[nj - 1] : 0.0);

	for (uint32_t i = 0, shown = 0; i < r->o.calls && shown < 5; i++) {
		const struct load_part *p = &r->partv[i];

		if (p->state == CALL_FAILED)
			printf("failed call %u to room %s%u: %u\n", p->idx,
			       r->o.prefix, p->room, p->scode);
		else if (p->state == CALL_INVITING)
			printf("unanswered call %u to room %s%u, INVITE at "
			       "+%.3f s\n", p->idx, r->o.prefix, p->room,
			       (double)(p->t_invite - r->t0) / 1e6);
		else
			continue;
		shown++;
	}

	mem_deref(jv);
}


struct agg {
	double *ppsv, *jitv;
	size_t n;
	uint64_t exp, lost, late, rcvd;
	double worst_loss, worst_late;
	double worst_spread;      /* transit range [ms]                */
	uint32_t bad;             /* participants above 1% loss or late */
	uint32_t deaf;            /* up, but nothing received          */
};


static void part_line(FILE *f, const struct load_run *r,
		      const struct load_part *p, double pps, uint64_t exp,
		      uint64_t lost, uint64_t late, double jit, double spread)
{
	struct load_srtp_stats st;

	load_srtp_stats(p, 1, &st);
	fprintf(f, "part idx=%u room=%s%u talker=%d state=%d pps=%.2f "
		"expected=%llu lost=%llu loss_pct=%.3f late=%llu "
		"late_pct=%.3f jitter_ms=%.3f spread_ms=%.1f answer_ms=%.2f "
		"srtp_unprotect_fail=%llu\n",
		p->idx, r->o.prefix, p->room, p->talker, p->state, pps,
		(unsigned long long)exp, (unsigned long long)lost,
		exp ? 100.0 * lost / exp : 0.0, (unsigned long long)late,
		p->rx.received ? 100.0 * late / p->rx.received : 0.0, jit,
		spread, p->t_answer ?
		(double)(p->t_answer - p->t_invite) / 1000 : -1.0,
		(unsigned long long)st.unprotect_fail);
}


static void aggregate(struct load_run *r, struct agg *a, FILE *csv)
{
	double win = (double)(r->win1 - r->win0) / 1e6;

	for (uint32_t i = 0; i < r->o.calls; i++) {
		struct load_part *p = &r->partv[i];
		uint64_t exp, lost, late;
		double jit, spread, pps, lp, tp;

		if (!p->t_answer)
			continue;

		load_rtp_rx_result(&p->rx, &exp, &lost, &late, &jit, &spread);
		if (!p->rx.started || !p->rx.received) {
			/* heard nothing: the whole window is lost */
			exp = lost = (uint64_t)(LOAD_PPS * win);
			a->deaf++;
		}

		pps = p->rx.started ? p->rx.received / win : 0.0;
		a->ppsv[a->n] = pps;
		a->jitv[a->n] = jit;
		a->n++;
		a->exp += exp;
		a->lost += lost;
		a->late += late;
		a->rcvd += p->rx.started ? p->rx.received : 0;

		lp = exp ? 100.0 * lost / exp : 0.0;
		tp = p->rx.received ? 100.0 * late / p->rx.received : 0.0;
		if (lp > a->worst_loss)
			a->worst_loss = lp;
		if (tp > a->worst_late)
			a->worst_late = tp;
		if (lp > 1.0 || tp > 1.0)
			a->bad++;

		if (csv)
			part_line(csv, r, p, pps, exp, lost, late, jit, spread);
		if (r->o.verbose)
			part_line(stdout, r, p, pps, exp, lost, late, jit,
				  spread);
		if (spread > a->worst_spread)
			a->worst_spread = spread;
	}
}


/* The window: per participant (--csv, -v) and the summary line */
void load_report_media(struct load_run *r)
{
	double win = (double)(r->win1 - r->win0) / 1e6;
	long tck = sysconf(_SC_CLK_TCK);
	struct agg a;
	struct load_srtp_stats st;
	uint32_t failed = 0, dropped = 0;
	double srv_cpu = -1, srv_run = -1, srv_wait = -1, steal = -1, gen_cpu;
	FILE *csv = NULL;

	memset(&a, 0, sizeof(a));
	a.ppsv = mem_zalloc(r->o.calls * sizeof(double), NULL);
	a.jitv = mem_zalloc(r->o.calls * sizeof(double), NULL);
	if (!a.ppsv || !a.jitv)
		goto out;

	if (r->o.csv) {
		csv = fopen(r->o.csv, "w");
		if (!csv)
			fprintf(stderr, "chorus-load: %s: %m\n", r->o.csv);
	}

	aggregate(r, &a, csv);

	for (uint32_t i = 0; i < r->o.calls; i++) {
		if (r->partv[i].state == CALL_FAILED ||
		    !r->partv[i].t_answer)
			failed++;
		else if (r->partv[i].state == CALL_DROPPED)
			dropped++;
	}

	qsort(a.ppsv, a.n, sizeof(double), cmp_dbl);
	qsort(a.jitv, a.n, sizeof(double), cmp_dbl);

	if (r->o.pid && r->srv1.t_us > r->srv0.t_us) {
		double span = (double)(r->srv1.t_us - r->srv0.t_us) / 1e6;

		srv_cpu = 100.0 * (double)(r->srv1.ticks - r->srv0.ticks) /
			tck / span;
		srv_run = 100.0 * (double)(r->srv1.run_ns - r->srv0.run_ns) /
			1e9 / span;
		srv_wait = 100.0 * (double)(r->srv1.wait_ns -
					    r->srv0.wait_ns) / 1e9 / span;
		steal = 100.0 * (double)(r->srv1.steal - r->srv0.steal) /
			tck / span;
	}

	gen_cpu = 100.0 * ((r->ru1.ru_utime.tv_sec - r->ru0.ru_utime.tv_sec) +
			   (r->ru1.ru_stime.tv_sec - r->ru0.ru_stime.tv_sec) +
			   (r->ru1.ru_utime.tv_usec - r->ru0.ru_utime.tv_usec +
			    r->ru1.ru_stime.tv_usec -
			    r->ru0.ru_stime.tv_usec) / 1e6) / win;

	printf("summary n=%u rooms=%u talkers=%u codec=%s silence=%s "
	       "window_s=%.2f calls_ok=%zu calls_failed=%u calls_dropped=%u "
	       "deaf=%u pps_min=%.2f pps_med=%.2f pps_max=%.2f "
	       "loss_pct=%.3f late_pct=%.3f jitter_ms_med=%.3f "
	       "jitter_ms_max=%.3f worst_loss_pct=%.3f worst_late_pct=%.3f "
	       "spread_ms_max=%.1f bad_parts=%u srv_cpu_pct=%.1f "
	       "srv_rss_kb=%llu srv_runq_wait_pct=%.1f steal_pct=%.1f "
	       "gen_cpu_pct=%.1f send_errors=%llu mode=%s srv_run_pct=%.2f",
	       r->o.calls, r->o.rooms, r->o.talkers,
	       r->o.codec == LOAD_OPUS ? "opus" : "pcmu",
	       load_silence_name(r->o.silence), win, a.n, failed, dropped,
	       a.deaf, a.n ? a.ppsv[0] : 0.0, pct_of(a.ppsv, a.n, 0.5),
	       a.n ? a.ppsv[a.n - 1] : 0.0,
	       a.exp ? 100.0 * a.lost / a.exp : 100.0,
	       a.rcvd ? 100.0 * a.late / a.rcvd : 0.0,
	       pct_of(a.jitv, a.n, 0.5), a.n ? a.jitv[a.n - 1] : 0.0,
	       a.worst_loss, a.worst_late, a.worst_spread, a.bad, srv_cpu,
	       (unsigned long long)r->srv1.rss_kb, srv_wait, steal, gen_cpu,
	       (unsigned long long)load_rtp_errors(r->rtp),
	       r->o.relay ? "relay" : r->audio_phase ? "audio_first" :
	       r->have_video ? "audio+video" : "audio", srv_run);

	load_srtp_stats(r->partv, r->o.calls, &st);
	printf(" srtp=%s srtp_parts=%u srtp_unprotect_fail=%llu "
	       "srtp_protect_fail=%llu\n",
	       r->o.srtp ? msec_suite_name(r->o.suite) : "none", st.parts,
	       (unsigned long long)st.unprotect_fail,
	       (unsigned long long)st.protect_fail);

 out:
	if (csv)
		fclose(csv);
	mem_deref(a.ppsv);
	mem_deref(a.jitv);
}


/* Video totals over the receivers */
struct vagg {
	double *ppsv;
	size_t n;                 /* receivers, call up with video     */
	uint32_t refused;         /* answered m=video 0                */
	uint32_t deaf;            /* nothing forwarded to it           */
	uint32_t ssrc_bad;        /* saw other than exactly one SSRC   */
	uint64_t pkts, bytes, gaps, missing, reord, bad, keys, frames;
	uint64_t pic_jumps, rtcp, plis, firs, nacks, plis_all;
};


static void vpart_line(const struct load_run *r, const struct load_part *p,
		       double win)
{
	const struct load_vrx *x = &p->v.rx;

	printf("vpart idx=%u room=%s%u talker=%d pkts=%llu pps=%.2f "
	       "kbps=%.1f ssrcs=%u gaps=%llu missing=%llu reordered=%llu "
	       "pic_jumps=%llu frames=%llu keys=%llu bad=%llu rtcp=%llu "
	       "plis=%llu plis_call=%llu\n", p->idx, r->o.prefix, p->room,
	       p->talker, (unsigned long long)x->received,
	       x->received / win, x->bytes * 8 / win / 1000, x->ssrcs,
	       (unsigned long long)x->gaps, (unsigned long long)x->missing,
	       (unsigned long long)x->reordered,
	       (unsigned long long)x->pic_jumps,
	       (unsigned long long)x->frames, (unsigned long long)x->keys,
	       (unsigned long long)x->bad, (unsigned long long)x->rtcp,
	       (unsigned long long)x->plis,
	       (unsigned long long)x->plis_all);
}


static void vaggregate(const struct load_run *r, struct vagg *a, double win)
{
	for (uint32_t i = 0; i < r->o.calls; i++) {
		const struct load_part *p = &r->partv[i];
		const struct load_vrx *x = &p->v.rx;

		if (!p->t_answer)
			continue;
		if (!p->v.rport) {
			a->refused++;
			continue;
		}

		a->ppsv[a->n++] = x->received / win;
		a->deaf += !x->received;
		a->ssrc_bad += x->ssrcs != 1;
		a->pkts += x->received;
		a->bytes += x->bytes;
		a->gaps += x->gaps;
		a->missing += x->missing;
		a->reord += x->reordered;
		a->bad += x->bad;
		a->keys += x->keys;
		a->frames += x->frames;
		a->pic_jumps += x->pic_jumps;
		a->rtcp += x->rtcp;
		a->plis += x->plis;
		a->firs += x->firs;
		a->nacks += x->nacks;
		a->plis_all += x->plis_all;

		if (r->o.verbose)
			vpart_line(r, p, win);
	}
}


/**
 * The video line: the clip, what was sent and forwarded in the window,
 * the receivers' checks, the forwarder's own counters, and the
 * forwarder's CPU per forwarded packet
 */
void load_report_video(struct load_run *r)
{
	const struct load_video *v = &r->video;
	double win = (double)(r->win1 - r->win0) / 1e6;
	double clip_s = v->nframes / v->fps;
	double fwd_s = 0, srv_pps = -1, cpu_s = -1, run_s = -1, us_fwd = -1;
	double us_fwd_run = -1;
	uint64_t fwd = 0, drop = 0, sw = 0, kw = 0, kt = 0;
	long tck = sysconf(_SC_CLK_TCK);
	struct vagg a;

	memset(&a, 0, sizeof(a));
	a.ppsv = mem_zalloc((r->o.calls + 1) * sizeof(double), NULL);
	if (!a.ppsv)
		return;

	vaggregate(r, &a, win);
	qsort(a.ppsv, a.n, sizeof(double), cmp_dbl);

	if (r->fwd0.ok && r->fwd1.ok && r->fwd1.t_us > r->fwd0.t_us) {
		fwd_s = (double)(r->fwd1.t_us - r->fwd0.t_us) / 1e6;
		fwd = r->fwd1.forwarded - r->fwd0.forwarded;
		drop = r->fwd1.dropped - r->fwd0.dropped;
		sw = r->fwd1.switches - r->fwd0.switches;
		kw = r->fwd1.key_waits - r->fwd0.key_waits;
		kt = r->fwd1.key_timeouts - r->fwd0.key_timeouts;
		srv_pps = fwd / fwd_s;
	}

	/* CPU per forwarded packet: the forwarder's own count if read,
	 * else what the receivers counted */
	if (r->o.pid && r->srv1.t_us > r->srv0.t_us) {
		double span = (double)(r->srv1.t_us - r->srv0.t_us) / 1e6;
		double pps = srv_pps >= 0 ? srv_pps : a.pkts / win;

		cpu_s = (double)(r->srv1.ticks - r->srv0.ticks) / tck;
		run_s = (double)(r->srv1.run_ns - r->srv0.run_ns) / 1e9;
		if (pps > 0) {
			us_fwd = cpu_s * 1e6 / (pps * span);
			us_fwd_run = run_s * 1e6 / (pps * span);
		}
	}

	printf("video mode=%s n=%u rooms=%u clip_frames=%zu clip_keys=%u "
	       "clip_%ux%u fps=%.1f clip_kbps=%.1f clip_pps=%.1f "
	       "window_s=%.2f receivers=%zu refused=%u deaf=%u "
	       "tx_pkts=%llu tx_pps=%.1f rx_pkts=%llu rx_pps=%.1f "
	       "rx_pps_min=%.2f rx_pps_med=%.2f rx_pps_max=%.2f "
	       "rx_kbps_med_all=%.1f ssrc_bad=%u gaps=%llu missing=%llu "
	       "reordered=%llu pic_jumps=%llu frames=%llu keys=%llu "
	       "bad=%llu rtcp=%llu plis=%llu firs=%llu nacks=%llu "
	       "plis_call=%llu srv_fwd=%llu srv_fwd_s=%.2f srv_fwd_pps=%.1f "
	       "srv_dropped=%llu srv_switches=%llu srv_key_waits=%llu "
	       "srv_key_timeouts=%llu rx_vs_srv=%.4f srv_cpu_s=%.2f "
	       "srv_run_s=%.4f srv_span_s=%.3f us_per_fwd=%.3f "
	       "us_per_fwd_run=%.3f\n",
	       r->o.relay ? "relay" : "chorusd", r->o.calls, r->o.rooms,
	       v->nframes, v->nkeys, v->width, v->height, v->fps,
	       (v->buflen - v->npkts * LOAD_VDESC) * 8 / clip_s / 1000,
	       v->npkts / clip_s, win,
	       a.n, a.refused, a.deaf,
	       (unsigned long long)load_rtp_vtx(r->rtp),
	       load_rtp_vtx(r->rtp) / win,
	       (unsigned long long)a.pkts, a.pkts / win,
	       a.n ? a.ppsv[0] : 0.0, pct_of(a.ppsv, a.n, 0.5),
	       a.n ? a.ppsv[a.n - 1] : 0.0,
	       a.bytes * 8 / win / 1000,
	       a.ssrc_bad, (unsigned long long)a.gaps,
	       (unsigned long long)a.missing, (unsigned long long)a.reord,
	       (unsigned long long)a.pic_jumps,
	       (unsigned long long)a.frames, (unsigned long long)a.keys,
	       (unsigned long long)a.bad, (unsigned long long)a.rtcp,
	       (unsigned long long)a.plis, (unsigned long long)a.firs,
	       (unsigned long long)a.nacks,
	       (unsigned long long)a.plis_all, (unsigned long long)fwd,
	       fwd_s, srv_pps, (unsigned long long)drop,
	       (unsigned long long)sw, (unsigned long long)kw,
	       (unsigned long long)kt,
	       srv_pps > 0 ? (a.pkts / win) / srv_pps : -1.0, cpu_s, run_s,
	       (double)(r->srv1.t_us - r->srv0.t_us) / 1e6, us_fwd,
	       us_fwd_run);

	mem_deref(a.ppsv);
}
