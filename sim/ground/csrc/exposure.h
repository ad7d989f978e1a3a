/* The looks of a sector sensor at a mover (exposure.c). */
#ifndef CG_EXPOSURE_H
#define CG_EXPOSURE_H

#include <stdint.h>

/* The sector: centre, outer radius (the inner is 0), and its wedge: kind 0 none (a
 * full circle), 1 the intersection of the two half-planes (fov <= 180°), 2 their union;
 * e_a, e_b the unit vectors of its right and left edges (wedge_candidates). */
typedef struct {
    double cx, cy, r_max;
    int wedge;
    double ax, ay, bx, by;
} Sector;

/* The exposure intervals of the trajectory (m times t, m points xy) in the sector,
 * into iv (2 · n, sorted, disjoint; at most 4 (m − 1) of them): their number n.
 * scratch holds 8 (m − 1) doubles (the candidates), order 4 (m − 1) int64, iv
 * 8 (m − 1) doubles. */
int64_t sector_exposure(const double *t, const double *xy, int64_t m, const Sector *s,
                        double *scratch, int64_t *order, double *iv);

/* The number of looks phase + k · period in the n intervals iv, and (when t_out is
 * not NULL) the looks and the interval of each (geometry.look_times). */
int64_t look_times(const double *iv, int64_t n, double period, double phase,
                   double *t_out, int64_t *interval_out);

/* Whether relative legs (t0, t1 (legs,), p0, v (legs, 2)) ever come within radius of
 * the origin (geometry.ever_within). */
int ever_within(const double *t0, const double *t1, const double *p0, const double *v,
                int64_t legs, double radius);

/* |v · d̂| (n,) of the mover of the trajectory (m times t, m points xy) at the n looks
 * look_t with lines of sight d (n, 2) into out (Radar.radial_speed). Returns 0, or -1
 * for looks at a trajectory of one point (no leg). */
int radial_speed(const double *t, const double *xy, int64_t m, const double *look_t,
                 const double *d, int64_t n, double *out);

/* SectorSensor._looks_at at the n look times t of a sensor at (cx, cy) with the look
 * clock phase + k · period, on the trajectory of m knots tk with values x and y: the
 * look numbers k (n,) (np.round of (t − phase) / period), positions xy and offsets d
 * (n, 2) from the sensor, ranges (n,) (np.hypot). Returns 0, or -1 for a look number
 * out of int64's range (numpy then decides). */
int look_geometry(const double *tk, const double *x, const double *y, int64_t m,
                  const double *t, int64_t n, double cx, double cy, double phase,
                  double period, int64_t *k, double *xy, double *d, double *range);

/* geometry.relative_legs of trajectories a (ma knots ta, values xa, ya) and b (mb
 * knots) over [start, end] (start < end, both knots of theirs): the union of their
 * knots in it, sorted, each once, into knot, the positions of a minus those of b there
 * into rel (2 n), and the velocity of each leg into v (2 (n − 1)); pa and pb are
 * scratch of 2 (ma + mb + 2) doubles, knot holds ma + mb + 2, rel and v twice that.
 * Returns n. */
int64_t relative_legs(const double *ta, const double *xa, const double *ya, int64_t ma,
                      const double *tb, const double *xb, const double *yb, int64_t mb,
                      double start, double end, double *knot, double *pa, double *pb,
                      double *rel, double *v);

/* geometry.proximity_intervals of relative legs (t0, t1 (legs,), p0, v (legs, 2)):
 * the intervals within radius of the origin into iv (2 · n, at most legs of them),
 * their number n. scratch holds 2 legs doubles, order legs int64. */
int64_t proximity(const double *t0, const double *t1, const double *p0, const double *v,
                  int64_t legs, double radius, double *scratch, int64_t *order, double *iv);

/* geometry.line_crossings of the trajectory (m times t, m points xy) and the polyline
 * q (points, 2): the crossing times, points and segments into t_out, xy_out (2 ·) and
 * segment_out, sorted by time (stably); at most (m − 1) (points − 1) of them. Returns
 * their number. */
int64_t line_crossings(const double *t, const double *xy, int64_t m, const double *q,
                       int64_t points, double *t_out, double *xy_out, int64_t *segment_out);

#endif
