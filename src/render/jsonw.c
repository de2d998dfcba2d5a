/* jsonw.c - the streaming JSON writer (see jsonw.h). Its layout rules are those of
 * jansson's dumper, which the tests hold it to byte for byte (tests/unit/test_jsonw.c):
 * - "{" then, when indenting, a line break and the member's indent before each member, ","
 *   between members (with a blank after it when neither indenting nor compact), and a line
 *   break with the outer indent before the closing "}"; an empty object is "{}". Arrays
 *   alike.
 * - ":" between key and value, ": " unless compact.
 * - strings escape '"', '\\' and the bytes below 0x20 (\b \f \n \r \t, else \u00XX in upper
 *   case hex); '/', DEL and everything past ASCII go as they are.
 * - integers in decimal; reals "%.*g" with the precision (0: 17), a ".0" added when that
 *   looks like an integer, and no '+' or leading zeros in the exponent. */
#include "render/jsonw.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/utf8.h"
#include "core/util.h"

void jsonw_init(struct jsonw *w, size_t flags, unsigned base)
{
	memset(w, 0, sizeof(*w));
	w->indent = (unsigned)(flags & JSON_MAX_INDENT);
	w->compact = (flags & JSON_COMPACT) != 0;
	w->precision = (int)((flags >> 11) & 0x1f); /* JSON_REAL_PRECISION's bits */
	w->base = base;
}

void jsonw_release(struct jsonw *w)
{
	free(w->p);
	w->p = NULL;
	w->len = w->cap = 0;
}

void jsonw_grow(struct jsonw *w, size_t n)
{
	size_t cap = w->cap ? w->cap : 4096;

	while (cap - w->len < n)
		cap *= 2;
	w->p = xrealloc(w->p, cap);
	w->cap = cap;
}

/* Callers have reserved the room. */
static inline void put1(struct jsonw *w, char c)
{
	w->p[w->len++] = c;
}

static inline void putn(struct jsonw *w, const char *s, size_t n)
{
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

void jsonw_raw(struct jsonw *w, const char *s, size_t n)
{
	jsonw_reserve(w, n);
	putn(w, s, n);
}

int jsonw_flush(struct jsonw *w, FILE *out)
{
	if (w->len && fwrite(w->p, 1, w->len, out) != w->len)
		return -EIO;
	w->len = 0;
	return 0;
}

/* A line break and the indent of depth, when indenting (jansson's dump_indent with no
 * blank). The usual indent is shorter than blanks: a copy of fixed size (a few vector
 * moves, no call) and a length that counts only the part wanted. */
#define BLANKS 64
static void newline(struct jsonw *w, unsigned depth)
{
	static const char blanks[BLANKS + 2] = "\n                                                                ";
	size_t n;

	if (!w->indent)
		return;
	n = w->base + (size_t)depth * w->indent;
	if (n < BLANKS) {
		jsonw_reserve(w, BLANKS + 1);
		memcpy(w->p + w->len, blanks, BLANKS + 1);
		w->len += n + 1;
		return;
	}
	jsonw_reserve(w, n + 1);
	put1(w, '\n');
	memset(w->p + w->len, ' ', n);
	w->len += n;
}

/* What goes before a value or member at the current depth. */
static inline void before(struct jsonw *w)
{
	if (!w->depth)
		return;
	if (w->empty[w->depth]) {
		w->empty[w->depth] = false;
		newline(w, w->depth);
		return;
	}
	jsonw_reserve(w, 2);
	put1(w, ',');
	if (w->indent)
		newline(w, w->depth);
	else if (!w->compact)
		put1(w, ' ');
}

static void open_c(struct jsonw *w, char c)
{
	jsonw_reserve(w, 1);
	put1(w, c);
	/* Deeper than any document ipcscope writes; a bug, not input. */
	if (w->depth == JSONW_MAX_DEPTH)
		abort();
	w->empty[++w->depth] = true;
}

static void close_c(struct jsonw *w, char c)
{
	bool empty = w->empty[w->depth--];

	if (!empty)
		newline(w, w->depth);
	jsonw_reserve(w, 1);
	put1(w, c);
}

void jsonw_open_object(struct jsonw *w)
{
	before(w);
	open_c(w, '{');
}

void jsonw_close_object(struct jsonw *w)
{
	close_c(w, '}');
}

void jsonw_open_array(struct jsonw *w)
{
	before(w);
	open_c(w, '[');
}

void jsonw_close_array(struct jsonw *w)
{
	close_c(w, ']');
}

/* s quoted and escaped. repair: a byte that starts no valid UTF-8 sequence becomes U+FFFD
 * and *bad is set; otherwise such a byte makes it return false, with a partial text that
 * the caller takes back. */
static bool put_string(struct jsonw *w, const char *s, bool repair, bool *bad)
{
	static const char hex[] = "0123456789ABCDEF";
	/* 1: a byte that goes as it is (printable ASCII but '"' and '\\'). */
	static const unsigned char plain[256] = {
		[0x20 ... 0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7f] = 1,
	};
	size_t n = strlen(s);
	const unsigned char *p = (const unsigned char *)s;
	char *q;

	jsonw_reserve(w, 6 * n + 2); /* the most one byte becomes is \u00XX */
	q = w->p + w->len;
	*q++ = '"';
	while (*p) {
		unsigned char c = *p;

		if (plain[c]) {
			*q++ = (char)c;
			p++;
			continue;
		}
		if (c >= 0x80) {
			size_t k = utf8_seq_len((const char *)p);

			if (k) {
				memcpy(q, p, k);
				q += k;
				p += k;
				continue;
			}
			if (!repair)
				return false;
			memcpy(q, "\xef\xbf\xbd", 3);
			q += 3;
			p++;
			*bad = true;
			continue;
		}
		*q++ = '\\';
		switch (c) {
		case '"': *q++ = '"'; break;
		case '\\': *q++ = '\\'; break;
		case '\b': *q++ = 'b'; break;
		case '\f': *q++ = 'f'; break;
		case '\n': *q++ = 'n'; break;
		case '\r': *q++ = 'r'; break;
		case '\t': *q++ = 't'; break;
		default:
			*q++ = 'u';
			*q++ = '0';
			*q++ = '0';
			*q++ = hex[c >> 4];
			*q++ = hex[c & 0xf];
		}
		p++;
	}
	*q++ = '"';
	w->len = (size_t)(q - w->p);
	return true;
}

/* Keys are ipcscope's own names, plain ASCII that needs no escape: copied, not escaped
 * (escaping them was an eighth of the writer's time). */
void jsonw_key(struct jsonw *w, const char *key)
{
	size_t n = strlen(key);
	char *q;

	before(w);
	jsonw_reserve(w, n + 4);
	q = w->p + w->len;
	*q++ = '"';
	memcpy(q, key, n);
	q += n;
	*q++ = '"';
	*q++ = ':';
	if (!w->compact)
		*q++ = ' ';
	w->len = (size_t)(q - w->p);
}

void jsonw_member_object(struct jsonw *w, const char *key)
{
	jsonw_key(w, key);
	open_c(w, '{');
}

void jsonw_member_array(struct jsonw *w, const char *key)
{
	jsonw_key(w, key);
	open_c(w, '[');
}

/* Decimal, without snprintf: a third of the cost of an object was formatting numbers. */
/* Written in place: the digits counted first, then put from the last. */
static void put_int(struct jsonw *w, int64_t v)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v, t = u;
	size_t n = v < 0;
	char *q;

	do {
		n++;
		t /= 10;
	} while (t);
	jsonw_reserve(w, n);
	q = w->p + w->len + n;
	w->len += n;
	do {
		*--q = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--q = '-';
}

void jsonw_int(struct jsonw *w, int64_t v)
{
	before(w);
	put_int(w, v);
}

void jsonw_member_int(struct jsonw *w, const char *key, int64_t v)
{
	jsonw_key(w, key);
	put_int(w, v);
}

void jsonw_member_bool(struct jsonw *w, const char *key, bool v)
{
	jsonw_key(w, key);
	if (v)
		jsonw_raw(w, "true", 4);
	else
		jsonw_raw(w, "false", 5);
}

void jsonw_member_null(struct jsonw *w, const char *key)
{
	jsonw_key(w, key);
	jsonw_raw(w, "null", 4);
}

size_t jsonw_format_real(char *buf, size_t len, double v, int precision)
{
	const struct lconv *lc = localeconv();
	char *e, *d;
	int n;

	if (!isfinite(v) || len < 32)
		return 0;
	/* A share to one decimal at 15 digits, what every percentage of the CLI is: k/10 with
	 * k below 10^14 has at most 14 significant digits, which "%.15g" gives back exactly,
	 * as "I.D", or "I" with jansson's ".0" when D is 0. So it is written without printf. */
	if (precision == 15 && v >= 0 && v < 1e13 && !(v == 0 && signbit(v))) {
		long long k = llround(v * 10);

		if ((double)k / 10.0 == v) {
			char tmp[24], *end = tmp + sizeof(tmp), *p = end;
			long long i = k / 10;

			*--p = (char)('0' + k % 10);
			*--p = '.';
			do {
				*--p = (char)('0' + i % 10);
				i /= 10;
			} while (i);
			memcpy(buf, p, (size_t)(end - p));
			buf[end - p] = '\0';
			return (size_t)(end - p);
		}
	}
	n = snprintf(buf, len, "%.*g", precision ? precision : 17, v);
	if (n < 0 || (size_t)n + 3 > len)
		return 0;
	/* The locale's decimal point, whatever it is, prints as '.'. */
	if (lc && lc->decimal_point[0] && lc->decimal_point[0] != '.' &&
	    (d = strchr(buf, lc->decimal_point[0])))
		*d = '.';
	if (!strchr(buf, '.') && !strchr(buf, 'e')) {
		memcpy(buf + n, ".0", 3);
		n += 2;
	}
	if ((e = strchr(buf, 'e'))) {
		char *from = e + 1, *to = e + 1;

		if (*from == '+')
			from++;
		else if (*from == '-')
			from++, to++;
		while (*from == '0' && from[1])
			from++;
		memmove(to, from, strlen(from) + 1);
		n = (int)strlen(buf);
	}
	return (size_t)n;
}

void jsonw_member_real(struct jsonw *w, const char *key, double v)
{
	char buf[64];
	size_t n = jsonw_format_real(buf, sizeof(buf), v, w->precision);

	if (!n)
		return;
	jsonw_key(w, key);
	jsonw_raw(w, buf, n);
}

void jsonw_member_str(struct jsonw *w, const char *key, const char *s)
{
	size_t len = w->len;
	bool empty = w->empty[w->depth], bad = false;

	if (!s)
		return;
	jsonw_key(w, key);
	if (put_string(w, s, false, &bad))
		return;
	w->len = len;
	w->empty[w->depth] = empty;
}

void jsonw_member_text(struct jsonw *w, const char *key, const char *s)
{
	static const char digits[] = "0123456789abcdef";
	char raw[64];
	bool bad = false;
	size_t n;

	jsonw_key(w, key);
	put_string(w, s, true, &bad);
	if (!bad)
		return;
	snprintf(raw, sizeof(raw), "%s_raw", key);
	jsonw_key(w, raw);
	n = strlen(s);
	jsonw_reserve(w, 2 * n + 2);
	put1(w, '"');
	for (size_t i = 0; i < n; i++) {
		put1(w, digits[(unsigned char)s[i] >> 4]);
		put1(w, digits[(unsigned char)s[i] & 0xf]);
	}
	put1(w, '"');
}
