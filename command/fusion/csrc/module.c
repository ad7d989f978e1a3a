/* command.fusion._cfusion: the C kernels of kernels.h and csv.h for Python.
 *
 * Each function takes and returns what its numba original in command/fusion
 * (kernels.py, batches.py, csvfast.py) does, so the callers use either unchanged;
 * fuse_sorted and layout_detections have none: their references are replay.py's loop
 * of fuse_batch and csvio.read_detections's numpy checks.
 * Arguments are checked (type, dtype, C order, shape, room in the output buffers):
 * a wrong one raises TypeError or ValueError instead of reading the wrong memory.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include "csv.h"
#include "kernels.h"

#ifndef CF_STAMP
#define CF_STAMP 0 /* setup.py passes the digest of the sources (prebuilt.py) */
#endif

/* ---------------------------------------------------------------- arguments */

/* An argument that must be a C-contiguous array of dtype typenum with ndim
 * dimensions, the trailing ones given in tail (ndim - 1 of them, -1: any);
 * writable when written to. Returns the array (borrowed) or NULL with an error. */
static PyArrayObject *array_arg(PyObject *o, const char *name, int typenum, int ndim,
                                const npy_intp *tail, int writable) {
    if (!PyArray_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s: expected a numpy array, got %s", name,
                     Py_TYPE(o)->tp_name);
        return NULL;
    }
    PyArrayObject *a = (PyArrayObject *)o;
    if (PyArray_TYPE(a) != typenum || PyArray_NDIM(a) != ndim) {
        PyArray_Descr *want = PyArray_DescrFromType(typenum);
        PyErr_Format(PyExc_TypeError, "%s: expected a %d-d array of %S, got %d-d of %S",
                     name, ndim, (PyObject *)want, PyArray_NDIM(a),
                     (PyObject *)PyArray_DESCR(a));
        Py_XDECREF(want);
        return NULL;
    }
    for (int d = 1; d < ndim; d++) {
        if (tail[d - 1] >= 0 && PyArray_DIM(a, d) != tail[d - 1]) {
            PyErr_Format(PyExc_ValueError, "%s: dimension %d is %zd, expected %zd", name,
                         d, (Py_ssize_t)PyArray_DIM(a, d), (Py_ssize_t)tail[d - 1]);
            return NULL;
        }
    }
    if (!PyArray_IS_C_CONTIGUOUS(a) || !PyArray_ISALIGNED(a)) {
        PyErr_Format(PyExc_ValueError, "%s: expected a C-contiguous, aligned array", name);
        return NULL;
    }
    if (writable && !PyArray_ISWRITEABLE(a)) {
        PyErr_Format(PyExc_ValueError, "%s: the array is read-only", name);
        return NULL;
    }
    return a;
}

/* Whether array_arg would accept o (without raising: the caller calls array_arg for
 * the error when not). */
static int array_fits(PyObject *o, int typenum, int ndim, const npy_intp *tail,
                      int writable) {
    if (!PyArray_Check(o)) return 0;
    PyArrayObject *a = (PyArrayObject *)o;
    if (PyArray_TYPE(a) != typenum || PyArray_NDIM(a) != ndim) return 0;
    for (int d = 1; d < ndim; d++)
        if (tail[d - 1] >= 0 && PyArray_DIM(a, d) != tail[d - 1]) return 0;
    if (!PyArray_IS_C_CONTIGUOUS(a) || !PyArray_ISALIGNED(a)) return 0;
    return !writable || PyArray_ISWRITEABLE(a);
}

static const npy_intp T4[] = {4}, T44[] = {4, 4}, T2[] = {2}, T22[] = {2, 2}, T3[] = {3};

#define ARR(var, obj, name, type, nd, tail, w)                                         \
    PyArrayObject *var = array_arg((obj), (name), (type), (nd), (tail), (w));          \
    if (!var) return NULL

#define ROWS(a) ((int64_t)PyArray_DIM((a), 0))

static int nargs_ok(const char *fn, Py_ssize_t nargs, Py_ssize_t want) {
    if (nargs == want) return 1;
    PyErr_Format(PyExc_TypeError, "%s() takes %zd arguments (%zd given)", fn, want, nargs);
    return 0;
}

static int same_rows(const char *fn, const char *what, int64_t got, int64_t want) {
    if (got == want) return 1;
    PyErr_Format(PyExc_ValueError, "%s: %s has %lld rows, expected %lld", fn, what,
                 (long long)got, (long long)want);
    return 0;
}

static PyObject *tuple_arg(PyObject *o, const char *name, Py_ssize_t n) {
    if (!PyTuple_Check(o) || PyTuple_GET_SIZE(o) != n) {
        PyErr_Format(PyExc_TypeError, "%s: expected a tuple of %zd arrays", name, n);
        return NULL;
    }
    return o;
}

/* The 8 arrays of a TrackTable (ids, x, P, conf, cp, lu, nu, score) from args[0:8]
 * (a tuple's items or a call's arguments), n rows each. */
static int table_args(PyObject *const *a, const char *name, int writable, cf_table *t) {
    static const char *fields[] = {"ids", "x", "P", "is_confirmed", "class_prob",
                                   "last_update_s", "n_updates", "score"};
    static const int types[] = {NPY_INT64, NPY_FLOAT64, NPY_FLOAT64, NPY_BOOL,
                                NPY_FLOAT64, NPY_FLOAT64, NPY_INT64, NPY_FLOAT64};
    static const int dims[] = {1, 2, 3, 1, 2, 1, 1, 1};
    const npy_intp *tails[] = {NULL, T4, T44, NULL, T3, NULL, NULL, NULL};
    void *data[8];
    int64_t n = -1;
    char label[96];
    for (int f = 0; f < 8; f++) {
        /* the label is formatted only for an error (an snprintf per field cost more
           than the rest of the checks) */
        PyArrayObject *arr = array_fits(a[f], types[f], dims[f], tails[f], writable)
                             ? (PyArrayObject *)a[f] : NULL;
        if (!arr || (n >= 0 && ROWS(arr) != n)) {
            snprintf(label, sizeof label, "%s.%s", name, fields[f]);
            arr = array_arg(a[f], label, types[f], dims[f], tails[f], writable);
            if (!arr || (n >= 0 && !same_rows(name, label, ROWS(arr), n))) return -1;
        }
        if (n < 0) n = ROWS(arr);
        data[f] = PyArray_DATA(arr);
    }
    t->n = n;
    t->ids = data[0]; t->x = data[1]; t->P = data[2]; t->conf = data[3];
    t->cp = data[4]; t->lu = data[5]; t->nu = data[6]; t->score = data[7];
    return 0;
}

static int double_arg(PyObject *o, double *v) {
    *v = PyFloat_AsDouble(o);
    return (*v == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

static int int_arg(PyObject *o, int64_t *v) {
    long long x = PyLong_AsLongLong(o);
    if (x == -1 && PyErr_Occurred()) return -1;
    *v = (int64_t)x;
    return 0;
}

/* ------------------------------------------------------------------ results */

static PyObject *new_array(int typenum, int ndim, npy_intp n, const void *src,
                           size_t item_bytes) {
    npy_intp dims[3] = {n, ndim > 1 ? 4 : 0, 4};
    if (ndim == 2 && item_bytes == 24) dims[1] = 3;
    if (ndim == 2 && item_bytes == 16) dims[1] = 2;
    PyObject *a = PyArray_SimpleNew(ndim, dims, typenum);
    if (a && n > 0) memcpy(PyArray_DATA((PyArrayObject *)a), src, (size_t)n * item_bytes);
    return a;
}

static PyObject *table_tuple_items(const cf_table *t, PyObject *tuple, Py_ssize_t at) {
    PyObject *items[8] = {
        new_array(NPY_INT64, 1, t->n, t->ids, 8), new_array(NPY_FLOAT64, 2, t->n, t->x, 32),
        new_array(NPY_FLOAT64, 3, t->n, t->P, 128), new_array(NPY_BOOL, 1, t->n, t->conf, 1),
        new_array(NPY_FLOAT64, 2, t->n, t->cp, 24), new_array(NPY_FLOAT64, 1, t->n, t->lu, 8),
        new_array(NPY_INT64, 1, t->n, t->nu, 8), new_array(NPY_FLOAT64, 1, t->n, t->score, 8)};
    for (int f = 0; f < 8; f++) {
        if (!items[f]) {
            for (int g = 0; g < 8; g++) Py_XDECREF(items[g]);
            return NULL;
        }
    }
    for (int f = 0; f < 8; f++) PyTuple_SET_ITEM(tuple, at + f, items[f]);
    return tuple;
}

/* update_manage's 14 returns. */
static PyObject *fused_tuple(const cf_fused *f) {
    PyObject *out = PyTuple_New(14);
    if (!out) return NULL;
    if (!table_tuple_items(&f->t, out, 0)) { Py_DECREF(out); return NULL; }
    PyObject *rest[6] = {new_array(NPY_INT64, 1, f->m, f->report_track, 8),
                         new_array(NPY_INT64, 1, f->n_started, f->started, 8),
                         new_array(NPY_INT64, 1, f->n_confirmed, f->confirmed, 8),
                         new_array(NPY_INT64, 1, f->n_deleted, f->deleted, 8),
                         new_array(NPY_BOOL, 1, f->t.n, f->updated, 1),
                         PyLong_FromLongLong(f->next_id)};
    for (int k = 0; k < 6; k++) {
        if (!rest[k]) {
            for (int g = 0; g < 6; g++) Py_XDECREF(rest[g]);
            Py_DECREF(out);
            return NULL;
        }
    }
    for (int k = 0; k < 6; k++) PyTuple_SET_ITEM(out, 8 + k, rest[k]);
    return out;
}

/* The reports z (m, 2), R (m, 2, 2), sensor (m,), and lik (m, 3) when has_lik (else
 * not read: fuse_batch passes an empty one). */
static int reports_args(PyObject *const *a, int has_lik, const char *fn, cf_reports *r) {
    PyArrayObject *z = array_arg(a[0], "z", NPY_FLOAT64, 2, T2, 0);
    PyArrayObject *R = z ? array_arg(a[1], "R", NPY_FLOAT64, 3, T22, 0) : NULL;
    PyArrayObject *s = R ? array_arg(a[2], "sensor", NPY_INT64, 1, NULL, 0) : NULL;
    if (!s) return -1;
    PyArrayObject *l = has_lik ? array_arg(a[3], "lik", NPY_FLOAT64, 2, T3, 0) : NULL;
    if (has_lik && !l) return -1;
    int64_t m = ROWS(z);
    if (!same_rows(fn, "R", ROWS(R), m) || !same_rows(fn, "sensor", ROWS(s), m)) return -1;
    if (has_lik && !same_rows(fn, "lik", ROWS(l), m)) return -1;
    r->m = m;
    r->z = PyArray_DATA(z); r->R = PyArray_DATA(R); r->sensor = PyArray_DATA(s);
    r->lik = l ? PyArray_DATA(l) : NULL; r->has_lik = has_lik;
    return 0;
}

static PyObject *failed(int rc, const char *fn) {
    if (rc == -2)
        PyErr_Format(PyExc_ValueError, "%s: an output buffer is too small for the tick", fn);
    else
        PyErr_NoMemory();
    return NULL;
}

/* ---------------------------------------------------------------- functions */

static PyObject *py_stamp(PyObject *self, PyObject *unused) {
    return PyLong_FromLongLong((long long)CF_STAMP);
}

static PyObject *py_predict(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (!nargs_ok("predict", nargs, 4)) return NULL;
    ARR(x, args[0], "x", NPY_FLOAT64, 2, T4, 0);
    ARR(P, args[1], "P", NPY_FLOAT64, 3, T44, 0);
    double dt, q;
    if (double_arg(args[2], &dt) || double_arg(args[3], &q)) return NULL;
    int64_t n = ROWS(x);
    if (!same_rows("predict", "P", ROWS(P), n)) return NULL;
    npy_intp d2[2] = {n, 4}, d3[3] = {n, 4, 4};
    PyObject *xp = PyArray_SimpleNew(2, d2, NPY_FLOAT64);
    PyObject *Pp = xp ? PyArray_SimpleNew(3, d3, NPY_FLOAT64) : NULL;
    if (!Pp) { Py_XDECREF(xp); return NULL; }
    cf_predict(PyArray_DATA(x), PyArray_DATA(P), n, dt, q,
               PyArray_DATA((PyArrayObject *)xp), PyArray_DATA((PyArrayObject *)Pp));
    return Py_BuildValue("(NN)", xp, Pp);
}

static PyObject *py_assign_stage(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (!nargs_ok("assign_stage", nargs, 9)) return NULL;
    ARR(xp, args[0], "xp", NPY_FLOAT64, 2, T4, 0);
    ARR(Pp, args[1], "Pp", NPY_FLOAT64, 3, T44, 0);
    ARR(on, args[2], "track_on", NPY_BOOL, 1, NULL, 0);
    PyObject *const rep_args[4] = {args[3], args[4], args[5], Py_None};
    cf_reports rep;
    if (reports_args(rep_args, 0, "assign_stage", &rep)) return NULL;
    ARR(fr, args[6], "free", NPY_BOOL, 1, NULL, 1);
    double gate;
    if (double_arg(args[7], &gate)) return NULL;
    ARR(got, args[8], "got", NPY_INT64, 1, NULL, 1);
    int64_t n = ROWS(xp);
    if (!same_rows("assign_stage", "Pp", ROWS(Pp), n)
        || !same_rows("assign_stage", "track_on", ROWS(on), n)
        || !same_rows("assign_stage", "got", ROWS(got), n)
        || !same_rows("assign_stage", "free", ROWS(fr), rep.m))
        return NULL;
    cf_big big;
    int rc = cf_assign_stage(PyArray_DATA(xp), PyArray_DATA(Pp), n, PyArray_DATA(on), &rep,
                             PyArray_DATA(fr), gate, PyArray_DATA(got), &big);
    if (rc < 0) return failed(rc, "assign_stage");
    int64_t zero = 0, nb = big.n_big, k = nb ? big.ptr[nb] : 0;
    PyObject *res = Py_BuildValue(
        "(NNNN)", new_array(NPY_INT64, 1, nb + 1, nb ? big.ptr : &zero, 8),
        new_array(NPY_INT64, 1, k, big.track, 8), new_array(NPY_INT64, 1, k, big.report, 8),
        new_array(NPY_FLOAT64, 1, k, big.cost, 8));
    cf_big_free(&big);
    return res;
}

static PyObject *py_update_manage(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (!nargs_ok("update_manage", nargs, 24)) return NULL;
    /* (ids, xp, Pp, is_confirmed, class_prob, last_update, n_updates, score): the
     * predicted table */
    cf_table tab;
    if (table_args(args, "update_manage", 0, &tab)) return NULL;
    const double *xp = tab.x, *Pp = tab.P;
    ARR(got, args[8], "got", NPY_INT64, 1, NULL, 0);
    int has_lik = PyObject_IsTrue(args[13]);
    if (has_lik < 0) return NULL;
    PyObject *const rep_args[4] = {args[9], args[10], args[11], args[12]};
    cf_reports rep;
    if (reports_args(rep_args, has_lik, "update_manage", &rep)) return NULL;
    if (!same_rows("update_manage", "got", ROWS(got), tab.n)) return NULL;
    double t_s, v[8];
    int64_t next_id;
    if (double_arg(args[14], &t_s) || int_arg(args[15], &next_id)) return NULL;
    for (int k = 0; k < 8; k++)
        if (double_arg(args[16 + k], &v[k])) return NULL;
    for (int64_t i = 0; i < tab.n; i++) {
        int64_t j = ((int64_t *)PyArray_DATA(got))[i];
        if (j >= rep.m) {
            PyErr_SetString(PyExc_ValueError, "update_manage: got names a report not there");
            return NULL;
        }
    }
    cf_fused f;
    int rc = cf_update_manage(&tab, xp, Pp, PyArray_DATA(got), &rep, t_s, next_id, v[0],
                              v[1], v[2], v[3], v[4], v[5], v[6], v[7], &f);
    if (rc < 0) return failed(rc, "update_manage");
    PyObject *out = fused_tuple(&f);
    cf_fused_free(&f);
    return out;
}

static PyObject *py_fuse(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (!nargs_ok("fuse", nargs, 18)) return NULL;
    cf_table tab;
    if (table_args(args, "fuse", 0, &tab)) return NULL;
    double dt, t_s, lam;
    int64_t next_id;
    int has_lik = PyObject_IsTrue(args[13]);
    if (has_lik < 0) return NULL;
    cf_reports rep;
    if (double_arg(args[8], &dt) || reports_args(args + 9, has_lik, "fuse", &rep)) return NULL;
    if (double_arg(args[14], &t_s) || int_arg(args[15], &next_id)
        || double_arg(args[16], &lam))
        return NULL;
    ARR(prm, args[17], "prm", NPY_FLOAT64, 1, NULL, 0);
    if (ROWS(prm) < 9) {
        PyErr_SetString(PyExc_ValueError, "fuse: prm must hold the 9 parameters");
        return NULL;
    }
    int done;
    cf_fused f;
    int rc = cf_fuse(&tab, dt, &rep, t_s, next_id, lam, PyArray_DATA(prm), &done, &f);
    if (rc < 0) return failed(rc, "fuse");
    if (!done) {
        cf_fused empty;
        memset(&empty, 0, sizeof empty);
        PyObject *out = fused_tuple(&empty);
        if (!out) return NULL;
        return Py_BuildValue("(ON)", Py_False, out);
    }
    PyObject *out = fused_tuple(&f);
    cf_fused_free(&f);
    return out ? Py_BuildValue("(ON)", Py_True, out) : NULL;
}

/* The local node's pending buffers, the tuple p (arrival, meas, sensor, report, z, R,
 * lik), declared as arrays of those names (written to when w). */
#define PENDING(p, w)                                                                \
    ARR(arrival, (p)[0], "pending.arrival", NPY_FLOAT64, 1, NULL, w);                \
    ARR(meas, (p)[1], "pending.meas", NPY_FLOAT64, 1, NULL, w);                      \
    ARR(psensor, (p)[2], "pending.sensor", NPY_INT64, 1, NULL, w);                   \
    ARR(preport, (p)[3], "pending.report", NPY_INT64, 1, NULL, w);                   \
    ARR(pz, (p)[4], "pending.z", NPY_FLOAT64, 2, T2, w);                             \
    ARR(pR, (p)[5], "pending.R", NPY_FLOAT64, 3, T22, w);                            \
    ARR(plik, (p)[6], "pending.lik", NPY_FLOAT64, 2, T3, w)

/* A source row: row k of a float64 array of ndim dimensions with the trailing ones
 * of tail (any strides); a pointer to its first element or NULL with an error. */
static const char *source_row(PyObject *o, const char *name, int ndim, const npy_intp *tail,
                              int64_t k, npy_intp *strides) {
    if (!PyArray_Check(o) || PyArray_TYPE((PyArrayObject *)o) != NPY_FLOAT64
        || PyArray_NDIM((PyArrayObject *)o) != ndim) {
        PyErr_Format(PyExc_TypeError, "%s: expected a %d-d float64 array", name, ndim);
        return NULL;
    }
    PyArrayObject *a = (PyArrayObject *)o;
    for (int d = 1; d < ndim; d++) {
        if (PyArray_DIM(a, d) != tail[d - 1]) {
            PyErr_Format(PyExc_ValueError, "%s: dimension %d is %zd, expected %zd", name, d,
                         (Py_ssize_t)PyArray_DIM(a, d), (Py_ssize_t)tail[d - 1]);
            return NULL;
        }
    }
    if (k < 0 || k >= ROWS(a)) {
        PyErr_Format(PyExc_IndexError, "%s: row %lld of %lld", name, (long long)k,
                     (long long)ROWS(a));
        return NULL;
    }
    for (int d = 0; d < ndim; d++) strides[d] = PyArray_STRIDE(a, d);
    return (const char *)PyArray_DATA(a) + k * strides[0];
}

#define AT(p, st, i, j) (*(const double *)((p) + (i) * (st)[1] + (j) * (st)[2]))

/* put_report(pending, n, now, meas, sensor, report, xy, cov, lik, k): the local node's
 * intake of one report (command.nodes.FusionNode._take): row n of the pending buffers
 * (arrival, meas, sensor, report, z, R, lik) becomes (now, meas, sensor, report,
 * xy[k], cov[k], lik[k]), the values copied as they are. */
static PyObject *py_put_report(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (!nargs_ok("put_report", nargs, 10)) return NULL;
    PyObject *pt = tuple_arg(args[0], "pending", 7);
    if (!pt) return NULL;
    PyObject **p = &PyTuple_GET_ITEM(pt, 0);
    PENDING(p, 1);
    int64_t n, sensor, report, k;
    double now, t_meas;
    if (int_arg(args[1], &n) || double_arg(args[2], &now) || double_arg(args[3], &t_meas)
        || int_arg(args[4], &sensor) || int_arg(args[5], &report) || int_arg(args[9], &k))
        return NULL;
    int64_t cap = ROWS(arrival);
    if (n < 0 || n >= cap || ROWS(meas) != cap || ROWS(psensor) != cap
        || ROWS(preport) != cap || ROWS(pz) != cap || ROWS(pR) != cap || ROWS(plik) != cap) {
        PyErr_SetString(PyExc_ValueError, "put_report: need 0 <= n < rows, equal rows");
        return NULL;
    }
    npy_intp sxy[2], scov[3], slik[2];
    const char *xy = source_row(args[6], "xy", 2, T2, k, sxy);
    if (!xy) return NULL;
    const char *cov = source_row(args[7], "cov", 3, T22, k, scov);
    if (!cov) return NULL;
    const char *lik = source_row(args[8], "lik", 2, T3, k, slik);
    if (!lik) return NULL;
    ((double *)PyArray_DATA(arrival))[n] = now;
    ((double *)PyArray_DATA(meas))[n] = t_meas;
    ((int64_t *)PyArray_DATA(psensor))[n] = sensor;
    ((int64_t *)PyArray_DATA(preport))[n] = report;
    double *z = (double *)PyArray_DATA(pz) + 2 * n;
    double *R = (double *)PyArray_DATA(pR) + 4 * n;
    double *l = (double *)PyArray_DATA(plik) + 3 * n;
    for (int i = 0; i < 2; i++) z[i] = *(const double *)(xy + i * sxy[1]);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) R[2 * i + j] = AT(cov, scov, i, j);
    for (int i = 0; i < 3; i++) l[i] = *(const double *)(lik + i * slik[1]);
    Py_RETURN_NONE;
}

#undef AT

static PyObject *py_fuse_tick(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (!nargs_ok("fuse_tick", nargs, 21)) return NULL;
    double now_s, last_fused_s, time_s, lam, revive_s;
    int64_t head, n_pending, next_id, o0, d0, t0, max_batches, resume_b0, resume_nb;
    if (double_arg(args[0], &now_s) || int_arg(args[1], &head) || int_arg(args[2], &n_pending)
        || double_arg(args[4], &last_fused_s) || double_arg(args[6], &time_s)
        || int_arg(args[7], &next_id) || int_arg(args[9], &o0) || int_arg(args[11], &d0)
        || int_arg(args[13], &t0) || double_arg(args[16], &lam)
        || double_arg(args[17], &revive_s) || int_arg(args[18], &max_batches)
        || int_arg(args[19], &resume_b0) || int_arg(args[20], &resume_nb))
        return NULL;
    /* pending: (arrival, meas, sensor, report, z, R, lik) */
    PyObject *pt = tuple_arg(args[3], "pending", 7);
    if (!pt) return NULL;
    PyObject **p = &PyTuple_GET_ITEM(pt, 0);
    PENDING(p, 0);
    int64_t cap = ROWS(arrival);
    if (!same_rows("fuse_tick", "pending.meas", ROWS(meas), cap)
        || !same_rows("fuse_tick", "pending.sensor", ROWS(psensor), cap)
        || !same_rows("fuse_tick", "pending.report", ROWS(preport), cap)
        || !same_rows("fuse_tick", "pending.z", ROWS(pz), cap)
        || !same_rows("fuse_tick", "pending.R", ROWS(pR), cap)
        || !same_rows("fuse_tick", "pending.lik", ROWS(plik), cap))
        return NULL;
    if (head < 0 || head > n_pending || n_pending > cap) {
        PyErr_SetString(PyExc_ValueError, "fuse_tick: need 0 <= head <= n_pending <= rows");
        return NULL;
    }
    cf_pending pending = {PyArray_DATA(arrival), PyArray_DATA(meas), PyArray_DATA(psensor),
                          PyArray_DATA(preport), PyArray_DATA(pz), PyArray_DATA(pR),
                          PyArray_DATA(plik)};
    cf_table table, out;
    PyObject *tt = tuple_arg(args[5], "table", 8), *ot = tt ? tuple_arg(args[8], "out", 8)
                                                           : NULL;
    if (!ot || table_args(&PyTuple_GET_ITEM(tt, 0), "table", 0, &table)
        || table_args(&PyTuple_GET_ITEM(ot, 0), "out", 1, &out))
        return NULL;
    /* det: (t, sensor, z, R, report, track) */
    PyObject *dt_ = tuple_arg(args[10], "det", 6);
    if (!dt_) return NULL;
    PyObject **q = &PyTuple_GET_ITEM(dt_, 0);
    ARR(d_t, q[0], "det.t", NPY_FLOAT64, 1, NULL, 1);
    ARR(d_s, q[1], "det.sensor", NPY_INT64, 1, NULL, 1);
    ARR(d_z, q[2], "det.z", NPY_FLOAT64, 2, T2, 1);
    ARR(d_R, q[3], "det.R", NPY_FLOAT64, 3, T22, 1);
    ARR(d_r, q[4], "det.report", NPY_INT64, 1, NULL, 1);
    ARR(d_k, q[5], "det.track", NPY_INT64, 1, NULL, 1);
    int64_t drows = ROWS(d_t);
    if (!same_rows("fuse_tick", "det.sensor", ROWS(d_s), drows)
        || !same_rows("fuse_tick", "det.z", ROWS(d_z), drows)
        || !same_rows("fuse_tick", "det.R", ROWS(d_R), drows)
        || !same_rows("fuse_tick", "det.report", ROWS(d_r), drows)
        || !same_rows("fuse_tick", "det.track", ROWS(d_k), drows))
        return NULL;
    cf_det det = {PyArray_DATA(d_t), PyArray_DATA(d_s), PyArray_DATA(d_z), PyArray_DATA(d_R),
                  PyArray_DATA(d_r), PyArray_DATA(d_k), drows};
    /* trk: (t, id, x) */
    PyObject *kt = tuple_arg(args[12], "trk", 3);
    if (!kt) return NULL;
    PyObject **k = &PyTuple_GET_ITEM(kt, 0);
    ARR(k_t, k[0], "trk.t", NPY_FLOAT64, 1, NULL, 1);
    ARR(k_id, k[1], "trk.id", NPY_INT64, 1, NULL, 1);
    ARR(k_x, k[2], "trk.x", NPY_FLOAT64, 2, T4, 1);
    int64_t krows = ROWS(k_id);
    if (ROWS(k_t) < krows || ROWS(k_x) < krows) krows = ROWS(k_t) < ROWS(k_x) ? ROWS(k_t)
                                                                              : ROWS(k_x);
    cf_trk trk = {PyArray_DATA(k_t), PyArray_DATA(k_id), PyArray_DATA(k_x), krows};
    /* work: (late, bt, ptr, conf_ptr, del_ptr, conf_id, conf_xy, del_id, ls, rsn) */
    PyObject *wt = tuple_arg(args[14], "work", 10);
    if (!wt) return NULL;
    PyObject **w = &PyTuple_GET_ITEM(wt, 0);
    ARR(w_late, w[0], "work.late", NPY_INT64, 1, NULL, 1);
    ARR(w_bt, w[1], "work.bt", NPY_FLOAT64, 1, NULL, 1);
    ARR(w_ptr, w[2], "work.ptr", NPY_INT64, 1, NULL, 1);
    ARR(w_cp, w[3], "work.conf_ptr", NPY_INT64, 1, NULL, 1);
    ARR(w_dp, w[4], "work.del_ptr", NPY_INT64, 1, NULL, 1);
    ARR(w_ci, w[5], "work.conf_id", NPY_INT64, 1, NULL, 1);
    ARR(w_cxy, w[6], "work.conf_xy", NPY_FLOAT64, 2, T2, 1);
    ARR(w_di, w[7], "work.del_id", NPY_INT64, 1, NULL, 1);
    ARR(w_ls, w[8], "work.ls", NPY_FLOAT64, 2, T3, 1);
    ARR(w_rsn, w[9], "work.rsn", NPY_INT64, 1, NULL, 1);
    int64_t wrows = ROWS(w_late);
    PyArrayObject *firsts[] = {w_bt, w_ptr, w_cp, w_dp, w_ls};
    for (int f = 0; f < 5; f++) wrows = ROWS(firsts[f]) < wrows ? ROWS(firsts[f]) : wrows;
    int64_t nids = ROWS(w_ci);
    nids = ROWS(w_cxy) < nids ? ROWS(w_cxy) : nids;
    nids = ROWS(w_di) < nids ? ROWS(w_di) : nids;
    cf_work work = {PyArray_DATA(w_late), PyArray_DATA(w_bt), PyArray_DATA(w_ptr),
                    PyArray_DATA(w_cp), PyArray_DATA(w_dp), PyArray_DATA(w_ci),
                    PyArray_DATA(w_cxy), PyArray_DATA(w_di), PyArray_DATA(w_ls),
                    PyArray_DATA(w_rsn), wrows, nids, ROWS(w_rsn)};
    ARR(prm, args[15], "prm", NPY_FLOAT64, 1, NULL, 0);
    if (ROWS(prm) < 9) {
        PyErr_SetString(PyExc_ValueError, "fuse_tick: prm must hold the 9 parameters");
        return NULL;
    }
    if (o0 < 0 || d0 < 0 || t0 < 0 || t0 > krows) {
        PyErr_SetString(PyExc_ValueError, "fuse_tick: o0, d0, t0 must be rows of the buffers");
        return NULL;
    }
    cf_tick_result r;
    int rc = cf_fuse_tick(now_s, head, n_pending, &pending, last_fused_s, &table, time_s,
                          next_id, &out, o0, &det, d0, &trk, t0, &work, PyArray_DATA(prm),
                          lam, revive_s, max_batches, resume_b0, resume_nb, &r);
    if (rc < 0) return failed(rc, "fuse_tick");
    return Py_BuildValue("(LLLLLLLLLLdL)", (long long)r.n_ready, (long long)r.n_late,
                         (long long)r.nb, (long long)r.stop, (long long)r.reason,
                         (long long)r.nc, (long long)r.nd, (long long)r.nt,
                         (long long)r.n_out, (long long)r.n_confirmed, r.time_s,
                         (long long)r.next_id);
}

static void free_rows(PyObject *capsule) {
    free(PyCapsule_GetPointer(capsule, "cf_rows"));
}

/* An array of n rows (n, or (n, cols) when ndim is 2) over the malloc'd *p, which it
 * then owns (*p set to NULL): no copy of a large result. On failure *p is left to the
 * caller. */
static PyObject *owning_array(int typenum, int ndim, npy_intp n, npy_intp cols, void **p) {
    npy_intp dims[2] = {n, cols};
    if (n == 0 || !*p) return PyArray_SimpleNew(ndim, dims, typenum);
    PyObject *a = PyArray_SimpleNewFromData(ndim, dims, typenum, *p);
    if (!a) return NULL;
    PyObject *capsule = PyCapsule_New(*p, "cf_rows", free_rows);
    if (!capsule) { Py_DECREF(a); return NULL; }
    *p = NULL;                  /* the capsule owns it now, even if the next step fails */
    if (PyArray_SetBaseObject((PyArrayObject *)a, capsule) < 0) { Py_DECREF(a); return NULL; }
    return a;
}

static PyObject *py_fuse_sorted(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    /* (table, time_s, next_id, bt, ptr, b0, nb, z, R, sensor, prm, lam, revive_s
     *  [, extra]): with extra true, two more results, the rows' class probabilities
     * (n, 3) and whether each row's batch updated the track (n,) bool */
    int extra = 0;
    if (nargs == 14) {
        extra = PyObject_IsTrue(args[13]);
        if (extra < 0) return NULL;
    } else if (!nargs_ok("fuse_sorted", nargs, 13)) {
        return NULL;
    }
    cf_table table;
    PyObject *tt = tuple_arg(args[0], "table", 8);
    if (!tt || table_args(&PyTuple_GET_ITEM(tt, 0), "table", 0, &table)) return NULL;
    double time_s, lam, revive_s;
    int64_t next_id, b0, nb;
    if (double_arg(args[1], &time_s) || int_arg(args[2], &next_id)
        || int_arg(args[5], &b0) || int_arg(args[6], &nb) || double_arg(args[11], &lam)
        || double_arg(args[12], &revive_s))
        return NULL;
    ARR(bt, args[3], "bt", NPY_FLOAT64, 1, NULL, 0);
    ARR(ptr, args[4], "ptr", NPY_INT64, 1, NULL, 0);
    cf_reports all;
    if (reports_args(args + 7, 0, "fuse_sorted", &all)) return NULL;
    ARR(prm, args[10], "prm", NPY_FLOAT64, 1, NULL, 0);
    if (ROWS(prm) < 9) {
        PyErr_SetString(PyExc_ValueError, "fuse_sorted: prm must hold the 9 parameters");
        return NULL;
    }
    if (b0 < 0 || b0 > nb || ROWS(bt) < nb || ROWS(ptr) < nb + 1) {
        PyErr_SetString(PyExc_ValueError,
                        "fuse_sorted: need 0 <= b0 <= nb, nb times and nb + 1 pointers");
        return NULL;
    }
    const int64_t *p = PyArray_DATA(ptr);
    for (int64_t b = b0; b < nb; b++) {
        if (p[b] < 0 || p[b] > p[b + 1] || p[b + 1] > all.m) {
            PyErr_SetString(PyExc_ValueError,
                            "fuse_sorted: ptr must rise within the rows of z");
            return NULL;
        }
    }
    cf_sorted r;
    int rc = cf_fuse_sorted(&table, time_s, next_id, PyArray_DATA(bt), p, b0, nb, &all,
                            PyArray_DATA(prm), lam, revive_s, extra, &r);
    if (rc < 0) return failed(rc, "fuse_sorted");
    PyObject *tab = PyTuple_New(8);
    if (tab && !table_tuple_items(&r.table, tab, 0)) Py_CLEAR(tab);
    PyObject *t = tab ? owning_array(NPY_FLOAT64, 1, r.n_rows, 1, (void **)&r.t) : NULL;
    PyObject *id = t ? owning_array(NPY_INT64, 1, r.n_rows, 1, (void **)&r.id) : NULL;
    PyObject *x = id ? owning_array(NPY_FLOAT64, 2, r.n_rows, 4, (void **)&r.x) : NULL;
    PyObject *cp = NULL, *upd = NULL;
    if (x && extra) {
        cp = owning_array(NPY_FLOAT64, 2, r.n_rows, 3, (void **)&r.cp);
        upd = cp ? owning_array(NPY_BOOL, 1, r.n_rows, 1, (void **)&r.upd) : NULL;
    }
    cf_sorted_free(&r);
    if (!x || (extra && !upd)) {
        Py_XDECREF(tab); Py_XDECREF(t); Py_XDECREF(id); Py_XDECREF(x); Py_XDECREF(cp);
        return NULL;
    }
    if (extra)
        return Py_BuildValue("(LNdLNNNNN)", (long long)r.stop, tab, r.time_s,
                             (long long)r.next_id, t, id, x, cp, upd);
    return Py_BuildValue("(LNdLNNN)", (long long)r.stop, tab, r.time_s,
                         (long long)r.next_id, t, id, x);
}

/* --------------------------------------------------------------------- CSV */

static PyObject *py_parse_decimal_rows(PyObject *self, PyObject *const *args,
                                       Py_ssize_t nargs) {
    if (!nargs_ok("parse_decimal_rows", nargs, 3)) return NULL;
    ARR(buf, args[0], "buf", NPY_UINT8, 1, NULL, 0);
    ARR(cols, args[1], "cols", NPY_INT64, 1, NULL, 0);
    int64_t n_cols;
    if (int_arg(args[2], &n_cols)) return NULL;
    const int64_t *c = PyArray_DATA(cols);
    int64_t k = ROWS(cols);
    for (int64_t j = 0; j < k; j++) {
        if (c[j] < 0 || c[j] >= n_cols) {
            PyErr_SetString(PyExc_ValueError, "parse_decimal_rows: need 0 <= cols < n_cols");
            return NULL;
        }
    }
    const uint8_t *b = PyArray_DATA(buf);
    int64_t n = ROWS(buf), rows = cf_count_rows(b, n);
    npy_intp dims[2] = {rows, k};
    PyObject *data = PyArray_SimpleNew(2, dims, NPY_FLOAT64);
    if (!data) return NULL;
    int ok;
    Py_BEGIN_ALLOW_THREADS
    ok = cf_parse_decimal_rows(b, n, c, k, n_cols, PyArray_DATA((PyArrayObject *)data), rows);
    Py_END_ALLOW_THREADS
    if (ok < 0) { Py_DECREF(data); return PyErr_NoMemory(); }
    return Py_BuildValue("(ON)", ok ? Py_True : Py_False, data);
}

static PyObject *py_layout_detections(PyObject *self, PyObject *const *args,
                                      Py_ssize_t nargs) {
    if (!nargs_ok("layout_detections", nargs, 2)) return NULL;
    static const npy_intp seven[] = {7};
    ARR(data, args[0], "data", NPY_FLOAT64, 2, seven, 0);
    ARR(limits, args[1], "limits", NPY_FLOAT64, 1, NULL, 0);
    if (ROWS(limits) != 7) {
        PyErr_SetString(PyExc_ValueError, "layout_detections: limits must hold 7 values");
        return NULL;
    }
    npy_intp n = ROWS(data), d2[2] = {n, 2}, d3[3] = {n, 2, 2};
    PyObject *t = PyArray_SimpleNew(1, &n, NPY_FLOAT64);
    PyObject *sensor = t ? PyArray_SimpleNew(1, &n, NPY_INT64) : NULL;
    PyObject *z = sensor ? PyArray_SimpleNew(2, d2, NPY_FLOAT64) : NULL;
    PyObject *R = z ? PyArray_SimpleNew(3, d3, NPY_FLOAT64) : NULL;
    if (!R) {
        Py_XDECREF(t); Py_XDECREF(sensor); Py_XDECREF(z);
        return NULL;
    }
    int ok;
#define D(a) PyArray_DATA((PyArrayObject *)(a))
    Py_BEGIN_ALLOW_THREADS
    ok = cf_layout_detections(PyArray_DATA(data), n, PyArray_DATA(limits), D(t), D(sensor),
                              D(z), D(R));
    Py_END_ALLOW_THREADS
#undef D
    if (!ok) {
        Py_DECREF(t); Py_DECREF(sensor); Py_DECREF(z); Py_DECREF(R);
        return Py_BuildValue("(OOOOO)", Py_False, Py_None, Py_None, Py_None, Py_None);
    }
    return Py_BuildValue("(ONNNN)", Py_True, t, sensor, z, R);
}

static PyObject *bytes_result(int64_t pos, PyObject *out) {
    if (pos < 0) return Py_BuildValue("(ONi)", Py_False, out, 0);
    return Py_BuildValue("(ONL)", Py_True, out, (long long)pos);
}

static PyObject *py_format_rows(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (!nargs_ok("format_rows", nargs, 5)) return NULL;
    static const npy_intp any[] = {-1};
    ARR(values, args[0], "values", NPY_FLOAT64, 2, any, 0);
    ARR(decimals, args[1], "decimals", NPY_INT64, 1, NULL, 0);
    ARR(ids, args[2], "ids", NPY_INT64, 1, NULL, 0);
    int64_t id_at;
    if (int_arg(args[3], &id_at)) return NULL;
    ARR(tail, args[4], "tail", NPY_UINT8, 1, NULL, 0);
    int64_t m = ROWS(values), k = (int64_t)PyArray_DIM(values, 1);
    const int64_t *d = PyArray_DATA(decimals);
    if (!same_rows("format_rows", "decimals", ROWS(decimals), k)
        || !same_rows("format_rows", "ids", ROWS(ids), m))
        return NULL;
    for (int64_t j = 0; j < k; j++) {
        if (d[j] < 0 || d[j] > 15) {
            PyErr_SetString(PyExc_ValueError, "format_rows: decimals must be 0-15");
            return NULL;
        }
    }
    if (id_at < 0 || id_at > k) {
        PyErr_SetString(PyExc_ValueError, "format_rows: id_at must be 0..k");
        return NULL;
    }
    npy_intp size = cf_format_rows_size(m, k, d, ROWS(tail));
    PyObject *out = PyArray_SimpleNew(1, &size, NPY_UINT8);
    if (!out) return NULL;
    int64_t pos;
    Py_BEGIN_ALLOW_THREADS
    pos = cf_format_rows(PyArray_DATA(values), m, k, d, PyArray_DATA(ids), id_at,
                         PyArray_DATA(tail), ROWS(tail), PyArray_DATA((PyArrayObject *)out));
    Py_END_ALLOW_THREADS
    return bytes_result(pos, out);
}

static PyObject *py_format_fixed_rows(PyObject *self, PyObject *const *args,
                                      Py_ssize_t nargs) {
    if (!nargs_ok("format_fixed_rows", nargs, 4)) return NULL;
    ARR(t, args[0], "t", NPY_FLOAT64, 1, NULL, 0);
    ARR(ids, args[1], "ids", NPY_INT64, 1, NULL, 0);
    ARR(x, args[2], "x", NPY_FLOAT64, 1, NULL, 0);
    ARR(y, args[3], "y", NPY_FLOAT64, 1, NULL, 0);
    int64_t m = ROWS(t);
    if (!same_rows("format_fixed_rows", "ids", ROWS(ids), m)
        || !same_rows("format_fixed_rows", "x", ROWS(x), m)
        || !same_rows("format_fixed_rows", "y", ROWS(y), m))
        return NULL;
    npy_intp size = m * 96 + 1;
    PyObject *out = PyArray_SimpleNew(1, &size, NPY_UINT8);
    if (!out) return NULL;
    int64_t pos;
    Py_BEGIN_ALLOW_THREADS
    pos = cf_format_fixed_rows(PyArray_DATA(t), PyArray_DATA(ids), PyArray_DATA(x),
                               PyArray_DATA(y), m, PyArray_DATA((PyArrayObject *)out));
    Py_END_ALLOW_THREADS
    return bytes_result(pos, out);
}

/* ------------------------------------------------------------------ module */

#define FAST(name, doc) {#name, (PyCFunction)(void (*)(void))py_##name, METH_FASTCALL, doc}

static PyMethodDef methods[] = {
    {"stamp", py_stamp, METH_NOARGS, "The digest of the C sources this was built from."},
    FAST(predict, "kernels.predict: (xp, Pp)."),
    FAST(assign_stage, "kernels.assign_stage: (big_ptr, big_track, big_report, big_cost)."),
    FAST(update_manage, "kernels.update_manage: the new table and the batch's events."),
    FAST(fuse, "kernels.fuse: (done, out)."),
    FAST(fuse_tick, "batches.fuse_tick: the tick's 12 numbers; writes the buffers."),
    FAST(put_report, "The local node's intake of one report into its pending buffers."),
    FAST(fuse_sorted, "A sorted file's batches (replay.track_detections): (stop, table, "
                      "time_s, next_id, t, id, x)."),
    FAST(parse_decimal_rows, "csvfast.parse_decimal_rows: (ok, data)."),
    FAST(layout_detections, "csvio.read_detections's checks and arrays in one pass: "
                            "(ok, t, sensor, z, R), or (False, None, ...)."),
    FAST(format_rows, "csvfast.format_rows: (ok, bytes, n)."),
    FAST(format_fixed_rows, "csvfast.format_fixed_rows: (ok, bytes, n)."),
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cfusion",
                                    "The fusion core's kernels in C (csrc/).", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__cfusion(void) {
    import_array();
    return PyModule_Create(&module);
}
