/* The sight-line field of sensors.common (field.c): corner keys and the open test. */
#ifndef CG_FIELD_H
#define CG_FIELD_H

#include <stdint.h>

/* The runs of consecutive points (n, 2) in one cell of cell_m: their number. */
int64_t field_runs(const double *xy, int64_t n, double cell_m);

/* The keys (4 · runs) of the corners of each run's cell, corner by corner
 * (sensors.common._corner_normals). */
void field_keys(const double *xy, int64_t n, double cell_m, int64_t runs, int64_t *keys);

/* Whether Φ(z) < threshold at each point (n,), z the field at the point from its
 * cell's corner normals zc (4 · runs, in field_keys's order): sensors.common.cdf_below
 * of sensors.common.correlated_normal. Returns 0, or -1 where the points make another
 * number of runs than zc's. */
int field_below(const double *xy, int64_t n, double cell_m, const double *zc,
                 int64_t runs, const double *threshold, uint8_t *below);

#endif
