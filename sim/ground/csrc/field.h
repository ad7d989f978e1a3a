/* The sight-line field of sensors.common (field.c): corner keys and the open test. */
#ifndef CG_FIELD_H
#define CG_FIELD_H

#include <stdint.h>

/* The corners of the cells of the runs of consecutive points (n, 2) in one cell of
 * cell_m (sensors.common._corner_normals): their keys, each written once to keys
 * (room for 4 n) where a run shares it with the run before, and each run's four
 * corners (_CORNERS order) as indices into keys, run by run, to corner (room for
 * 4 n), and their number to runs. Returns the number of keys. */
int64_t field_corners(const double *xy, int64_t n, double cell_m, int64_t *keys,
                      int64_t *corner, int64_t *runs);

/* Whether Φ(z) < threshold at each point (n,), z the field at the point from its
 * cell's corner normals: zc (distinct,) the normals at field_corners's keys, corner
 * (4 runs) its indices: sensors.common.cdf_below of sensors.common.correlated_normal.
 * Returns 0, or -1 where the points make another number of runs or an index names no
 * normal. */
int field_below(const double *xy, int64_t n, double cell_m, const double *zc,
                int64_t distinct, const int64_t *corner, int64_t runs,
                const double *threshold, uint8_t *below);

#endif
