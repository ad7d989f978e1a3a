/* sim.ground._cground: the ground layer's two kernels in C, a port of
 * sim/ground/keyed.py (_uniforms_py) and sim/ground/dijkstra.py (search_py), which
 * stay the readable reference; tests compare both bit for bit.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <math.h>
#include <stdint.h>

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

#define FAST(name, doc) {#name, (PyCFunction)(void (*)(void))py_##name, METH_FASTCALL, doc}

static PyMethodDef methods[] = {
    {"stamp", py_stamp, METH_NOARGS, "The digest of the C sources this was built from."},
    FAST(uniforms, "keyed._uniforms_py: (n, columns) uniform draws."),
    FAST(search, "dijkstra.search_py: (dist, pred)."),
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cground",
                                    "The ground layer's kernels in C (csrc/).", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__cground(void) {
    import_array();
    return PyModule_Create(&module);
}
