/* ftok.c - the arithmetic of ftok(3) keys (see ftok.h). */
#include "core/ftok.h"

#include <stdio.h>

enum ftok_class ftok_split(uint32_t key, struct ftok_parts *parts)
{
	if (key == 0)
		return FTOK_PRIVATE;
	if (key == 0xffffffffu)
		return FTOK_FAILED;
	if ((key >> 24) == 0)
		return FTOK_HAND;
	if (parts) {
		parts->proj = key >> 24;
		parts->dev_bits = (key >> 16) & 0xffu;
		parts->ino_bits = key & 0xffffu;
	}
	return FTOK_SPLIT;
}

uint32_t ftok_key(uint64_t dev, uint64_t ino, unsigned proj)
{
	return (uint32_t)(proj & 0xffu) << 24 | (uint32_t)(dev & 0xffu) << 16 | (uint32_t)(ino & 0xffffu);
}

bool ftok_file_matches(uint32_t key, uint64_t dev, uint64_t ino)
{
	return ftok_split(key, NULL) == FTOK_SPLIT && ftok_key(dev, ino, key >> 24) == key;
}

const char *ftok_proj_text(unsigned proj, char *buf, size_t len)
{
	proj &= 0xffu;
	if (proj > 0x20 && proj < 0x7f && proj != '\'' && proj != '\\')
		snprintf(buf, len, "'%c'", (char)proj);
	else
		snprintf(buf, len, "%u", proj);
	return buf;
}
