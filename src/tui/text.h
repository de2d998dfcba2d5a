/* text.h - text a terminal can be trusted with: names are bytes anyone could have chosen,
 * so every cell is cleaned (no control characters, valid UTF-8 only where the terminal
 * speaks it) before it is measured or drawn, and measured in cells, not bytes. */
#ifndef IPCSCOPE_TUI_TEXT_H
#define IPCSCOPE_TUI_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* The terminal takes UTF-8 (set once by `top` from the locale, before any text is made).
 * When false, every byte outside printable ASCII becomes '?'. */
extern bool tui_utf8;

/* A copy of s (NULL: "-") in which control characters, invalid bytes and characters the
 * locale cannot print are each one '?'. Owned by the caller. */
char *tui_clean(const char *s);
/* The same into out, which has room for strlen(s) + 1 bytes (cleaning never lengthens);
 * returns the length written. */
size_t tui_clean_to(char *out, const char *s);
/* The cells text (already clean) takes. */
int tui_width(const char *s);
/* How many bytes of s (clean) fit in cols cells, cut on a character; *used gets their
 * width when used is not NULL. */
size_t tui_fit(const char *s, int cols, int *used);

#endif
