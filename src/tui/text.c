/* text.c - cleaning and measuring the text `top` draws. */
#include "tui/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/util.h"

bool tui_utf8;

/* The code point of the UTF-8 sequence at s (bytes long at most n) and its length; len 0
 * for an invalid or overlong sequence, a surrogate or a value past U+10FFFF. */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *len)
{
	static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
	uint32_t cp;
	size_t need;

	*len = 0;
	if (s[0] < 0x80) {
		*len = 1;
		return s[0];
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4, cp = s[0] & 0x07u;
	else
		return 0;
	if (need > n)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if (cp < least[need] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*len = need;
	return cp;
}

/* Cells of one code point; -1 when it is not printable. */
static int cp_width(uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
		return -1;
	if (cp < 0x7f)
		return 1;
	if (!tui_utf8)
		return -1;
	return wcwidth((wchar_t)cp);
}

size_t tui_clean_to(char *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "-");
	size_t n = strlen((const char *)p), o = 0;

	for (size_t i = 0; i < n;) {
		size_t len;
		uint32_t cp = utf8_next(p + i, n - i, &len);

		if (!len || cp_width(cp) < 0) {
			out[o++] = '?';
			i += len ? len : 1;
			continue;
		}
		memcpy(out + o, p + i, len);
		o += len;
		i += len;
	}
	out[o] = '\0';
	return o;
}

char *tui_clean(const char *s)
{
	char *out = xmalloc(strlen(s ? s : "-") + 1);

	tui_clean_to(out, s);
	return out;
}

size_t tui_fit(const char *s, int cols, int *used)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	int w = 0;

	while (i < n) {
		size_t len;
		uint32_t cp = utf8_next(p + i, n - i, &len);
		int cw = len ? cp_width(cp) : 1;

		if (!len)
			len = 1;
		if (cw < 0)
			cw = 1;
		if (w + cw > cols)
			break;
		w += cw;
		i += len;
	}
	if (used)
		*used = w;
	return i;
}

int tui_width(const char *s)
{
	int w;

	tui_fit(s, 1 << 30, &w);
	return w;
}
