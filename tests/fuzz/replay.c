/* replay.c - the main() harnesses get without libFuzzer: every file named on the command
 * line, or found in a directory named there, is given once to LLVMFuzzerTestOneInput, in
 * name order. So the corpus and the kept crash inputs are a regression test of the normal
 * and the ASan builds. Fails when it was given nothing to run. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/util.h"
#include "fuzz.h"

static unsigned runs;

static int run_file(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = read_file_at(AT_FDCWD, path, 1u << 24, &buf, &len);

	if (rc < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(-rc));
		return -1;
	}
	/* An exact-size copy, as libFuzzer gives: a read past the end is then seen by ASan. */
	{
		uint8_t *copy = xmalloc(len ? len : 1);

		memcpy(copy, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(copy, len);
		free(copy);
	}
	runs++;
	return 0;
}

static int run_dir(const char *dir)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, alphasort), rc = 0;

	if (n < 0) {
		perror(dir);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, ents[i]->d_name);
		struct stat st;

		if (ents[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    run_file(path) < 0)
			rc = -1;
		free(path);
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			rc = 1;
		} else if (S_ISDIR(st.st_mode) ? run_dir(argv[i]) < 0 : run_file(argv[i]) < 0) {
			rc = 1;
		}
	}
	printf("replay: %u inputs run\n", runs);
	return rc || runs == 0 ? 1 : 0;
}
