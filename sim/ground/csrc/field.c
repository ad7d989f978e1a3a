/* The sight-line field of sensors/common.py in C: correlated_normal (keyed normals at
 * the corners of a grid of cell_m, bilinear, rescaled to unit variance) and cdf_below
 * (whether Φ of it is below a threshold), which stay the readable reference; tests
 * compare both bit for bit. The keyed normals themselves are drawn by the caller
 * (sim.ground.keyed.Draws.normal: numpy's log and cos), at the keys field_corners
 * gives: each key once where consecutive runs share a corner (a path walks from a cell
 * into its neighbour: about half the corners), a draw being a function of its key.
 *
 * The field is the same float as numpy's: the same operations in the same order. The
 * test Φ(z) < T is the same boolean as numpy's, 0.5 · erfc(−z/√2) < T with the C
 * library's erfc (Python's math.erfc), though it is decided more cheaply: first by a
 * table of Φ (table_below), then by the approximation (Abramowitz & Stegun 7.1.26,
 * error <= 7.5e-8 on Φ) where it is farther than CDF_MARGIN = 1e-6 from T — exact
 * there whatever exp within a few ulps it uses (this file's is the C library's,
 * numpy's its own) — and by erfc itself for the rest.
 */
#include <math.h>

#include "field.h"

#define AS_P 0.3275911
#define CDF_MARGIN 1e-6

static const double AS_A[5] = {1.061405429, -1.453152027, 1.421413741, -0.284496736,
                               0.254829592};

/* floor(q), inline: without SSE4.1 floor is a call into the C library, the most of
 * this file's cost per point. Exact for |q| < 2^52 (the integer part is exact there),
 * the sign of a zero kept; the library's floor elsewhere. */
static inline double floor_fast(double q) {
    if (!(fabs(q) < 0x1p52)) return floor(q);
    double t = (double)(int64_t)q;              /* q truncated toward zero */
    if (t > q) return t - 1.0;
    return t == 0.0 ? copysign(0.0, q) : t;
}

/* The cell of point i: its integer corner (ix, iy) and fractions (fx, fy). */
static void cell_of(const double *xy, int64_t i, double cell_m, int64_t *ix, int64_t *iy,
                    double *fx, double *fy) {
    double qx = xy[2 * i] / cell_m, qy = xy[2 * i + 1] / cell_m;
    double bx = floor_fast(qx), by = floor_fast(qy);
    *fx = qx - bx;
    *fy = qy - by;
    *ix = (int64_t)bx;
    *iy = (int64_t)by;
}

/* Whether point i, in cell (ix, iy), starts a run (the first point, or a cell other
 * than the previous point's (*px, *py)); keeps its cell as the previous one. */
static int starts_run(int64_t i, int64_t ix, int64_t iy, int64_t *px, int64_t *py) {
    int starts = !i || ix != *px || iy != *py;
    *px = ix;
    *py = iy;
    return starts;
}

int64_t field_corners(const double *xy, int64_t n, double cell_m, int64_t *keys,
                      int64_t *corner, int64_t *runs) {
    static const int offset[4][2] = {{0, 0}, {1, 0}, {0, 1}, {1, 1}};   /* _CORNERS */
    int64_t r = -1, px = 0, py = 0, distinct = 0;
    int64_t before[4] = {0, 0, 0, 0};   /* the previous run's corner keys */
    for (int64_t i = 0; i < n; i++) {
        int64_t ix, iy;
        double fx, fy;
        cell_of(xy, i, cell_m, &ix, &iy, &fx, &fy);
        if (!starts_run(i, ix, iy, &px, &py)) continue;
        r++;
        int64_t now[4];
        for (int c = 0; c < 4; c++) {         /* ((cx + dx) << 32) ^ ((cy + dy) & 0xFFFFFFFF) */
            uint64_t hi = (uint64_t)(ix + offset[c][0]) << 32;
            uint64_t lo = (uint64_t)(iy + offset[c][1]) & 0xFFFFFFFFULL;
            now[c] = (int64_t)(hi ^ lo);
            int64_t k = -1;
            for (int b = 0; r && b < 4 && k < 0; b++)   /* a corner the last run shares */
                if (before[b] == now[c]) k = corner[4 * (r - 1) + b];
            if (k < 0) {
                keys[distinct] = now[c];
                k = distinct++;
            }
            corner[4 * r + c] = k;
        }
        for (int c = 0; c < 4; c++) before[c] = now[c];
    }
    *runs = r + 1;
    return distinct;
}

/* Φ at z = PHI_Z0 + k / PHI_PER_UNIT, k = 0 .. PHI_POINTS - 1, by erfc (filled once). Φ
 * is increasing, so Φ(z) lies between the values at the two table points around z: a
 * threshold clearly outside them decides the test (most thresholds are near 0 or 1:
 * deep in a forest, or in the open) without the approximation. The margin, 1e-12 of
 * the value, is far beyond erfc's rounding (an ulp or two). */
#define PHI_Z0 (-9.0)
#define PHI_PER_UNIT 4.0
#define PHI_POINTS 73
#define PHI_MARGIN 1e-12
static double PHI[PHI_POINTS], PHI_AT[PHI_POINTS];   /* Φ, and the z of each point */
static int phi_ready = 0;

static void phi_table(void) {
    for (int k = 0; k < PHI_POINTS; k++) {
        PHI_AT[k] = PHI_Z0 + k / PHI_PER_UNIT;
        PHI[k] = 0.5 * erfc(PHI_AT[k] * -sqrt(0.5));
    }
    phi_ready = 1;
}

/* 1 or 0 where the table decides Φ(z) < threshold, -1 where it does not. */
static int table_below(double z, double threshold) {
    double q = floor_fast((z - PHI_Z0) * PHI_PER_UNIT);
    if (!(q >= 0 && q < PHI_POINTS - 1)) return -1;      /* outside, or NaN */
    int k = (int)q;
    if (k > 0 && z < PHI_AT[k]) k--;                      /* rounding moved z up a cell */
    else if (k < PHI_POINTS - 2 && z >= PHI_AT[k + 1]) k++;
    if (!(z >= PHI_AT[k] && z < PHI_AT[k + 1])) return -1;
    if (threshold < PHI[k] * (1 - PHI_MARGIN)) return 0;
    if (threshold > PHI[k + 1] * (1 + PHI_MARGIN)) return 1;
    return -1;
}

static int cdf_below(double z, double threshold) {
    int decided = table_below(z, threshold);
    if (decided >= 0) return decided;
    double x = fabs(z) * sqrt(0.5);
    double t = 1.0 / (1.0 + AS_P * x);
    double poly = 0.0;
    for (int k = 0; k < 5; k++) poly = poly * t + AS_A[k];
    double tail = 0.5 * t * poly * exp(-x * x);
    double approx = z < 0 ? tail : 1.0 - tail;
    if (fabs(approx - threshold) > CDF_MARGIN) return approx < threshold;
    return 0.5 * erfc(z * -sqrt(0.5)) < threshold;
}

int field_below(const double *xy, int64_t n, double cell_m, const double *zc,
                int64_t distinct, const int64_t *corner, int64_t runs,
                const double *threshold, uint8_t *below) {
    if (!phi_ready) phi_table();
    for (int64_t k = 0; k < 4 * runs; k++)
        if (corner[k] < 0 || corner[k] >= distinct) return -1;
    int64_t r = -1, px = 0, py = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t ix, iy;
        double fx, fy;
        cell_of(xy, i, cell_m, &ix, &iy, &fx, &fy);
        if (starts_run(i, ix, iy, &px, &py) && ++r >= runs) return -1;
        double w[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
        double z = 0.0, w2 = 0.0;
        for (int c = 0; c < 4; c++) {
            z += w[c] * zc[corner[4 * r + c]];
            w2 += w[c] * w[c];
        }
        below[i] = (uint8_t)cdf_below(z / sqrt(w2), threshold[i]);
    }
    return r + 1 == runs ? 0 : -1;
}
