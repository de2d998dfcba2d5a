/* test_nsdisc.c - discovery (nsdisc.c) through the real scan on a fixture tree,
 * tests/fixtures/proc-containers: a host (pids 1, 100) and processes of every runtime's
 * cgroup layout, each in namespaces of its own (links "ipc:[N]" as /proc has them):
 *   200, 201  docker, systemd driver, cgroup v2; NSpid 1 and 7       (namespaces 4026532300+)
 *   300       docker, cgroupfs driver, cgroup v1                      (4026532310+)
 *   400       containerd under a burstable Kubernetes pod (systemd)   (4026532320+)
 *   500       cri-o under a besteffort pod (systemd)                  (4026532330+)
 *   600, 601  podman (crun's "container" child) and its conmon, in the host's namespaces
 *   700, 701  nspawn's payload and its supervisor, in the host's namespaces
 *   800       LXC on a hybrid host (v1 controllers and the v2 line)    (4026532360+)
 *   900       podman on cgroup v1 where only name=systemd names it    (4026532370+)
 *   1000      docker on a hybrid host, every hierarchy naming it      (4026532380+)
 *   1100      docker with the host's IPC and network namespaces
 *   1200-1204 malformed cgroup and status text (garbage, empty, NUL bytes, a huge line, no
 *             NSpid), each in an IPC and pid namespace of its own (4026532400, 10, 20, ...)
 *   1205      malformed ns links
 * Pipes between them (fd/ and fdinfo/) give holders: 6001 within the docker container,
 * 6002 host and docker, 6003 docker and containerd, 6004 both ends in cri-o, 6005 nspawn's
 * payload and supervisor, 6006 the --ipc=host container; unix:7001 (the host's table) is
 * held in the docker container. Files over the read limit are made in a copy at run time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "fixture.h"

#define TREE "proc-containers"
#define D "2f1e8a7c3b6d4e5f90a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d6e7f8"
#define D2 "bf4339a9cfb4d0e9800dab873b9906458967b4132f639e6fa6271a2f332fb99f"
#define D3 "3554289be08015b158bd248a7c465ef5f8055f080c969419e1b04e0a62184888"
#define D4 "9a8b7c6d5e4f30211203f4e5d6c7b8a90a1b2c3d4e5f60718293a4b5c6d7e8f9"
#define K "b1fb2916b4c70b5ceadba5ccabbe37277029210efdf1d3306506cec3ac833294"
#define C "c9770b8e58eafe21d11bb2a04ae65f463f4e41bd14c3b57040f56ce64109d1f7"
#define P "25f76a05ffcdce773ae95b4e623b0a940c7ae9d6b84ff211c7bf4c78a8f74414"
#define P2 "04df986629ce552e20a1803aeed4c69262cea1f915d12ccf34eff8f04feb16ef"
#define POD "5b2e8c34-9d1a-4f0e-b7c6-2a9f3e1d8c47"
#define POD2 "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"

#define HOST_IPC 4026531839ULL
#define HOST_MNT 4026531841ULL
#define HOST_NET 4026531840ULL
#define HOST_PID 4026531836ULL
#define HOST_USER 4026531837ULL
#define HOST_UTS 4026531838ULL

/* A scan of root with every namespace wanted and -N words (NULL-terminated, or none). */
static int scan_select(const char *root, const char *const *words, struct snapshot *snap)
{
	struct ns_select sel = {.what = words, .n = 0};
	struct scan_ctx ctx;
	int rc;

	while (words && words[sel.n])
		sel.n++;
	snapshot_init(snap);
	rc = scan_ctx_init(&ctx, root, KINDS_ALL);
	if (rc < 0)
		return rc;
	ctx.all_ns = true;
	ctx.select = sel.n ? &sel : NULL;
	rc = scan_run(&ctx, snap);
	scan_ctx_release(&ctx);
	return rc;
}

static const char *tree_path(char *buf, size_t len)
{
	const char *dir = getenv("FIXTURES");

	snprintf(buf, len, "%s/%s", dir ? dir : "tests/fixtures", TREE);
	return buf;
}

static const struct ns_info *ns(const struct snapshot *s, enum ns_type t, uint64_t ino)
{
	return snapshot_ns(s, t, ino);
}

static const struct container *cont_of_ns(const struct snapshot *s, enum ns_type t, uint64_t ino)
{
	const struct ns_info *n = ns(s, t, ino);

	assert_non_null(n);
	return snapshot_container(s, n->container);
}

static const struct container *cont_of_pid(const struct snapshot *s, pid_t pid)
{
	const struct ns_proc *p = snapshot_proc(s, pid);

	assert_non_null(p);
	return snapshot_container(s, p->container);
}

static void assert_container(const struct container *c, const char *runtime, const char *id,
			     const char *pod, const char *name)
{
	assert_non_null(c);
	assert_string_equal(c->runtime, runtime);
	assert_string_equal(c->id, id);
	assert_string_equal(c->pod, pod);
	assert_string_equal(c->name, name);
}

static const struct ipc_holder *holder(const struct ipc_object *o, pid_t pid, int fd)
{
	for (size_t i = 0; o && i < o->nholders; i++)
		if (o->holders[i].pid == pid && o->holders[i].fd == fd)
			return &o->holders[i];
	return NULL;
}

static size_t count_type(const struct snapshot *s, enum ns_type t)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nnss; i++)
		n += s->nss[i].type == t;
	return n;
}

/* The namespaces in use: one entry per (type, inode), sorted, each with its number of
 * processes, its lowest pid (how it would be entered), and that process's namespaces. */
static void namespaces(void **state)
{
	struct snapshot s;
	const struct ns_info *n;
	const struct ns_proc *p;

	(void)state;
	assert_int_equal(fixture_scan(TREE, KINDS_ALL, false, &s), 0);
	assert_int_equal(s.self_ns[NS_IPC], HOST_IPC);
	assert_int_equal(s.self_ns[NS_UTS], HOST_UTS);
	/* Every pid with one readable link; 1205's three broken ones count as unknown. */
	assert_int_equal(s.nprocs, 21);
	for (size_t i = 1; i < s.nprocs; i++)
		assert_true(s.procs[i - 1].pid < s.procs[i].pid);
	for (size_t i = 1; i < s.nnss; i++)
		assert_true(s.nss[i - 1].type < s.nss[i].type ||
			    (s.nss[i - 1].type == s.nss[i].type && s.nss[i - 1].inode < s.nss[i].inode));
	/* host + 9 containers + 5 malformed; host + 10 (1100 has its own mount namespace); ... */
	assert_int_equal(count_type(&s, NS_IPC), 15);
	assert_int_equal(count_type(&s, NS_MNT), 11);
	assert_int_equal(count_type(&s, NS_NET), 10);
	assert_int_equal(count_type(&s, NS_PID), 16);
	assert_int_equal(count_type(&s, NS_USER), 1);
	assert_int_equal(count_type(&s, NS_UTS), 11);
	assert_int_equal(s.nnss, 64);

	/* The host's: pid 1 first; 1, 100, 601, 701 and the --ipc=host container's 1100. */
	n = ns(&s, NS_IPC, HOST_IPC);
	assert_non_null(n);
	assert_true(n->self);
	assert_int_equal(n->pid, 1);
	assert_int_equal(n->nprocs, 5);
	assert_int_equal(n->container, -1);
	assert_int_equal(ns(&s, NS_NET, HOST_NET)->nprocs, 10);
	assert_int_equal(ns(&s, NS_MNT, HOST_MNT)->nprocs, 9);
	assert_int_equal(ns(&s, NS_USER, HOST_USER)->nprocs, 21);
	/* The docker container's five, entered through its lowest pid. */
	for (int t = NS_IPC; t <= NS_UTS; t++) {
		uint64_t ino = t == NS_USER ? HOST_USER : 4026532300ULL + (uint64_t)(t < NS_USER ? t : t - 1);

		n = ns(&s, (enum ns_type)t, ino);
		assert_non_null(n);
		if (t == NS_USER)
			continue; /* the host's, shared */
		assert_false(n->self);
		assert_int_equal(n->pid, 200);
		assert_int_equal(n->nprocs, 2);
		assert_int_equal(n->peers[NS_IPC], 4026532300ULL);
		assert_int_equal(n->peers[NS_MNT], 4026532301ULL);
		assert_int_equal(n->peers[NS_NET], 4026532302ULL);
		assert_int_equal(n->peers[NS_PID], 4026532303ULL);
		assert_int_equal(n->peers[NS_USER], HOST_USER);
		assert_int_equal(n->peers[NS_UTS], 4026532304ULL);
	}
	/* No other pid enters the docker container's. */
	assert_null(ns(&s, NS_IPC, 4026532301ULL));
	/* 1205: "ipc:[abc]", "mnt:[]" and "net:[4026531840" are no inode. */
	p = snapshot_proc(&s, 1205);
	assert_non_null(p);
	assert_int_equal(p->ns[NS_IPC], 0);
	assert_int_equal(p->ns[NS_MNT], 0);
	assert_int_equal(p->ns[NS_NET], 0);
	assert_int_equal(p->ns[NS_PID], HOST_PID);
	assert_int_equal(p->nspid, 0);
	/* In the host's pid namespace no status is read: no pid inside. */
	assert_int_equal(snapshot_proc(&s, 100)->nspid, 0);
	assert_int_equal(snapshot_proc(&s, 200)->nspid, 1);
	assert_int_equal(snapshot_proc(&s, 201)->nspid, 7);
	/* Foreign namespaces are read only on the live system: on a tree, none is scanned. */
	assert_true(ns(&s, NS_IPC, HOST_IPC)->scanned);
	assert_false(ns(&s, NS_IPC, 4026532300ULL)->scanned);
	snapshot_release(&s);
}

/* One container per (runtime, id), whatever the number of its processes; the pod UID with
 * its dashes; names only where the cgroup holds them (nspawn, LXC: no hostname is asked
 * of a tree). */
static void containers(void **state)
{
	struct snapshot s;

	(void)state;
	assert_int_equal(fixture_scan(TREE, KINDS_ALL, false, &s), 0);
	assert_int_equal(s.ncontainers, 10);
	assert_container(cont_of_pid(&s, 200), "docker", D, "", "");
	assert_ptr_equal(cont_of_pid(&s, 200), cont_of_pid(&s, 201));
	assert_container(cont_of_pid(&s, 300), "docker", D2, "", "");
	assert_container(cont_of_pid(&s, 400), "containerd", K, POD, "");
	assert_container(cont_of_pid(&s, 500), "cri-o", C, POD2, "");
	assert_container(cont_of_pid(&s, 600), "podman", P, "", "");
	assert_container(cont_of_pid(&s, 700), "nspawn", "web1", "", "web1");
	assert_container(cont_of_pid(&s, 800), "lxc", "db1", "", "db1");
	assert_container(cont_of_pid(&s, 900), "podman", P2, "", "");
	assert_container(cont_of_pid(&s, 1000), "docker", D3, "", "");
	assert_container(cont_of_pid(&s, 1100), "docker", D4, "", "");
	/* Monitors and the host are in none. */
	assert_null(cont_of_pid(&s, 1));
	assert_null(cont_of_pid(&s, 100));
	assert_null(cont_of_pid(&s, 601)); /* conmon */
	assert_null(cont_of_pid(&s, 701)); /* nspawn's supervisor */
	/* A namespace's container is its lowest process's. */
	assert_container(cont_of_ns(&s, NS_NET, 4026532322ULL), "containerd", K, POD, "");
	assert_container(cont_of_ns(&s, NS_UTS, 4026532354ULL), "nspawn", "web1", "", "web1");
	assert_container(cont_of_ns(&s, NS_PID, 4026532373ULL), "podman", P2, "", "");
	/* --ipc=host --net=host: the host's stay the host's; its own mount namespace is docker's. */
	assert_null(cont_of_ns(&s, NS_IPC, HOST_IPC));
	assert_null(cont_of_ns(&s, NS_NET, HOST_NET));
	assert_container(cont_of_ns(&s, NS_MNT, 4026532391ULL), "docker", D4, "", "");
	snapshot_release(&s);
}

/* Holders carry their process's container and pid inside; an object its namespace's
 * container, a pipe its holders' when they all share one. */
static void holders(void **state)
{
	struct snapshot s;
	const struct ipc_object *o;
	const struct ipc_holder *h;

	(void)state;
	assert_int_equal(fixture_scan(TREE, KINDS_ALL, false, &s), 0);
	o = snapshot_find_identity(&s, "pipe:6001");
	assert_non_null(o);
	assert_int_equal(o->nholders, 2);
	assert_container(o->cont, "docker", D, "", "");
	h = holder(o, 200, 3);
	assert_non_null(h);
	assert_int_equal(h->nspid, 1);
	assert_ptr_equal(h->cont, o->cont);
	assert_string_equal(h->comm, "nginx");
	h = holder(o, 201, 0);
	assert_non_null(h);
	assert_int_equal(h->nspid, 7);
	assert_ptr_equal(h->cont, o->cont);

	/* host and container: the pipe is in none, each holder in its own. */
	o = snapshot_find_identity(&s, "pipe:6002");
	assert_non_null(o);
	assert_null(o->cont);
	h = holder(o, 100, 3);
	assert_non_null(h);
	assert_null(h->cont);
	assert_int_equal(h->nspid, 0);
	assert_container(holder(o, 201, 1)->cont, "docker", D, "", "");

	/* two containers */
	o = snapshot_find_identity(&s, "pipe:6003");
	assert_null(o->cont);
	assert_container(holder(o, 300, 3)->cont, "docker", D2, "", "");
	assert_container(holder(o, 400, 0)->cont, "containerd", K, POD, "");
	assert_int_equal(holder(o, 400, 0)->nspid, 1);

	/* both ends in one process of one container */
	o = snapshot_find_identity(&s, "pipe:6004");
	assert_int_equal(o->nholders, 2);
	assert_container(o->cont, "cri-o", C, POD2, "");

	/* nspawn's payload and its supervisor: the supervisor is the host's */
	o = snapshot_find_identity(&s, "pipe:6005");
	assert_null(o->cont);
	assert_container(holder(o, 700, 3)->cont, "nspawn", "web1", "", "web1");
	assert_null(holder(o, 701, 3)->cont);

	assert_container(snapshot_find_identity(&s, "pipe:6006")->cont, "docker", D4, "", "");

	/* A socket of the host's table held in a container: the socket is the host network
	 * namespace's (no container), its holder the container's. */
	o = snapshot_find_identity(&s, "unix:7001");
	assert_non_null(o);
	assert_int_equal(o->ns, HOST_NET);
	assert_null(o->cont);
	h = holder(o, 200, 4);
	assert_non_null(h);
	assert_container(h->cont, "docker", D, "", "");
	assert_int_equal(h->nspid, 1);
	snapshot_release(&s);
}

/* -N on a tree: a container's id prefix or name keeps the pipes its processes hold and
 * the objects of its namespaces; "self" the host's. */
static void selection(void **state)
{
	char root[4096];
	const char *docker[] = {"2f1e8a7c3b6d", NULL};
	const char *web1[] = {"web", NULL};
	const char *self[] = {"self", NULL};
	const char *byinode[] = {"4026532302", NULL};
	const char *bypid[] = {"201", NULL};
	struct snapshot s;

	(void)state;
	tree_path(root, sizeof(root));
	assert_int_equal(scan_select(root, docker, &s), 0);
	assert_non_null(snapshot_find_identity(&s, "pipe:6001"));
	assert_non_null(snapshot_find_identity(&s, "pipe:6002"));
	assert_null(snapshot_find_identity(&s, "pipe:6003"));
	assert_null(snapshot_find_identity(&s, "unix:7001")); /* the host's network namespace */
	assert_int_equal(s.nobjs, 2);
	snapshot_release(&s);

	assert_int_equal(scan_select(root, web1, &s), 0);
	assert_non_null(snapshot_find_identity(&s, "pipe:6005"));
	assert_int_equal(s.nobjs, 1);
	snapshot_release(&s);

	/* The docker container's network namespace by inode: its pipes, not the host's socket. */
	assert_int_equal(scan_select(root, byinode, &s), 0);
	assert_null(snapshot_find_identity(&s, "unix:7001"));
	assert_non_null(snapshot_find_identity(&s, "pipe:6001"));
	snapshot_release(&s);

	/* A pid: its namespaces. Its user namespace is the host's, as with most containers,
	 * and must not bring in every pipe of the host (nor pid namespaces, uts...). */
	assert_int_equal(scan_select(root, bypid, &s), 0);
	assert_non_null(snapshot_find_identity(&s, "pipe:6001"));
	assert_non_null(snapshot_find_identity(&s, "pipe:6002"));
	assert_int_equal(s.nobjs, 2);
	snapshot_release(&s);

	/* self: the host's objects and the pipes of processes in the host's IPC, mount or
	 * network namespace; not those of containers that share only its user namespace. */
	assert_int_equal(scan_select(root, self, &s), 0);
	assert_non_null(snapshot_find_identity(&s, "unix:7001"));
	assert_non_null(snapshot_find_identity(&s, "pipe:6002")); /* pid 100 is the host's */
	assert_non_null(snapshot_find_identity(&s, "pipe:6005")); /* so is 701 */
	assert_non_null(snapshot_find_identity(&s, "pipe:6006")); /* 1100: --ipc=host */
	assert_null(snapshot_find_identity(&s, "pipe:6001"));
	assert_null(snapshot_find_identity(&s, "pipe:6004"));
	snapshot_release(&s);
}

/* Malformed cgroup and status text in the tree: no container, no pid inside, no crash,
 * and the namespaces of those processes still found. */
static void malformed_tree(void **state)
{
	struct snapshot s;

	(void)state;
	assert_int_equal(fixture_scan(TREE, KINDS_ALL, false, &s), 0);
	for (pid_t pid = 1200; pid <= 1204; pid++) {
		const struct ns_proc *p = snapshot_proc(&s, pid);

		assert_non_null(p);
		assert_int_equal(p->container, -1);
		assert_int_equal(p->nspid, 0);
		assert_int_equal(p->ns[NS_IPC], 4026532400ULL + (uint64_t)(pid - 1200) * 10);
		assert_null(cont_of_ns(&s, NS_IPC, p->ns[NS_IPC]));
		assert_int_equal(ns(&s, NS_PID, p->ns[NS_PID])->nprocs, 1);
	}
	snapshot_release(&s);
}

/* A copy of the tree in a fresh temporary directory. */
static void copy_tree(char *dir, size_t len)
{
	const char *fx = getenv("FIXTURES");
	char cmd[8192];

	snprintf(dir, len, "/tmp/ipcscope-test-nsdisc-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "cp -a '%s/%s/.' '%s/'", fx ? fx : "tests/fixtures", TREE, dir);
	assert_int_equal(system(cmd), 0);
}

static void remove_tree(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void put_bytes(const char *dir, const char *file, const char *bytes, size_t n)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, n), (ssize_t)n);
	close(fd);
}

/* Files no kernel writes, made at run time: over the 64 KiB read limit (a valid line
 * first, so only the limit can refuse them), all NUL bytes, a directory in the file's
 * place, a dangling status, an inode that overflows 64 bits. The other processes are read
 * all the same. */
static void hostile_files(void **state)
{
	static const char docker[] = "0::/system.slice/docker-" D ".scope\n";
	char dir[64], path[4200], *big;
	size_t bign = 70000, off;
	struct snapshot s;
	const struct ns_proc *p;

	(void)state;
	copy_tree(dir, sizeof(dir));
	big = xmalloc(bign);
	/* 1200: a huge cgroup file, a huge status, whose first lines would be good. */
	off = strlen(docker);
	memcpy(big, docker, off);
	memset(big + off, 'x', bign - off);
	big[bign - 1] = '\n';
	put_bytes(dir, "proc/1200/cgroup", big, bign);
	off = (size_t)snprintf(big, bign, "Name:\tbig\nNSpid:\t1200\t3\n");
	memset(big + off, 'y', bign - off);
	put_bytes(dir, "proc/1200/status", big, bign);
	/* 1201: nothing but NUL bytes. */
	memset(big, 0, 8192);
	put_bytes(dir, "proc/1201/cgroup", big, 8192);
	put_bytes(dir, "proc/1201/status", big, 8192);
	/* 1202: directories where the files are. */
	snprintf(path, sizeof(path), "%s/proc/1202/cgroup", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/proc/1202/status", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	/* 1203: status a dangling link; its ipc link an inode past 2^64. */
	snprintf(path, sizeof(path), "%s/proc/1203/status", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("/nonexistent/status", path), 0);
	snprintf(path, sizeof(path), "%s/proc/1203/ns/ipc", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("ipc:[184467440737095516160]", path), 0);
	free(big);

	assert_int_equal(scan_select(dir, NULL, &s), 0);
	for (pid_t pid = 1200; pid <= 1204; pid++) {
		p = snapshot_proc(&s, pid);
		assert_non_null(p);
		assert_int_equal(p->container, -1);
		assert_int_equal(p->nspid, 0);
	}
	assert_int_equal(snapshot_proc(&s, 1203)->ns[NS_IPC], 0);
	assert_null(ns(&s, NS_IPC, 4026532430ULL));
	assert_int_equal(s.ncontainers, 10);
	assert_container(cont_of_pid(&s, 200), "docker", D, "", "");
	assert_non_null(snapshot_find_identity(&s, "pipe:6001"));
	snapshot_release(&s);
	remove_tree(dir);
}

/* A tree made here: pid 10 made namespace set B (as unshare or a runtime's helper would)
 * and stayed outside the container's cgroup; 11 and 12, inside B, are in the docker
 * container. 20 is in the host's namespaces but in another container (--ipc=host). B is
 * the docker container's, though its lowest pid is in none; the host's stay unlabelled. */
static void unowned_namespace(void **state)
{
	static const char *const types[] = {"ipc", "mnt", "net", "pid", "user", "uts"};
	static const struct {
		int pid;
		uint64_t base;     /* namespace inodes base + 0..5 */
		const char *cgroup;
	} procs[] = {
		{1, 4026531830ULL, "0::/init.scope\n"},
		{10, 4026539000ULL, "0::/user.slice/user-0.slice/session-1.scope\n"},
		{11, 4026539000ULL, "0::/system.slice/docker-" D ".scope\n"},
		{12, 4026539000ULL, "0::/system.slice/docker-" D ".scope\n"},
		{20, 4026531830ULL, "0::/system.slice/docker-" D2 ".scope\n"},
	};
	char dir[] = "/tmp/ipcscope-unowned-XXXXXX", path[4200], link[64];
	struct snapshot s;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/proc", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	for (size_t i = 0; i <= ARRAY_SIZE(procs); i++) {
		int pid = i < ARRAY_SIZE(procs) ? procs[i].pid : 1; /* last: self, the host's */
		uint64_t base = i < ARRAY_SIZE(procs) ? procs[i].base : 4026531830ULL;
		char name[16];

		snprintf(name, sizeof(name), i < ARRAY_SIZE(procs) ? "%d" : "self", pid);
		snprintf(path, sizeof(path), "%s/proc/%s", dir, name);
		assert_int_equal(mkdir(path, 0755), 0);
		snprintf(path, sizeof(path), "%s/proc/%s/ns", dir, name);
		assert_int_equal(mkdir(path, 0755), 0);
		for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
			snprintf(path, sizeof(path), "%s/proc/%s/ns/%s", dir, name, types[t]);
			snprintf(link, sizeof(link), "%s:[%llu]", types[t], (unsigned long long)(base + t));
			assert_int_equal(symlink(link, path), 0);
		}
		if (i < ARRAY_SIZE(procs)) {
			snprintf(path, sizeof(path), "proc/%s/cgroup", name);
			put_bytes(dir, path, procs[i].cgroup, strlen(procs[i].cgroup));
		}
	}
	assert_int_equal(scan_select(dir, NULL, &s), 0);
	assert_int_equal(ns(&s, NS_IPC, 4026539000ULL)->pid, 10);
	assert_container(cont_of_ns(&s, NS_IPC, 4026539000ULL), "docker", D, "", "");
	assert_container(cont_of_ns(&s, NS_NET, 4026539002ULL), "docker", D, "", "");
	assert_null(cont_of_ns(&s, NS_IPC, 4026531830ULL));
	assert_null(cont_of_ns(&s, NS_NET, 4026531832ULL));
	snapshot_release(&s);
	remove_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(namespaces),
		cmocka_unit_test(containers),
		cmocka_unit_test(holders),
		cmocka_unit_test(selection),
		cmocka_unit_test(malformed_tree),
		cmocka_unit_test(hostile_files),
		cmocka_unit_test(unowned_namespace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
