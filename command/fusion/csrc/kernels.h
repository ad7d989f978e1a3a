/* The fusion core's kernels in C: one batch (kernels.c) and one tick (batches.c).
 *
 * A port, statement for statement, of command/fusion/kernels.py and batches.py (the
 * numba kernels, kept as the readable reference and tested against this code bit
 * for bit). No Python here: module.c converts arguments and results. Arrays are
 * C-contiguous float64 / int64 / uint8 (numpy's bool), as the callers pass them.
 * Every function that allocates returns -1 when malloc fails (nothing leaks).
 */
#ifndef CF_KERNELS_H
#define CF_KERNELS_H

#include <stdint.h>

/* Largest tracks x (reports + tracks) of a cluster solved here (kernels.DENSE_LIMIT). */
#define CF_DENSE_LIMIT 250000

/* Why cf_fuse_tick returned (command/fusion/stops.py). */
enum { CF_DONE = 0, CF_NEEDS_SCIPY = 1, CF_NEEDS_ROOM = 2, CF_LIMIT = 3 };

/* A TrackTable's arrays: n rows; x (n, 4), P (n, 4, 4), cp (n, 3). */
typedef struct {
    int64_t n;
    int64_t *ids;
    double *x;
    double *P;
    uint8_t *conf;
    double *cp;
    double *lu;
    int64_t *nu;
    double *score;
} cf_table;

/* What update_manage returns: the new table (owned), and the batch's events. */
typedef struct {
    cf_table t;
    int64_t m;              /* reports */
    int64_t *report_track;  /* (m,) */
    int64_t n_started, n_confirmed, n_deleted;
    int64_t *started, *confirmed, *deleted;
    uint8_t *updated;       /* (t.n,) */
    int64_t next_id;
    void *block;            /* the one allocation everything above lives in */
} cf_fused;

/* The clusters too large for the solver here: pairs of cluster c are
 * [ptr[c], ptr[c + 1]) of track, report, cost. */
typedef struct {
    int64_t n_big;
    int64_t *ptr, *track, *report;
    double *cost;
    void *block;
} cf_big;

/* One batch's reports: z (m, 2), R (m, 2, 2), sensor (m,), lik (m, 3) or unused. */
typedef struct {
    int64_t m;
    const double *z, *R;
    const int64_t *sensor;
    const double *lik;
    int has_lik;
} cf_reports;

void cf_predict(const double *x, const double *P, int64_t n, double dt, double q,
                double *xp, double *Pp);
int cf_assign_stage(const double *xp, const double *Pp, int64_t n, const uint8_t *track_on,
                    const cf_reports *rep, uint8_t *free_, double gate, int64_t *got,
                    cf_big *big);
int cf_update_manage(const cf_table *tab, const double *xp, const double *Pp,
                     const int64_t *got, const cf_reports *rep, double t_s,
                     int64_t next_id, double lam, double pd, double v0, double birth,
                     double confirm_score, double delete_after,
                     double tentative_delete_after, double max_std, cf_fused *out);
/* The whole batch (kernels.fuse); *done = 0 when a cluster needs scipy (out unset). */
int cf_fuse(const cf_table *tab, double dt, const cf_reports *rep, double t_s,
            int64_t next_id, double lam, const double *prm, int *done, cf_fused *out);
void cf_fused_free(cf_fused *f);
void cf_big_free(cf_big *b);

/* fuse_tick's arrays (batches.fuse_tick's docstring names them). */
typedef struct {
    const double *arrival, *meas;
    const int64_t *sensor, *report;
    const double *z, *R, *lik;
} cf_pending;

typedef struct {
    double *t;
    int64_t *sensor;
    double *z, *R;
    int64_t *report, *track;
    int64_t rows;           /* capacity */
} cf_det;

typedef struct {
    double *t;
    int64_t *id;
    double *x;
    int64_t rows;           /* capacity */
} cf_trk;

typedef struct {
    int64_t *late;
    double *bt;
    int64_t *ptr, *conf_ptr, *del_ptr, *conf_id;
    double *conf_xy;
    int64_t *del_id;
    double *ls;
    int64_t *rsn;
    int64_t rows;           /* capacity of late, bt, ptr, conf_ptr, del_ptr, ls */
    int64_t n_ids;          /* of conf_id, conf_xy, del_id */
    int64_t n_rsn;
} cf_work;

/* The 12 numbers fuse_tick returns, in its order. */
typedef struct {
    int64_t n_ready, n_late, nb, stop, reason, nc, nd, nt, n_out, n_confirmed;
    double time_s;
    int64_t next_id;
} cf_tick_result;

/* 0; -1 out of memory; -2 a buffer too small for the tick (out->n is the capacity
 * of out, from row 0). */
int cf_fuse_tick(double now_s, int64_t head, int64_t n_pending, const cf_pending *pending,
                 double last_fused_s, const cf_table *table, double time_s,
                 int64_t next_id, cf_table *out, int64_t o0, cf_det *det, int64_t d0,
                 cf_trk *trk, int64_t t0, cf_work *work, const double *prm, double lam,
                 double revive_s, int64_t max_batches, int64_t resume_b0,
                 int64_t resume_nb, cf_tick_result *res);

/* What cf_fuse_sorted returns. */
typedef struct {
    int64_t stop;           /* nb when every batch was fused, else the one needing scipy */
    int64_t n_rows, cap;    /* rows of t, id, x; their capacity */
    double *t;              /* (n_rows,) batch time of each row */
    int64_t *id;            /* (n_rows,) track id */
    double *x;              /* (n_rows, 4) state */
    double *cp;             /* (n_rows, 3) class probabilities; NULL unless extra */
    uint8_t *upd;           /* (n_rows,) updated by the batch (not coasted); likewise */
    int extra;
    cf_table table;         /* the table after the last fused batch (the input table when
                             * none was: then last.block is NULL) */
    cf_fused last;          /* owns table's memory when a batch was fused */
    double time_s;
    int64_t next_id;
} cf_sorted;

/* Batches b0 .. nb - 1 of a time-sorted detections file without class evidence
 * (replay.track_detections): batch b is rows [ptr[b], ptr[b + 1]) of all, at time
 * bt[b]. For every batch fused, a row per confirmed track of the new table, in table
 * order (with extra, its class probabilities and whether the batch updated it too).
 * Stops before a batch that needs scipy. 0; -1 out of memory (nothing kept). */
int cf_fuse_sorted(const cf_table *table, double time_s, int64_t next_id, const double *bt,
                   const int64_t *ptr, int64_t b0, int64_t nb, const cf_reports *all,
                   const double *prm, double lam, double revive_s, int extra,
                   cf_sorted *res);
void cf_sorted_free(cf_sorted *r);

#endif
