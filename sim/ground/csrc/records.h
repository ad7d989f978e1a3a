/* The event records' JSON lines (records.c): sim.ground.events._class_lines. */
#ifndef CG_RECORDS_H
#define CG_RECORDS_H

#include <Python.h>

/* The lines of one record class: line r is parts[0], field 0 of records[r], parts[1],
 * ..., field k-1 of records[r], parts[k]. fields (k,) are the fields' slots (member
 * descriptors); kinds[j] says how field j is written: 'f' a finite float as '%.6f'
 * writes it, 'd' an int as '%d', 's' a str as json.dumps writes it. A list of n str,
 * or Py_None (no error set) where a field is not a slot of every record's class, a
 * value is not of its kind's exact type, a float is not finite, an int does not fit in
 * 64 bits, a str has a character json.dumps would escape, or a part is not ASCII: the
 * caller then writes the lines. */
PyObject *record_lines(PyObject *parts, PyObject *records, PyObject *fields,
                       const char *kinds);

/* The lines of records (a list, in log order), each taken from lines_by_class (a dict:
 * record class -> its records' lines, in their order), each followed by a newline, as
 * one str; Py_None (no error set) where the lines are not one per record of each class
 * or not ASCII: the caller then joins them. */
PyObject *join_lines(PyObject *records, PyObject *lines_by_class);

#endif
