/* A mover's positions and bounding boxes on its trajectory (trajectory.c). */
#ifndef CG_TRAJECTORY_H
#define CG_TRAJECTORY_H

#include <stdint.h>

/* np.interp of the n times t on the m knots tk with the values x and y (each (m,)),
 * into out (n, 2): Trajectory.position_at. */
void position_at(const double *tk, const double *x, const double *y, int64_t m,
                 const double *t, int64_t n, double *out);

/* [xmin, ymin, xmax, ymax] into out (4,) of the positions over [start, end] of the
 * trajectory (m knots tk, values x and y): Trajectory.box. */
void trajectory_box(const double *tk, const double *x, const double *y, int64_t m,
                    double start, double end, double *out);

#endif
