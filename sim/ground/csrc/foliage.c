/* Foliage on sight lines: a port of Terrain.foliage_m (sim/ground/terrain.py, with
 * clip.inside_length and clip.crossing_fractions) and of Terrain.foliage_along
 * (Trajectory.along over Terrain.foliage_m), which stay the readable reference; tests
 * compare both bit for bit.
 *
 * Every float is computed by the same operations in the same order as numpy computes
 * it: the crossings' fractions, the pieces' midpoints, numpy's pairwise summation of a
 * row (ndarray.sum), numpy's np.interp (the last knot at or below x, its slope
 * formula), the foliage added zone by zone. Points inside a zone are decided by even-
 * odd crossings with an exact sign wherever the point is farther from an edge than
 * rounding can reach; a point within rounding of an edge makes the kernel return -1 so
 * that GEOS (shapely.contains_xy, which counts the boundary as outside) decides.
 */
#include <math.h>
#include <stdlib.h>

#include "foliage.h"

/* |cross| at most this times the sum of its two products' magnitudes: the sign may
 * be rounding's (the computed cross product errs by under 5e-16 of that sum). */
#define DOUBT 1e-9

int64_t wooded_max_edges(const Wooded *w) {
    int64_t most = 0;
    for (int64_t z = 0; z < w->zones; z++) {
        int64_t k = w->first[z + 1] - w->first[z];
        if (k > most) most = k;
    }
    return most;
}

/* numpy's pairwise summation of n float64 (DOUBLE_pairwise_sum): the order in which
 * ndarray.sum(axis=-1) adds a contiguous row. */
static double pairwise_sum(const double *a, int64_t n) {
    if (n < 8) {
        double res = -0.0;
        for (int64_t i = 0; i < n; i++) res += a[i];
        return res;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; j++) r[j] = a[j];
        int64_t i;
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++) r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += a[i];
        return res;
    }
    int64_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

/* np.interp(x, xp, fp) at one x with its defaults (fp[0] left of xp, fp[m-1] right of
 * it): j is the last index with xp[j] <= x, as numpy's binary_search_with_guess
 * finds it in a non-decreasing xp. */
static double interp1(double x, const double *xp, const double *fp, int64_t m) {
    if (isnan(x)) return x;
    if (m == 1 || x < xp[0]) return fp[0];
    if (x > xp[m - 1]) return fp[m - 1];
    int64_t lo = 0, hi = m;
    while (lo < hi) {
        int64_t mid = lo + ((hi - lo) >> 1);
        if (x >= xp[mid]) lo = mid + 1;
        else hi = mid;
    }
    int64_t j = lo - 1;
    if (j == m - 1 || xp[j] == x) return fp[j];
    double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    double r = slope * (x - xp[j]) + fp[j];
    if (isnan(r)) {
        r = slope * (x - xp[j + 1]) + fp[j + 1];
        if (isnan(r) && fp[j] == fp[j + 1]) r = fp[j];
    }
    return r;
}

/* Whether (x, y) is inside the zone of edges edge (m, 4), by even-odd crossings of
 * the ray to +x (half-open in y); -1 within rounding of an edge. */
static int point_inside(double x, double y, const double *edge, int64_t m) {
    int inside = 0;
    for (int64_t j = 0; j < m; j++) {
        const double *e = edge + 4 * j;
        double ax = e[0], ay = e[1], bx = e[2], by = e[3];
        double t1 = (bx - ax) * (y - ay), t2 = (by - ay) * (x - ax);
        double cross = t1 - t2;
        int doubtful = fabs(cross) <= DOUBT * (fabs(t1) + fabs(t2));
        if ((ay > y) != (by > y)) {
            if (doubtful) return -1;
            if ((cross > 0) == (by > ay)) inside ^= 1;
        } else if (doubtful && x >= fmin(ax, bx) && x <= fmax(ax, bx)
                   && y >= fmin(ay, by) && y <= fmax(ay, by)) {
            return -1;
        }
    }
    return inside;
}

static void sort_doubles(double *a, int64_t n) {
    for (int64_t i = 1; i < n; i++) {           /* insertion: a zone has a few edges */
        double v = a[i];
        int64_t k = i - 1;
        while (k >= 0 && a[k] > v) { a[k + 1] = a[k]; k--; }
        a[k + 1] = v;
    }
}

/* clip.inside_length of one segment p0 -> p1 and one zone's m edges. cut holds
 * m + 2 doubles, piece m + 1. */
static int inside_length(double p0x, double p0y, double p1x, double p1y,
                         const double *edge, int64_t m, double *cut, double *piece,
                         double *length) {
    double dx = p1x - p0x, dy = p1y - p0y;
    cut[0] = 0.0;
    for (int64_t j = 0; j < m; j++) {            /* clip.crossing_fractions */
        const double *e = edge + 4 * j;
        double ex = e[2] - e[0], ey = e[3] - e[1];
        double wx = e[0] - p0x, wy = e[1] - p0y;
        double denom = dx * ey - dy * ex;
        double t = (wx * ey - wy * ex) / denom;
        double u = (wx * dy - wy * dx) / denom;
        int ok = denom != 0 && t >= 0 && t <= 1 && u >= 0 && u <= 1;
        cut[1 + j] = ok ? t : 1.0;
    }
    sort_doubles(cut + 1, m);
    cut[m + 1] = 1.0;
    for (int64_t i = 0; i <= m; i++) {
        piece[i] = 0.0;
        if (cut[i + 1] == cut[i]) continue;      /* nothing to weigh: inside or not */
        double mid = (cut[i] + cut[i + 1]) / 2;
        int in = point_inside(p0x + mid * dx, p0y + mid * dy, edge, m);
        if (in < 0) return -1;
        if (in) piece[i] = cut[i + 1] - cut[i];
    }
    *length = pairwise_sum(piece, m + 1) * hypot(dx, dy);
    return 0;
}

int foliage_points(double ox, double oy, const double *targets, int64_t n,
                   const Wooded *w, double *scratch, double *out) {
    double *cut = scratch, *piece = scratch + wooded_max_edges(w) + 2;
    for (int64_t i = 0; i < n; i++) {
        double tx = targets[2 * i], ty = targets[2 * i + 1];
        double lox = fmin(tx, ox), hix = fmax(tx, ox), loy = fmin(ty, oy), hiy = fmax(ty, oy);
        double total = 0.0;
        for (int64_t z = 0; z < w->zones; z++) {
            const double *box = w->box + 4 * z;
            if (!(lox <= box[2] && hix >= box[0] && loy <= box[3] && hiy >= box[1])) continue;
            double length;
            if (inside_length(ox, oy, tx, ty, w->edge + 4 * w->first[z],
                              w->first[z + 1] - w->first[z], cut, piece, &length))
                return -1;
            total += w->density[z] * length;
        }
        out[i] = total;
    }
    return 0;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int foliage_along(double ox, double oy, const double *t_traj, const double *xy, int64_t m,
                  const double *t, int64_t n, double step_m, const Wooded *w,
                  double *scratch, double *out) {
    if (!n) return 0;
    double *cum = scratch, *xs = cum + m, *ys = xs + m, *s = ys + m, *knot = s + n,
           *point = knot + 2 * n, *value = point + 4 * n, *rest = value + 2 * n;
    cum[0] = 0.0;                                  /* the distance walked at each point */
    for (int64_t i = 0; i < m; i++) {
        xs[i] = xy[2 * i];
        ys[i] = xy[2 * i + 1];
        if (i) cum[i] = cum[i - 1] + hypot(xs[i] - xs[i - 1], ys[i] - ys[i - 1]);
    }
    int sorted = 1;                                /* the knot numbers in the order of t */
    for (int64_t i = 0; i < n; i++) {
        if (isnan(t[i])) return -1;
        s[i] = interp1(t[i], t_traj, cum, m);
        knot[i] = floor(s[i] / step_m);   /* one a look: the library's floor is fine */
        if (i && knot[i] < knot[i - 1]) sorted = 0;
    }
    int64_t k = 0;                                 /* np.unique(concatenate([k, k + 1])) */
    if (sorted) {                                  /* the usual case: a linear merge */
        double *merged = point;
        int64_t a = 0, b = 0;
        while (a < n || b < n) {
            double v = (b >= n || (a < n && knot[a] <= knot[b] + 1)) ? knot[a++] : knot[b++] + 1;
            if (!k || v != merged[k - 1]) merged[k++] = v;
        }
        for (int64_t i = 0; i < k; i++) knot[i] = merged[i];
    } else {
        for (int64_t i = 0; i < n; i++) knot[n + i] = knot[i] + 1;
        qsort(knot, (size_t)(2 * n), sizeof(double), by_value);
        for (int64_t i = 0; i < 2 * n; i++)
            if (!k || knot[i] != knot[k - 1]) knot[k++] = knot[i];
    }
    for (int64_t i = 0; i < k; i++) {
        knot[i] *= step_m;
        point[2 * i] = interp1(knot[i], cum, xs, m);
        point[2 * i + 1] = interp1(knot[i], cum, ys, m);
    }
    if (foliage_points(ox, oy, point, k, w, rest, value)) return -1;
    for (int64_t i = 0; i < n; i++) out[i] = interp1(s[i], knot, value, k);
    return 0;
}
