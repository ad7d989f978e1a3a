/* Foliage on sight lines (foliage.c): the wooded zones of a terrain, and the two kernels. */
#ifndef CG_FOLIAGE_H
#define CG_FOLIAGE_H

#include <stdint.h>

/* The zones with foliage, in zone order (terrain.py, Terrain._wooded). */
typedef struct {
    int64_t zones;
    const double *box;    /* (zones, 4): xmin, ymin, xmax, ymax (shapely's bounds) */
    const double *density;/* (zones,): foliage density */
    const int64_t *first; /* (zones + 1,): each zone's first edge; the last, the count */
    const double *edge;   /* (edges, 4): ax, ay, bx, by (clip.polygon_edges) */
} Wooded;

/* The most edges of one zone: the kernels' scratch is sized from it. */
int64_t wooded_max_edges(const Wooded *w);

/* Terrain.foliage_m from (ox, oy) to the n targets (n, 2) into out (n,). scratch holds
 * 2 · wooded_max_edges + 3 doubles. Returns 0, or -1 where a point the computation
 * tests lies within rounding of a zone's edge (the caller then asks GEOS). */
int foliage_points(double ox, double oy, const double *targets, int64_t n,
                   const Wooded *w, double *scratch, double *out);

/* Terrain.foliage_along: the foliage from (ox, oy) to the mover of the trajectory
 * (m times t_traj, m points xy) at the n times t, read every step_m of its path and
 * interpolated (Trajectory.along). scratch holds 3 · m + 9 · n + 2 · wooded_max_edges + 3
 * doubles. Returns 0, or -1 as foliage_points does (or for a time that is NaN). */
int foliage_along(double ox, double oy, const double *t_traj, const double *xy, int64_t m,
                  const double *t, int64_t n, double step_m, const Wooded *w,
                  double *scratch, double *out);

#endif
