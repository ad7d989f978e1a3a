/* One batch through predict, gate, assign, update and manage: a port of
 * command/fusion/kernels.py (see there, and command/fusion/core.py, for every rule).
 *
 * The same operations in the same order, so the same doubles: powers with a small
 * integer exponent are products (as numba compiles them), no fused multiply-add
 * (built with -ffp-contract=off), libm's sqrt and log (as numba calls them).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

#define CF_PI 3.14159265358979323846  /* math.pi */

/* math.floor of numba: the float's floor converted to int64 (x86's value for a
 * float out of range, or nan, is INT64_MIN), then back to a float by the caller's
 * max/min with a float. */
static double floor_as_int(double v) {
    double f = floor(v);
    if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0))
        return -9223372036854775808.0;
    return (double)(int64_t)f;
}

static double median(const double *values, int64_t n, double *a) {
    memcpy(a, values, (size_t)n * sizeof(double));
    int64_t k = (n - 1) / 2, lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = a[(lo + hi) / 2];
        int64_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                double t = a[i]; a[i] = a[j]; a[j] = t;
                i++; j--;
            }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else break;
    }
    double low = a[k];
    if (n % 2 == 1) return low;
    double high = a[k + 1];
    for (int64_t i = k + 2; i < n; i++) high = a[i] < high ? a[i] : high;
    return (low + high) / 2;
}

static int report_less(int64_t i, int64_t j, const cf_reports *r) {
    const int64_t *s = r->sensor;
    const double *z = r->z, *R = r->R;
    if (s[i] != s[j]) return s[i] < s[j];
    if (z[2 * i] != z[2 * j]) return z[2 * i] < z[2 * j];
    if (z[2 * i + 1] != z[2 * j + 1]) return z[2 * i + 1] < z[2 * j + 1];
    if (R[4 * i] != R[4 * j]) return R[4 * i] < R[4 * j];
    if (R[4 * i + 3] != R[4 * j + 3]) return R[4 * i + 3] < R[4 * j + 3];
    if (R[4 * i + 1] != R[4 * j + 1]) return R[4 * i + 1] < R[4 * j + 1];
    return i < j;
}

static void insertion_sort_ints(int64_t *a, int64_t k) {
    for (int64_t i = 1; i < k; i++) {
        int64_t v = a[i], j = i - 1;
        while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
    }
}

static void insertion_sort_reports(int64_t *a, int64_t k, const cf_reports *r) {
    for (int64_t i = 1; i < k; i++) {
        int64_t v = a[i], j = i - 1;
        while (j >= 0 && report_less(v, a[j], r)) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
    }
}

/* Sort a[:m] by the canonical report key (kernels.canonical_sort); b is (m,) scratch.
 * Returns the array that holds the result (a or b). */
static int64_t *canonical_sort(int64_t *a, int64_t *b, int64_t m, const cf_reports *r) {
    if (m <= 16) {
        insertion_sort_reports(a, m, r);
        return a;
    }
    for (int64_t width = 1; width < m; width *= 2) {
        for (int64_t lo = 0; lo < m; lo += 2 * width) {
            int64_t mid = lo + width < m ? lo + width : m;
            int64_t hi = lo + 2 * width < m ? lo + 2 * width : m;
            int64_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                if (report_less(a[j], a[i], r)) b[k++] = a[j++];
                else b[k++] = a[i++];
            }
            while (i < mid) b[k++] = a[i++];
            while (j < hi) b[k++] = a[j++];
        }
        int64_t *t = a; a = b; b = t;
    }
    return a;
}

void cf_predict(const double *x, const double *P, int64_t n, double dt, double q,
                double *xp, double *Pp) {
    double qa = q * (dt * dt * dt) / 3.0, qb = q * (dt * dt) / 2.0, qc = q * dt;
    double M[4][4];
    for (int64_t i = 0; i < n; i++) {
        const double *xi = x + 4 * i, *Pi = P + 16 * i;
        double *xo = xp + 4 * i, *Po = Pp + 16 * i;
        xo[0] = xi[0] + dt * xi[2];
        xo[1] = xi[1] + dt * xi[3];
        xo[2] = xi[2];
        xo[3] = xi[3];
        for (int c = 0; c < 4; c++) {
            M[0][c] = Pi[c] + dt * Pi[8 + c];
            M[1][c] = Pi[4 + c] + dt * Pi[12 + c];
            M[2][c] = Pi[8 + c];
            M[3][c] = Pi[12 + c];
        }
        for (int r = 0; r < 4; r++) {
            Po[4 * r] = M[r][0] + dt * M[r][2];
            Po[4 * r + 1] = M[r][1] + dt * M[r][3];
            Po[4 * r + 2] = M[r][2];
            Po[4 * r + 3] = M[r][3];
        }
        Po[0] += qa;
        Po[5] += qa;
        Po[2] += qb;
        Po[8] += qb;
        Po[7] += qb;
        Po[13] += qb;
        Po[10] += qc;
        Po[15] += qc;
    }
}

static double d2_of(const double *xp, const double *Pp, int64_t i, const double *z,
                    const double *R, int64_t j) {
    double a = Pp[16 * i] + R[4 * j];
    double b = Pp[16 * i + 1] + R[4 * j + 1];
    double c = Pp[16 * i + 5] + R[4 * j + 3];
    double nx = z[2 * j] - xp[4 * i];
    double ny = z[2 * j + 1] - xp[4 * i + 1];
    return (c * nx * nx - 2.0 * b * nx * ny + a * ny * ny) / (a * c - b * b);
}

static double max2(double a, double b) { return a > b ? a : b; }
static double min2(double a, double b) { return a < b ? a : b; }

/* Gated pairs through a uniform grid (kernels.gate_grid). On success *pt, *pr, *pd2
 * are one allocation (free(*pt)) holding *k pairs. */
static int gate_grid(const double *xp, const double *Pp, int64_t n_all, const double *z,
                     const double *R, int64_t m_all, double gate, const uint8_t *track_on,
                     const uint8_t *report_on, int64_t **pt, int64_t **pr, double **pd2,
                     int64_t *k_out) {
    double g2 = gate * gate;
    int64_t n = 0, m = 0;
    *pt = NULL; *pr = NULL; *pd2 = NULL; *k_out = 0;
    for (int64_t i = 0; i < n_all; i++) n += track_on[i] != 0;
    for (int64_t j = 0; j < m_all; j++) m += report_on[j] != 0;
    if (n == 0 || m == 0) return 0;
    /* tracks, reports, hwx, hwy, hw, scratch, cell_of, binned */
    char *blk = malloc((size_t)(n + m) * 8 + (size_t)n * 8 * 4 + (size_t)m * 16);
    if (!blk) return -1;
    int64_t *tracks = (int64_t *)blk, *reports = tracks + n;
    double *hwx = (double *)(reports + m), *hwy = hwx + n, *hw = hwy + n, *scr = hw + n;
    int64_t *cell_of = (int64_t *)(scr + n), *binned = cell_of + m;
    n = 0; m = 0;
    for (int64_t i = 0; i < n_all; i++) if (track_on[i]) tracks[n++] = i;
    for (int64_t j = 0; j < m_all; j++) if (report_on[j]) reports[m++] = j;
    double rx = 0.0, ry = 0.0, x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY,
           y_hi = -INFINITY;
    for (int64_t v = 0; v < m; v++) {
        int64_t j = reports[v];
        rx = max2(rx, R[4 * j]);
        ry = max2(ry, R[4 * j + 3]);
        x_lo = min2(x_lo, z[2 * j]); x_hi = max2(x_hi, z[2 * j]);
        y_lo = min2(y_lo, z[2 * j + 1]); y_hi = max2(y_hi, z[2 * j + 1]);
    }
    for (int64_t u = 0; u < n; u++) {
        int64_t i = tracks[u];
        hwx[u] = gate * sqrt(Pp[16 * i] + rx);
        hwy[u] = gate * sqrt(Pp[16 * i + 5] + ry);
        hw[u] = max2(hwx[u], hwy[u]);
    }
    double area = (x_hi - x_lo + 1.0) * (y_hi - y_lo + 1.0);
    double cell = median(hw, n, scr);
    cell = max2(max2(cell, sqrt(area / (2.0 * (double)m))), 1e-3);
    int64_t nx = (int64_t)((x_hi - x_lo) / cell) + 1;
    int64_t ny = (int64_t)((y_hi - y_lo) / cell) + 1;
    int64_t *start = calloc((size_t)(nx * ny + 1) * 2, sizeof(int64_t));
    if (!start) { free(blk); return -1; }
    int64_t *fill = start + nx * ny + 1;
    for (int64_t v = 0; v < m; v++) {
        int64_t j = reports[v];
        int64_t c = (int64_t)((z[2 * j] - x_lo) / cell) * ny
                    + (int64_t)((z[2 * j + 1] - y_lo) / cell);
        cell_of[v] = c;
        start[c + 1] += 1;
    }
    for (int64_t c = 0; c < nx * ny; c++) start[c + 1] += start[c];
    for (int64_t c = 0; c < nx * ny; c++) fill[c] = start[c];
    for (int64_t v = 0; v < m; v++) binned[fill[cell_of[v]]++] = reports[v];
    int64_t total = 0, k = 0;
    int64_t *opt = NULL, *opr = NULL;
    double *od2 = NULL;
    for (int sweep = 0; sweep < 2; sweep++) {
        if (sweep == 1) {
            char *o = malloc((size_t)(total > 0 ? total : 1) * 24);
            if (!o) { free(start); free(blk); return -1; }
            opt = (int64_t *)o; opr = opt + total; od2 = (double *)(opr + total);
        }
        for (int64_t u = 0; u < n; u++) {
            int64_t i = tracks[u];
            double x0 = max2(floor_as_int((xp[4 * i] - hwx[u] - x_lo) / cell), 0.0);
            double x1 = min2(floor_as_int((xp[4 * i] + hwx[u] - x_lo) / cell),
                             (double)nx - 1.0);
            double y0 = max2(floor_as_int((xp[4 * i + 1] - hwy[u] - y_lo) / cell), 0.0);
            double y1 = min2(floor_as_int((xp[4 * i + 1] + hwy[u] - y_lo) / cell),
                             (double)ny - 1.0);
            if (x0 > x1 || y0 > y1) continue;
            for (int64_t cx = (int64_t)x0; cx < (int64_t)x1 + 1; cx++) {
                int64_t lo = start[cx * ny + (int64_t)y0];
                int64_t hi = start[cx * ny + (int64_t)y1 + 1];
                if (sweep == 0) { total += hi - lo; continue; }
                for (int64_t s = lo; s < hi; s++) {
                    int64_t j = binned[s];
                    double d2 = d2_of(xp, Pp, i, z, R, j);
                    if (d2 <= g2) { opt[k] = i; opr[k] = j; od2[k] = d2; k++; }
                }
            }
        }
    }
    free(start);
    free(blk);
    *pt = opt; *pr = opr; *pd2 = od2; *k_out = k;
    return 0;
}

static int64_t find_root(int64_t *parent, int64_t a) {
    while (parent[a] != a) {
        parent[a] = parent[parent[a]];
        a = parent[a];
    }
    return a;
}

/* The solver's workspace for up to nr rows and nb report columns. */
typedef struct {
    double *u, *v, *spc;
    int64_t *path, *col4row, *row4col;
    uint8_t *in_sr, *in_sc;
    int64_t *touched, *rows_seen, *cols_seen;
} workspace;

static void *workspace_alloc(workspace *w, int64_t nr, int64_t nb) {
    int64_t nc = nr + nb;
    char *b = malloc((size_t)nr * 24 + (size_t)nc * 48 + (size_t)(nr + nc) + 16);
    if (!b) return NULL;
    w->u = (double *)b; w->v = w->u + nr; w->spc = w->v + nc;
    w->path = (int64_t *)(w->spc + nc); w->col4row = w->path + nc;
    w->row4col = w->col4row + nr; w->touched = w->row4col + nc;
    w->rows_seen = w->touched + nc; w->cols_seen = w->rows_seen + nr;
    w->in_sr = (uint8_t *)(w->cols_seen + nc); w->in_sc = w->in_sr + nr;
    return b;
}

/* Shortest augmenting paths on a sparse cluster (kernels._solve_sparse). */
static void solve_sparse(const int64_t *row_ptr, const int64_t *col, const double *cst,
                         int64_t nr, int64_t nb, const double *miss, workspace *w,
                         int64_t *out) {
    double *u = w->u, *v = w->v, *spc = w->spc;
    int64_t *path = w->path, *col4row = w->col4row, *row4col = w->row4col;
    uint8_t *in_sr = w->in_sr, *in_sc = w->in_sc;
    int64_t *touched = w->touched, *rows_seen = w->rows_seen, *cols_seen = w->cols_seen;
    int64_t nc = nb + nr;
    for (int64_t i = 0; i < nr; i++) { u[i] = 0.0; col4row[i] = -1; in_sr[i] = 0; }
    for (int64_t j = 0; j < nc; j++) {
        v[j] = 0.0; spc[j] = INFINITY; row4col[j] = -1; in_sc[j] = 0;
    }
    for (int64_t cur = 0; cur < nr; cur++) {
        double min_val = 0.0;
        int64_t i = cur, n_t = 0, n_rs = 0, n_cs = 0, sink = -1;
        while (sink == -1) {
            in_sr[i] = 1;
            rows_seen[n_rs++] = i;
            for (int64_t e = row_ptr[i]; e < row_ptr[i + 1] + 1; e++) {
                int64_t j;
                double cij;
                if (e == row_ptr[i + 1]) { j = nb + i; cij = miss[i]; }
                else { j = col[e]; cij = cst[e]; }
                if (in_sc[j]) continue;
                double r = min_val + cij - u[i] - v[j];
                if (r < spc[j]) {
                    if (spc[j] == INFINITY) touched[n_t++] = j;
                    spc[j] = r;
                    path[j] = i;
                }
            }
            int64_t index = -1;
            double lowest = INFINITY;
            for (int64_t t = 0; t < n_t; t++) {
                int64_t j = touched[t];
                if (spc[j] < lowest || (spc[j] == lowest && row4col[j] == -1)) {
                    lowest = spc[j];
                    index = t;
                }
            }
            min_val = lowest;
            /* index -1 (nothing reachable) cannot happen: every row has its miss
             * column. numba would read touched[-1], the last entry. */
            if (index < 0) index = n_t - 1;
            int64_t j = touched[index];
            n_t -= 1;
            touched[index] = touched[n_t];
            in_sc[j] = 1;
            cols_seen[n_cs++] = j;
            if (row4col[j] == -1) sink = j;
            else i = row4col[j];
        }
        u[cur] += min_val;
        for (int64_t t = 0; t < n_rs; t++) {
            int64_t r = rows_seen[t];
            if (r != cur) u[r] += min_val - spc[col4row[r]];
            in_sr[r] = 0;
        }
        for (int64_t t = 0; t < n_cs; t++) {
            int64_t j = cols_seen[t];
            v[j] -= min_val - spc[j];
            in_sc[j] = 0;
            spc[j] = INFINITY;
        }
        for (int64_t t = 0; t < n_t; t++) spc[touched[t]] = INFINITY;
        int64_t j = sink;
        for (;;) {
            int64_t r = path[j];
            row4col[j] = r;
            int64_t t = col4row[r];
            col4row[r] = j;
            j = t;
            if (r == cur) break;
        }
    }
    for (int64_t i = 0; i < nr; i++) {
        int64_t c = col4row[i];
        out[i] = c < nb ? c : -1;
    }
}

void cf_big_free(cf_big *b) {
    free(b->block);
    b->block = NULL;
    b->n_big = 0;
}

int cf_assign_stage(const double *xp, const double *Pp, int64_t n, const uint8_t *track_on,
                    const cf_reports *rep, uint8_t *free_, double gate, int64_t *got,
                    cf_big *big) {
    int64_t m = rep->m;
    int64_t *pt, *pr, k;
    double *cost;
    memset(big, 0, sizeof *big);
    if (gate_grid(xp, Pp, n, rep->z, rep->R, m, gate, track_on, free_, &pt, &pr, &cost,
                  &k) < 0)
        return -1;
    double g2 = gate * gate;
    int rc = -1;
    /* t_deg, r_deg, parent; cnt; local_t, local_r */
    int64_t *deg = malloc((size_t)(n + m) * 2 * sizeof(int64_t) + 8);
    if (!deg) { free(pt); return -1; }
    int64_t *t_deg = deg, *r_deg = deg + n, *parent = deg + n + m;
    memset(deg, 0, (size_t)(n + m) * sizeof(int64_t));
    for (int64_t p = 0; p < k; p++) { t_deg[pt[p]]++; r_deg[pr[p]]++; }
    for (int64_t c = 0; c < n + m; c++) parent[c] = c;
    int64_t n_multi = 0;
    for (int64_t p = 0; p < k; p++) {
        if (t_deg[pt[p]] == 1 && r_deg[pr[p]] == 1) {
            got[pt[p]] = pr[p];
            free_[pr[p]] = 0;
        } else {
            n_multi++;
            int64_t a = find_root(parent, pt[p]), b = find_root(parent, n + pr[p]);
            if (a != b) parent[a > b ? a : b] = a < b ? a : b;
        }
    }
    if (n_multi == 0) { rc = 0; goto done; }
    {
        int64_t NM = n_multi;
        /* multi, root, srt, multi_s, root_s, tracks, reports, csr_col (NM each),
         * csr_cst (NM), cnt (n + m + 1), local_t (n), local_r (m), row_ptr (n + 1),
         * sub_miss (n), best (n) */
        size_t words = (size_t)NM * 9 + (size_t)(n + m + 1) + (size_t)(n + m)
                       + (size_t)(n + 1) + (size_t)n * 2;
        int64_t *w = malloc(words * 8);
        workspace ws;
        void *wsb = workspace_alloc(&ws, n, m);
        char *bigb = malloc((size_t)(NM + 1) * 8 + (size_t)NM * 24);
        if (!w || !wsb || !bigb) { free(w); free(wsb); free(bigb); goto done; }
        int64_t *multi = w, *root = multi + NM, *srt = root + NM, *multi_s = srt + NM,
                *root_s = multi_s + NM, *tracks = root_s + NM, *reports = tracks + NM,
                *csr_col = reports + NM;
        double *csr_cst = (double *)(csr_col + NM);
        int64_t *cnt = (int64_t *)(csr_cst + NM), *local_t = cnt + n + m + 1,
                *local_r = local_t + n, *row_ptr = local_r + m;
        double *sub_miss = (double *)(row_ptr + n + 1);
        int64_t *best = (int64_t *)(sub_miss + n);
        int64_t c = 0;
        for (int64_t p = 0; p < k; p++) {
            if (!(t_deg[pt[p]] == 1 && r_deg[pr[p]] == 1)) {
                multi[c] = p;
                root[c] = find_root(parent, pt[p]);
                c++;
            }
        }
        memset(cnt, 0, (size_t)(n + m + 1) * 8);
        for (c = 0; c < NM; c++) cnt[root[c] + 1]++;
        for (c = 0; c < n + m; c++) cnt[c + 1] += cnt[c];
        for (c = 0; c < NM; c++) srt[cnt[root[c]]++] = c;
        for (c = 0; c < NM; c++) { multi_s[c] = multi[srt[c]]; root_s[c] = root[srt[c]]; }
        multi = multi_s; root = root_s;
        int64_t *big_ptr = (int64_t *)bigb, *big_t = big_ptr + NM + 1,
                *big_r = big_t + NM;
        double *big_c = (double *)(big_r + NM);
        int64_t n_big = 0, kb = 0;
        big_ptr[0] = 0;
        for (int64_t i = 0; i < n; i++) local_t[i] = -1;
        for (int64_t j = 0; j < m; j++) local_r[j] = -1;
        int64_t s = 0;
        while (s < NM) {
            int64_t e = s;
            while (e < NM && root[e] == root[s]) e++;
            int64_t na = 0, nb = 0;
            for (int64_t u = s; u < e; u++) {
                int64_t p = multi[u];
                if (local_t[pt[p]] < 0) { local_t[pt[p]] = na; tracks[na++] = pt[p]; }
                if (local_r[pr[p]] < 0) { local_r[pr[p]] = nb; reports[nb++] = pr[p]; }
            }
            if (na * (na + nb) <= CF_DENSE_LIMIT) {
                insertion_sort_ints(tracks, na);
                insertion_sort_reports(reports, nb, rep);
                for (int64_t a = 0; a < na; a++) local_t[tracks[a]] = a;
                for (int64_t b = 0; b < nb; b++) local_r[reports[b]] = b;
                for (int64_t a = 0; a < na + 1; a++) row_ptr[a] = 0;
                for (int64_t u = s; u < e; u++) row_ptr[local_t[pt[multi[u]]] + 1]++;
                for (int64_t a = 0; a < na; a++) {
                    row_ptr[a + 1] += row_ptr[a];
                    sub_miss[a] = g2;
                }
                for (int64_t u = s; u < e; u++) {
                    int64_t p = multi[u], a = local_t[pt[p]];
                    csr_col[row_ptr[a]] = local_r[pr[p]];
                    csr_cst[row_ptr[a]] = cost[p];
                    row_ptr[a]++;
                }
                for (int64_t a = na; a > 0; a--) row_ptr[a] = row_ptr[a - 1];
                row_ptr[0] = 0;
                solve_sparse(row_ptr, csr_col, csr_cst, na, nb, sub_miss, &ws, best);
                for (int64_t a = 0; a < na; a++) {
                    if (best[a] >= 0) {
                        got[tracks[a]] = reports[best[a]];
                        free_[reports[best[a]]] = 0;
                    }
                }
            } else {
                for (int64_t u = s; u < e; u++) {
                    int64_t p = multi[u];
                    big_t[kb] = pt[p]; big_r[kb] = pr[p]; big_c[kb] = cost[p];
                    kb++;
                }
                n_big++;
                big_ptr[n_big] = kb;
            }
            for (int64_t a = 0; a < na; a++) local_t[tracks[a]] = -1;
            for (int64_t b = 0; b < nb; b++) local_r[reports[b]] = -1;
            s = e;
        }
        free(w);
        free(wsb);
        if (n_big > 0) {
            big->n_big = n_big; big->ptr = big_ptr; big->track = big_t;
            big->report = big_r; big->cost = big_c; big->block = bigb;
        } else {
            free(bigb);
        }
        rc = 0;
    }
done:
    free(deg);
    free(pt);
    return rc;
}

void cf_fused_free(cf_fused *f) {
    free(f->block);
    f->block = NULL;
}

/* Lay out n rows of a table in memory at *p (advanced). */
static void table_at(cf_table *t, int64_t n, char **p) {
    t->n = n;
    t->ids = (int64_t *)*p; t->x = (double *)(t->ids + n); t->P = t->x + 4 * n;
    t->cp = t->P + 16 * n; t->lu = t->cp + 3 * n; t->nu = (int64_t *)(t->lu + n);
    t->score = (double *)(t->nu + n); t->conf = (uint8_t *)(t->score + n);
    *p = (char *)(t->conf + n);
}

static size_t table_bytes(int64_t n) { return (size_t)n * (8 * 27 + 1); }

int cf_update_manage(const cf_table *tab, const double *xp, const double *Pp,
                     const int64_t *got, const cf_reports *rep, double t_s,
                     int64_t next_id, double lam, double pd, double v0, double birth,
                     double confirm_score, double delete_after,
                     double tentative_delete_after, double max_std, cf_fused *out) {
    int64_t n = tab->n, m = rep->m;
    const double *zs = rep->z, *Rs = rep->R, *lik = rep->lik;
    int has_lik = rep->has_lik;
    int64_t rows_max = n + m;
    /* scratch: x (n,4), P (n,4,4), sc, cp (n,3), lu; nu, row_of (m), new_report (m),
     * sort buffer (m), new_row (rows); all_conf, keep (rows) */
    size_t scratch = (size_t)n * 8 * 25 + (size_t)n * 8 + (size_t)m * 24
                     + (size_t)rows_max * 8 + (size_t)rows_max * 2 + 16;
    char *tmp = malloc(scratch);
    if (!tmp) return -1;
    double *x = (double *)tmp, *P = x + 4 * n, *sc = P + 16 * n, *cp = sc + n,
           *lu = cp + 3 * n;
    int64_t *nu = (int64_t *)(lu + n), *row_of = nu + n, *new_report = row_of + m,
            *sort_buf = new_report + m, *new_row = sort_buf + m;
    uint8_t *all_conf = (uint8_t *)(new_row + rows_max), *keep = all_conf + rows_max;
    memcpy(x, xp, (size_t)n * 32);
    memcpy(P, Pp, (size_t)n * 128);
    memcpy(sc, tab->score, (size_t)n * 8);
    memcpy(cp, tab->cp, (size_t)n * 24);
    memcpy(lu, tab->lu, (size_t)n * 8);
    memcpy(nu, tab->nu, (size_t)n * 8);
    for (int64_t j = 0; j < m; j++) row_of[j] = -1;
    double log_pd_lam = log(pd) - log(lam) - log(2.0 * CF_PI);
    double K[4][2], A[4][4], T[4][4];
    for (int64_t i = 0; i < n; i++) {
        int64_t j = got[i];
        if (j < 0) continue;
        row_of[j] = i;
        const double *Pi = Pp + 16 * i, *Rj = Rs + 4 * j;
        double a = Pi[0] + Rj[0], b = Pi[1] + Rj[1], c = Pi[5] + Rj[3];
        double det = a * c - b * b;
        double vx = zs[2 * j] - xp[4 * i], vy = zs[2 * j + 1] - xp[4 * i + 1];
        double d2 = (c * vx * vx - 2.0 * b * vx * vy + a * vy * vy) / det;
        sc[i] += log_pd_lam - 0.5 * d2 - 0.5 * log(det);
        for (int r = 0; r < 4; r++) {
            K[r][0] = (Pi[4 * r] * c - Pi[4 * r + 1] * b) / det;
            K[r][1] = (Pi[4 * r + 1] * a - Pi[4 * r] * b) / det;
            x[4 * i + r] = xp[4 * i + r] + K[r][0] * vx + K[r][1] * vy;
        }
        for (int r = 0; r < 4; r++)
            for (int col = 0; col < 4; col++)
                A[r][col] = (r == col ? 1.0 : 0.0) - (col < 2 ? K[r][col] : 0.0);
        for (int r = 0; r < 4; r++)
            for (int col = 0; col < 4; col++)
                T[r][col] = (A[r][0] * Pi[col] + A[r][1] * Pi[4 + col]
                             + A[r][2] * Pi[8 + col] + A[r][3] * Pi[12 + col]);
        for (int r = 0; r < 4; r++) {
            for (int col = r; col < 4; col++) {
                double v = (T[r][0] * A[col][0] + T[r][1] * A[col][1]
                            + T[r][2] * A[col][2] + T[r][3] * A[col][3]);
                v += (K[r][0] * (Rj[0] * K[col][0] + Rj[1] * K[col][1])
                      + K[r][1] * (Rj[2] * K[col][0] + Rj[3] * K[col][1]));
                P[16 * i + 4 * r + col] = v;
                P[16 * i + 4 * col + r] = v;
            }
        }
        lu[i] = t_s;
        nu[i] += 1;
        if (has_lik) {
            double tot = 0.0;
            for (int h = 0; h < 3; h++) tot += cp[3 * i + h] * lik[3 * j + h];
            if (tot > 0.0)
                for (int h = 0; h < 3; h++)
                    cp[3 * i + h] = cp[3 * i + h] * lik[3 * j + h] / tot;
        }
    }
    int64_t n_new = 0;
    for (int64_t j = 0; j < m; j++)
        if (row_of[j] < 0) new_report[n_new++] = j;
    int64_t *nr_sorted = canonical_sort(new_report, sort_buf, n_new, rep);
    int64_t rows = n + n_new;
    double init_score = log(birth / lam);
    int64_t kept = 0;
    for (int64_t i = 0; i < rows; i++) {
        double silent, limit, pa, pb, pc;
        if (i < n) {
            int conf = tab->conf[i] || sc[i] >= confirm_score;
            silent = t_s - lu[i];
            limit = conf ? delete_after : tentative_delete_after;
            pa = P[16 * i]; pb = P[16 * i + 1]; pc = P[16 * i + 5];
            all_conf[i] = (uint8_t)conf;
        } else {
            int64_t j = nr_sorted[i - n];
            silent = 0.0; limit = 1.0;
            pa = Rs[4 * j]; pb = Rs[4 * j + 1]; pc = Rs[4 * j + 3];
        }
        double std = sqrt(0.5 * (pa + pc) + sqrt(0.25 * ((pa - pc) * (pa - pc)) + pb * pb));
        keep[i] = !(silent > limit || std > max_std);
        if (keep[i]) new_row[i] = kept++;
    }
    int64_t n_del = 0, n_conf = 0, n_started = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!keep[i]) n_del++;
        else if (all_conf[i] && !tab->conf[i]) n_conf++;
    }
    for (int64_t u = 0; u < n_new; u++) {
        if (!keep[n + u]) continue;
        n_started++;
        if (init_score >= confirm_score) n_conf++;
    }
    char *blk = malloc(table_bytes(kept) + (size_t)(m + n_started + n_conf + n_del) * 8
                       + (size_t)kept + 16);
    if (!blk) { free(tmp); return -1; }
    char *p = blk;
    cf_table *o = &out->t;
    table_at(o, kept, &p);
    out->report_track = (int64_t *)p;
    out->started = out->report_track + m;
    out->confirmed = out->started + n_started;
    out->deleted = out->confirmed + n_conf;
    out->updated = (uint8_t *)(out->deleted + n_del);
    out->m = m; out->n_started = n_started; out->n_confirmed = n_conf;
    out->n_deleted = n_del; out->block = blk;
    for (int64_t i = 0; i < n; i++) {
        if (!keep[i]) continue;
        int64_t r = new_row[i];
        o->ids[r] = tab->ids[i];
        memcpy(o->x + 4 * r, x + 4 * i, 32);
        memcpy(o->P + 16 * r, P + 16 * i, 128);
        o->conf[r] = all_conf[i];
        memcpy(o->cp + 3 * r, cp + 3 * i, 24);
        o->lu[r] = lu[i];
        o->nu[r] = nu[i];
        o->score[r] = sc[i];
        out->updated[r] = got[i] >= 0;
    }
    for (int64_t j = 0; j < m; j++) {
        int64_t i = row_of[j];
        out->report_track[j] = i >= 0 ? tab->ids[i] : -1;
    }
    double v02 = v0 * v0;
    int64_t ns = 0;
    for (int64_t u = 0; u < n_new; u++) {
        int64_t j = nr_sorted[u], tid = next_id + u;
        out->report_track[j] = tid;      /* too coarse to keep: the id it used up */
        if (!keep[n + u]) continue;
        int64_t r = new_row[n + u];
        out->started[ns++] = tid;
        o->ids[r] = tid;
        double *xr = o->x + 4 * r, *Pr = o->P + 16 * r, *cr = o->cp + 3 * r;
        xr[0] = zs[2 * j]; xr[1] = zs[2 * j + 1]; xr[2] = 0.0; xr[3] = 0.0;
        for (int c = 0; c < 16; c++) Pr[c] = 0.0;
        Pr[0] = Rs[4 * j]; Pr[1] = Rs[4 * j + 1];
        Pr[4] = Rs[4 * j + 2]; Pr[5] = Rs[4 * j + 3];
        Pr[10] = v02; Pr[15] = v02;
        double tot = 0.0;
        for (int h = 0; h < 3; h++) {
            cr[h] = has_lik ? lik[3 * j + h] : 1.0;
            tot += cr[h];
        }
        for (int h = 0; h < 3; h++) cr[h] = tot > 0.0 ? cr[h] / tot : 1.0 / 3.0;
        o->lu[r] = t_s;
        o->nu[r] = 1;
        o->score[r] = init_score;
        o->conf[r] = init_score >= confirm_score;
        out->updated[r] = 1;
    }
    int64_t a = 0, b = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!keep[i]) out->deleted[a++] = tab->ids[i];
        else if (all_conf[i] && !tab->conf[i]) out->confirmed[b++] = tab->ids[i];
    }
    for (int64_t u = 0; u < n_new; u++) {
        if (!keep[n + u]) continue;
        int64_t r = new_row[n + u];
        if (o->conf[r]) out->confirmed[b++] = o->ids[r];
    }
    out->next_id = next_id + n_new;
    free(tmp);
    return 0;
}

int cf_fuse(const cf_table *tab, double dt, const cf_reports *rep, double t_s,
            int64_t next_id, double lam, const double *prm, int *done, cf_fused *out) {
    int64_t n = tab->n, m = rep->m;
    char *blk = malloc((size_t)n * (160 + 8 + 1) + (size_t)m + 16);
    if (!blk) return -1;
    double *xp = (double *)blk, *Pp = xp + 4 * n;
    int64_t *got = (int64_t *)(Pp + 16 * n);
    uint8_t *tentative = (uint8_t *)(got + n), *free_ = tentative + n;
    cf_predict(tab->x, tab->P, n, dt, prm[0], xp, Pp);
    for (int64_t i = 0; i < n; i++) { got[i] = -1; tentative[i] = !tab->conf[i]; }
    for (int64_t j = 0; j < m; j++) free_[j] = 1;
    cf_big big;
    int rc = cf_assign_stage(xp, Pp, n, tab->conf, rep, free_, prm[1], got, &big);
    if (rc == 0 && big.n_big == 0)
        rc = cf_assign_stage(xp, Pp, n, tentative, rep, free_, prm[1], got, &big);
    *done = 0;
    if (rc == 0 && big.n_big == 0) {
        *done = 1;
        rc = cf_update_manage(tab, xp, Pp, got, rep, t_s, next_id, lam, prm[3], prm[2],
                              prm[4], prm[5], prm[6], prm[7], prm[8], out);
    }
    cf_big_free(&big);
    free(blk);
    return rc;
}
