/* sim.ground._cground: the ground layer's kernels in C, a port of
 * sim/ground/keyed.py (_uniforms_py), sim/ground/dijkstra.py (search_py), of the
 * foliage on sight lines (foliage.c: Terrain.foliage_m, Terrain.foliage_along) and of
 * the sensors' sight-line field (field.c: sensors.common.correlated_normal and
 * cdf_below) and of the exposure geometry (exposure.c: sensors.geometry's
 * sector_intervals, look_times and ever_within, Radar.radial_speed) and of a mover's
 * positions (trajectory.c: Trajectory.position_at and box) and of the event records'
 * JSON lines (records.c: sim.ground.events._class_lines) and of the CSV rows of fused
 * reports (rows.c: sim.rows.detection_rows) and of numpy's SeedSequence for a named
 * stream (seeds.c: sim.rng.RandomStreams.draws), which stay the readable
 * reference; tests compare both bit for bit.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "exposure.h"
#include "field.h"
#include "foliage.h"
#include "records.h"
#include "rows.h"
#include "seeds.h"
#include "trajectory.h"

#ifndef CG_STAMP
#define CG_STAMP 0 /* setup.py passes the digest of the sources (prebuilt.py) */
#endif

#define GOLDEN 0x9E3779B97F4A7C15ULL
#define M1 0xBF58476D1CE4E5B9ULL
#define M2 0x94D049BB133111EBULL
#define NO_PRED (-9999) /* dijkstra.NO_PRED */

static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * M1;
    z = (z ^ (z >> 27)) * M2;
    return z ^ (z >> 31);
}

/* Draws.uniform's splitmix64 steps for each trial index (keyed._uniforms_py). */
static void uniforms(const uint64_t *idx, int64_t n, uint64_t key, int64_t columns,
                     double *out) {
    for (int64_t i = 0; i < n; i++) {
        uint64_t base = mix(mix(idx[i] * GOLDEN + GOLDEN) ^ key);
        for (int64_t c = 0; c < columns; c++) {
            uint64_t z = mix(base + (uint64_t)(c + 1) * GOLDEN);
            out[i * columns + c] = ((double)(z >> 11) + 0.5) * 0x1p-53;
        }
    }
}

/* Dijkstra with a decrease-key heap (dijkstra.search_py; order and ties there).
 * where_, hv, hi are (n,) scratch. */
static void search(const int32_t *indptr, const int32_t *indices, const double *weights,
                   int64_t n, int64_t source, int64_t target, double *dist, int64_t *pred,
                   int64_t *where_, double *hv, int64_t *hi) {
    for (int64_t c = 0; c < n; c++) { dist[c] = INFINITY; pred[c] = NO_PRED; where_[c] = -1; }
    hv[0] = 0.0; hi[0] = source;
    int64_t size = 1;
    where_[source] = 0;
    dist[source] = 0.0;
    while (size) {
        double v = hv[0];
        int64_t i = hi[0];
        where_[i] = -2;
        size--;
        if (size) {
            double lv = hv[size];
            int64_t li = hi[size], k = 0;
            for (;;) {
                int64_t c = 2 * k + 1;
                if (c >= size) break;
                if (c + 1 < size && (hv[c + 1] < hv[c] || (hv[c + 1] == hv[c] && hi[c + 1] > hi[c])))
                    c++;
                if (!(hv[c] < lv || (hv[c] == lv && hi[c] > li))) break;
                hv[k] = hv[c]; hi[k] = hi[c];
                where_[hi[k]] = k;
                k = c;
            }
            hv[k] = lv; hi[k] = li;
            where_[li] = k;
        }
        if (i == target) break;
        for (int64_t e = indptr[i]; e < indptr[i + 1]; e++) {
            int64_t j = indices[e];
            double nv = v + weights[e];
            int64_t slot = where_[j];
            if (slot == -2 || !(nv < dist[j])) continue;
            dist[j] = nv; pred[j] = i;
            int64_t k;
            if (slot == -1) k = size++;
            else k = slot;
            while (k > 0) {
                int64_t p = (k - 1) / 2;
                if (!(nv < hv[p] || (nv == hv[p] && j > hi[p]))) break;
                hv[k] = hv[p]; hi[k] = hi[p];
                where_[hi[k]] = k;
                k = p;
            }
            hv[k] = nv; hi[k] = j;
            where_[j] = k;
        }
    }
}

static PyArrayObject *array_arg(PyObject *o, const char *name, int typenum) {
    if (!PyArray_Check(o) || PyArray_TYPE((PyArrayObject *)o) != typenum
        || PyArray_NDIM((PyArrayObject *)o) != 1
        || !PyArray_IS_C_CONTIGUOUS((PyArrayObject *)o)
        || !PyArray_ISALIGNED((PyArrayObject *)o)) {
        PyArray_Descr *want = PyArray_DescrFromType(typenum);
        PyErr_Format(PyExc_TypeError, "%s: expected a C-contiguous 1-d array of %S", name,
                     (PyObject *)want);
        Py_XDECREF(want);
        return NULL;
    }
    return (PyArrayObject *)o;
}

static int int_arg(PyObject *o, int64_t *v) {
    long long x = PyLong_AsLongLong(o);
    if (x == -1 && PyErr_Occurred()) return -1;
    *v = (int64_t)x;
    return 0;
}

static PyObject *py_stamp(PyObject *self, PyObject *unused) {
    return PyLong_FromLongLong((long long)CG_STAMP);
}

static PyObject *py_uniforms(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "uniforms(idx, key, columns) takes 3 arguments");
        return NULL;
    }
    PyArrayObject *idx = array_arg(args[0], "idx", NPY_UINT64);
    if (!idx) return NULL;
    PyObject *k = PyNumber_Index(args[1]);
    if (!k) return NULL;
    unsigned long long key = PyLong_AsUnsignedLongLong(k);
    Py_DECREF(k);
    int64_t columns;
    if ((key == (unsigned long long)-1 && PyErr_Occurred()) || int_arg(args[2], &columns))
        return NULL;
    if (columns < 0) {
        PyErr_SetString(PyExc_ValueError, "uniforms: columns must be >= 0");
        return NULL;
    }
    npy_intp dims[2] = {PyArray_DIM(idx, 0), columns};
    PyObject *out = PyArray_SimpleNew(2, dims, NPY_FLOAT64);
    if (!out) return NULL;
    uniforms(PyArray_DATA(idx), dims[0], (uint64_t)key, columns,
             PyArray_DATA((PyArrayObject *)out));
    return out;
}

static PyObject *py_search(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError,
                        "search(indptr, indices, weights, source, target) takes 5 arguments");
        return NULL;
    }
    PyArrayObject *indptr = array_arg(args[0], "indptr", NPY_INT32);
    PyArrayObject *indices = indptr ? array_arg(args[1], "indices", NPY_INT32) : NULL;
    PyArrayObject *weights = indices ? array_arg(args[2], "weights", NPY_FLOAT64) : NULL;
    int64_t source, target;
    if (!weights || int_arg(args[3], &source) || int_arg(args[4], &target)) return NULL;
    npy_intp n = PyArray_DIM(indptr, 0) - 1;
    if (n < 1 || source < 0 || source >= n || target >= n
        || PyArray_DIM(indices, 0) != PyArray_DIM(weights, 0)) {
        PyErr_SetString(PyExc_ValueError, "search: need a CSR graph (indptr of n + 1, "
                        "indices and weights alike) and a source cell in it");
        return NULL;
    }
    const int32_t *ip = PyArray_DATA(indptr);
    npy_intp n_edges = PyArray_DIM(indices, 0);
    const int32_t *ix = PyArray_DATA(indices);
    for (npy_intp c = 0; c < n; c++) {
        if (ip[c] < 0 || ip[c] > ip[c + 1] || ip[c + 1] > n_edges) {
            PyErr_SetString(PyExc_ValueError, "search: indptr is not a CSR row pointer");
            return NULL;
        }
    }
    for (npy_intp e = 0; e < n_edges; e++) {
        if (ix[e] < 0 || ix[e] >= n) {
            PyErr_SetString(PyExc_ValueError, "search: an index names no cell");
            return NULL;
        }
    }
    PyObject *dist = PyArray_SimpleNew(1, &n, NPY_FLOAT64);
    PyObject *pred = dist ? PyArray_SimpleNew(1, &n, NPY_INT64) : NULL;
    char *scratch = pred ? malloc((size_t)n * 24) : NULL;
    if (!scratch) {
        Py_XDECREF(dist); Py_XDECREF(pred);
        return pred ? PyErr_NoMemory() : NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    search(ip, ix, PyArray_DATA(weights), n, source, target,
           PyArray_DATA((PyArrayObject *)dist), PyArray_DATA((PyArrayObject *)pred),
           (int64_t *)scratch, (double *)(scratch + n * 8), (int64_t *)(scratch + n * 16));
    Py_END_ALLOW_THREADS
    free(scratch);
    return Py_BuildValue("(NN)", dist, pred);
}

/* The wooded zones from four arrays (Terrain._wooded_arrays): box (4w,), density (w,),
 * first (w + 1,) int64, edge (4e,). */
static int wooded_args(PyObject *const *args, Wooded *w) {
    PyArrayObject *box = array_arg(args[0], "box", NPY_FLOAT64);
    PyArrayObject *density = box ? array_arg(args[1], "density", NPY_FLOAT64) : NULL;
    PyArrayObject *first = density ? array_arg(args[2], "first", NPY_INT64) : NULL;
    PyArrayObject *edge = first ? array_arg(args[3], "edge", NPY_FLOAT64) : NULL;
    if (!edge) return -1;
    npy_intp zones = PyArray_DIM(density, 0);
    const int64_t *f = PyArray_DATA(first);
    int ok = PyArray_DIM(box, 0) == 4 * zones && PyArray_DIM(first, 0) == zones + 1
             && f[0] == 0 && f[zones] * 4 == PyArray_DIM(edge, 0);
    for (npy_intp z = 0; ok && z < zones; z++) ok = f[z] <= f[z + 1];
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "foliage: the wooded zones' arrays disagree");
        return -1;
    }
    *w = (Wooded){zones, PyArray_DATA(box), PyArray_DATA(density), f, PyArray_DATA(edge)};
    return 0;
}

static int origin_arg(PyObject *o, double *ox, double *oy) {
    PyArrayObject *origin = array_arg(o, "origin", NPY_FLOAT64);
    if (!origin) return -1;
    if (PyArray_DIM(origin, 0) != 2) {
        PyErr_SetString(PyExc_ValueError, "foliage: origin must hold 2 coordinates");
        return -1;
    }
    const double *p = PyArray_DATA(origin);
    *ox = p[0];
    *oy = p[1];
    return 0;
}

/* out, or None where GEOS must decide (foliage.c returned -1). */
static PyObject *result_or_none(PyObject *out, double *scratch, int status) {
    free(scratch);
    if (status) {
        Py_DECREF(out);
        Py_RETURN_NONE;
    }
    return out;
}

static PyObject *py_foliage(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError,
                        "foliage(origin, targets, box, density, first, edge) takes 6 arguments");
        return NULL;
    }
    double ox, oy;
    Wooded w;
    if (origin_arg(args[0], &ox, &oy) || wooded_args(args + 2, &w)) return NULL;
    PyArrayObject *targets = array_arg(args[1], "targets", NPY_FLOAT64);
    if (!targets) return NULL;
    npy_intp n = PyArray_DIM(targets, 0) / 2;
    if (PyArray_DIM(targets, 0) != 2 * n) {
        PyErr_SetString(PyExc_ValueError, "foliage: targets must hold (x, y) pairs");
        return NULL;
    }
    PyObject *out = PyArray_SimpleNew(1, &n, NPY_FLOAT64);
    double *scratch = out ? malloc((size_t)(2 * wooded_max_edges(&w) + 3) * sizeof(double))
                          : NULL;
    if (!scratch) {
        Py_XDECREF(out);
        return out ? PyErr_NoMemory() : NULL;
    }
    int status = foliage_points(ox, oy, PyArray_DATA(targets), n, &w, scratch,
                                PyArray_DATA((PyArrayObject *)out));
    return result_or_none(out, scratch, status);
}

static PyObject *py_foliage_along(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 9) {
        PyErr_SetString(PyExc_TypeError, "foliage_along(origin, t_traj, xy, t, step_m, box, "
                        "density, first, edge) takes 9 arguments");
        return NULL;
    }
    double ox, oy;
    Wooded w;
    if (origin_arg(args[0], &ox, &oy) || wooded_args(args + 5, &w)) return NULL;
    PyArrayObject *t_traj = array_arg(args[1], "t_traj", NPY_FLOAT64);
    PyArrayObject *xy = t_traj ? array_arg(args[2], "xy", NPY_FLOAT64) : NULL;
    PyArrayObject *t = xy ? array_arg(args[3], "t", NPY_FLOAT64) : NULL;
    double step_m = t ? PyFloat_AsDouble(args[4]) : -1.0;
    if (!t || (step_m == -1.0 && PyErr_Occurred())) return NULL;
    npy_intp m = PyArray_DIM(t_traj, 0), n = PyArray_DIM(t, 0);
    if (m < 1 || PyArray_DIM(xy, 0) != 2 * m || !(step_m > 0)) {
        PyErr_SetString(PyExc_ValueError, "foliage_along: need m >= 1 times, their m points "
                        "(2m coordinates) and a step > 0");
        return NULL;
    }
    PyObject *out = PyArray_SimpleNew(1, &n, NPY_FLOAT64);
    size_t doubles = (size_t)(3 * m + 9 * n + 2 * wooded_max_edges(&w) + 3);
    double *scratch = out ? malloc(doubles * sizeof(double)) : NULL;
    if (!scratch) {
        Py_XDECREF(out);
        return out ? PyErr_NoMemory() : NULL;
    }
    int status = foliage_along(ox, oy, PyArray_DATA(t_traj), PyArray_DATA(xy), m,
                               PyArray_DATA(t), n, step_m, &w, scratch,
                               PyArray_DATA((PyArrayObject *)out));
    return result_or_none(out, scratch, status);
}

/* xy (2n,) and cell_m > 0 from the first two arguments. */
static PyArrayObject *points_arg(PyObject *const *args, npy_intp *n, double *cell_m) {
    PyArrayObject *xy = array_arg(args[0], "xy", NPY_FLOAT64);
    if (!xy) return NULL;
    *cell_m = PyFloat_AsDouble(args[1]);
    if (*cell_m == -1.0 && PyErr_Occurred()) return NULL;
    *n = PyArray_DIM(xy, 0) / 2;
    if (PyArray_DIM(xy, 0) != 2 * *n || !(*cell_m > 0)) {
        PyErr_SetString(PyExc_ValueError, "field: need (x, y) pairs and a cell > 0");
        return NULL;
    }
    return xy;
}

/* (keys (distinct,), corner (4 runs,)) int64: field_corners's, in arrays of their size. */
static PyObject *py_field_keys(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "field_keys(xy, cell_m) takes 2 arguments");
        return NULL;
    }
    npy_intp n;
    double cell_m;
    PyArrayObject *xy = points_arg(args, &n, &cell_m);
    if (!xy) return NULL;
    int64_t *scratch = malloc((size_t)(8 * n + 1) * sizeof(int64_t));
    if (!scratch) return PyErr_NoMemory();
    const double *p = PyArray_DATA(xy);
    int64_t runs;
    npy_intp distinct = field_corners(p, n, cell_m, scratch, scratch + 4 * n, &runs);
    npy_intp corners = 4 * runs;
    PyObject *keys = PyArray_SimpleNew(1, &distinct, NPY_INT64);
    PyObject *corner = keys ? PyArray_SimpleNew(1, &corners, NPY_INT64) : NULL;
    if (corner) {
        memcpy(PyArray_DATA((PyArrayObject *)keys), scratch, (size_t)distinct * sizeof(int64_t));
        memcpy(PyArray_DATA((PyArrayObject *)corner), scratch + 4 * n,
               (size_t)corners * sizeof(int64_t));
    }
    free(scratch);
    if (!corner) {
        Py_XDECREF(keys);
        return NULL;
    }
    return Py_BuildValue("(NN)", keys, corner);
}

static PyObject *py_field_below(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError,
                        "field_below(xy, cell_m, zc, corner, threshold) takes 5 arguments");
        return NULL;
    }
    npy_intp n;
    double cell_m;
    PyArrayObject *xy = points_arg(args, &n, &cell_m);
    PyArrayObject *zc = xy ? array_arg(args[2], "zc", NPY_FLOAT64) : NULL;
    PyArrayObject *corner = zc ? array_arg(args[3], "corner", NPY_INT64) : NULL;
    PyArrayObject *threshold = corner ? array_arg(args[4], "threshold", NPY_FLOAT64) : NULL;
    if (!threshold) return NULL;
    int64_t runs = PyArray_DIM(corner, 0) / 4;
    PyObject *below = PyArray_DIM(threshold, 0) == n && PyArray_DIM(corner, 0) == 4 * runs
                      ? PyArray_SimpleNew(1, &n, NPY_BOOL) : NULL;
    if (below && !field_below(PyArray_DATA(xy), n, cell_m, PyArray_DATA(zc),
                              PyArray_DIM(zc, 0), PyArray_DATA(corner), runs,
                              PyArray_DATA(threshold), PyArray_DATA((PyArrayObject *)below)))
        return below;
    Py_XDECREF(below);
    if (!PyErr_Occurred())
        PyErr_SetString(PyExc_ValueError, "field_below: need the corner normals of each run "
                        "of points in one cell (field_keys) and a threshold per point");
    return NULL;
}

static PyObject *py_sector_looks(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 8) {
        PyErr_SetString(PyExc_TypeError, "sector_looks(t, xy, centre, r_max, wedge, edges, "
                        "period, phase) takes 8 arguments");
        return NULL;
    }
    PyArrayObject *t = array_arg(args[0], "t", NPY_FLOAT64);
    PyArrayObject *xy = t ? array_arg(args[1], "xy", NPY_FLOAT64) : NULL;
    PyArrayObject *centre = xy ? array_arg(args[2], "centre", NPY_FLOAT64) : NULL;
    PyArrayObject *edges = centre ? array_arg(args[5], "edges", NPY_FLOAT64) : NULL;
    if (!edges) return NULL;
    double r_max = PyFloat_AsDouble(args[3]);
    long wedge = PyLong_AsLong(args[4]);
    double period = PyFloat_AsDouble(args[6]), phase = PyFloat_AsDouble(args[7]);
    if (PyErr_Occurred()) return NULL;
    npy_intp m = PyArray_DIM(t, 0);
    if (m < 1 || PyArray_DIM(xy, 0) != 2 * m || PyArray_DIM(centre, 0) != 2
        || PyArray_DIM(edges, 0) != 4 || wedge < 0 || wedge > 2 || !(period > 0)) {
        PyErr_SetString(PyExc_ValueError, "sector_looks: need m >= 1 times and their m "
                        "points, a centre, 4 edge coordinates, a wedge of 0, 1 or 2 and a "
                        "period > 0");
        return NULL;
    }
    const double *c = PyArray_DATA(centre), *e = PyArray_DATA(edges);
    Sector sector = {c[0], c[1], r_max, (int)wedge, e[0], e[1], e[2], e[3]};
    int64_t legs = m > 1 ? m - 1 : 1;
    /* 8 · legs candidates, 8 · legs interval ends, 4 · legs int64 of order */
    char *scratch = malloc((size_t)legs * 20 * sizeof(double));
    if (!scratch) return PyErr_NoMemory();
    double *iv = (double *)scratch + 8 * legs;      /* after the 8 · legs candidates */
    int64_t *order = (int64_t *)((double *)scratch + 16 * legs);
    int64_t n = sector_exposure(PyArray_DATA(t), PyArray_DATA(xy), m, &sector,
                                (double *)scratch, order, iv);
    npy_intp looks = look_times(iv, n, period, phase, NULL, NULL);
    PyObject *t_out = PyArray_SimpleNew(1, &looks, NPY_FLOAT64);
    PyObject *which = t_out ? PyArray_SimpleNew(1, &looks, NPY_INT64) : NULL;
    if (which)
        look_times(iv, n, period, phase, PyArray_DATA((PyArrayObject *)t_out),
                   PyArray_DATA((PyArrayObject *)which));
    free(scratch);
    if (!which) {
        Py_XDECREF(t_out);
        return NULL;
    }
    return Py_BuildValue("(NN)", t_out, which);
}

/* The arguments (t0, t1, p0, v, radius) of ever_within and proximity: the legs' times,
 * start positions and velocities (2 coordinates each) and a range; 0, or -1 with an
 * error set. */
static int legs_args(const char *name, PyObject *const *args, Py_ssize_t nargs,
                     PyArrayObject **arrays, double *radius, npy_intp *legs) {
    if (nargs != 5) {
        PyErr_Format(PyExc_TypeError, "%s(t0, t1, p0, v, radius) takes 5 arguments", name);
        return -1;
    }
    static const char *names[4] = {"t0", "t1", "p0", "v"};
    for (int i = 0; i < 4; i++)
        if (!(arrays[i] = array_arg(args[i], names[i], NPY_FLOAT64))) return -1;
    *radius = PyFloat_AsDouble(args[4]);
    if (*radius == -1.0 && PyErr_Occurred()) return -1;
    *legs = PyArray_DIM(arrays[0], 0);
    if (PyArray_DIM(arrays[1], 0) != *legs || PyArray_DIM(arrays[2], 0) != 2 * *legs
        || PyArray_DIM(arrays[3], 0) != 2 * *legs) {
        PyErr_Format(PyExc_ValueError, "%s: need t0, t1 of the legs and p0, v of 2 "
                     "coordinates each", name);
        return -1;
    }
    return 0;
}

static PyObject *py_ever_within(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    PyArrayObject *a[4];
    double radius;
    npy_intp legs;
    if (legs_args("ever_within", args, nargs, a, &radius, &legs)) return NULL;
    return PyBool_FromLong(ever_within(PyArray_DATA(a[0]), PyArray_DATA(a[1]),
                                       PyArray_DATA(a[2]), PyArray_DATA(a[3]), legs, radius));
}

/* proximity(t0, t1, p0, v, radius): the (n, 2) intervals of
 * geometry.proximity_intervals (exposure.h). */
static PyObject *py_proximity(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    PyArrayObject *a[4];
    double radius;
    npy_intp legs;
    if (legs_args("proximity", args, nargs, a, &radius, &legs)) return NULL;
    PyArrayObject *t0 = a[0], *t1 = a[1], *p0 = a[2], *v = a[3];
    char *scratch = malloc((size_t)(legs + 1) * 5 * sizeof(double));
    if (!scratch) return PyErr_NoMemory();
    double *iv = (double *)scratch + 2 * (legs + 1);
    int64_t *order = (int64_t *)((double *)scratch + 4 * (legs + 1));
    npy_intp dims[2] = {proximity(PyArray_DATA(t0), PyArray_DATA(t1), PyArray_DATA(p0),
                                  PyArray_DATA(v), legs, radius, (double *)scratch, order, iv),
                        2};
    PyObject *out = PyArray_SimpleNew(2, dims, NPY_FLOAT64);
    if (out) memcpy(PyArray_DATA((PyArrayObject *)out), iv, (size_t)dims[0] * 2 * sizeof(double));
    free(scratch);
    return out;
}

/* line_crossings(t, xy, line): (t_s (n,), xy (n, 2), segment (n,) int64) of
 * geometry.line_crossings (exposure.h). */
static PyObject *py_line_crossings(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "line_crossings(t, xy, line) takes 3 arguments");
        return NULL;
    }
    PyArrayObject *t = array_arg(args[0], "t", NPY_FLOAT64);
    PyArrayObject *xy = t ? array_arg(args[1], "xy", NPY_FLOAT64) : NULL;
    PyArrayObject *line = xy ? array_arg(args[2], "line", NPY_FLOAT64) : NULL;
    if (!line) return NULL;
    npy_intp m = PyArray_DIM(t, 0), points = PyArray_DIM(line, 0) / 2;
    if (m < 1 || PyArray_DIM(xy, 0) != 2 * m || points < 2
        || PyArray_DIM(line, 0) != 2 * points) {
        PyErr_SetString(PyExc_ValueError, "line_crossings: need m >= 1 times and their m "
                        "points, and a line of 2 points or more");
        return NULL;
    }
    npy_intp most = (m - 1) * (points - 1) + 1;
    double *scratch = malloc((size_t)most * 4 * sizeof(double));
    if (!scratch) return PyErr_NoMemory();
    int64_t *seg = (int64_t *)(scratch + 3 * most);
    npy_intp n = line_crossings(PyArray_DATA(t), PyArray_DATA(xy), m, PyArray_DATA(line),
                                points, scratch, scratch + most, seg);
    npy_intp pairs[2] = {n, 2};
    PyObject *t_out = PyArray_SimpleNew(1, &n, NPY_FLOAT64);
    PyObject *xy_out = t_out ? PyArray_SimpleNew(2, pairs, NPY_FLOAT64) : NULL;
    PyObject *s_out = xy_out ? PyArray_SimpleNew(1, &n, NPY_INT64) : NULL;
    if (s_out) {
        memcpy(PyArray_DATA((PyArrayObject *)t_out), scratch, (size_t)n * sizeof(double));
        memcpy(PyArray_DATA((PyArrayObject *)xy_out), scratch + most,
               (size_t)(2 * n) * sizeof(double));
        memcpy(PyArray_DATA((PyArrayObject *)s_out), seg, (size_t)n * sizeof(int64_t));
    }
    free(scratch);
    if (!s_out) {
        Py_XDECREF(t_out); Py_XDECREF(xy_out);
        return NULL;
    }
    return Py_BuildValue("(NNN)", t_out, xy_out, s_out);
}

static PyObject *py_radial_speed(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "radial_speed(t, xy, look_t, d) takes 4 arguments");
        return NULL;
    }
    PyArrayObject *t = array_arg(args[0], "t", NPY_FLOAT64);
    PyArrayObject *xy = t ? array_arg(args[1], "xy", NPY_FLOAT64) : NULL;
    PyArrayObject *look_t = xy ? array_arg(args[2], "look_t", NPY_FLOAT64) : NULL;
    PyArrayObject *d = look_t ? array_arg(args[3], "d", NPY_FLOAT64) : NULL;
    if (!d) return NULL;
    npy_intp m = PyArray_DIM(t, 0), n = PyArray_DIM(look_t, 0);
    PyObject *out = m >= 1 && PyArray_DIM(xy, 0) == 2 * m && PyArray_DIM(d, 0) == 2 * n
                    ? PyArray_SimpleNew(1, &n, NPY_FLOAT64) : NULL;
    if (out && !radial_speed(PyArray_DATA(t), PyArray_DATA(xy), m, PyArray_DATA(look_t),
                             PyArray_DATA(d), n, PyArray_DATA((PyArrayObject *)out)))
        return out;
    Py_XDECREF(out);
    if (!PyErr_Occurred())
        PyErr_SetString(PyExc_ValueError, "radial_speed: need m >= 1 times and their m "
                        "points (a leg, for any look), and a line of sight per look");
    return NULL;
}

/* radar_hits(range_m, speed, u, min_speed, gain, pfa, max_range, exponent):
 * Radar.detect's (u < pd) & (speed >= min_speed) before the sight lines, (n,) bool: pd
 * the Swerling I Pd of Radar.pd, pow(pfa, 1 / (1 + gain * pow(1000 / max(r, 1),
 * exponent))) (exponent: sensors.radar.RANGE_EXPONENT, 4) where
 * r <= max_range, else 0; gain is 10^(snr_1km_db / 10) * sigma as Radar.snr computes
 * it. numpy's power is libm's pow on this build (no SIMD loop for float64 power
 * short of AVX512); the test compares both bit for bit. A look too slow for the
 * Doppler filter skips the pow (its pd is never read). */
static PyObject *py_radar_hits(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 8) {
        PyErr_SetString(PyExc_TypeError, "radar_hits(range_m, speed, u, min_speed, gain, "
                        "pfa, max_range, exponent) takes 8 arguments");
        return NULL;
    }
    PyArrayObject *range = array_arg(args[0], "range_m", NPY_FLOAT64);
    PyArrayObject *speed = range ? array_arg(args[1], "speed", NPY_FLOAT64) : NULL;
    PyArrayObject *u = speed ? array_arg(args[2], "u", NPY_FLOAT64) : NULL;
    if (!u) return NULL;
    double min_speed = PyFloat_AsDouble(args[3]), gain = PyFloat_AsDouble(args[4]);
    double pfa = PyFloat_AsDouble(args[5]), max_range = PyFloat_AsDouble(args[6]);
    double exponent = PyFloat_AsDouble(args[7]);
    if (PyErr_Occurred()) return NULL;
    npy_intp n = PyArray_DIM(range, 0);
    if (PyArray_DIM(speed, 0) != n || PyArray_DIM(u, 0) != n) {
        PyErr_SetString(PyExc_ValueError, "radar_hits: need one speed and one draw per range");
        return NULL;
    }
    PyObject *out = PyArray_SimpleNew(1, &n, NPY_BOOL);
    if (!out) return NULL;
    const double *r = PyArray_DATA(range), *v = PyArray_DATA(speed), *w = PyArray_DATA(u);
    npy_bool *hit = PyArray_DATA((PyArrayObject *)out);
    for (npy_intp i = 0; i < n; i++) {
        if (!(v[i] >= min_speed)) {
            hit[i] = 0;
            continue;
        }
        double ri = r[i], pd = 0.0;
        if (ri <= max_range) {
            double rc = ri < 1.0 ? 1.0 : ri; /* np.maximum(r, 1.0), NaN kept */
            double snr = gain * pow(1000.0 / rc, exponent);
            pd = pow(pfa, 1.0 / (1.0 + snr));
        }
        hit[i] = w[i] < pd;
    }
    return out;
}

/* range_bearing(sx, sy, r, c, sn, cos2, sin2, sr2, lam_inv, lam2, k): (z (n, 2),
 * R (n, 2, 2)) of sim.ground.measurements.range_bearing from numpy's cos and sin of
 * the bearings θ and of 2θ (c, sn, cos2, sin2 (n,)), the ranges r (n,) and the range
 * variances sr2 ((n,) or (1,): one for all), with the scalars lam_inv, lam2 and k as
 * it computes them: its multiplications and additions in its order. */
static PyObject *py_range_bearing(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 11) {
        PyErr_SetString(PyExc_TypeError, "range_bearing(sx, sy, r, c, sn, cos2, sin2, sr2, "
                        "lam_inv, lam2, k) takes 11 arguments");
        return NULL;
    }
    double sx = PyFloat_AsDouble(args[0]), sy = PyFloat_AsDouble(args[1]);
    double lam_inv = PyFloat_AsDouble(args[8]), lam2 = PyFloat_AsDouble(args[9]);
    double k = PyFloat_AsDouble(args[10]);
    if (PyErr_Occurred()) return NULL;
    PyArrayObject *a[6];
    static const char *names[6] = {"r", "c", "sn", "cos2", "sin2", "sr2"};
    for (int j = 0; j < 6; j++)
        if (!(a[j] = array_arg(args[2 + j], names[j], NPY_FLOAT64))) return NULL;
    npy_intp n = PyArray_DIM(a[0], 0), nv = PyArray_DIM(a[5], 0);
    for (int j = 1; j < 5; j++)
        if (PyArray_DIM(a[j], 0) != n) n = -1;
    if (n < 0 || !(nv == n || nv == 1)) {
        PyErr_SetString(PyExc_ValueError, "range_bearing: need n ranges, cosines and sines, "
                        "and n range variances or one");
        return NULL;
    }
    npy_intp zd[2] = {n, 2}, rd[3] = {n, 2, 2};
    PyObject *z = PyArray_SimpleNew(2, zd, NPY_FLOAT64);
    PyObject *R = z ? PyArray_SimpleNew(3, rd, NPY_FLOAT64) : NULL;
    if (!R) {
        Py_XDECREF(z);
        return NULL;
    }
    const double *r = PyArray_DATA(a[0]), *c = PyArray_DATA(a[1]), *sn = PyArray_DATA(a[2]);
    const double *c2 = PyArray_DATA(a[3]), *s2 = PyArray_DATA(a[4]), *v = PyArray_DATA(a[5]);
    double *zo = PyArray_DATA((PyArrayObject *)z), *ro = PyArray_DATA((PyArrayObject *)R);
    npy_intp step = nv == 1 ? 0 : 1;
    for (npy_intp i = 0; i < n; i++) {
        double ri = r[i], ci = c[i], si = sn[i];
        double h = 0.5 * (ri * ri + v[i * step]);
        double krr = k * ri * ri;
        double lam2_cos = lam2 * c2[i];
        double rxy = krr * ci * si + h * lam2 * s2[i];
        ro[4 * i] = krr * ci * ci + h * (1.0 + lam2_cos);
        ro[4 * i + 1] = ro[4 * i + 2] = rxy;
        ro[4 * i + 3] = krr * si * si + h * (1.0 - lam2_cos);
        zo[2 * i] = sx + lam_inv * ri * ci;
        zo[2 * i + 1] = sy + lam_inv * ri * si;
    }
    return Py_BuildValue("(NN)", z, R);
}

/* A trajectory's knots tk (m,) and their x and y (m,) from the first three arguments. */
static PyArrayObject *knots_arg(PyObject *const *args, const char *name, const double **x,
                                const double **y) {
    PyArrayObject *tk = array_arg(args[0], "tk", NPY_FLOAT64);
    PyArrayObject *ax = tk ? array_arg(args[1], "x", NPY_FLOAT64) : NULL;
    PyArrayObject *ay = ax ? array_arg(args[2], "y", NPY_FLOAT64) : NULL;
    if (!ay) return NULL;
    npy_intp m = PyArray_DIM(tk, 0);
    if (m < 1 || PyArray_DIM(ax, 0) != m || PyArray_DIM(ay, 0) != m) {
        PyErr_Format(PyExc_ValueError, "%s: need m >= 1 times and their m x and y", name);
        return NULL;
    }
    *x = PyArray_DATA(ax);
    *y = PyArray_DATA(ay);
    return tk;
}

/* (2,) at a time given as a number, (n, 2) at times given as a 1-d array. */
static PyObject *py_position_at(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "position_at(tk, x, y, t) takes 4 arguments");
        return NULL;
    }
    const double *x, *y;
    PyArrayObject *tk = knots_arg(args, "position_at", &x, &y);
    if (!tk) return NULL;
    if (!PyArray_Check(args[3])) {
        double t = PyFloat_AsDouble(args[3]);
        npy_intp two = 2;
        PyObject *out = t == -1.0 && PyErr_Occurred() ? NULL
                        : PyArray_SimpleNew(1, &two, NPY_FLOAT64);
        if (out)
            position_at(PyArray_DATA(tk), x, y, PyArray_DIM(tk, 0), &t, 1,
                        PyArray_DATA((PyArrayObject *)out));
        return out;
    }
    PyArrayObject *t = array_arg(args[3], "t", NPY_FLOAT64);
    if (!t) return NULL;
    npy_intp dims[2] = {PyArray_DIM(t, 0), 2};
    PyObject *out = PyArray_SimpleNew(2, dims, NPY_FLOAT64);
    if (out)
        position_at(PyArray_DATA(tk), x, y, PyArray_DIM(tk, 0), PyArray_DATA(t), dims[0],
                    PyArray_DATA((PyArrayObject *)out));
    return out;
}

/* look_geometry(tk, x, y, t, centre, phase, period): (k, xy, d, range), or None where
 * a look number is out of range (exposure.h). */
static PyObject *py_look_geometry(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "look_geometry(tk, x, y, t, centre, phase, period) "
                        "takes 7 arguments");
        return NULL;
    }
    const double *x, *y;
    PyArrayObject *tk = knots_arg(args, "look_geometry", &x, &y);
    PyArrayObject *t = tk ? array_arg(args[3], "t", NPY_FLOAT64) : NULL;
    PyArrayObject *centre = t ? array_arg(args[4], "centre", NPY_FLOAT64) : NULL;
    if (!centre) return NULL;
    double phase = PyFloat_AsDouble(args[5]), period = PyFloat_AsDouble(args[6]);
    if (PyErr_Occurred()) return NULL;
    if (PyArray_DIM(centre, 0) != 2) {
        PyErr_SetString(PyExc_ValueError, "look_geometry: the centre must hold 2 coordinates");
        return NULL;
    }
    const double *c = PyArray_DATA(centre);
    npy_intp n = PyArray_DIM(t, 0), pairs[2] = {n, 2};
    PyObject *k = PyArray_SimpleNew(1, &n, NPY_INT64);
    PyObject *xy = k ? PyArray_SimpleNew(2, pairs, NPY_FLOAT64) : NULL;
    PyObject *d = xy ? PyArray_SimpleNew(2, pairs, NPY_FLOAT64) : NULL;
    PyObject *range = d ? PyArray_SimpleNew(1, &n, NPY_FLOAT64) : NULL;
    if (!range) {
        Py_XDECREF(k); Py_XDECREF(xy); Py_XDECREF(d);
        return NULL;
    }
    if (look_geometry(PyArray_DATA(tk), x, y, PyArray_DIM(tk, 0), PyArray_DATA(t), n, c[0],
                      c[1], phase, period, PyArray_DATA((PyArrayObject *)k),
                      PyArray_DATA((PyArrayObject *)xy), PyArray_DATA((PyArrayObject *)d),
                      PyArray_DATA((PyArrayObject *)range))) {
        Py_DECREF(k); Py_DECREF(xy); Py_DECREF(d); Py_DECREF(range);
        Py_RETURN_NONE;
    }
    return Py_BuildValue("(NNNN)", k, xy, d, range);
}

/* relative_legs(ta, xa, ya, tb, xb, yb, start, end): (knots (n,), rel (n, 2),
 * v (n - 1, 2)) of geometry.relative_legs (exposure.h). */
static PyObject *py_relative_legs(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 8) {
        PyErr_SetString(PyExc_TypeError, "relative_legs(ta, xa, ya, tb, xb, yb, start, end) "
                        "takes 8 arguments");
        return NULL;
    }
    const double *xa, *ya, *xb, *yb;
    PyArrayObject *ta = knots_arg(args, "relative_legs", &xa, &ya);
    PyArrayObject *tb = ta ? knots_arg(args + 3, "relative_legs", &xb, &yb) : NULL;
    if (!tb) return NULL;
    double start = PyFloat_AsDouble(args[6]), end = PyFloat_AsDouble(args[7]);
    if (PyErr_Occurred()) return NULL;
    if (!(start < end)) {
        PyErr_SetString(PyExc_ValueError, "relative_legs: need start < end");
        return NULL;
    }
    npy_intp ma = PyArray_DIM(ta, 0), mb = PyArray_DIM(tb, 0), most = ma + mb + 2;
    double *scratch = malloc((size_t)(9 * most) * sizeof(double));
    if (!scratch) return PyErr_NoMemory();
    double *knot = scratch, *pa = knot + most, *pb = pa + 2 * most, *rel = pb + 2 * most,
           *vel = rel + 2 * most;
    npy_intp n = relative_legs(PyArray_DATA(ta), xa, ya, ma, PyArray_DATA(tb), xb, yb, mb,
                               start, end, knot, pa, pb, rel, vel);
    npy_intp pairs[2] = {n, 2}, legs[2] = {n - 1, 2};
    PyObject *k = PyArray_SimpleNew(1, &n, NPY_FLOAT64);
    PyObject *r = k ? PyArray_SimpleNew(2, pairs, NPY_FLOAT64) : NULL;
    PyObject *v = r ? PyArray_SimpleNew(2, legs, NPY_FLOAT64) : NULL;
    if (v) {
        memcpy(PyArray_DATA((PyArrayObject *)k), knot, (size_t)n * sizeof(double));
        memcpy(PyArray_DATA((PyArrayObject *)r), rel, (size_t)(2 * n) * sizeof(double));
        memcpy(PyArray_DATA((PyArrayObject *)v), vel, (size_t)(2 * (n - 1)) * sizeof(double));
    }
    free(scratch);
    if (!v) {
        Py_XDECREF(k); Py_XDECREF(r);
        return NULL;
    }
    return Py_BuildValue("(NNN)", k, r, v);
}

static PyObject *py_box(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "box(tk, x, y, start, end) takes 5 arguments");
        return NULL;
    }
    const double *x, *y;
    PyArrayObject *tk = knots_arg(args, "box", &x, &y);
    if (!tk) return NULL;
    double start = PyFloat_AsDouble(args[3]), end = PyFloat_AsDouble(args[4]);
    if (PyErr_Occurred()) return NULL;
    npy_intp four = 4;
    PyObject *out = PyArray_SimpleNew(1, &four, NPY_FLOAT64);
    if (out)
        trajectory_box(PyArray_DATA(tk), x, y, PyArray_DIM(tk, 0), start, end,
                       PyArray_DATA((PyArrayObject *)out));
    return out;
}

/* record_lines(parts, records, fields, kinds): a list of str, or None (records.h). */
static PyObject *py_record_lines(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4 || !PyUnicode_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "record_lines(parts, records, fields, kinds) "
                        "takes 4 arguments, kinds a str");
        return NULL;
    }
    const char *kinds = PyUnicode_AsUTF8(args[3]);
    return kinds ? record_lines(args[0], args[1], args[2], kinds) : NULL;
}

/* join_lines(records, lines_by_class): a str, or None (records.h). */
static PyObject *py_join_lines(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "join_lines(records, lines_by_class) takes 2 "
                        "arguments");
        return NULL;
    }
    return join_lines(args[0], args[1]);
}

/* interleave_rows(columns, k, tail): bytes, or None (rows.h). */
static PyObject *py_interleave_rows(PyObject *self, PyObject *const *args,
                                    Py_ssize_t nargs) {
    Py_ssize_t k;
    if (nargs != 3 || (k = PyLong_AsSsize_t(args[1])) == -1) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "interleave_rows(columns, k, tail) takes 3 "
                            "arguments, k a positive int");
        return NULL;
    }
    return interleave_rows(args[0], k, args[2]);
}

/* The 32-bit words numpy's _coerce_to_uint32_array makes of n (0 gives one word). */
static int words_of(unsigned long long n, uint32_t *out) {
    int k = 0;
    do {
        out[k++] = (uint32_t)n;
        n >>= 32;
    } while (n);
    return k;
}

/* stream_state(seed, replication, key, n): the n (1 to 4) uint64 of
 * SeedSequence(seed, spawn_key=(replication, key)).generate_state(n, uint64), as a
 * tuple of int, or None where seed, replication or key is not an int in [0, 2^64)
 * (seeds.h). */
static PyObject *py_stream_state(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    long n;
    if (nargs != 4 || (n = PyLong_AsLong(args[3])) < 1 || n > 4) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "stream_state(seed, replication, key, n) "
                            "takes 4 arguments, n an int from 1 to 4");
        return NULL;
    }
    unsigned long long v[3];
    for (int i = 0; i < 3; i++) {
        if (!PyLong_Check(args[i])) Py_RETURN_NONE;
        v[i] = PyLong_AsUnsignedLongLong(args[i]);
        if (v[i] == (unsigned long long)-1 && PyErr_Occurred()) {
            PyErr_Clear();
            Py_RETURN_NONE;
        }
    }
    uint32_t entropy[2], spawn[4], out[8];
    int n_entropy = words_of(v[0], entropy);
    int n_spawn = words_of(v[1], spawn);
    n_spawn += words_of(v[2], spawn + n_spawn);
    seed_state(entropy, n_entropy, spawn, n_spawn, out, 2 * (int)n);
    PyObject *state = PyTuple_New(n);
    for (long i = 0; state && i < n; i++) {
        PyObject *word = PyLong_FromUnsignedLongLong(
            (unsigned long long)out[2 * i] | (unsigned long long)out[2 * i + 1] << 32);
        if (!word) {
            Py_CLEAR(state);
            break;
        }
        PyTuple_SET_ITEM(state, i, word);
    }
    return state;
}

#define FAST(name, doc) {#name, (PyCFunction)(void (*)(void))py_##name, METH_FASTCALL, doc}

static PyMethodDef methods[] = {
    {"stamp", py_stamp, METH_NOARGS, "The digest of the C sources this was built from."},
    FAST(uniforms, "keyed._uniforms_py: (n, columns) uniform draws."),
    FAST(search, "dijkstra.search_py: (dist, pred)."),
    FAST(foliage, "Terrain.foliage_m: (n,) foliage metres, or None where GEOS decides."),
    FAST(foliage_along, "Terrain.foliage_along: (n,) foliage metres, or None."),
    FAST(field_keys, "sensors.common._corner_normals' keys: (keys, corner) int64."),
    FAST(sector_looks, "sensors.geometry.look_times of sector_intervals: (t, interval)."),
    FAST(ever_within, "sensors.geometry.ever_within of relative legs: bool."),
    FAST(radial_speed, "Radar.radial_speed: (n,) m/s."),
    FAST(range_bearing, "measurements.range_bearing: (z (n, 2), R (n, 2, 2))."),
    FAST(radar_hits, "Radar.detect's Doppler and fluctuation test: (n,) bool."),
    FAST(line_crossings, "sensors.geometry.line_crossings: (t_s, xy, segment)."),
    FAST(proximity, "sensors.geometry.proximity_intervals of relative legs: (n, 2)."),
    FAST(relative_legs, "sensors.geometry.relative_legs: (knots, rel, v)."),
    FAST(field_below, "sensors.common.cdf_below(correlated_normal(...)): (n,) bool."),
    FAST(position_at, "Trajectory.position_at: (2,) at a number, (n, 2) at an array."),
    FAST(box, "Trajectory.box: [xmin, ymin, xmax, ymax]."),
    FAST(look_geometry, "SectorSensor._looks_at's (k, xy, d, range), or None."),
    FAST(record_lines, "events._class_lines: the JSON lines of one record class, or None."),
    FAST(join_lines, "events.records_jsonl: the lines of each record in order, or None."),
    FAST(stream_state, "rng.RandomStreams: SeedSequence's n uint64, or None."),
    FAST(interleave_rows, "rows.detection_rows: rows from columns' JSON arrays, or None."),
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cground",
                                    "The ground layer's kernels in C (csrc/).", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__cground(void) {
    import_array();
    return PyModule_Create(&module);
}
