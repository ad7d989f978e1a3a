/* Every batch of one fusion tick in one call: a port of command/fusion/batches.py
 * (take_tick, fuse_batches, fuse_tick; the rules are in its docstring). The batches
 * are fused by cf_fuse, so the node's tracks are bit for bit those of fuse_batch.
 */
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

static int tick_less(int64_t i, int64_t j, const double *meas, const int64_t *sensor) {
    if (meas[i] != meas[j]) return meas[i] < meas[j];
    if (sensor[i] != sensor[j]) return sensor[i] < sensor[j];
    return i < j;
}

/* (n,) permutation into tick order (batches.tick_order); a, b (n,) scratch; returns
 * the one holding it. */
static int64_t *tick_order(const double *meas, const int64_t *sensor, int64_t n,
                           int64_t *a, int64_t *b) {
    for (int64_t i = 0; i < n; i++) a[i] = i;
    if (n <= 16) {
        for (int64_t i = 1; i < n; i++) {
            int64_t v = a[i], j = i - 1;
            while (j >= 0 && tick_less(v, a[j], meas, sensor)) { a[j + 1] = a[j]; j--; }
            a[j + 1] = v;
        }
        return a;
    }
    for (int64_t width = 1; width < n; width *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * width) {
            int64_t mid = lo + width < n ? lo + width : n;
            int64_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            int64_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                if (tick_less(a[j], a[i], meas, sensor)) b[k++] = a[j++];
                else b[k++] = a[i++];
            }
            while (i < mid) b[k++] = a[i++];
            while (j < hi) b[k++] = a[j++];
        }
        int64_t *t = a; a = b; b = t;
    }
    return a;
}

static int cmp_ids(const void *p, const void *q) {
    int64_t a = *(const int64_t *)p, b = *(const int64_t *)q;
    return (a > b) - (a < b);
}

/* Ids are distinct, so any correct sort gives np.sort's array. */
static void sort_ids(int64_t *a, int64_t k) {
    if (k > 1) qsort(a, (size_t)k, sizeof *a, cmp_ids);
}

static int64_t find_id(const int64_t *ids, int64_t n, int64_t v) {
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = (lo + hi) / 2;
        if (ids[mid] < v) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Steps 1 and 2: returns -1 when out of memory, -2 when a buffer is too small. */
static int take_tick(double now_s, int64_t head, int64_t n_pending, const cf_pending *pd,
                     double last_fused_s, cf_det *det, int64_t d0, cf_work *w,
                     int64_t *n_ready_out, int64_t *n_late_out, int64_t *nb_out) {
    int64_t n_ready = 0;
    while (head + n_ready < n_pending && pd->arrival[head + n_ready] < now_s) n_ready++;
    if (d0 + n_ready > det->rows || n_ready + 1 > w->rows || 3 * n_ready > w->n_rsn)
        return -2;
    int64_t *buf = malloc((size_t)(n_ready > 0 ? n_ready : 1) * 16);
    if (!buf) return -1;
    int64_t *order = tick_order(pd->meas + head, pd->sensor + head, n_ready, buf,
                                buf + n_ready);
    int64_t n_late = 0;
    while (n_late < n_ready && pd->meas[order[n_late] + head] <= last_fused_s) {
        w->late[n_late] = order[n_late] + head;
        n_late++;
    }
    int64_t k = n_ready - n_late, nb = 0;
    for (int64_t u = 0; u < k; u++) {
        int64_t j = order[n_late + u] + head, r = d0 + u;
        det->t[r] = pd->meas[j];
        det->sensor[r] = pd->sensor[j];
        det->report[r] = pd->report[j];
        det->track[r] = -1;
        det->z[2 * r] = pd->z[2 * j];
        det->z[2 * r + 1] = pd->z[2 * j + 1];
        memcpy(det->R + 4 * r, pd->R + 4 * j, 32);
        memcpy(w->ls + 3 * u, pd->lik + 3 * j, 24);
        if (u == 0 || det->t[r] != det->t[r - 1]) {
            w->bt[nb] = det->t[r];
            w->ptr[nb] = u;
            nb++;
        }
    }
    w->ptr[nb] = k;
    for (int64_t u = 0; u < k; u++) {
        w->rsn[u] = det->report[d0 + u];
        w->rsn[k + u] = det->sensor[d0 + u];
        w->rsn[2 * k + u] = -1;
    }
    free(buf);
    *n_ready_out = n_ready; *n_late_out = n_late; *nb_out = nb;
    return 0;
}

/* The rows keep[0:nk] of tab, copied into one allocation (*blk). */
static int select_rows(const cf_table *tab, const int64_t *keep, int64_t nk,
                       cf_table *sel, void **blk) {
    char *b = malloc((size_t)nk * (8 * 27 + 1) + 8);
    if (!b) return -1;
    *blk = b;
    sel->n = nk;
    sel->ids = (int64_t *)b; sel->x = (double *)(sel->ids + nk); sel->P = sel->x + 4 * nk;
    sel->cp = sel->P + 16 * nk; sel->lu = sel->cp + 3 * nk;
    sel->nu = (int64_t *)(sel->lu + nk); sel->score = (double *)(sel->nu + nk);
    sel->conf = (uint8_t *)(sel->score + nk);
    for (int64_t u = 0; u < nk; u++) {
        int64_t i = keep[u];
        sel->ids[u] = tab->ids[i]; sel->conf[u] = tab->conf[i]; sel->lu[u] = tab->lu[i];
        sel->nu[u] = tab->nu[i]; sel->score[u] = tab->score[i];
        memcpy(sel->x + 4 * u, tab->x + 4 * i, 32);
        memcpy(sel->P + 16 * u, tab->P + 16 * i, 128);
        memcpy(sel->cp + 3 * u, tab->cp + 3 * i, 24);
    }
    return 0;
}

/* Track i of tab silent for too long at t_s (manage.stale). */
static int is_stale(const cf_table *tab, int64_t i, double t_s, const double *prm,
                    double revive_s) {
    double limit = tab->conf[i] ? prm[6] : prm[7];
    return (t_s - tab->lu[i]) > limit + revive_s;
}

/* Row i of tab at t_s for each confirmed track i, into t, id, x from row k on;
 * returns the row after the last one written. */
static int64_t append_confirmed(const cf_table *tab, double t_s, double *t, int64_t *id,
                                double *x, int64_t k) {
    for (int64_t i = 0; i < tab->n; i++) {
        if (!tab->conf[i]) continue;
        t[k] = t_s;
        id[k] = tab->ids[i];
        memcpy(x + 4 * k, tab->x + 4 * i, 32);
        k++;
    }
    return k;
}

/* Before a batch at t_s, the tracks of cur silent for too long (core.drop_stale):
 * *tb is cur without them (cur itself in the common case, else rows copied into
 * *sel_blk) and (*stale_ids)[0:*n_stale] their ids (NULL when none). */
static int drop_stale(const cf_table *cur, double t_s, const double *prm, double revive_s,
                      cf_table *tb, void **sel_blk, int64_t **stale_ids, int64_t *n_stale) {
    double shortest = prm[6] < prm[7] ? prm[6] : prm[7];
    int64_t n = cur->n, k = 0;
    *tb = *cur;
    *sel_blk = NULL;
    *stale_ids = NULL;
    *n_stale = 0;
    if (n == 0) return 0;
    double lo = cur->lu[0];
    for (int64_t i = 1; i < n; i++) lo = cur->lu[i] < lo ? cur->lu[i] : lo;
    if (t_s - lo <= shortest + revive_s) return 0;   /* the common case */
    for (int64_t i = 0; i < n; i++) k += is_stale(cur, i, t_s, prm, revive_s);
    if (k == 0) return 0;
    int64_t *ids = malloc((size_t)n * 8);
    if (!ids) return -1;
    int64_t *keep = ids + k;
    int64_t a = 0, c = 0;
    for (int64_t i = 0; i < n; i++) {
        if (is_stale(cur, i, t_s, prm, revive_s)) ids[a++] = cur->ids[i];
        else keep[c++] = i;
    }
    if (select_rows(cur, keep, n - k, tb, sel_blk) < 0) {
        free(ids);
        return -1;
    }
    *stale_ids = ids;
    *n_stale = k;
    return 0;
}

/* Batches b0 .. nb - 1 (batches.fuse_batches). */
static int fuse_batches(int64_t nb, int64_t b0, int64_t max_batches, const cf_table *table,
                        double time_s, int64_t next_id, cf_table *out, int64_t o0,
                        cf_det *det, int64_t d0, cf_trk *trk, int64_t t0, cf_work *w,
                        const double *prm, double lam, double revive_s,
                        cf_tick_result *res) {
    cf_table cur = *table;           /* the table after the last fused batch */
    cf_fused held;                   /* owns cur's memory once a batch is fused */
    held.block = NULL;
    int64_t nc = 0, nd = 0, nt = t0, stop = nb, reason = CF_DONE;
    int rc = 0;
    w->conf_ptr[0] = 0;
    w->del_ptr[0] = 0;
    for (int64_t b = b0; b < nb; b++) {
        if (b - b0 >= max_batches) { stop = b; reason = CF_LIMIT; break; }
        double t_s = w->bt[b];
        int64_t s = w->ptr[b], e = w->ptr[b + 1], n = cur.n;
        if (nt + n + (e - s) > trk->rows) { stop = b; reason = CF_NEEDS_ROOM; break; }
        cf_table tb;
        void *sel_blk = NULL;
        int64_t *stale_ids = NULL, n_stale = 0;
        if (drop_stale(&cur, t_s, prm, revive_s, &tb, &sel_blk, &stale_ids, &n_stale) < 0) {
            rc = -1;
            break;
        }
        double dt = tb.n > 0 ? t_s - time_s : 0.0;
        int64_t r0 = d0 + s;
        cf_reports rep = {e - s, det->z + 2 * r0, det->R + 4 * r0, det->sensor + r0,
                          w->ls + 3 * s, 1};
        int done;
        cf_fused f;
        rc = cf_fuse(&tb, dt, &rep, t_s, next_id, lam, prm, &done, &f);
        free(sel_blk);
        if (rc < 0) { free(stale_ids); break; }
        if (!done) { free(stale_ids); stop = b; reason = CF_NEEDS_SCIPY; break; }
        cf_fused_free(&held);
        held = f;
        cur = f.t;
        next_id = f.next_id;
        time_s = t_s;
        int64_t k = w->ptr[nb];
        for (int64_t u = 0; u < e - s; u++) {
            det->track[r0 + u] = f.report_track[u];
            w->rsn[2 * k + s + u] = f.report_track[u];
        }
        if (nc + f.n_confirmed > w->n_ids || nd + n_stale + f.n_deleted > w->n_ids) {
            free(stale_ids);
            rc = -2;
            break;
        }
        sort_ids(f.confirmed, f.n_confirmed);
        for (int64_t u = 0; u < f.n_confirmed; u++) {
            int64_t row = find_id(cur.ids, cur.n, f.confirmed[u]);
            w->conf_id[nc] = f.confirmed[u];
            w->conf_xy[2 * nc] = cur.x[4 * row];
            w->conf_xy[2 * nc + 1] = cur.x[4 * row + 1];
            nc++;
        }
        w->conf_ptr[b + 1 - b0] = nc;
        int64_t first = nd;
        for (int64_t u = 0; u < n_stale; u++) w->del_id[nd++] = stale_ids[u];
        for (int64_t u = 0; u < f.n_deleted; u++) w->del_id[nd++] = f.deleted[u];
        sort_ids(w->del_id + first, nd - first);
        free(stale_ids);
        w->del_ptr[b + 1 - b0] = nd;
        nt = append_confirmed(&cur, t_s, trk->t, trk->id, trk->x, nt);
    }
    if (rc == 0 && o0 + cur.n > out->n) rc = -2;
    if (rc == 0) {
        int64_t n = cur.n, n_confirmed = 0;
        for (int64_t i = 0; i < n; i++) {
            int64_t o = o0 + i;
            out->ids[o] = cur.ids[i]; out->conf[o] = cur.conf[i]; out->lu[o] = cur.lu[i];
            out->nu[o] = cur.nu[i]; out->score[o] = cur.score[i];
            memcpy(out->x + 4 * o, cur.x + 4 * i, 32);
            memcpy(out->P + 16 * o, cur.P + 16 * i, 128);
            memcpy(out->cp + 3 * o, cur.cp + 3 * i, 24);
            n_confirmed += cur.conf[i] != 0;
        }
        res->stop = stop; res->reason = reason; res->nc = nc; res->nd = nd; res->nt = nt;
        res->n_out = n; res->n_confirmed = n_confirmed; res->time_s = time_s;
        res->next_id = next_id;
    }
    cf_fused_free(&held);
    return rc;
}

int cf_fuse_tick(double now_s, int64_t head, int64_t n_pending, const cf_pending *pending,
                 double last_fused_s, const cf_table *table, double time_s,
                 int64_t next_id, cf_table *out, int64_t o0, cf_det *det, int64_t d0,
                 cf_trk *trk, int64_t t0, cf_work *work, const double *prm, double lam,
                 double revive_s, int64_t max_batches, int64_t resume_b0,
                 int64_t resume_nb, cf_tick_result *res) {
    int64_t n_ready = 0, n_late = 0, nb = resume_nb, b0 = resume_b0;
    if (resume_b0 < 0) {
        int rc = take_tick(now_s, head, n_pending, pending, last_fused_s, det, d0, work,
                           &n_ready, &n_late, &nb);
        if (rc < 0) return rc;
        b0 = 0;
    }
    res->n_ready = n_ready; res->n_late = n_late; res->nb = nb;
    if (nb + 1 > work->rows || b0 > nb || d0 + work->ptr[nb] > det->rows) return -2;
    return fuse_batches(nb, b0, max_batches, table, time_s, next_id, out, o0, det, d0, trk,
                        t0, work, prm, lam, revive_s, res);
}

/* Room in r for need rows. */
static int grow_rows(cf_sorted *r, int64_t need) {
    if (need <= r->cap) return 0;
    int64_t cap = r->cap ? r->cap : 4096;
    while (cap < need) cap *= 2;
    double *t = realloc(r->t, (size_t)cap * 8);
    if (!t) return -1;
    r->t = t;
    int64_t *id = realloc(r->id, (size_t)cap * 8);
    if (!id) return -1;
    r->id = id;
    double *x = realloc(r->x, (size_t)cap * 32);
    if (!x) return -1;
    r->x = x;
    if (r->extra) {
        double *cp = realloc(r->cp, (size_t)cap * 24);
        if (!cp) return -1;
        r->cp = cp;
        uint8_t *upd = realloc(r->upd, (size_t)cap);
        if (!upd) return -1;
        r->upd = upd;
    }
    r->cap = cap;
    return 0;
}

/* The class probabilities and updated flags of append_confirmed's rows, from row k. */
static void append_confirmed_extra(const cf_fused *f, double *cp, uint8_t *upd, int64_t k) {
    const cf_table *tab = &f->t;
    for (int64_t i = 0; i < tab->n; i++) {
        if (!tab->conf[i]) continue;
        memcpy(cp + 3 * k, tab->cp + 3 * i, 24);
        upd[k] = f->updated[i];
        k++;
    }
}

void cf_sorted_free(cf_sorted *r) {
    free(r->t);
    free(r->id);
    free(r->x);
    free(r->cp);
    free(r->upd);
    r->t = NULL; r->id = NULL; r->x = NULL; r->cp = NULL; r->upd = NULL;
    r->n_rows = r->cap = 0;
    cf_fused_free(&r->last);
}

int cf_fuse_sorted(const cf_table *table, double time_s, int64_t next_id, const double *bt,
                   const int64_t *ptr, int64_t b0, int64_t nb, const cf_reports *all,
                   const double *prm, double lam, double revive_s, int extra,
                   cf_sorted *res) {
    memset(res, 0, sizeof *res);
    res->extra = extra;
    cf_table cur = *table;
    cf_fused held;
    held.block = NULL;
    int64_t stop = nb;
    int rc = 0;
    for (int64_t b = b0; b < nb; b++) {
        double t_s = bt[b];
        int64_t s = ptr[b], e = ptr[b + 1];
        cf_table tb;
        void *sel_blk;
        int64_t *stale_ids, n_stale;
        if (drop_stale(&cur, t_s, prm, revive_s, &tb, &sel_blk, &stale_ids, &n_stale) < 0) {
            rc = -1;
            break;
        }
        free(stale_ids);
        double dt = tb.n > 0 ? t_s - time_s : 0.0;
        cf_reports rep = {e - s, all->z + 2 * s, all->R + 4 * s, all->sensor + s, NULL, 0};
        int done;
        cf_fused f;
        rc = cf_fuse(&tb, dt, &rep, t_s, next_id, lam, prm, &done, &f);
        free(sel_blk);
        if (rc < 0) break;
        if (!done) { stop = b; break; }
        cf_fused_free(&held);
        held = f;
        cur = f.t;
        next_id = f.next_id;
        time_s = t_s;
        if (grow_rows(res, res->n_rows + cur.n) < 0) { rc = -1; break; }
        if (extra) append_confirmed_extra(&held, res->cp, res->upd, res->n_rows);
        res->n_rows = append_confirmed(&cur, t_s, res->t, res->id, res->x, res->n_rows);
    }
    if (rc < 0) {
        cf_fused_free(&held);
        cf_sorted_free(res);
        return rc;
    }
    res->stop = stop;
    res->table = cur;
    res->last = held;
    res->time_s = time_s;
    res->next_id = next_id;
    return 0;
}
