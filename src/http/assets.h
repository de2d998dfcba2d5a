/* assets.h - the files of web/, embedded at build time by embed.cmake. */
#ifndef IPCSCOPE_ASSETS_H
#define IPCSCOPE_ASSETS_H

#include <stddef.h>

struct web_asset {
	const char *path;          /* "/index.html" */
	const char *type;          /* Content-Type */
	const unsigned char *data;
	size_t len;
};

/* Terminated by an entry whose path is NULL. */
extern const struct web_asset web_assets[];

#endif
