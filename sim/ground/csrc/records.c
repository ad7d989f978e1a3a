/* The event records' JSON lines, a port of the column formatting of
 * sim.ground.events._class_lines (``line % row`` with %.6f, %d and %s conversions),
 * which stays the reference and the fallback. A float is written to 6 decimals from its
 * exact binary value, rounded half to even: the characters of Python's '%.6f' (its
 * correctly rounded dtoa); outside |v| < 2^63 (or not finite) Python's own
 * PyOS_double_to_string writes it. */
#include "records.h"

#include <structmember.h>

#include <stdint.h>
#include <math.h>
#include <string.h>

/* '%.6f' of v into out (at least 32 bytes): the length, or -1 when |v| >= 2^63 or v is
 * not finite (Python's '%.6f' writes inf and nan; a record writes null). v = m 2^e exactly; N = round_half_even(|v| 10^6) in 128-bit integers
 * (m 10^6 < 2^73); a negative v (also -0.0, and one that rounds to zero) keeps its
 * sign, as Python writes it. */
static int put_fixed6(char *out, double v) {
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int neg = (int)(bits >> 63), ex = (int)((bits >> 52) & 0x7ff);
    uint64_t m = bits & ((1ULL << 52) - 1);
    if (ex == 0x7ff) return -1;
    int e = ex ? ex - 1075 : -1074;
    if (ex) m |= 1ULL << 52;
    unsigned __int128 n;
    if (e >= 0) {
        if (e > 10) return -1;
        n = (unsigned __int128)(m << e) * 1000000u;
    } else if (-e >= 100) {
        n = 0;                  /* m 10^6 < 2^73, far below half of 2^-e: rounds to 0 */
    } else {
        int s = -e;
        unsigned __int128 p = (unsigned __int128)m * 1000000u;
        unsigned __int128 half = (unsigned __int128)1 << (s - 1);
        n = p >> s;
        unsigned __int128 r = p - (n << s);
        if (r > half || (r == half && (n & 1))) n++;
    }
    uint64_t ip, fp;
    if (n >> 64) { ip = (uint64_t)(n / 1000000u); fp = (uint64_t)(n % 1000000u); }
    else { ip = (uint64_t)n / 1000000u; fp = (uint64_t)n % 1000000u; } /* 64-bit: faster */
    char digits[24];
    int k = 0;
    do { digits[k++] = (char)('0' + ip % 10); ip /= 10; } while (ip);
    int len = 0;
    if (neg) out[len++] = '-';
    while (k) out[len++] = digits[--k];
    out[len++] = '.';
    for (int i = 5; i >= 0; i--) { out[len + i] = (char)('0' + fp % 10); fp /= 10; }
    return len + 6;
}

/* A growing byte buffer for one line. */
typedef struct { char *data; Py_ssize_t len, cap; } Buffer;

static int reserve(Buffer *b, Py_ssize_t more) {
    if (b->len + more <= b->cap) return 0;
    Py_ssize_t cap = 2 * (b->len + more);
    char *data = PyMem_Realloc(b->data, (size_t)cap);
    if (!data) { PyErr_NoMemory(); return -1; }
    b->data = data;
    b->cap = cap;
    return 0;
}

static int put_ascii(Buffer *b, PyObject *s) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    if (reserve(b, n)) return -1;
    memcpy(b->data + b->len, PyUnicode_1BYTE_DATA(s), (size_t)n);
    b->len += n;
    return 0;
}

/* Value v of kind c into b: 0, -1 on an error, 1 when v is not for this path. */
static int put_value(Buffer *b, PyObject *v, char c) {
    if (c == 'f') {
        if (!PyFloat_CheckExact(v)) return 1;
        if (reserve(b, 32)) return -1;
        double x = PyFloat_AS_DOUBLE(v);
        int n = put_fixed6(b->data + b->len, x);
        if (n >= 0) { b->len += n; return 0; }
        if (!isfinite(x)) return 1;
        char *text = PyOS_double_to_string(x, 'f', 6, 0, NULL);
        if (!text) return -1;
        size_t len = strlen(text);
        int err = reserve(b, (Py_ssize_t)len);
        if (!err) { memcpy(b->data + b->len, text, len); b->len += (Py_ssize_t)len; }
        PyMem_Free(text);
        return err;
    }
    if (c == 'd') {
        if (!PyLong_CheckExact(v)) return 1;
        int overflow;
        long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
        if (overflow) return 1;
        if (x == -1 && PyErr_Occurred()) return -1;
        if (reserve(b, 24)) return -1;
        uint64_t u = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
        char digits[24];
        int k = 0;
        do { digits[k++] = (char)('0' + u % 10); u /= 10; } while (u);
        if (x < 0) b->data[b->len++] = '-';
        while (k) b->data[b->len++] = digits[--k];
        return 0;
    }
    if (c == 's') {     /* json.dumps(v): quoted, when nothing in it needs an escape */
        if (!PyUnicode_CheckExact(v) || !PyUnicode_IS_ASCII(v)) return 1;
        Py_ssize_t n = PyUnicode_GET_LENGTH(v);
        const unsigned char *text = PyUnicode_1BYTE_DATA(v);
        for (Py_ssize_t i = 0; i < n; i++)
            if (text[i] < 0x20 || text[i] > 0x7e || text[i] == '"' || text[i] == '\\')
                return 1;
        if (reserve(b, n + 2)) return -1;
        b->data[b->len++] = '"';
        memcpy(b->data + b->len, text, (size_t)n);
        b->len += n;
        b->data[b->len++] = '"';
        return 0;
    }
    return 1;
}

/* The member descriptor fields[j] (a slot), as record_lines reads it: NULL where it is
 * not one of a class every record is an instance of. */
static PyMemberDef *slot_of(PyObject *field, PyObject *records) {
    if (!Py_IS_TYPE(field, &PyMemberDescr_Type)) return NULL;
    PyMemberDescrObject *descr = (PyMemberDescrObject *)field;
    if (descr->d_member->type != T_OBJECT_EX) return NULL;
    for (Py_ssize_t r = 0; r < PyList_GET_SIZE(records); r++)
        if (!PyObject_TypeCheck(PyList_GET_ITEM(records, r), descr->d_common.d_type))
            return NULL;
    return descr->d_member;
}

PyObject *record_lines(PyObject *parts, PyObject *records, PyObject *fields,
                       const char *kinds) {
    if (!PyTuple_Check(parts) || !PyList_Check(records) || !PyTuple_Check(fields)) {
        PyErr_SetString(PyExc_TypeError, "record_lines: parts and fields tuples, records "
                        "a list");
        return NULL;
    }
    Py_ssize_t k = PyTuple_GET_SIZE(fields), n = PyList_GET_SIZE(records);
    if ((Py_ssize_t)strlen(kinds) != k || PyTuple_GET_SIZE(parts) != k + 1 || k > 64) {
        PyErr_SetString(PyExc_ValueError, "record_lines: need k <= 64 fields, k kinds and "
                        "k + 1 parts");
        return NULL;
    }
    PyMemberDef *slots[64];
    for (Py_ssize_t j = 0; j < k; j++)
        if (!(slots[j] = slot_of(PyTuple_GET_ITEM(fields, j), records))) Py_RETURN_NONE;
    for (Py_ssize_t j = 0; j <= k; j++) {
        PyObject *p = PyTuple_GET_ITEM(parts, j);
        if (!PyUnicode_Check(p)) {
            PyErr_SetString(PyExc_TypeError, "record_lines: parts must be str");
            return NULL;
        }
        if (!PyUnicode_IS_ASCII(p)) Py_RETURN_NONE;
    }
    PyObject *lines = PyList_New(n);
    if (!lines) return NULL;
    Buffer b = {PyMem_Malloc(256), 0, 256};
    if (!b.data) { Py_DECREF(lines); return PyErr_NoMemory(); }
    int status = 0;
    for (Py_ssize_t r = 0; r < n && !status; r++) {
        const char *rec = (const char *)PyList_GET_ITEM(records, r);
        b.len = 0;
        status = put_ascii(&b, PyTuple_GET_ITEM(parts, 0));
        for (Py_ssize_t j = 0; j < k && !status; j++) {
            PyObject *v = PyMember_GetOne(rec, slots[j]);
            if (!v) { PyErr_Clear(); status = 1; break; }  /* unset: the caller raises */
            status = put_value(&b, v, kinds[j]);
            Py_DECREF(v);
            if (!status) status = put_ascii(&b, PyTuple_GET_ITEM(parts, j + 1));
        }
        if (status) break;
        PyObject *line = PyUnicode_New(b.len, 127);
        if (!line) { status = -1; break; }
        memcpy(PyUnicode_1BYTE_DATA(line), b.data, (size_t)b.len);
        PyList_SET_ITEM(lines, r, line);
    }
    PyMem_Free(b.data);
    if (status) {
        Py_DECREF(lines);
        if (status < 0) return NULL;
        Py_RETURN_NONE;
    }
    return lines;
}

/* One record class's lines and how many of them are taken (join_lines). */
typedef struct { PyTypeObject *type; PyObject *lines; Py_ssize_t next; } Cursor;

PyObject *join_lines(PyObject *records, PyObject *lines_by_class) {
    if (!PyList_Check(records) || !PyDict_Check(lines_by_class)) {
        PyErr_SetString(PyExc_TypeError, "join_lines: records a list, lines a dict");
        return NULL;
    }
    Py_ssize_t m = PyDict_GET_SIZE(lines_by_class), pos = 0, c = 0, total = 0;
    Cursor *cursors = PyMem_Calloc((size_t)(m ? m : 1), sizeof(Cursor));
    if (!cursors) return PyErr_NoMemory();
    PyObject *key, *value, *out = NULL;
    while (PyDict_Next(lines_by_class, &pos, &key, &value)) {
        if (!PyType_Check(key) || !PyList_Check(value)) goto decline;
        cursors[c].type = (PyTypeObject *)key;
        cursors[c++].lines = value;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(value); i++) {
            PyObject *line = PyList_GET_ITEM(value, i);
            if (!PyUnicode_CheckExact(line) || !PyUnicode_IS_ASCII(line)) goto decline;
            total += PyUnicode_GET_LENGTH(line) + 1;
        }
    }
    Py_ssize_t n = PyList_GET_SIZE(records);
    out = PyUnicode_New(total, 127);
    if (!out) goto done;
    char *text = (char *)PyUnicode_1BYTE_DATA(out);
    Py_ssize_t at = 0;
    Cursor *last = cursors;
    for (Py_ssize_t r = 0; r < n; r++) {
        PyTypeObject *type = Py_TYPE(PyList_GET_ITEM(records, r));
        if (last->type != type) {
            last = NULL;
            for (Py_ssize_t j = 0; j < c; j++)
                if (cursors[j].type == type) { last = cursors + j; break; }
            if (!last) goto decline;
        }
        if (last->next >= PyList_GET_SIZE(last->lines)) goto decline;
        PyObject *line = PyList_GET_ITEM(last->lines, last->next++);
        Py_ssize_t len = PyUnicode_GET_LENGTH(line);
        memcpy(text + at, PyUnicode_1BYTE_DATA(line), (size_t)len);
        at += len;
        text[at++] = '\n';
    }
    if (at != total) goto decline;
    goto done;
decline:                /* not one line per record of each class: the caller joins */
    Py_XDECREF(out);
    out = Py_None;
    Py_INCREF(out);
done:
    PyMem_Free(cursors);
    return out;
}
