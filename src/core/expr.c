/* expr.c - the filter language: a lexer, a recursive-descent parser to a small tree, and
 * its evaluation over an object through the column table.
 *
 *   or      := and { ("||" | "or") and }
 *   and     := unary { ("&&" | "and") unary }
 *   unary   := ("!" | "not") unary | "(" or ")" | operand [ cmp operand ]
 *   operand := COLUMN | "string" | 'string' | NUMBER | SIZE | true | false
 *   cmp     := == != < <= > >= =~ !~ | eq ne lt le gt ge
 *
 * && and || make one node of all their operands, so a long chain costs no depth; only
 * parentheses and negations nest, and they are bounded, as is the text. */
#include "core/expr.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/coltext.h"
#include "core/columns.h"
#include "core/util.h"

enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_RE, OP_NRE };

enum tok_type {
	T_END, T_LP, T_RP, T_AND, T_OR, T_NOT, T_CMP, T_IDENT, T_STR, T_NUM, T_TRUE, T_FALSE,
};

struct token {
	enum tok_type t;
	enum op op;          /* T_CMP */
	size_t pos, len;     /* of its text */
	char *str;           /* T_STR: the value, escapes resolved; owned */
};

enum val_kind { V_STR, V_INT, V_FLOAT, V_BOOL };

struct value {
	enum val_kind k;
	int64_t i;           /* V_INT, V_BOOL (0 or 1) */
	double d;            /* V_FLOAT */
	char *s;             /* V_STR; owned */
};

enum node_type { N_AND, N_OR, N_NOT, N_CONST, N_BOOLCOL, N_CMP };

struct node {
	enum node_type t;
	struct node **kids;           /* N_AND, N_OR: two or more; N_NOT: one; owned */
	size_t nkids;
	bool konst;                   /* N_CONST */
	enum op op;                   /* N_CMP */
	const struct column *col;     /* N_CMP, N_BOOLCOL */
	const struct column *col2;    /* N_CMP of two columns; NULL: with lit */
	struct value lit;
	regex_t *re;                  /* =~ and !~; owned */
};

struct expr {
	struct node *root;
	char *text;
};

struct parser {
	const char *text;
	size_t len, pos;              /* pos: where the lexer goes on */
	struct token tok;             /* the current token */
	size_t prev_pos, prev_len;    /* the token before it, for "after '>='" */
	int depth;
	bool failed;
	struct expr_error *err;
};

/* ---- errors ---- */

static void fail(struct parser *p, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The 1-based column, in characters, of byte offset off. */
static size_t column_of(const struct parser *p, size_t off)
{
	size_t col = 1;

	for (size_t i = 0; i < off && i < p->len; i++)
		col += ((unsigned char)p->text[i] & 0xc0) != 0x80; /* a character per lead byte */
	return col;
}

static void fail(struct parser *p, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	p->err->offset = off;
	p->err->column = column_of(p, off);
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
}

/* Up to max bytes of the text at [pos, pos+len) as a message may quote them: printable
 * ASCII as is, anything else as \xNN, "..." when cut. */
static const char *quote(const struct parser *p, size_t pos, size_t len, char *buf, size_t size)
{
	size_t n = 0, max = 24;

	for (size_t i = 0; i < len && n + 8 < size; i++) {
		unsigned char ch = (unsigned char)p->text[pos + i];

		if (i == max) {
			n += (size_t)snprintf(buf + n, size - n, "...");
			break;
		}
		if (ch >= 0x20 && ch < 0x7f)
			buf[n++] = (char)ch;
		else
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", ch);
	}
	buf[n] = '\0';
	return buf;
}

/* A token as a message names it: 'MSGS', '>=', a string, the end. */
static const char *tok_desc(const struct parser *p, const struct token *t, char *buf, size_t size)
{
	char q[64];

	if (t->t == T_END)
		snprintf(buf, size, "the end");
	else if (t->t == T_STR)
		snprintf(buf, size, "a string");
	else
		snprintf(buf, size, "'%s'", quote(p, t->pos, t->len, q, sizeof(q)));
	return buf;
}

/* ---- lexer ---- */

static bool is_ident_start(int ch)
{
	return isascii(ch) && (isalpha(ch) || ch == '_');
}

static bool is_ident(int ch)
{
	return isascii(ch) && (isalnum(ch) || ch == '_' || ch == '%');
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* A quoted string at p->pos. Escapes: \\ \" \' \n \t \r \xHH; a backslash before any other
 * character stays, so "\." reaches a regular expression as \. */
static void lex_string(struct parser *p, struct token *t)
{
	char q = p->text[p->pos];
	size_t i = p->pos + 1, n = 0;
	char *out = xmalloc(p->len - p->pos + 1);

	for (;;) {
		char ch = i < p->len ? p->text[i] : '\0';

		if (i >= p->len) {
			free(out);
			fail(p, p->pos, "unterminated string (no closing %c)", q);
			return;
		}
		i++;
		if (ch == q)
			break;
		if (ch != '\\') {
			out[n++] = ch;
			continue;
		}
		if (i >= p->len)
			continue; /* the loop reports it unterminated */
		ch = p->text[i++];
		switch (ch) {
		case 'n': out[n++] = '\n'; break;
		case 't': out[n++] = '\t'; break;
		case 'r': out[n++] = '\r'; break;
		case '\\': case '"': case '\'': out[n++] = ch; break;
		case 'x': {
			int hi = i < p->len ? hexval((unsigned char)p->text[i]) : -1;
			int lo = i + 1 < p->len ? hexval((unsigned char)p->text[i + 1]) : -1;

			if (hi < 0 || lo < 0 || (hi | lo) == 0) {
				free(out);
				fail(p, i - 2, hi < 0 || lo < 0 ? "\\x needs two hex digits"
								: "a string cannot hold a NUL byte");
				return;
			}
			out[n++] = (char)(hi * 16 + lo);
			i += 2;
			break;
		}
		default:
			out[n++] = '\\';
			out[n++] = ch;
		}
	}
	out[n] = '\0';
	t->t = T_STR;
	t->str = out;
	t->len = i - p->pos;
}

static const struct {
	const char *word;
	enum tok_type t;
	enum op op;
} words[] = {
	{"and", T_AND, 0}, {"or", T_OR, 0},      {"not", T_NOT, 0},     {"true", T_TRUE, 0},
	{"false", T_FALSE, 0}, {"eq", T_CMP, OP_EQ}, {"ne", T_CMP, OP_NE}, {"lt", T_CMP, OP_LT},
	{"le", T_CMP, OP_LE}, {"gt", T_CMP, OP_GT}, {"ge", T_CMP, OP_GE},
};

/* The next token into p->tok (the previous one is forgotten, its place kept). */
static void next(struct parser *p)
{
	struct token *t = &p->tok;
	const char *s = p->text;
	char q[16];

	if (t->t != T_END || t->len) {
		p->prev_pos = t->pos;
		p->prev_len = t->len;
	}
	free(t->str);
	memset(t, 0, sizeof(*t));
	while (p->pos < p->len && (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n' ||
				   s[p->pos] == '\r'))
		p->pos++;
	t->pos = p->pos;
	if (p->failed || p->pos >= p->len) {
		t->t = T_END;
		return;
	}

	unsigned char c0 = (unsigned char)s[p->pos], c1 = p->pos + 1 < p->len ? (unsigned char)s[p->pos + 1] : 0;
	static const struct { char a, b; enum tok_type t; enum op op; } ops[] = {
		{'=', '=', T_CMP, OP_EQ}, {'!', '=', T_CMP, OP_NE}, {'<', '=', T_CMP, OP_LE},
		{'>', '=', T_CMP, OP_GE}, {'=', '~', T_CMP, OP_RE}, {'!', '~', T_CMP, OP_NRE},
		{'&', '&', T_AND, 0},     {'|', '|', T_OR, 0},      {'<', 0, T_CMP, OP_LT},
		{'>', 0, T_CMP, OP_GT},   {'!', 0, T_NOT, 0},       {'(', 0, T_LP, 0},
		{')', 0, T_RP, 0},
	};

	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		if (c0 == (unsigned char)ops[i].a && (!ops[i].b || c1 == (unsigned char)ops[i].b)) {
			t->t = ops[i].t;
			t->op = ops[i].op;
			t->len = ops[i].b ? 2 : 1;
			p->pos += t->len;
			return;
		}
	}
	if (c0 == '"' || c0 == '\'') {
		lex_string(p, t);
	} else if (isdigit(c0) || ((c0 == '-' || c0 == '@') && isdigit(c1))) {
		size_t e = p->pos + 1;

		while (e < p->len && (is_ident((unsigned char)s[e]) || s[e] == '.'))
			e++;
		t->t = T_NUM;
		t->len = e - p->pos;
	} else if (is_ident_start(c0)) {
		size_t e = p->pos + 1;

		while (e < p->len && is_ident((unsigned char)s[e]))
			e++;
		t->t = T_IDENT;
		t->len = e - p->pos;
		for (size_t i = 0; i < ARRAY_SIZE(words); i++)
			if (strlen(words[i].word) == t->len && !strncasecmp(words[i].word, s + p->pos, t->len)) {
				t->t = words[i].t;
				t->op = words[i].op;
			}
	} else if (c0 == '=') {
		fail(p, p->pos, "unexpected '=' (equality is '==')");
	} else if (c0 == '&' || c0 == '|') {
		fail(p, p->pos, "unexpected '%c' (did you mean '%c%c'?)", c0, c0, c0);
	} else {
		fail(p, p->pos, "unexpected character '%s'", quote(p, p->pos, 1, q, sizeof(q)));
	}
	if (p->failed) {
		free(t->str);
		memset(t, 0, sizeof(*t));
		t->t = T_END;
		t->pos = p->pos;
		return;
	}
	p->pos += t->len;
}

/* ---- literals ---- */

/* A number as written for a column of type type: decimal or 0x hex, a fraction, and for
 * counts and sizes util-linux's suffixes: K M G T P E (powers of 1024, also KiB ...) or
 * KB MB ... (powers of 1000); "%" after a percentage. 0, or -1 with why set. */
static int parse_number(const char *s, size_t len, enum col_type type, struct value *v, char *why,
			size_t wlen)
{
	char buf[64];
	const char *sfx;
	bool neg = false, frac = false;
	uint64_t ip = 0, mult = 1;
	long double fv = 0;

	if (len >= sizeof(buf)) {
		snprintf(why, wlen, "number too long");
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	s = buf;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!s[2] || strspn(s + 2, "0123456789abcdefABCDEF") != strlen(s + 2)) {
			snprintf(why, wlen, "bad hex number");
			return -1;
		}
		errno = 0;
		ip = strtoull(s + 2, NULL, 16);
		if (errno == ERANGE || ip > (uint64_t)INT64_MAX) {
			snprintf(why, wlen, "number too large");
			return -1;
		}
		v->k = V_INT;
		v->i = neg ? -(int64_t)ip : (int64_t)ip;
		return 0;
	}
	/* By hand, not strtold: the decimal point must not depend on the locale. */
	sfx = s + strspn(s, "0123456789");
	errno = 0;
	ip = strtoull(s, NULL, 10);
	if (errno == ERANGE || ip > (uint64_t)INT64_MAX) {
		snprintf(why, wlen, "number too large");
		return -1;
	}
	if (*sfx == '.') {
		size_t nd = strspn(sfx + 1, "0123456789");
		long double scale = 0.1L;

		if (!nd) {
			snprintf(why, wlen, "bad number");
			return -1;
		}
		for (size_t i = 1; i <= nd; i++, scale /= 10)
			fv += (long double)(sfx[i] - '0') * scale;
		frac = true;
		sfx += 1 + nd;
	}
	if (!strcmp(sfx, "%")) {
		if (type != COL_PERCENT) {
			snprintf(why, wlen, "a percentage for a column that is not one");
			return -1;
		}
		sfx++;
	}
	if (*sfx) {
		static const char letters[] = "KMGTPEZY";
		const char *l = strchr(letters, toupper((unsigned char)*sfx));
		bool dec = !strcmp(sfx + 1, "B");

		if (!l || !*l || (sfx[1] && !dec && strcmp(sfx + 1, "iB"))) {
			snprintf(why, wlen, "bad size suffix '%.8s' (K, M, G, T, P, E, or KiB, MiB ...: "
					    "powers of 1024; KB, MB ...: powers of 1000)", sfx);
			return -1;
		}
		if (type != COL_INT && type != COL_BYTES) {
			snprintf(why, wlen, "a size for a column that is no count or size");
			return -1;
		}
		for (const char *k = letters; k <= l; k++) {
			if (mult > UINT64_MAX / 1024) {
				snprintf(why, wlen, "number too large");
				return -1;
			}
			mult *= dec ? 1000 : 1024;
		}
	}
	if (frac && (mult > 1 || type == COL_PERCENT || type == COL_INT || type == COL_BYTES)) {
		long double x = ((long double)ip + fv) * (long double)mult;

		if (x >= 9.2e18L) {
			snprintf(why, wlen, "number too large");
			return -1;
		}
		if (mult > 1) { /* to the nearest byte: 0.576 is no exact binary fraction */
			v->k = V_INT;
			v->i = (int64_t)(x + 0.5L) * (neg ? -1 : 1);
		} else {
			v->k = V_FLOAT;
			v->d = (double)x * (neg ? -1 : 1);
		}
		return 0;
	}
	if (frac) {
		snprintf(why, wlen, "a fraction for a column of whole numbers");
		return -1;
	}
	if (ip > (uint64_t)INT64_MAX / mult) {
		snprintf(why, wlen, "number too large");
		return -1;
	}
	v->k = V_INT;
	v->i = (int64_t)(ip * mult) * (neg ? -1 : 1);
	return 0;
}

static bool digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		*out = *out * 10 + (s[i] - '0');
	}
	return true;
}

/* "@SECONDS", or YYYY-MM-DD[( |T)HH:MM[:SS]][Z]: with Z in UTC, else in local time, as the
 * table shows times. 0 or -1. */
static int parse_time(const char *s, int64_t *out)
{
	struct tm tm = {0};
	int y, mo, d, h = 0, mi = 0, sec = 0;
	bool utc = false;
	time_t t;

	if (s[0] == '@')
		return parse_i64(s + 1, out) == 0 ? 0 : -1;
	if (strlen(s) < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d))
		return -1;
	s += 10;
	if (*s == ' ' || *s == 'T') {
		if (!digits(s + 1, 2, &h) || s[3] != ':' || !digits(s + 4, 2, &mi))
			return -1;
		s += 6;
		if (*s == ':') {
			if (!digits(s + 1, 2, &sec))
				return -1;
			s += 3;
		}
	}
	if (*s == 'Z') {
		utc = true;
		s++;
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	t = utc ? timegm(&tm) : mktime(&tm);
	if (t == (time_t)-1 && !(tm.tm_year == 69 && tm.tm_mon == 11 && tm.tm_mday == 31))
		return -1;
	*out = (int64_t)t;
	return 0;
}

/* ---- the tree ---- */

static void node_free(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->lit.s);
	if (n->re) {
		regfree(n->re);
		free(n->re);
	}
	free(n);
}

static struct node *node_new(enum node_type t)
{
	struct node *n = xcalloc(1, sizeof(*n));

	n->t = t;
	return n;
}

static void add_kid(struct node *n, struct node *k)
{
	n->kids = xrealloc(n->kids, (n->nkids + 1) * sizeof(*n->kids));
	n->kids[n->nkids++] = k;
}

/* What a column holds, as the language sees it: text, a number, a time, yes or no. */
enum col_class { CL_STR, CL_NUM, CL_TIME, CL_BOOL };

static enum col_class class_of(const struct column *c)
{
	switch (c->type) {
	case COL_STR: return CL_STR;
	case COL_TIME: return CL_TIME;
	case COL_BOOL: return CL_BOOL;
	default: return CL_NUM;
	}
}

static const char *class_name(enum col_class k)
{
	static const char *const names[] = {"text", "a number", "a time", "true or false"};
	return names[k];
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[40];

	if (la >= ARRAY_SIZE(row) || lb >= ARRAY_SIZE(row))
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], cost = toupper((unsigned char)a[i - 1]) != toupper((unsigned char)b[j - 1]);
			size_t best = diag + cost;

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The column named by the identifier token t, or NULL (and an error suggesting the
 * nearest names, when some are near). */
static const struct column *lookup_column(struct parser *p, const struct token *t)
{
	char name[40], q[64], near[96] = "";
	size_t bestd = SIZE_MAX, nnear = 0, n = 0;

	if (t->len < sizeof(name)) {
		const struct column *c;

		memcpy(name, p->text + t->pos, t->len);
		name[t->len] = '\0';
		if ((c = column_find(name)))
			return c;
		for (size_t i = 0; i < ncolumns; i++) {
			size_t d = edit_distance(name, columns[i].name);

			if (d < bestd)
				bestd = d;
		}
		for (size_t i = 0; i < ncolumns && bestd <= (t->len > 5 ? 2u : 1u) && nnear < 3; i++)
			if (edit_distance(name, columns[i].name) == bestd)
				n += (size_t)snprintf(near + n, sizeof(near) - n, "%s%s", nnear++ ? " or " : "",
						      columns[i].name);
	}
	if (nnear)
		fail(p, t->pos, "unknown column '%s' (did you mean %s?)", quote(p, t->pos, t->len, q, sizeof(q)),
		     near);
	else
		fail(p, t->pos, "unknown column '%s' (see --list-columns)", quote(p, t->pos, t->len, q, sizeof(q)));
	return NULL;
}

/* One side of a comparison: a column, or a literal token (kept, its string taken over). */
struct operand {
	const struct column *col;
	struct token tok;
};

static const char *op_text(struct parser *p, size_t pos, size_t len, char *buf, size_t size)
{
	return quote(p, pos, len, buf, size);
}

static enum op flip(enum op op)
{
	switch (op) {
	case OP_LT: return OP_GT;
	case OP_LE: return OP_GE;
	case OP_GT: return OP_LT;
	case OP_GE: return OP_LE;
	default: return op;
	}
}

/* The literal b as a value for column c (op says what it is compared by). */
static bool literal_for(struct parser *p, const struct column *c, enum op op, struct token *b,
			struct value *v)
{
	char why[128], q[64];
	enum col_class k = class_of(c);

	if (op == OP_RE || op == OP_NRE) {
		if (b->t != T_STR) {
			fail(p, b->pos, "a regular expression is a quoted string");
			return false;
		}
		v->k = V_STR;
		v->s = b->str;
		b->str = NULL;
		return true;
	}
	if (k == CL_BOOL) {
		if (b->t != T_TRUE && b->t != T_FALSE) {
			fail(p, b->pos, "%s is true or false, not %s", c->name, tok_desc(p, b, q, sizeof(q)));
			return false;
		}
		if (op != OP_EQ && op != OP_NE) {
			fail(p, b->pos, "%s is true or false: only == and != compare it", c->name);
			return false;
		}
		v->k = V_BOOL;
		v->i = b->t == T_TRUE;
		return true;
	}
	if (k == CL_STR) {
		if (b->t != T_STR) {
			fail(p, b->pos, "%s is text: quote the value (\"...\")", c->name);
			return false;
		}
		v->k = V_STR;
		v->s = b->str;
		b->str = NULL;
		return true;
	}
	if (b->t == T_NUM && p->text[b->pos] == '@') {
		if (k != CL_TIME) {
			fail(p, b->pos, "@SECONDS is a time, and %s is %s", c->name, class_name(k));
			return false;
		}
		if (parse_number(p->text + b->pos + 1, b->len - 1, COL_TIME, v, why, sizeof(why)) < 0) {
			fail(p, b->pos, "%s: %s", quote(p, b->pos, b->len, q, sizeof(q)), why);
			return false;
		}
		return true;
	}
	if (k == CL_TIME && b->t == T_STR) {
		v->k = V_INT;
		if (parse_time(b->str, &v->i) < 0) {
			fail(p, b->pos, "bad time for %s (YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS], a Z after it for "
					"UTC, or @SECONDS)", c->name);
			return false;
		}
		return true;
	}
	if (b->t != T_NUM) {
		fail(p, b->pos, "%s is %s, not %s", c->name, class_name(k), tok_desc(p, b, q, sizeof(q)));
		return false;
	}
	if (parse_number(p->text + b->pos, b->len, c->type, v, why, sizeof(why)) < 0) {
		fail(p, b->pos, "%s: %s", quote(p, b->pos, b->len, q, sizeof(q)), why);
		return false;
	}
	return true;
}

/* glibc compiles a repetition by copying what it repeats: "a+" is "aa*", "a{3}" is "aaa",
 * so stacked and nested repetitions multiply ("x++++..." doubles with each '+'; fuzzing
 * found 110 of them taking gigabytes), and its matcher's time grows with the result; it
 * goes exponential on back-references, and its epsilon closures on repetitions of things
 * that may match nothing ("((x?)?){4,}" four times took seconds, fuzzing found one that
 * never ended). The text may come from a network client, so before regcomp a pattern's
 * size once its repetitions are expanded is estimated (an atom 1, '+' doubles, {n,m}
 * multiplies by m, concatenation and alternation add) and refused past REGEX_SIZE_MAX,
 * as are a repetition of a repetition ("x+*", which POSIX leaves undefined), repetitions
 * nested more than REGEX_NEST_MAX deep, counts above 255, groups nested deeper than
 * EXPR_MAX_DEPTH, and back-references. What is left compiles in well under a second. */
#define REGEX_SIZE_MAX 1000
#define REGEX_SIZE_TEXT "1000"
#define REGEX_NEST_MAX 2
#define REGEX_NEST_TEXT "2"

struct re_cost {
	const char *p;       /* where the walk is */
	int depth;           /* of groups */
	const char *why;     /* set: refused */
};

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b > REGEX_SIZE_MAX + 1 ? REGEX_SIZE_MAX + 1 : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return a && b > (REGEX_SIZE_MAX + 1) / a ? REGEX_SIZE_MAX + 1 : a * b;
}

static uint64_t re_alt(struct re_cost *c, int *nest);

/* A bracket expression at c->p ('['): skipped whole; "]" first is a member. */
static void re_bracket(struct re_cost *c)
{
	const char *p = c->p + 1;

	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p && *p != ']') {
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			const char *end = strstr(p + 2, p[1] == ':' ? ":]" : p[1] == '.' ? ".]" : "=]");

			if (!end)
				break;
			p = end + 1;
		}
		p++;
	}
	c->p = *p ? p + 1 : p; /* unterminated: regcomp says so */
}

/* One atom; *nest: how deep repetitions nest inside it. */
static uint64_t re_atom(struct re_cost *c, int *nest)
{
	uint64_t s;

	*nest = 0;
	switch (*c->p) {
	case '(':
		if (++c->depth > EXPR_MAX_DEPTH) {
			c->why = "groups nested too deeply";
			return 0;
		}
		c->p++;
		s = re_alt(c, nest);
		if (*c->p == ')')
			c->p++;
		c->depth--;
		return s ? s : 1;
	case '[':
		re_bracket(c);
		return 1;
	case '\\':
		if (c->p[1] >= '1' && c->p[1] <= '9')
			c->why = "back-references are not supported";
		c->p += c->p[1] ? 2 : 1;
		return 1;
	default:
		c->p++;
		return 1;
	}
}

/* The repetitions after an atom of size s, if any; *nest as for re_atom, counting them. */
static uint64_t re_reps(struct re_cost *c, uint64_t s, int *nest)
{
	int reps = 0;

	while (!c->why) {
		char q = *c->p;

		if (q != '*' && q != '?' && q != '+' && !(q == '{' && isdigit((unsigned char)c->p[1])))
			break;
		if (reps++) {
			c->why = "a repetition of a repetition (x+*, x?\?): put the first in a group";
			break;
		}
		if (++*nest > REGEX_NEST_MAX) {
			c->why = "repetitions nested more than " REGEX_NEST_TEXT " deep";
			break;
		}
		if (q == '*' || q == '?') {
			s = sat_add(s, 1);
			c->p++;
		} else if (q == '+') {
			s = sat_mul(s, 2);
			c->p++;
		} else if (q == '{' && isdigit((unsigned char)c->p[1])) {
			unsigned long lo, hi;
			char *end;

			lo = strtoul(c->p + 1, &end, 10);
			hi = lo;
			if (*end == ',')
				hi = isdigit((unsigned char)end[1]) ? strtoul(end + 1, &end, 10) : lo + 1;
			if (*end == ',') /* {n,} */
				end++;
			if (lo > 255 || hi > 255) {
				c->why = "a repetition count above 255";
				break;
			}
			s = sat_mul(s, hi > 1 ? hi : 1);
			c->p = *end == '}' ? end + 1 : end;
		}
	}
	return s;
}

/* An atom and its repetition, if any; *nest as for re_atom, counting this repetition. */
static uint64_t re_piece(struct re_cost *c, int *nest)
{
	uint64_t s = re_atom(c, nest);

	return re_reps(c, s, nest);
}

/* Alternatives and concatenations up to a ')' or the end; *nest the deepest of them. */
static uint64_t re_alt(struct re_cost *c, int *nest)
{
	uint64_t s = 0;
	int n;

	*nest = 0;
	while (*c->p && *c->p != ')' && !c->why) {
		if (*c->p == '|') {
			c->p++;
			s = sat_add(s, 1);
		} else {
			s = sat_add(s, re_piece(c, &n));
			if (n > *nest)
				*nest = n;
		}
	}
	return s;
}

/* NULL when re may be compiled, else why not. */
static const char *regex_too_costly(const char *re)
{
	struct re_cost c = {.p = re};
	uint64_t s = 0;
	int nest;

	while (*c.p && !c.why) {
		s = sat_add(s, re_alt(&c, &nest));
		if (*c.p == ')') { /* a ')' without its '(': glibc's literal, which may be repeated */
			c.p++;
			nest = 0;
			s = sat_add(s, re_reps(&c, 1, &nest));
		}
	}
	if (!c.why && s > REGEX_SIZE_MAX)
		c.why = "its repetitions expand past " REGEX_SIZE_TEXT " elements";
	return c.why;
}

/* a OP b, where at least one side is a column. Takes over both tokens' strings. */
static struct node *make_cmp(struct parser *p, struct operand *a, enum op op, size_t op_pos,
			     size_t op_len, struct operand *b)
{
	struct node *n;
	char q[64];

	if (!a->col && !b->col) {
		fail(p, a->tok.pos, "a comparison needs a column on one side");
		return NULL;
	}
	if (!a->col) { /* 3 <= MSGS is MSGS >= 3 */
		struct operand t = *a;

		if (op == OP_RE || op == OP_NRE) {
			fail(p, a->tok.pos, "'%s' needs a column on its left", op_text(p, op_pos, op_len, q, sizeof(q)));
			return NULL;
		}
		*a = *b;
		*b = t;
		op = flip(op);
	}
	n = node_new(N_CMP);
	n->op = op;
	n->col = a->col;
	if (b->col) {
		if (op == OP_RE || op == OP_NRE) {
			fail(p, b->tok.pos, "the right of '%s' is a quoted regular expression, not a column",
			     op_text(p, op_pos, op_len, q, sizeof(q)));
		} else if (class_of(a->col) != class_of(b->col)) {
			fail(p, a->tok.pos, "cannot compare %s (%s) with %s (%s)", a->col->name,
			     class_name(class_of(a->col)), b->col->name, class_name(class_of(b->col)));
		} else if (class_of(a->col) == CL_BOOL && op != OP_EQ && op != OP_NE) {
			fail(p, a->tok.pos, "%s is true or false: only == and != compare it", a->col->name);
		}
		n->col2 = b->col;
	} else if (literal_for(p, a->col, op, &b->tok, &n->lit) && (op == OP_RE || op == OP_NRE)) {
		int rc;

		const char *costly = regex_too_costly(n->lit.s);

		if (costly) {
			fail(p, b->tok.pos, "regular expression refused: %s", costly);
			node_free(n);
			return NULL;
		}
		n->re = xmalloc(sizeof(*n->re));
		rc = regcomp(n->re, n->lit.s, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[96];

			regerror(rc, n->re, msg, sizeof(msg));
			free(n->re);
			n->re = NULL;
			fail(p, b->tok.pos, "bad regular expression: %s", msg);
		}
	}
	if (p->failed) {
		node_free(n);
		return NULL;
	}
	return n;
}

static struct node *parse_or(struct parser *p);

/* An operand at the current token, or false (nothing taken) when it is none. */
static bool take_operand(struct parser *p, struct operand *o)
{
	memset(o, 0, sizeof(*o));
	switch (p->tok.t) {
	case T_IDENT:
		o->col = lookup_column(p, &p->tok);
		if (!o->col)
			return false;
		break;
	case T_STR: case T_NUM: case T_TRUE: case T_FALSE:
		break;
	default:
		return false;
	}
	o->tok = p->tok;
	p->tok.str = NULL; /* taken over */
	next(p);
	return true;
}

static struct node *parse_primary(struct parser *p)
{
	struct operand a, b;
	struct node *n;
	char q[64];

	if (p->tok.t == T_LP || p->tok.t == T_NOT) {
		size_t open = p->tok.pos;
		bool paren = p->tok.t == T_LP;

		if (++p->depth > EXPR_MAX_DEPTH) {
			fail(p, p->tok.pos, "nested too deeply (at most %d levels)", EXPR_MAX_DEPTH);
			return NULL;
		}
		next(p);
		if (paren) {
			n = parse_or(p);
			if (n && p->tok.t != T_RP) {
				fail(p, p->tok.pos, "expected ')' for the '(' of column %zu, found %s",
				     column_of(p, open), tok_desc(p, &p->tok, q, sizeof(q)));
				node_free(n);
				n = NULL;
			}
			if (n)
				next(p);
		} else {
			struct node *k = parse_primary(p);

			n = NULL;
			if (k) {
				n = node_new(N_NOT);
				add_kid(n, k);
			}
		}
		p->depth--;
		return n;
	}
	if (!take_operand(p, &a)) {
		if (p->failed)
			return NULL;
		if (p->tok.t == T_END && p->prev_len)
			fail(p, p->tok.pos, "expected a condition after '%s'",
			     quote(p, p->prev_pos, p->prev_len, q, sizeof(q)));
		else if (p->tok.t == T_END)
			fail(p, p->tok.pos, "empty expression");
		else if (p->tok.t == T_CMP)
			fail(p, p->tok.pos, "expected a column before %s", tok_desc(p, &p->tok, q, sizeof(q)));
		else
			fail(p, p->tok.pos, "expected a condition, found %s", tok_desc(p, &p->tok, q, sizeof(q)));
		return NULL;
	}
	if (p->tok.t != T_CMP) {
		/* Alone: a boolean column, or true or false. */
		n = NULL;
		if (a.col && a.col->type == COL_BOOL) {
			n = node_new(N_BOOLCOL);
			n->col = a.col;
		} else if (a.tok.t == T_TRUE || a.tok.t == T_FALSE) {
			n = node_new(N_CONST);
			n->konst = a.tok.t == T_TRUE;
		} else if (a.col) {
			fail(p, p->tok.pos, "expected an operator after '%s'", a.col->name);
		} else {
			fail(p, a.tok.pos, "a value alone is no condition: compare a column with it");
		}
		free(a.tok.str);
		return n;
	}
	enum op op = p->tok.op;
	size_t op_pos = p->tok.pos, op_len = p->tok.len;

	next(p);
	if (!take_operand(p, &b)) {
		if (!p->failed)
			fail(p, p->tok.pos, "expected a value after '%s'", quote(p, op_pos, op_len, q, sizeof(q)));
		free(a.tok.str);
		return NULL;
	}
	n = make_cmp(p, &a, op, op_pos, op_len, &b);
	free(a.tok.str);
	free(b.tok.str);
	return n;
}

/* One level of && (and) or || (or): every operand in one node. */
static struct node *parse_chain(struct parser *p, enum tok_type join, enum node_type t,
				struct node *(*sub)(struct parser *))
{
	struct node *first = sub(p), *n = NULL;

	if (!first)
		return NULL;
	while (p->tok.t == join) {
		struct node *k;

		next(p);
		k = sub(p);
		if (!k) {
			node_free(n ? n : first);
			return NULL;
		}
		if (!n) {
			n = node_new(t);
			add_kid(n, first);
		}
		add_kid(n, k);
	}
	return n ? n : first;
}

static struct node *parse_and(struct parser *p)
{
	return parse_chain(p, T_AND, N_AND, parse_primary);
}

static struct node *parse_or(struct parser *p)
{
	return parse_chain(p, T_OR, N_OR, parse_and);
}

int expr_parse(const char *text, struct expr **out, struct expr_error *err)
{
	struct parser p = {.text = text, .err = err};
	struct node *root = NULL;
	char q[64];

	*out = NULL;
	memset(err, 0, sizeof(*err));
	p.len = strnlen(text, EXPR_MAX_LEN + 1);
	if (p.len > EXPR_MAX_LEN) {
		p.len = EXPR_MAX_LEN;
		fail(&p, EXPR_MAX_LEN, "expression longer than %d bytes", EXPR_MAX_LEN);
		return -EINVAL;
	}
	next(&p);
	root = parse_or(&p);
	if (root && p.tok.t != T_END) {
		if (p.tok.t == T_RP)
			fail(&p, p.tok.pos, "unmatched ')'");
		else
			fail(&p, p.tok.pos, "expected '&&' or '||' before %s", tok_desc(&p, &p.tok, q, sizeof(q)));
	}
	free(p.tok.str);
	if (p.failed || !root) {
		if (!p.failed)
			fail(&p, 0, "bad expression");
		node_free(root);
		return -EINVAL;
	}
	*out = xcalloc(1, sizeof(**out));
	(*out)->root = root;
	(*out)->text = xstrdup(text);
	return 0;
}

/* ---- evaluation ---- */

static int sign(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

static int signd(double a, double b)
{
	return (a > b) - (a < b);
}

static bool holds(enum op op, int c)
{
	switch (op) {
	case OP_EQ: return c == 0;
	case OP_NE: return c != 0;
	case OP_LT: return c < 0;
	case OP_LE: return c <= 0;
	case OP_GT: return c > 0;
	case OP_GE: return c >= 0;
	default: return false;
	}
}

static double as_double(const struct column *c, const struct col_value *v)
{
	return c->type == COL_PERCENT ? v->d : (double)v->i;
}

/* The text a regular expression is matched against: a string as it is; a number in
 * decimal (sizes in bytes), a percentage with one decimal, a time in ISO 8601 UTC, a
 * boolean as true or false. */
static const char *value_text(const struct column *c, const struct col_value *v, char *buf, size_t len)
{
	switch (c->type) {
	case COL_STR:
		return v->s;
	case COL_PERCENT:
		snprintf(buf, len, "%.1f", v->d);
		return buf;
	case COL_TIME:
		return format_time_utc(v->i, buf, len);
	case COL_BOOL:
		return v->i ? "true" : "false";
	default:
		snprintf(buf, len, "%" PRId64, v->i);
		return buf;
	}
}

static bool eval_cmp(const struct node *n, const struct ipc_object *o)
{
	struct col_value a, b;
	int c;

	column_value(n->col, o, &a);
	if (!a.present || (a.s == NULL && n->col->type == COL_STR))
		return n->op == OP_NE || n->op == OP_NRE;
	if (n->re) {
		char buf[64];
		/* A list column (HOLDERS, PROCS, WAITERS, BLOCKED, SEMVALS) whole: the table
		 * value stops at 95 bytes, and a holder past them must still match. */
		char *whole = n->col->type == COL_STR ? column_long_text(n->col, o) : NULL;
		bool m = regexec(n->re, whole ? whole : value_text(n->col, &a, buf, sizeof(buf)), 0, NULL, 0) == 0;

		free(whole);
		return n->op == OP_RE ? m : !m;
	}
	if (n->col2) {
		column_value(n->col2, o, &b);
		if (!b.present || (b.s == NULL && n->col2->type == COL_STR))
			return n->op == OP_NE;
		if (n->col->type == COL_STR)
			c = strcmp(a.s, b.s);
		else if (n->col->type == COL_PERCENT || n->col2->type == COL_PERCENT)
			c = signd(as_double(n->col, &a), as_double(n->col2, &b));
		else if (n->col->type == COL_BOOL)
			c = sign(a.i != 0, b.i != 0);
		else
			c = sign(a.i, b.i);
		return holds(n->op, c);
	}
	switch (n->lit.k) {
	case V_STR:
		c = strcmp(a.s, n->lit.s);
		break;
	case V_BOOL:
		c = sign(a.i != 0, n->lit.i);
		break;
	case V_FLOAT:
		c = signd(as_double(n->col, &a), n->lit.d);
		break;
	default:
		c = n->col->type == COL_PERCENT ? signd(a.d, (double)n->lit.i) : sign(a.i, n->lit.i);
	}
	return holds(n->op, c);
}

static bool eval(const struct node *n, const struct ipc_object *o)
{
	switch (n->t) {
	case N_AND:
		for (size_t i = 0; i < n->nkids; i++)
			if (!eval(n->kids[i], o))
				return false;
		return true;
	case N_OR:
		for (size_t i = 0; i < n->nkids; i++)
			if (eval(n->kids[i], o))
				return true;
		return false;
	case N_NOT:
		return !eval(n->kids[0], o);
	case N_CONST:
		return n->konst;
	case N_BOOLCOL: {
		struct col_value v;

		column_value(n->col, o, &v);
		return v.present && v.i;
	}
	case N_CMP:
		return eval_cmp(n, o);
	}
	return false;
}

bool expr_eval(const struct expr *e, const struct ipc_object *o)
{
	return eval(e->root, o);
}

void expr_free(struct expr *e)
{
	if (!e)
		return;
	node_free(e->root);
	free(e->text);
	free(e);
}

const char *expr_text(const struct expr *e)
{
	return e->text;
}

char *expr_error_caret(const char *text, const struct expr_error *err, const char *indent,
		       char *buf, size_t len)
{
	size_t n = 0, tlen = strnlen(text, EXPR_MAX_LEN);

	if (!len)
		return buf;
	buf[0] = '\0';
	n += (size_t)snprintf(buf + n, len - n, "%s", indent);
	for (size_t i = 0; i < tlen && n + 2 < len; i++) {
		unsigned char ch = (unsigned char)text[i];

		buf[n++] = ch == '\t' || ch == '\n' || ch == '\r' ? ' ' : ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	if (n < len)
		n += (size_t)snprintf(buf + n, len - n, "\n%s", indent);
	for (size_t i = 1; i < err->column && n + 3 < len; i++)
		buf[n++] = ' ';
	if (n < len)
		snprintf(buf + n, len - n, "^\n");
	return buf;
}
