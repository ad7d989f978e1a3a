/* The exact CSV kernels: a port of command/fusion/csvfast.py, statement for
 * statement (Clinger's fast path to read, Dekker's two-product to round). */
#include <math.h>
#include <stdlib.h>

#include "csv.h"

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
static const double SPLIT = 134217729.0; /* 2**27 + 1, Veltkamp's splitter */

int64_t cf_count_rows(const uint8_t *buf, int64_t n) {
    int64_t rows = 0;
    for (int64_t i = 0; i < n; i++) rows += buf[i] == 10;
    if (n > 0 && buf[n - 1] != 10) rows++;
    return rows;
}

int cf_parse_decimal_rows(const uint8_t *buf, int64_t n, const int64_t *cols, int64_t k,
                          int64_t n_cols, double *data, int64_t n_rows) {
    int64_t *want = malloc((size_t)(n_cols > 0 ? n_cols : 1) * sizeof(int64_t));
    if (!want) return -1;
    for (int64_t f = 0; f < n_cols; f++) want[f] = -1;
    for (int64_t j = 0; j < k; j++) want[cols[j]] = j;
    int ok = 0;
    int64_t pos = 0;
    for (int64_t r = 0; r < n_rows; r++) {
        int64_t field = 0, got = 0;
        for (;;) {
            int64_t target = field < n_cols ? want[field] : -1;
            if (target < 0) {
                while (pos < n && buf[pos] != 44 && buf[pos] != 10) {
                    if (buf[pos] < 32 || buf[pos] >= 127) goto out;
                    pos++;
                }
            } else {
                int negative = 0, seen_dot = 0, any_digit = 0;
                int64_t mantissa = 0, digits = 0, frac = 0;
                if (pos < n && buf[pos] == 45) { negative = 1; pos++; }
                while (pos < n) {
                    uint8_t c = buf[pos];
                    if (c >= 48 && c <= 57) {
                        any_digit = 1;
                        if (mantissa > 0 || c != 48) digits++;
                        mantissa = mantissa * 10 + (c - 48);
                        if (seen_dot) frac++;
                        if (digits > 15 || frac > 22) goto out;
                        pos++;
                    } else if (c == 46 && !seen_dot) {
                        seen_dot = 1;
                        pos++;
                    } else {
                        break;
                    }
                }
                if (!any_digit || (pos < n && buf[pos] != 44 && buf[pos] != 10)) goto out;
                double value = (double)mantissa / POW10[frac];
                data[r * k + target] = negative ? -value : value;
                got++;
            }
            field++;
            if (pos >= n || buf[pos] == 10) { pos++; break; }
            pos++;
        }
        if (field < n_cols || got != k) goto out;
    }
    ok = 1;
out:
    free(want);
    return ok;
}

static double two_product_error(double a, double b, double p) {
    double c = SPLIT * a;
    double ah = c - (c - a), al = a - ah;
    c = SPLIT * b;
    double bh = c - (c - b), bl = b - bh;
    return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

static int64_t put_int(uint8_t *out, int64_t pos, int64_t value) {
    if (value == 0) {
        out[pos] = 48;
        return pos + 1;
    }
    int64_t start = pos;
    while (value > 0) {
        out[pos++] = (uint8_t)(48 + value % 10);
        value /= 10;
    }
    for (int64_t i = start, j = pos - 1; i < j; i++, j--) {
        uint8_t t = out[i]; out[i] = out[j]; out[j] = t;
    }
    return pos;
}

static int64_t put_signed(uint8_t *out, int64_t pos, int64_t value) {
    if (value < 0) {
        out[pos++] = 45;
        /* -INT64_MIN overflows in C; numba wraps it to itself, which put_int then
         * writes as nothing (value > 0 is false): the same bytes */
        if (value == INT64_MIN) return pos;
        value = -value;
    }
    return put_int(out, pos, value);
}

/* format(v, f".{d}f") at pos; the new position, or -1 if not exact here. */
static int64_t put_fixed(uint8_t *out, int64_t pos, double v, int64_t d) {
    double scale = POW10[d];
    int negative = copysign(1.0, v) < 0;
    double a = v < 0 ? -v : v;
    double y = a * scale;
    if (!(y < 4503599627370496.0)) return -1; /* 2**52, also nan and inf */
    double e = two_product_error(a, scale, y);
    double whole = floor(y), f = y - whole;
    int64_t n = (int64_t)whole;
    if (f > 0.5 || (f == 0.5 && (e > 0 || (e == 0 && n % 2 == 1)))) n++;
    if (negative) out[pos++] = 45;
    int64_t unit = (int64_t)POW10[d];
    pos = put_int(out, pos, n / unit);
    if (d > 0) {
        out[pos++] = 46;
        int64_t rest = n % unit;
        for (int64_t i = d - 1; i >= 0; i--) {
            out[pos + i] = (uint8_t)(48 + rest % 10);
            rest /= 10;
        }
        pos += d;
    }
    return pos;
}

int64_t cf_format_rows_size(int64_t m, int64_t k, const int64_t *decimals, int64_t tail_n) {
    int64_t width = 0;
    for (int64_t j = 0; j < k; j++) width += 20 + decimals[j];
    return m * (width + 22 + tail_n) + 1;
}

int64_t cf_format_rows(const double *values, int64_t m, int64_t k, const int64_t *decimals,
                       const int64_t *ids, int64_t id_at, const uint8_t *tail,
                       int64_t tail_n, uint8_t *out) {
    int64_t pos = 0;
    for (int64_t r = 0; r < m; r++) {
        for (int64_t j = 0; j < k + 1; j++) {
            if (j == id_at) {
                pos = put_signed(out, pos, ids[r]);
            } else {
                int64_t c = j < id_at ? j : j - 1;
                pos = put_fixed(out, pos, values[r * k + c], decimals[c]);
                if (pos < 0) return -1;
            }
            if (j < k) out[pos++] = 44;
        }
        for (int64_t b = 0; b < tail_n; b++) out[pos++] = tail[b];
        out[pos++] = 10;
    }
    return pos;
}

int64_t cf_format_fixed_rows(const double *t, const int64_t *ids, const double *x,
                             const double *y, int64_t m, uint8_t *out) {
    int64_t pos = 0;
    for (int64_t r = 0; r < m; r++) {
        if ((pos = put_fixed(out, pos, t[r], 6)) < 0) return -1;
        out[pos++] = 44;
        pos = put_signed(out, pos, ids[r]);
        out[pos++] = 44;
        if ((pos = put_fixed(out, pos, x[r], 3)) < 0) return -1;
        out[pos++] = 44;
        if ((pos = put_fixed(out, pos, y[r], 3)) < 0) return -1;
        out[pos++] = 10;
    }
    return pos;
}

int cf_layout_detections(const double *data, int64_t n, const double *limits, double *t,
                         int64_t *sensor, double *z, double *R) {
    for (int64_t i = 0; i < n; i++) {
        const double *row = data + 7 * i;
        for (int c = 0; c < 7; c++) {
            /* false for NaN, and for infinities: limits are finite */
            if (!(fabs(row[c]) <= limits[c])) return 0;
        }
        if (row[1] != nearbyint(row[1])) return 0;
        if (i > 0 && row[0] < data[7 * (i - 1)]) return 0;
        double vx = row[4], vy = row[5], cxy = row[6];
        if (!(vy >= 0) || !(vx > 0) || !(vx * vy - cxy * cxy > 0)) return 0;
        t[i] = row[0];
        sensor[i] = (int64_t)row[1];
        z[2 * i] = row[2];
        z[2 * i + 1] = row[3];
        R[4 * i] = vx;
        R[4 * i + 1] = cxy;
        R[4 * i + 2] = cxy;
        R[4 * i + 3] = vy;
    }
    return 1;
}
