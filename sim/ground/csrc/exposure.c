/* When a mover is inside a radar's or camera's sector, and the looks then; whether two
 * movers ever come within a range; a radar's radial speed: a port of
 * sensors/geometry.py (sector_intervals with r_min = 0, merge_intervals, look_times,
 * ever_within, relative_legs, proximity_intervals, line_crossings), of sensors/sector.py (SectorSensor._looks_at's look numbers and
 * geometry) and of sensors/radar.py (Radar.radial_speed), which stay the readable
 * reference; tests compare both bit for bit. Every float is
 * computed by numpy's operations in numpy's order, with numpy's NaN-propagating
 * maximum and minimum; the wedge's edge vectors come from the caller (numpy's cos and
 * sin, which C cannot repeat).
 */
#include <math.h>

#include "exposure.h"
#include "trajectory.h"

static double np_max(double x, double y) { return (x >= y || isnan(x)) ? x : y; }
static double np_min(double x, double y) { return (x <= y || isnan(x)) ? x : y; }

/* geometry._disc_tau: where |d0 + v τ| <= r for τ in [0, dt]. */
static void disc_tau(double d0x, double d0y, double vx, double vy, double dt, double r,
                     double *lo, double *hi) {
    double a = vx * vx + vy * vy;
    double b = d0x * vx + d0y * vy;
    double c = (d0x * d0x + d0y * d0y) - r * r;
    double disc = b * b - a * c;
    int moving = a > 0, empty;
    double l = 0.0, h = dt;
    if (moving) {
        double sq = sqrt(np_max(disc, 0.0));
        l = (-b - sq) / a;
        h = (-b + sq) / a;
        empty = disc <= 0;
    } else {
        empty = c > 0;
    }
    *lo = empty ? INFINITY : np_max(l, 0.0);
    *hi = empty ? -INFINITY : np_min(h, dt);
}

/* geometry._halfline: where alpha + beta τ >= 0 for τ in [0, dt]. */
static void halfline(double alpha, double beta, double dt, double *lo, double *hi) {
    double root = -alpha / beta;
    double l = beta > 0 ? root : 0.0, h = beta < 0 ? root : dt;
    int never = beta == 0 && alpha < 0;
    *lo = never ? INFINITY : np_max(l, 0.0);
    *hi = never ? -INFINITY : np_min(h, dt);
}

static int64_t merge_pieces(const double *lo, const double *hi, int64_t k, int64_t *order,
                            double *iv);

int64_t sector_exposure(const double *t, const double *xy, int64_t m, const Sector *s,
                        double *scratch, int64_t *order, double *iv) {
    int64_t legs = m - 1, k = 0;
    if (legs <= 0) return 0;
    double *lo = scratch, *hi = scratch + 4 * legs;   /* the candidates, leg by leg */
    for (int64_t i = 0; i < legs; i++) {
        double t0 = t[i], t1 = t[i + 1], dt = t1 - t0;
        double px = xy[2 * i], py = xy[2 * i + 1];
        double vx = (xy[2 * i + 2] - px) / dt, vy = (xy[2 * i + 3] - py) / dt;
        double d0x = px - s->cx, d0y = py - s->cy;
        double rlo, rhi;                           /* the disc, then its empty pad */
        disc_tau(d0x, d0y, vx, vy, dt, s->r_max, &rlo, &rhi);
        double ring_lo[2] = {rlo + t0, INFINITY}, ring_hi[2] = {rhi + t0, -INFINITY};
        if (!s->wedge) {
            for (int j = 0; j < 2; j++) { lo[k] = ring_lo[j]; hi[k++] = ring_hi[j]; }
            continue;
        }
        double alo, ahi, blo, bhi;
        halfline(s->ax * d0y - s->ay * d0x, s->ax * vy - s->ay * vx, dt, &alo, &ahi);
        halfline(-(s->bx * d0y - s->by * d0x), -(s->bx * vy - s->by * vx), dt, &blo, &bhi);
        double w_lo[2], w_hi[2];
        if (s->wedge == 1) {
            w_lo[0] = np_max(alo, blo) + t0; w_hi[0] = np_min(ahi, bhi) + t0;
            w_lo[1] = INFINITY; w_hi[1] = -INFINITY;
        } else {
            w_lo[0] = alo + t0; w_hi[0] = ahi + t0;
            w_lo[1] = blo + t0; w_hi[1] = bhi + t0;
        }
        for (int j = 0; j < 2; j++)                /* intersect_candidates: ring-major */
            for (int q = 0; q < 2; q++) {
                lo[k] = np_max(ring_lo[j], w_lo[q]);
                hi[k++] = np_min(ring_hi[j], w_hi[q]);
            }
    }
    return merge_pieces(lo, hi, k, order, iv);
}

/* merge_intervals (gap 0) of the k candidates lo, hi into iv: their number. */
static int64_t merge_pieces(const double *lo, const double *hi, int64_t k, int64_t *order,
                            double *iv) {
    int64_t n = 0;                                 /* merge_intervals: the pieces kept */
    for (int64_t i = 0; i < k; i++)
        if (hi[i] > lo[i]) order[n++] = i;
    for (int64_t i = 1; i < n; i++) {              /* stable insertion sort by lo */
        int64_t v = order[i], j = i - 1;
        while (j >= 0 && lo[order[j]] > lo[v]) { order[j + 1] = order[j]; j--; }
        order[j + 1] = v;
    }
    int64_t out = 0;
    double reach = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double l = lo[order[i]], h = hi[order[i]];
        if (!i || l > reach + 0.0) {
            iv[2 * out] = l;
            iv[2 * out + 1] = h;
            out++;
            reach = i ? np_max(reach, h) : h;
        } else {
            iv[2 * out - 1] = np_max(iv[2 * out - 1], h);
            reach = np_max(reach, h);
        }
    }
    return out;
}

int64_t look_times(const double *iv, int64_t n, double period, double phase,
                   double *t_out, int64_t *interval_out) {
    int64_t looks = 0;
    for (int64_t i = 0; i < n; i++) {
        double start = iv[2 * i], end = iv[2 * i + 1];
        double k0 = ceil((start - phase) / period), k1 = ceil((end - phase) / period);
        int64_t count = (int64_t)np_max(k1 - k0, 0);
        for (int64_t j = 0; j < count; j++) {
            double t = phase + (k0 + (double)j) * period;
            if (!(t >= start && t < end)) continue;  /* ceil's float edge */
            if (t_out) {
                t_out[looks] = t;
                interval_out[looks] = i;
            }
            looks++;
        }
    }
    return looks;
}

int ever_within(const double *t0, const double *t1, const double *p0, const double *v,
                int64_t legs, double radius) {
    for (int64_t i = 0; i < legs; i++) {
        double lo, hi;
        disc_tau(p0[2 * i] - 0.0, p0[2 * i + 1] - 0.0, v[2 * i], v[2 * i + 1], t1[i] - t0[i],
                 radius, &lo, &hi);
        if (hi + t0[i] > lo + t0[i]) return 1;
    }
    return 0;
}

int radial_speed(const double *t, const double *xy, int64_t m, const double *look_t,
                 const double *d, int64_t n, double *out) {
    int64_t legs = m - 1;
    if (n && legs < 1) return -1;
    for (int64_t i = 0; i < n; i++) {
        int64_t lo = 0, hi = legs;                 /* searchsorted(t0, look, "right") */
        while (lo < hi) {
            int64_t mid = lo + ((hi - lo) >> 1);
            if (look_t[i] >= t[mid]) lo = mid + 1;
            else hi = mid;
        }
        int64_t leg = lo - 1 < 0 ? 0 : (lo - 1 > legs - 1 ? legs - 1 : lo - 1);
        double dt = t[leg + 1] - t[leg];
        double vx = (xy[2 * leg + 2] - xy[2 * leg]) / dt;
        double vy = (xy[2 * leg + 3] - xy[2 * leg + 1]) / dt;
        double range = np_max(hypot(d[2 * i], d[2 * i + 1]), 1e-9);
        out[i] = fabs(vx * d[2 * i] + vy * d[2 * i + 1]) / range;
    }
    return 0;
}

int look_geometry(const double *tk, const double *x, const double *y, int64_t m,
                  const double *t, int64_t n, double cx, double cy, double phase,
                  double period, int64_t *k, double *xy, double *d, double *range) {
    for (int64_t i = 0; i < n; i++) {
        double q = nearbyint((t[i] - phase) / period);      /* np.round: half to even */
        if (!(fabs(q) < 0x1p62)) return -1;
        k[i] = (int64_t)q;
    }
    position_at(tk, x, y, m, t, n, xy);
    for (int64_t i = 0; i < n; i++) {
        d[2 * i] = xy[2 * i] - cx;
        d[2 * i + 1] = xy[2 * i + 1] - cy;
        range[i] = hypot(d[2 * i], d[2 * i + 1]);
    }
    return 0;
}

int64_t relative_legs(const double *ta, const double *xa, const double *ya, int64_t ma,
                      const double *tb, const double *xb, const double *yb, int64_t mb,
                      double start, double end, double *knot, double *pa, double *pb,
                      double *rel, double *v) {
    int64_t n = 0, i = 0, j = 0;
    knot[n++] = start;          /* the union of both knots in [start, end], sorted, once */
    while (i < ma || j < mb) {
        double t;
        if (j >= mb || (i < ma && ta[i] <= tb[j])) t = ta[i++];
        else t = tb[j++];
        if (t >= start && t <= end && t != knot[n - 1]) knot[n++] = t;
    }
    if (end != knot[n - 1]) knot[n++] = end;
    position_at(ta, xa, ya, ma, knot, n, pa);
    position_at(tb, xb, yb, mb, knot, n, pb);
    for (int64_t k = 0; k < 2 * n; k++) rel[k] = pa[k] - pb[k];
    for (int64_t k = 0; k + 1 < n; k++) {
        double dt = knot[k + 1] - knot[k];
        v[2 * k] = (rel[2 * k + 2] - rel[2 * k]) / dt;
        v[2 * k + 1] = (rel[2 * k + 3] - rel[2 * k + 1]) / dt;
    }
    return n;
}

int64_t proximity(const double *t0, const double *t1, const double *p0, const double *v,
                  int64_t legs, double radius, double *scratch, int64_t *order, double *iv) {
    double *lo = scratch, *hi = scratch + legs;
    for (int64_t i = 0; i < legs; i++) {           /* circle_candidates about the origin */
        double l, h;
        disc_tau(p0[2 * i] - 0.0, p0[2 * i + 1] - 0.0, v[2 * i], v[2 * i + 1], t1[i] - t0[i],
                 radius, &l, &h);
        lo[i] = l + t0[i];
        hi[i] = h + t0[i];
    }
    return merge_pieces(lo, hi, legs, order, iv);
}

int64_t line_crossings(const double *t, const double *xy, int64_t m, const double *q,
                       int64_t points, double *t_out, double *xy_out, int64_t *segment_out) {
    int64_t hits = 0, segments = points - 1;
    const double last_u = nextafter(1.0, 2.0);      /* the last segment is closed */
    for (int64_t i = 0; i + 1 < m; i++) {           /* leg-major, as np.nonzero finds them */
        double t0 = t[i], dt = t[i + 1] - t0;
        double px = xy[2 * i], py = xy[2 * i + 1];
        double vx = (xy[2 * i + 2] - px) / dt, vy = (xy[2 * i + 3] - py) / dt;
        double dx = vx * dt, dy = vy * dt;          /* v * (t1 - t0), as numpy has it */
        for (int64_t j = 0; j < segments; j++) {
            double ex = q[2 * j + 2] - q[2 * j], ey = q[2 * j + 3] - q[2 * j + 1];
            double wx = q[2 * j] - px, wy = q[2 * j + 1] - py;
            double denom = dx * ey - dy * ex;
            double s = (wx * ey - wy * ex) / denom;
            double u = (wx * dy - wy * dx) / denom;
            double u_max = j == segments - 1 ? last_u : 1.0;
            if (!(denom != 0 && s >= 0 && s < 1 && u >= 0 && u < u_max)) continue;
            t_out[hits] = t0 + s * dt;
            xy_out[2 * hits] = px + s * dx;
            xy_out[2 * hits + 1] = py + s * dy;
            segment_out[hits++] = j;
        }
    }
    for (int64_t i = 1; i < hits; i++) {            /* stable insertion sort by time */
        double tv = t_out[i], xv = xy_out[2 * i], yv = xy_out[2 * i + 1];
        int64_t sv = segment_out[i], j = i - 1;
        while (j >= 0 && t_out[j] > tv) {
            t_out[j + 1] = t_out[j];
            xy_out[2 * j + 2] = xy_out[2 * j];
            xy_out[2 * j + 3] = xy_out[2 * j + 1];
            segment_out[j + 1] = segment_out[j];
            j--;
        }
        t_out[j + 1] = tv;
        xy_out[2 * j + 2] = xv;
        xy_out[2 * j + 3] = yv;
        segment_out[j + 1] = sv;
    }
    return hits;
}
