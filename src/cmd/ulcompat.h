/* ulcompat.h - the conventions util-linux tools follow, for the drop-in modes (ipcs, ipcrm):
 * "prog: message" warnings, number arguments parsed and refused the way util-linux does,
 * and the write-error check at exit. Messages carry the tool's name, not ipcscope's. */
#ifndef IPCSCOPE_ULCOMPAT_H
#define IPCSCOPE_ULCOMPAT_H

/* "prog: message\n" on stderr. */
void ul_warnx(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "prog: message: strerror(errnum)\n" on stderr. */
void ul_warn(const char *prog, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "Try 'prog --help' for more information.\n" on stderr; returns 1 (the exit status). */
int ul_try_help(const char *prog);

/* A whole decimal int, leading blanks and sign allowed. On a bad value prints
 * "prog: what: 'str'" (with ": Numerical result out of range" when it does not fit) and
 * returns -EINVAL or -ERANGE; else 0. */
int ul_parse_s32(const char *prog, const char *what, const char *str, int *out);

/* Flush stdout; on a failed write print "prog: write error: ..." and return 1, else 0.
 * A closed pipe is not reported, as util-linux does not. */
int ul_close_stdout(const char *prog);

#endif
