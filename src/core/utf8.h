/* utf8.h - text from the system (file names, process names, socket paths) is bytes, and
 * JSON text must be UTF-8. These tell the two apart and make bytes printable in JSON without
 * losing them: the repaired text carries U+FFFD for every byte that is not part of a valid
 * UTF-8 sequence, and the hex of the original bytes goes beside it (documented in the
 * schema as the `_raw` members), so nothing can hide from a script by its name. */
#ifndef IPCSCOPE_UTF8_H
#define IPCSCOPE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* The length of the valid UTF-8 sequence at s (1..4), or 0 when the byte at s starts none
 * (then it is one bad byte; utf8_repair gives it a U+FFFD). s is NUL-terminated. */
size_t utf8_seq_len(const char *s);
/* Is s (NUL-terminated) valid UTF-8 as RFC 3629 defines it: no overlong forms, no
 * surrogates, nothing above U+10FFFF? */
bool utf8_valid(const char *s);
/* A copy of s with each byte that starts no valid sequence replaced by U+FFFD (the caller
 * frees it). Valid sequences are copied as they are. */
char *utf8_repair(const char *s);
/* The bytes of s as lower-case hex, two digits a byte (the caller frees it). */
char *hex_of(const char *s);

#endif
