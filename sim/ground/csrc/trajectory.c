/* A mover's positions and bounding boxes: a port of sim/ground/trajectory.py
 * (Trajectory.position_at, Trajectory.box), which stays the readable reference; tests
 * compare both bit for bit.
 *
 * position_at is numpy's np.interp twice (numpy/_core/src/multiarray/compiled_base.c,
 * arr_interp and binary_search_with_guess, as in numpy 2.x; the tests hold it to the
 * installed numpy), step for step: the same search from the same guess (so even knots
 * numpy would not call sorted give its index), the same comparisons and the same
 * arithmetic. Both columns share the times
 * and knots, so numpy finds the same index for each: it is searched once here.
 * numpy's precomputed slopes (when there are no more knots than times) are the same
 * division as the inline one.
 */
#include <math.h>

#include "trajectory.h"

#define LIKELY_IN_CACHE_SIZE 8

/* binary_search_with_guess: i with a[i] <= key < a[i + 1]; -1 below a[0], len above
 * a[len - 1], len - 1 at it. len >= 2 (arr_interp handles a single knot apart). */
static int64_t search_with_guess(double key, const double *a, int64_t len, int64_t guess) {
    int64_t imin = 0, imax = len;
    if (key > a[len - 1]) return len;
    if (key < a[0]) return -1;
    if (len <= 4) {                                /* linear, from a[1] */
        int64_t i = 1;
        while (i < len && key >= a[i]) i++;
        return i - 1;
    }
    if (guess > len - 3) guess = len - 3;
    if (guess < 1) guess = 1;
    if (key < a[guess]) {
        if (!(key < a[guess - 1])) return guess - 1;   /* not key >= a: a knot may be NaN */
        imax = guess - 1;
        if (guess > LIKELY_IN_CACHE_SIZE && key >= a[guess - LIKELY_IN_CACHE_SIZE])
            imin = guess - LIKELY_IN_CACHE_SIZE;
    } else {
        if (key < a[guess + 1]) return guess;
        if (key < a[guess + 2]) return guess + 1;
        imin = guess + 2;
        if (guess < len - LIKELY_IN_CACHE_SIZE - 1 && key < a[guess + LIKELY_IN_CACHE_SIZE])
            imax = guess + LIKELY_IN_CACHE_SIZE;
    }
    while (imin < imax) {
        int64_t imid = imin + ((imax - imin) >> 1);
        if (key >= a[imid]) imin = imid + 1;
        else imax = imid;
    }
    return imin - 1;
}

/* arr_interp's value at x (not NaN) in the leg j (0 <= j < m - 1, tk[j] != x). */
static double on_leg(double x, const double *tk, const double *f, int64_t j) {
    double slope = (f[j + 1] - f[j]) / (tk[j + 1] - tk[j]);
    double v = slope * (x - tk[j]) + f[j];
    if (isnan(v)) {                                /* numpy then tries the other end */
        v = slope * (x - tk[j + 1]) + f[j + 1];
        if (isnan(v) && f[j] == f[j + 1]) v = f[j];
    }
    return v;
}

/* arr_interp's value of column f at x given j = search_with_guess(x, ...) (m >= 2). */
static double interp_at(double x, const double *tk, const double *f, int64_t m, int64_t j) {
    if (j == -1) return f[0];
    if (j == m) return f[m - 1];
    if (j == m - 1 || tk[j] == x) return f[j];
    return on_leg(x, tk, f, j);
}

void position_at(const double *tk, const double *x, const double *y, int64_t m,
                 const double *t, int64_t n, double *out) {
    if (m == 1) {              /* arr_interp's single knot: left, right, the knot, NaN */
        for (int64_t i = 0; i < n; i++) {
            out[2 * i] = x[0];
            out[2 * i + 1] = y[0];
        }
        return;
    }
    int64_t j = 0;
    for (int64_t i = 0; i < n; i++) {
        double ti = t[i];
        if (isnan(ti)) {
            out[2 * i] = out[2 * i + 1] = ti;
            continue;
        }
        j = search_with_guess(ti, tk, m, j);
        out[2 * i] = interp_at(ti, tk, x, m, j);
        out[2 * i + 1] = interp_at(ti, tk, y, m, j);
    }
}

/* numpy's ordering of doubles in searchsorted: NaN after every number. */
static int np_less(double a, double b) { return a < b || (b != b && a == a); }

/* np.searchsorted(a, key, side) for one key: numpy's bisection over [0, len). */
static int64_t searchsorted(const double *a, int64_t len, double key, int right) {
    int64_t lo = 0, hi = len;
    while (lo < hi) {
        int64_t mid = lo + ((hi - lo) >> 1);
        if (right ? !np_less(key, a[mid]) : np_less(a[mid], key)) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Python's min and max of [ends..., f[i:j]...]: the first item, replaced by each later
 * one that is strictly smaller (larger), as builtins.min (max) does with floats. */
static void min_max(const double *ends, const double *f, int64_t i, int64_t j,
                    double *lo, double *hi) {
    double mn = ends[0], mx = ends[0];
    if (ends[1] < mn) mn = ends[1];
    if (ends[1] > mx) mx = ends[1];
    for (int64_t k = i; k < j; k++) {
        if (f[k] < mn) mn = f[k];
        if (f[k] > mx) mx = f[k];
    }
    *lo = mn;
    *hi = mx;
}

void trajectory_box(const double *tk, const double *x, const double *y, int64_t m,
                    double start, double end, double *out) {
    int64_t i = searchsorted(tk, m, start, 1), j = searchsorted(tk, m, end, 0);
    double t[2] = {start, end}, p[4];              /* p: x, y at start, then at end */
    position_at(tk, x, y, m, t, 2, p);
    double xs[2] = {p[0], p[2]}, ys[2] = {p[1], p[3]};
    min_max(xs, x, i, j, &out[0], &out[2]);
    min_max(ys, y, i, j, &out[1], &out[3]);
}
