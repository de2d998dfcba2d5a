/* text.h - bytes from a request made safe to echo, and the shape of MHD's request head.
 *
 * An error message may quote what the client sent (an unknown kind, a parameter's name);
 * a reply must be valid UTF-8 (jansson refuses anything else, and a text body says
 * charset=utf-8), so quoted bytes go through text_clip first. */
#ifndef IPCSCOPE_HTTP_TEXT_H
#define IPCSCOPE_HTTP_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Room text_clip needs for max characters: each is at most 4 bytes, "..." and a NUL. */
#define TEXT_CLIP_SIZE(max) ((max) * 4 + 4)

/* Length of the UTF-8 sequence at s (n bytes there) when it is a valid shortest-form
 * encoding of a character other than a surrogate; 0 otherwise. */
size_t text_utf8_len(const char *s, size_t n);

/* Copy at most max characters of s (len bytes) into out (outlen bytes): a valid UTF-8
 * character as is, a control byte or one that is not valid UTF-8 as \xNN (one character).
 * The copy never ends inside a character or an escape; a cut one ends with "...". */
void text_clip(char *out, size_t outlen, const char *s, size_t len, size_t max);

/* s (NULL: "") as an error message may quote it: text_clip to TEXT_QUOTE_MAX characters.
 * Returns buf (of len bytes, TEXT_QUOTE_SIZE is enough). */
#define TEXT_QUOTE_MAX 60
#define TEXT_QUOTE_SIZE TEXT_CLIP_SIZE(TEXT_QUOTE_MAX)
const char *text_quote(char *buf, size_t len, const char *s);

/* Does the gap [p, end) between two fields of a request head look like what MHD leaves
 * there: min to max NUL bytes (the separators and line ends it overwrote), then only
 * blanks? Anything else means a NUL the client sent hid the bytes after it. */
bool text_gap_ok(const char *p, const char *end, size_t min_nul, size_t max_nul);

#endif
