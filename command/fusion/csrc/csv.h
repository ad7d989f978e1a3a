/* The exact CSV reader and writer of ``fuse`` and tracks.csv: a port of
 * command/fusion/csvfast.py (the rules, and why they are exact, are there). */
#ifndef CF_CSV_H
#define CF_CSV_H

#include <stdint.h>

/* Rows of a CSV body: its newlines, plus one for an unterminated last row. */
int64_t cf_count_rows(const uint8_t *buf, int64_t n);
/* 1: all rows parsed into data (n_rows, k); 0: not the fast path; -1: no memory. */
int cf_parse_decimal_rows(const uint8_t *buf, int64_t n, const int64_t *cols, int64_t k,
                          int64_t n_cols, double *data, int64_t n_rows);
/* Bytes cf_format_rows may write at most. */
int64_t cf_format_rows_size(int64_t m, int64_t k, const int64_t *decimals, int64_t tail_n);
/* Bytes written, or -1 when a value is outside the exact path. */
int64_t cf_format_rows(const double *values, int64_t m, int64_t k, const int64_t *decimals,
                       const int64_t *ids, int64_t id_at, const uint8_t *tail,
                       int64_t tail_n, uint8_t *out);
int64_t cf_format_fixed_rows(const double *t, const int64_t *ids, const double *x,
                             const double *y, int64_t m, uint8_t *out);
/* Detections of n rows from data (n, 7) in csvio.REQUIRED's column order, if every
 * row passes read_detections's checks (finite values, integral sensor ids, |value| <=
 * limits[c], times not decreasing, var_x, var_y >= 0, var_x > 0 and var_x var_y -
 * cov_xy² > 0): 1 and t, sensor, z (n, 2), R (n, 2, 2) written; else 0, and the
 * Python checks say what is wrong. */
int cf_layout_detections(const double *data, int64_t n, const double *limits, double *t,
                         int64_t *sensor, double *z, double *R);

#endif
