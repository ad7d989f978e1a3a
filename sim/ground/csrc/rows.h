/* CSV rows from columns already written as text (rows.c): sim.rows.detection_rows. */
#ifndef CG_ROWS_H
#define CG_ROWS_H

#include <Python.h>

/* Rows of k values a column: columns is a tuple of bytes, each one column's k values
 * separated by commas inside one pair of brackets (a JSON array of numbers, as orjson
 * writes it); row r is value r of every column, comma separated, then tail, then a
 * newline. A bytes object, or Py_None (no error set) where a column is not bytes, not
 * bracketed, or has not k values: the caller then writes the rows. */
PyObject *interleave_rows(PyObject *columns, Py_ssize_t k, PyObject *tail);

#endif
