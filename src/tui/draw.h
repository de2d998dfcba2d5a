/* draw.h - top's screen: header with the limit bars, the table, the detail, tree and help
 * views, the bottom line. Everything is drawn into curses' virtual screen and sent with one
 * doupdate(), which writes only the cells that changed: nothing here clears the terminal. */
#ifndef IPCSCOPE_TUI_DRAW_H
#define IPCSCOPE_TUI_DRAW_H

#include <stdbool.h>

#include "tui/model.h"

enum top_view { VIEW_TABLE, VIEW_DETAIL, VIEW_TREE, VIEW_HELP, VIEW_ERRORS };

/* What the screen shows besides the model. */
struct top_ui {
	enum top_view view;
	struct top_lines lines;   /* detail, tree or errors text; owned */
	size_t scroll;            /* first line of it shown */
	const char *prompt;       /* bottom-line prompt, NULL none ("search: ") */
	char input[256];          /* what is typed after it */
	char message[640];        /* the last message (a removal's result, an error) */
	enum top_style msg_style;
	const char *filter;       /* the expression in force, NULL none; borrowed */
	const char *kinds;        /* the kinds shown, as typed (-t, the t key); borrowed */
	const char *subject;      /* identity the detail or tree is about; borrowed */
	bool subject_gone;        /* it was not in the latest scan */
	double delay;             /* seconds between scans */
	bool scanning;            /* a scan or a removal is running */
};

/* Colour pairs, when the terminal has them and colour is wanted. */
void draw_init(bool color);
/* Rows of the table (or of a detail view) on a screen of lines rows for model m. */
int draw_body_rows(const struct top_model *m, int lines, int cols);
void draw_screen(struct top_model *m, const struct top_ui *ui);

#endif
