/* jsonw.h - a streaming JSON writer whose bytes are what jansson's dumper prints for the
 * same document with the same flags (JSON_INDENT, JSON_COMPACT, JSON_REAL_PRECISION; keys
 * in the order written, as JSON_PRESERVE_ORDER keeps them). It exists for the hot paths
 * (render/json_emit.c): building and dumping a jansson tree costs more per object than the
 * scan that found the object. The member helpers keep jansson's semantics for what it
 * refuses: a string that is no valid UTF-8 or NULL, or a real that is not finite, leaves the
 * member out, as json_object_set_new(obj, key, NULL) does.
 *
 * The text grows in one buffer the writer owns; a caller may take it (p, len) or flush it
 * between values. Not thread-safe; one writer per thread. */
#ifndef IPCSCOPE_JSONW_H
#define IPCSCOPE_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH 16

struct jsonw {
	char *p;              /* the text, not NUL-terminated; owned */
	size_t len, cap;      /* bytes */
	unsigned indent;      /* spaces per level; 0: one line */
	bool compact;         /* no blank after ',' and ':' (JSON_COMPACT) */
	int precision;        /* significant digits of reals; jansson's 0 means 17 */
	unsigned base;        /* spaces before every line after the first: where the value
			       * sits in a larger document */
	unsigned depth;       /* open objects and arrays */
	bool empty[JSONW_MAX_DEPTH + 1]; /* nothing in the object or array at this depth yet */
};

/* flags as jansson's dump functions take them (JSON_INDENT(n), JSON_COMPACT,
 * JSON_REAL_PRECISION(n); JSON_PRESERVE_ORDER is implied, JSON_ESCAPE_SLASH,
 * JSON_ENSURE_ASCII and JSON_SORT_KEYS are not supported and ignored). */
void jsonw_init(struct jsonw *w, size_t flags, unsigned base);
void jsonw_release(struct jsonw *w);
/* Room for n more bytes. */
void jsonw_grow(struct jsonw *w, size_t n);
/* Room for n more bytes. Inline: the writer asks before every token. */
static inline void jsonw_reserve(struct jsonw *w, size_t n)
{
	if (w->cap - w->len < n)
		jsonw_grow(w, n);
}
/* Bytes as they are (text made elsewhere). */
void jsonw_raw(struct jsonw *w, const char *s, size_t n);
/* Write what the buffer holds to out and empty it; 0 or -EIO. */
int jsonw_flush(struct jsonw *w, FILE *out);

/* Values at the top, or in an array (the writer puts the ',' and the line breaks). */
void jsonw_open_object(struct jsonw *w);
void jsonw_close_object(struct jsonw *w);
void jsonw_open_array(struct jsonw *w);
void jsonw_close_array(struct jsonw *w);
void jsonw_int(struct jsonw *w, int64_t v);

/* Members of the open object. */
/* key: plain ASCII that needs no escape (ipcscope's own names); it is not escaped. */
void jsonw_key(struct jsonw *w, const char *key); /* then exactly one value */
void jsonw_member_object(struct jsonw *w, const char *key); /* then members, close */
void jsonw_member_array(struct jsonw *w, const char *key);  /* then values, close */
void jsonw_member_int(struct jsonw *w, const char *key, int64_t v);
void jsonw_member_bool(struct jsonw *w, const char *key, bool v);
void jsonw_member_null(struct jsonw *w, const char *key);
/* Left out when v is not finite (json_real refuses NaN and infinities). */
void jsonw_member_real(struct jsonw *w, const char *key, double v);
/* json_string's member: left out when s is NULL or no valid UTF-8. */
void jsonw_member_str(struct jsonw *w, const char *key, const char *s);
/* json_set_text's member (render/json.h): s with U+FFFD for each bad byte, and, when s is
 * no valid UTF-8, a member key "_raw" after it with the bytes of s in hex. */
void jsonw_member_text(struct jsonw *w, const char *key, const char *s);

/* What jansson prints for json_real(v) with this precision (0: 17) into buf (>= 32
 * bytes); its length, or 0 when v is not finite. */
size_t jsonw_format_real(char *buf, size_t len, double v, int precision);

#endif
