/* text.c - UTF-8 validation by hand (RFC 3629's table), so that what a client sent can be
 * quoted in an answer whatever it was. */
#include "http/text.h"

#include <stdio.h>
#include <string.h>

size_t text_utf8_len(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len;
	unsigned lo = 0x80, hi = 0xbf; /* the range of the second byte */

	if (n == 0)
		return 0;
	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		len = 2;
	else if (u[0] >= 0xe0 && u[0] <= 0xef)
		len = 3;
	else if (u[0] >= 0xf0 && u[0] <= 0xf4)
		len = 4;
	else
		return 0; /* a continuation byte, an overlong C0/C1 lead, or past U+10FFFF */
	if (u[0] == 0xe0)
		lo = 0xa0; /* overlong */
	else if (u[0] == 0xed)
		hi = 0x9f; /* surrogates */
	else if (u[0] == 0xf0)
		lo = 0x90; /* overlong */
	else if (u[0] == 0xf4)
		hi = 0x8f; /* past U+10FFFF */
	if (n < len || u[1] < lo || u[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (u[i] < 0x80 || u[i] > 0xbf)
			return 0;
	return len;
}

void text_clip(char *out, size_t outlen, const char *s, size_t len, size_t max)
{
	size_t w = 0, r = 0, chars = 0;

	if (outlen < 4) { /* no room for "..." */
		if (outlen)
			out[0] = '\0';
		return;
	}
	while (r < len) {
		size_t n = text_utf8_len(s + r, len - r);
		unsigned char b = (unsigned char)s[r];
		bool esc = n == 0 || b < 0x20 || b == 0x7f;
		size_t need = esc ? 4 : n;

		/* Stop when this character would pass max or not leave room for "..." */
		if (chars == max || w + need + 4 > outlen) {
			memcpy(out + w, "...", 3);
			w += 3;
			break;
		}
		if (esc) {
			snprintf(out + w, 5, "\\x%02x", b);
			r++;
		} else {
			memcpy(out + w, s + r, n);
			r += n;
		}
		w += need;
		chars++;
	}
	out[w] = '\0';
}

const char *text_quote(char *buf, size_t len, const char *s)
{
	text_clip(buf, len, s ? s : "", s ? strlen(s) : 0, TEXT_QUOTE_MAX);
	return buf;
}

bool text_gap_ok(const char *p, const char *end, size_t min_nul, size_t max_nul)
{
	size_t nul = 0;

	if (end < p)
		return false;
	while (p < end && *p == '\0' && nul <= max_nul) {
		p++;
		nul++;
	}
	if (nul < min_nul || nul > max_nul)
		return false;
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t')
			return false;
	return true;
}
