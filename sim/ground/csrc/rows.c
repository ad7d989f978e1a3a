/* CSV rows from columns already written as text: the assembly of
 * sim.rows.detection_rows (orjson writes each column; this puts the values of a row
 * side by side), whose Python zip of the columns stays the reference and the
 * fallback. Values are copied byte for byte: no number is parsed or formatted here. */
#include "rows.h"

#include <string.h>

PyObject *interleave_rows(PyObject *columns, Py_ssize_t k, PyObject *tail) {
    if (!PyTuple_Check(columns) || !PyBytes_Check(tail) || k < 1) Py_RETURN_NONE;
    Py_ssize_t n = PyTuple_GET_SIZE(columns), size = 0;
    if (n < 1 || n > 64) Py_RETURN_NONE;
    const char *at[64], *end[64];
    for (Py_ssize_t c = 0; c < n; c++) {
        PyObject *col = PyTuple_GET_ITEM(columns, c);
        if (!PyBytes_Check(col)) Py_RETURN_NONE;
        const char *s = PyBytes_AS_STRING(col);
        Py_ssize_t len = PyBytes_GET_SIZE(col);
        if (len < 3 || s[0] != '[' || s[len - 1] != ']') Py_RETURN_NONE;
        at[c] = s + 1;
        end[c] = s + len - 1;
        size += len - 2 - (k - 1);        /* the values, without brackets and commas */
    }
    Py_ssize_t tail_len = PyBytes_GET_SIZE(tail);
    size += k * (n - 1 + tail_len + 1);
    PyObject *out = PyBytes_FromStringAndSize(NULL, size);
    if (!out) return NULL;
    char *o = PyBytes_AS_STRING(out), *o_end = o + size;
    const char *t = PyBytes_AS_STRING(tail);
    for (Py_ssize_t r = 0; r < k; r++) {
        for (Py_ssize_t c = 0; c < n; c++) {
            const char *s = at[c], *stop = memchr(s, ',', (size_t)(end[c] - s));
            if (!stop) {
                if (r != k - 1) goto mismatch;   /* fewer than k values */
                stop = end[c];
            }
            Py_ssize_t len = stop - s;
            if (len < 1 || o + len + 1 + tail_len > o_end) goto mismatch;
            memcpy(o, s, (size_t)len);
            o += len;
            *o++ = ',';
            at[c] = stop + 1;
        }
        o--;                                    /* the last value's comma */
        memcpy(o, t, (size_t)tail_len);
        o += tail_len;
        *o++ = '\n';
    }
    for (Py_ssize_t c = 0; c < n; c++)
        if (at[c] != end[c] + 1) goto mismatch;  /* more than k values */
    if (o != o_end) goto mismatch;
    return out;
mismatch:
    Py_DECREF(out);
    Py_RETURN_NONE;
}
