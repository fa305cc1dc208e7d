/* tonedet: measure sine tones in a 16-bit PCM WAV file with Goertzel filters.
 *
 * Used by the end-to-end tests to tell which participants a recording hears.
 *
 *   tonedet [-s SKIP_SEC] [-d DUR_SEC] FILE.wav F1 [F2 ...]
 *	For each frequency F [Hz] print one line
 *	    F present|weak|absent LEVEL_dB REL_dB
 *	LEVEL_dB is the tone's power relative to the total signal power
 *	(a pure tone reads 0 dB, each of two equal tones about -3 dB);
 *	REL_dB is the level relative to the strongest frequency asked for.
 *	A header line starting with '#' gives the file format and the RMS.
 *
 *   tonedet -g FREQ [-s SKIP_SEC] [-d DUR_SEC] FILE.wav
 *	Split the signal into 10 ms windows, decide in each window whether
 *	the tone is on, and print the longest gap (tone off) between the first
 *	and the last window where it is on:
 *	    gap FREQ longest_ms N at_s T on W/TOTAL first_s A last_s B
 *
 * Exit status: 0 when the file was analysed, 2 on usage or file errors.
 *
 * The WAV reader walks the RIFF chunks. A writer that was stopped before it
 * could fix up its header leaves a data size of 0 or 0xffffffff; then the data
 * is taken to run to the end of the file.
 */

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Verdict thresholds [dB] (see print_verdict()) */
enum {
	PRESENT_MIN_TOTAL = -20,  /* present: at least this much of total */
	PRESENT_MAX_BELOW = 20,   /* present: within this of the strongest */
	ABSENT_MIN_BELOW  = 30,   /* absent: this far below the strongest */
	ABSENT_MAX_TOTAL  = -30,  /* absent: or this far below the total */
	SILENCE_DBFS      = -70,  /* signal RMS below this counts as silence */
	GAP_ON_BELOW_REF  = 20,   /* gap mode: window on within this of ref */
	GAP_FLOOR_DBFS    = -60,  /* gap mode: window off below this level */
};

enum {
	BLOCK_MS = 100,  /* analysis block for the level mode [ms] */
	GAP_MS   = 10,   /* analysis window for the gap mode [ms] */
	MAX_FREQS = 32,
};

struct wav {
	uint32_t srate;     /* sample rate [Hz] */
	uint16_t channels;  /* interleaved channels in the file */
	size_t nsamp;       /* mono samples in samp[] */
	double *samp;       /* mono signal, full scale = 1.0 */
};


static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		(uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}


static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}


/* Read a whole file into a malloc'ed buffer. Returns 0 or errno. */
static int read_file(const char *path, uint8_t **bufp, size_t *lenp)
{
	FILE *f;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;
	int err = 0;

	f = fopen(path, "rb");
	if (!f)
		return errno;

	for (;;) {
		if (cap - len < 65536) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 1 << 20;
			nb = realloc(buf, cap);
			if (!nb) {
				err = ENOMEM;
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				err = EIO;
			break;
		}
	}

 out:
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}


/* Parse a RIFF/WAVE file with 16-bit PCM samples into a mono signal
 * (channels averaged). Returns 0, or EINVAL with a message on stderr. */
static int wav_load(struct wav *w, const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0, pos, data_off = 0, data_len = 0;
	bool have_fmt = false, have_data = false;
	uint16_t fmt_tag = 0, bits = 0;
	size_t frames, i;
	int err, c;

	err = read_file(path, &buf, &len);
	if (err) {
		fprintf(stderr, "tonedet: %s: %s\n", path, strerror(err));
		return err;
	}

	if (len < 12 || memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4)) {
		fprintf(stderr, "tonedet: %s: not a RIFF/WAVE file\n", path);
		err = EINVAL;
		goto out;
	}

	/* walk the chunks: id(4) size(4) body, padded to even size */
	pos = 12;
	while (pos + 8 <= len && !have_data) {
		const uint8_t *id = buf + pos;
		size_t size = get_le32(buf + pos + 4);
		size_t body = pos + 8;

		if (!memcmp(id, "fmt ", 4)) {
			if (size < 16 || body + 16 > len) {
				fprintf(stderr,
					"tonedet: %s: short fmt chunk\n", path);
				err = EINVAL;
				goto out;
			}
			fmt_tag     = get_le16(buf + body);
			w->channels = get_le16(buf + body + 2);
			w->srate    = get_le32(buf + body + 4);
			bits        = get_le16(buf + body + 14);
			/* WAVE_FORMAT_EXTENSIBLE: the sub-format GUID
			 * starts with the real format tag */
			if (fmt_tag == 0xfffe && size >= 26 &&
			    body + 26 <= len)
				fmt_tag = get_le16(buf + body + 24);
			have_fmt = true;
		}
		else if (!memcmp(id, "data", 4)) {
			data_off = body;
			/* unfinished header: data runs to the end */
			if (size == 0 || size == 0xffffffffu ||
			    body + size > len)
				size = len - body;
			data_len = size;
			have_data = true;
		}

		if (size > len - body)
			break;
		pos = body + size + (size & 1);
	}

	if (!have_fmt || !have_data) {
		fprintf(stderr, "tonedet: %s: no %s chunk\n", path,
			have_fmt ? "data" : "fmt");
		err = EINVAL;
		goto out;
	}
	if (fmt_tag != 1 || bits != 16 || w->channels < 1 || w->srate < 1000) {
		fprintf(stderr, "tonedet: %s: need 16-bit PCM (format %u, "
			"%u bits, %u channels, %u Hz)\n", path, fmt_tag, bits,
			w->channels, w->srate);
		err = EINVAL;
		goto out;
	}

	frames = data_len / (2u * w->channels);
	w->samp = calloc(frames ? frames : 1, sizeof(*w->samp));
	if (!w->samp) {
		err = ENOMEM;
		goto out;
	}

	for (i = 0; i < frames; i++) {
		const uint8_t *p = buf + data_off + i * 2u * w->channels;
		double acc = 0;

		for (c = 0; c < w->channels; c++)
			acc += (int16_t)get_le16(p + 2 * c);
		w->samp[i] = acc / w->channels / 32768.0;
	}
	w->nsamp = frames;

 out:
	free(buf);
	return err;
}


/* Goertzel power of one frequency over n samples with a Hann window,
 * scaled so that a sine of amplitude A at that frequency gives A^2/2
 * (its mean power). The frequency need not fall on a DFT bin. */
static double goertzel_power(const double *x, size_t n, double freq,
			     double srate, const double *win, double win_sum)
{
	double coeff = 2.0 * cos(2.0 * M_PI * freq / srate);
	double s1 = 0, s2 = 0, mag2;
	size_t i;

	for (i = 0; i < n; i++) {
		double s0 = x[i] * win[i] + coeff * s1 - s2;

		s2 = s1;
		s1 = s0;
	}

	mag2 = s1 * s1 + s2 * s2 - coeff * s1 * s2;
	if (mag2 < 0)
		mag2 = 0;

	return 2.0 * mag2 / (win_sum * win_sum);
}


/* Hann window of n points; returns the sum of the weights, or 0 on ENOMEM */
static double *hann_alloc(size_t n, double *sump)
{
	double *win = calloc(n, sizeof(*win));
	double sum = 0;
	size_t i;

	if (!win)
		return NULL;

	for (i = 0; i < n; i++) {
		win[i] = 0.5 - 0.5 * cos(2.0 * M_PI * (i + 0.5) / n);
		sum += win[i];
	}

	*sump = sum;
	return win;
}


static double to_db(double ratio)
{
	if (ratio <= 1e-30)
		return -300.0;
	return 10.0 * log10(ratio);
}


/* Level mode: mean tone power over whole blocks vs the mean signal power */
static int run_levels(const struct wav *w, const double *x, size_t n,
		      const double *freqs, int nfreq)
{
	size_t blk = (size_t)w->srate * BLOCK_MS / 1000, nblk, b, i;
	double tone[MAX_FREQS] = {0}, lvl[MAX_FREQS], total = 0, rms_dbfs;
	double win_sum, best = -300.0;
	double *win;
	int f;

	nblk = n / blk;
	if (nblk == 0) {
		fprintf(stderr, "tonedet: signal shorter than %d ms\n",
			BLOCK_MS);
		return EINVAL;
	}

	win = hann_alloc(blk, &win_sum);
	if (!win)
		return ENOMEM;

	for (b = 0; b < nblk; b++) {
		const double *p = x + b * blk;

		for (i = 0; i < blk; i++)
			total += p[i] * p[i];
		for (f = 0; f < nfreq; f++)
			tone[f] += goertzel_power(p, blk, freqs[f], w->srate,
						  win, win_sum);
	}
	free(win);

	total /= (double)(nblk * blk);
	rms_dbfs = to_db(total * 2.0);  /* 0 dBFS = full-scale sine */

	printf("# rate %u channels %u analysed %.2f s rms %.1f dBFS\n",
	       w->srate, w->channels, (double)(nblk * blk) / w->srate,
	       rms_dbfs);

	for (f = 0; f < nfreq; f++) {
		lvl[f] = total > 0 ? to_db(tone[f] / nblk / total) : -300.0;
		if (lvl[f] > best)
			best = lvl[f];
	}

	/* Present: a real share of the signal and close to the strongest
	 * tone. Absent: far below the strongest tone or a negligible share
	 * of the signal, or the signal is silence. In between: "weak",
	 * which satisfies neither expectation, so a test fails loudly
	 * instead of passing on a borderline number. */
	for (f = 0; f < nfreq; f++) {
		const char *verdict;
		double rel = lvl[f] - best;

		if (rms_dbfs < SILENCE_DBFS)
			verdict = "absent";
		else if (lvl[f] >= PRESENT_MIN_TOTAL &&
			 rel >= -PRESENT_MAX_BELOW)
			verdict = "present";
		else if (rel <= -ABSENT_MIN_BELOW ||
			 lvl[f] <= ABSENT_MAX_TOTAL)
			verdict = "absent";
		else
			verdict = "weak";

		printf("%g %s %.1f %.1f\n", freqs[f], verdict, lvl[f], rel);
	}

	return 0;
}


static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}


/* Gap mode: tone on/off per 10 ms window, longest off run between the
 * first and last on windows. The reference level is the 90th percentile
 * of the window powers, so short dropouts do not move it. */
static int run_gap(const struct wav *w, const double *x, size_t n,
		   double freq, double skip)
{
	size_t win_n = (size_t)w->srate * GAP_MS / 1000, nwin, i;
	size_t first = 0, last = 0, on_count = 0, run = 0, best_run = 0;
	size_t best_end = 0;
	double *pw, *sorted, *win, win_sum, ref, thr;
	bool seen = false;

	nwin = win_n ? n / win_n : 0;
	if (nwin == 0) {
		fprintf(stderr, "tonedet: signal shorter than %d ms\n",
			GAP_MS);
		return EINVAL;
	}

	pw = calloc(nwin, sizeof(*pw));
	sorted = calloc(nwin, sizeof(*sorted));
	win = hann_alloc(win_n, &win_sum);
	if (!pw || !sorted || !win) {
		free(pw);
		free(sorted);
		free(win);
		return ENOMEM;
	}

	for (i = 0; i < nwin; i++) {
		pw[i] = goertzel_power(x + i * win_n, win_n, freq, w->srate,
				       win, win_sum);
		sorted[i] = pw[i];
	}
	qsort(sorted, nwin, sizeof(*sorted), cmp_double);
	ref = sorted[(nwin * 9) / 10];

	thr = ref * pow(10.0, -GAP_ON_BELOW_REF / 10.0);
	if (thr < pow(10.0, GAP_FLOOR_DBFS / 10.0) / 2.0)
		thr = pow(10.0, GAP_FLOOR_DBFS / 10.0) / 2.0;

	for (i = 0; i < nwin; i++) {
		if (pw[i] < thr) {
			if (seen)
				++run;
			continue;
		}
		if (!seen)
			first = i;
		seen = true;
		last = i;
		++on_count;
		if (run > best_run) {
			best_run = run;
			best_end = i;
		}
		run = 0;
	}

	printf("# rate %u channels %u windows %zu ref %.1f dBFS\n",
	       w->srate, w->channels, nwin, to_db(ref * 2.0));
	if (!seen) {
		printf("gap %g longest_ms -1 at_s -1 on 0/%zu first_s -1 "
		       "last_s -1\n", freq, nwin);
	}
	else {
		printf("gap %g longest_ms %zu at_s %.2f on %zu/%zu "
		       "first_s %.2f last_s %.2f\n", freq,
		       best_run * GAP_MS,
		       skip + (double)(best_end - best_run) * GAP_MS / 1000,
		       on_count, nwin,
		       skip + (double)first * GAP_MS / 1000,
		       skip + (double)(last + 1) * GAP_MS / 1000);
	}

	free(pw);
	free(sorted);
	free(win);
	return 0;
}


static void usage(void)
{
	fprintf(stderr,
		"usage: tonedet [-s SKIP_SEC] [-d DUR_SEC] FILE.wav F1 [F2..]\n"
		"       tonedet -g FREQ [-s SKIP_SEC] [-d DUR_SEC] FILE.wav\n");
}


static bool parse_num(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return !errno && end != s && *end == '\0' && isfinite(*v);
}


int main(int argc, char *argv[])
{
	double skip = 0, dur = -1, gap_freq = -1;
	double freqs[MAX_FREQS];
	struct wav w = {0};
	size_t start, n;
	int opt, nfreq = 0, err, i;

	while ((opt = getopt(argc, argv, "s:d:g:h")) != -1) {
		switch (opt) {

		case 's':
			if (!parse_num(optarg, &skip) || skip < 0)
				goto bad;
			break;

		case 'd':
			if (!parse_num(optarg, &dur) || dur <= 0)
				goto bad;
			break;

		case 'g':
			if (!parse_num(optarg, &gap_freq) || gap_freq <= 0)
				goto bad;
			break;

		default:
			goto bad;
		}
	}

	if (optind >= argc)
		goto bad;

	for (i = optind + 1; i < argc; i++) {
		if (nfreq == MAX_FREQS || !parse_num(argv[i], &freqs[nfreq]) ||
		    freqs[nfreq] <= 0)
			goto bad;
		++nfreq;
	}
	if ((gap_freq > 0) == (nfreq > 0))
		goto bad;

	err = wav_load(&w, argv[optind]);
	if (err)
		return 2;

	for (i = 0; i < nfreq; i++) {
		if (freqs[i] >= w.srate / 2.0) {
			fprintf(stderr, "tonedet: %g Hz is above Nyquist "
				"(%u Hz rate)\n", freqs[i], w.srate);
			free(w.samp);
			return 2;
		}
	}

	start = (size_t)(skip * w.srate);
	if (start > w.nsamp)
		start = w.nsamp;
	n = w.nsamp - start;
	if (dur > 0 && (size_t)(dur * w.srate) < n)
		n = (size_t)(dur * w.srate);

	if (gap_freq > 0)
		err = run_gap(&w, w.samp + start, n, gap_freq, skip);
	else
		err = run_levels(&w, w.samp + start, n, freqs, nfreq);

	free(w.samp);
	return err ? 2 : 0;

 bad:
	usage();
	return 2;
}
