/* readlink_loop.c - the floor bench_fds.sh measures ipcscope against: list /proc, and for
 * every fd of every process one readlinkat and nothing else. Prints the fds it read. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	char path[300], link[4200];
	unsigned long fds = 0;
	struct dirent *p, *f;
	DIR *proc = opendir("/proc"), *d;

	if (!proc)
		return 1;
	while ((p = readdir(proc))) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		d = opendir(path);
		if (!d)
			continue;
		while ((f = readdir(d)))
			if (f->d_name[0] != '.' && readlinkat(dirfd(d), f->d_name, link, sizeof(link)) > 0)
				fds++;
		closedir(d);
	}
	closedir(proc);
	printf("%lu\n", fds);
	return 0;
}
