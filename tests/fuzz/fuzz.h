/* fuzz.h - what every harness of tests/fuzz shares.
 *
 * A harness is one file, fuzz_<name>.c, that defines LLVMFuzzerTestOneInput for one parser.
 * It is linked either with libFuzzer (-DIPCSCOPE_FUZZ=ON, clang) or with replay.c, a plain
 * main() that feeds it every file of its corpus, so that the normal and ASan builds run the
 * corpus as a regression test. A harness must free all it allocated (leaks are findings)
 * and must not depend on the order or number of earlier inputs. */
#ifndef IPCSCOPE_FUZZ_H
#define IPCSCOPE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "collectors/collector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A malloc'd copy of data with a NUL after it: the text parsers take C strings, and an
 * exact-size copy lets AddressSanitizer see a read one past the end. */
char *fuzz_cstr(const uint8_t *data, size_t size);

/* For parsers that read files relative to scan_ctx.rootfd and have no buffer entry point:
 * a private directory tree under $TMPDIR (/tmp), made on first use and removed at exit (a
 * crash leaves it behind, so fuzz-run.sh and the campaign point TMPDIR at their own work
 * directory).
 * fuzz_tree_put writes path (relative, e.g. "proc/sysvipc/msg"; its directories are made
 * once) with exactly data; fuzz_tree_ctx gives a scan context on the tree, not live, so no
 * kernel is asked about anything. */
void fuzz_tree_put(const char *path, const void *data, size_t size);
void fuzz_tree_ctx(struct scan_ctx *ctx, unsigned kinds);

/* A scan context for parsers that read no file: no tree is made (a crash leaves none
 * behind), and rootfd is -1, so a read that should not happen fails. */
void fuzz_ctx(struct scan_ctx *ctx, unsigned kinds);

#endif
