/* test_container.c - container labels from cgroup paths of every runtime's layout
 * (tests/fixtures/cgroup), NSpid of status text (tests/fixtures/status), broken text of
 * both, and the hostname of a real UTS namespace. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collectors/container.h"
#include "core/util.h"

#define D "bf4339a9cfb4d0e9800dab873b9906458967b4132f639e6fa6271a2f332fb99f"
#define D2 "3554289be08015b158bd248a7c465ef5f8055f080c969419e1b04e0a62184888"
#define K "b1fb2916b4c70b5ceadba5ccabbe37277029210efdf1d3306506cec3ac833294"
#define C "c9770b8e58eafe21d11bb2a04ae65f463f4e41bd14c3b57040f56ce64109d1f7"
#define P "25f76a05ffcdce773ae95b4e623b0a940c7ae9d6b84ff211c7bf4c78a8f74414"
#define N "04df986629ce552e20a1803aeed4c69262cea1f915d12ccf34eff8f04feb16ef"
#define NODE "7232fa5b7fe3f027d56d3feba41858ad7e5841fa3432d4b5b9f98c0186b6abbb"
#define POD "5b2e8c34-9d1a-4f0e-b7c6-2a9f3e1d8c47"
#define STATIC_POD "a81259cef8e959c624df1d456e5d3297"

static char *fixture_path(const char *dir, const char *name)
{
	const char *root = getenv("FIXTURES");

	return xasprintf("%s/%s/%s", root ? root : "tests/fixtures", dir, name);
}

/* The file's bytes in a buffer of exactly their size, without a NUL after them: the
 * sanitizer build catches a parser that reads past the text. */
static char *fixture_text(const char *dir, const char *name, size_t *len)
{
	char *path = fixture_path(dir, name), *buf = NULL, *exact;

	if (read_file_at(AT_FDCWD, path, 1 << 20, &buf, len) < 0)
		fail_msg("cannot read %s", path);
	exact = xmalloc(*len ? *len : 1);
	memcpy(exact, buf, *len);
	free(buf);
	free(path);
	return exact;
}

static int parse_exact(const char *text, size_t len, struct container *c)
{
	char *exact = xmalloc(len ? len : 1);
	int rc;

	memcpy(exact, text, len);
	rc = container_from_cgroup(exact, len, c);
	free(exact);
	return rc;
}

static int cgroup_fixture(const char *name, struct container *c)
{
	size_t len;
	char *text = fixture_text("cgroup", name, &len);
	int rc = container_from_cgroup(text, len, c);

	free(text);
	return rc;
}

struct expect {
	const char *file;
	int rc;
	const char *runtime, *id, *pod, *name;
};

/* Every file of tests/fixtures/cgroup, and what it must give. */
static const struct expect layouts[] = {
	/* docker: cgroupfs and systemd drivers, rootless, nested, systemd inside */
	{"docker-cgroupfs-v1.txt", 1, "docker", D, "", ""},
	{"docker-cgroupfs-v2.txt", 1, "docker", D, "", ""},
	{"docker-cgroupfs-hybrid.txt", 1, "docker", D, "", ""},
	{"docker-systemd-v1.txt", 1, "docker", D, "", ""},
	{"docker-systemd-v2.txt", 1, "docker", D, "", ""},
	{"docker-rootless-v2.txt", 1, "docker", D, "", ""},
	{"docker-in-docker-v1.txt", 1, "docker", D2, "", ""},
	{"docker-in-docker-systemd-v2.txt", 1, "docker", D2, "", ""},
	{"docker-systemd-in-container-v2.txt", 1, "docker", D, "", ""},
	{"docker-deleted-v2.txt", 1, "docker", D, "", ""},
	/* Kubernetes: cgroupfs and systemd drivers, every QoS class, static pods, kind */
	{"k8s-containerd-cgroupfs-besteffort-v1.txt", 1, "containerd", K, POD, ""},
	{"k8s-containerd-cgroupfs-guaranteed-v1.txt", 1, "containerd", K, POD, ""},
	{"k8s-containerd-cgroupfs-burstable-hybrid.txt", 1, "containerd", K, POD, ""},
	{"k8s-containerd-systemd-burstable-v2.txt", 1, "containerd", K, POD, ""},
	{"k8s-containerd-systemd-besteffort-v1.txt", 1, "containerd", K, POD, ""},
	{"k8s-containerd-systemd-guaranteed-v2.txt", 1, "containerd", K, POD, ""},
	{"k8s-static-pod-systemd-v2.txt", 1, "containerd", K, STATIC_POD, ""},
	{"k8s-kind-node-v2.txt", 1, "containerd", K, POD, ""},
	{"k8s-kind-node-kubelet-v2.txt", 1, "docker", NODE, "", ""},
	{"k8s-dockershim-systemd-v1.txt", 1, "docker", D, POD, ""},
	{"k8s-crio-systemd-v2.txt", 1, "cri-o", C, POD, ""},
	{"k8s-crio-systemd-crun-v2.txt", 1, "cri-o", C, POD, ""},
	{"k8s-crio-cgroupfs-v1.txt", 1, "cri-o", C, POD, ""},
	{"k8s-crio-conmon-v2.txt", 0, "", "", "", ""},
	{"host-kubepods-slice-v2.txt", 0, "", "", "", ""},
	{"host-kubelet-v2.txt", 0, "", "", "", ""},
	/* containerd without Kubernetes: nerdctl; the daemon itself is no container */
	{"nerdctl-cgroupfs-v1.txt", 1, "containerd", N, "", ""},
	{"nerdctl-systemd-v2.txt", 1, "containerd", N, "", ""},
	{"nerdctl-rootless-v2.txt", 1, "containerd", N, "", ""},
	{"host-containerd-daemon-v2.txt", 0, "", "", "", ""},
	/* podman */
	{"podman-systemd-v2.txt", 1, "podman", P, "", ""},
	{"podman-systemd-crun-v2.txt", 1, "podman", P, "", ""},
	{"podman-rootless-v2.txt", 1, "podman", P, "", ""},
	{"podman-pod-v2.txt", 1, "podman", P, "", ""},
	{"podman-cgroupfs-v1.txt", 1, "podman", P, "", ""},
	{"podman-conmon-v2.txt", 0, "", "", "", ""},
	{"podman-conmon-cgroupfs-v1.txt", 0, "", "", "", ""},
	{"podman-machine-slice-only-v2.txt", 0, "", "", "", ""},
	/* systemd-nspawn: the scope, its payload, the service of machinectl start */
	{"nspawn-scope-v1.txt", 1, "nspawn", "my-box", "", "my-box"},
	{"nspawn-payload-v2.txt", 1, "nspawn", "my-box", "", "my-box"},
	{"nspawn-payload-inner-v2.txt", 1, "nspawn", "my-box", "", "my-box"},
	{"nspawn-service-payload-v2.txt", 1, "nspawn", "deb12", "", "deb12"},
	{"nspawn-service-supervisor-v2.txt", 0, "", "", "", ""},
	{"nspawn-docker-inside-v2.txt", 1, "docker", D, "", ""},
	{"libvirt-qemu-v2.txt", 0, "", "", "", ""},
	/* LXC: old and new layouts, children, monitors, nesting */
	{"lxc-legacy-v1.txt", 1, "lxc", "web01", "", "web01"},
	{"lxc-legacy-child-v1.txt", 1, "lxc", "web01", "", "web01"},
	{"lxc-payload-v2.txt", 1, "lxc", "web01", "", "web01"},
	{"lxc-payload-child-v2.txt", 1, "lxc", "web01", "", "web01"},
	{"lxc-payload-hybrid.txt", 1, "lxc", "web01", "", "web01"},
	{"lxc-monitor-v2.txt", 0, "", "", "", ""},
	{"lxc-nested-v2.txt", 1, "lxc", "inner", "", "inner"},
	{"lxc-nested-monitor-v2.txt", 1, "lxc", "outer", "", "outer"},
	/* only the v1 lines name the inner docker: the deeper nesting wins over the v2 line */
	{"lxc-docker-inside-hybrid.txt", 1, "docker", D, "", ""},
	/* the host */
	{"host-user-session-v2.txt", 0, "", "", "", ""},
	{"host-user-manager-v2.txt", 0, "", "", "", ""},
	{"host-service-v2.txt", 0, "", "", "", ""},
	{"host-service-v1.txt", 0, "", "", "", ""},
	{"host-init-scope-v2.txt", 0, "", "", "", ""},
	{"host-root-v2.txt", 0, "", "", "", ""},
	{"host-hybrid-this-machine.txt", 0, "", "", "", ""},
	{"host-no-newline-v2.txt", 1, "docker", D, "", ""},
	/* broken text */
	{"malformed-garbage.txt", -EINVAL, "", "", "", ""},
	{"malformed-empty.txt", -EINVAL, "", "", "", ""},
	{"malformed-blank-lines.txt", -EINVAL, "", "", "", ""},
	{"malformed-truncated-only.txt", -EINVAL, "", "", "", ""},
	{"malformed-truncated-mid-line.txt", 1, "docker", D, "", ""},
	{"malformed-truncated-id.txt", 1, "docker", D, "", ""},
	{"malformed-mixed.txt", 1, "docker", D, "", ""},
	{"malformed-uppercase-id.txt", 0, "", "", "", ""},
	{"malformed-short-id.txt", 0, "", "", "", ""},
	{"malformed-long-id.txt", 0, "", "", "", ""},
	{"malformed-bad-escape.txt", 0, "", "", "", ""},
	{"malformed-escaped-slash.txt", 0, "", "", "", ""},
	{"malformed-bad-pod-uid.txt", 1, "containerd", K, "", ""},
};

static void every_layout(void **state)
{
	unsigned bad = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(layouts); i++) {
		const struct expect *e = &layouts[i];
		struct container c;
		int rc;

		memset(&c, 0x5a, sizeof(c)); /* must be cleared whatever the outcome */
		rc = cgroup_fixture(e->file, &c);
		if (rc != e->rc || strcmp(c.runtime, e->runtime) || strcmp(c.id, e->id) ||
		    strcmp(c.pod, e->pod) || strcmp(c.name, e->name)) {
			print_error("%s: rc %d runtime '%.16s' id '%.80s' pod '%.40s' name '%.64s'; "
				    "expected %d '%s' '%s' '%s' '%s'\n", e->file, rc, c.runtime, c.id,
				    c.pod, c.name, e->rc, e->runtime, e->id, e->pod, e->name);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* A fixture nobody checks is a layout nobody tests. */
static void every_fixture_is_expected(void **state)
{
	char *dir = fixture_path("cgroup", "");
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned files = 0, missing = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d))) {
		bool found = false;

		if (de->d_name[0] == '.')
			continue;
		files++;
		for (size_t i = 0; i < ARRAY_SIZE(layouts); i++)
			found |= !strcmp(layouts[i].file, de->d_name);
		if (!found) {
			print_error("tests/fixtures/cgroup/%s has no expectation\n", de->d_name);
			missing++;
		}
	}
	closedir(d);
	free(dir);
	assert_int_equal(missing, 0);
	assert_int_equal(files, ARRAY_SIZE(layouts));
}

static void nul_bytes(void **state)
{
	static const char only[] = "0::/docker/" D "\0garbage\n";
	static const char among[] = "1:name=systemd:/docker/\0" D "\n0::/system.slice/docker-" D ".scope\n";
	static const char after[] = "0::/docker/" D "\n\0\0\0\0";
	struct container c;

	(void)state;
	/* sizeof - 1: the literal's own terminating NUL is not part of the text */
	assert_int_equal(parse_exact(only, sizeof(only) - 1, &c), -EINVAL);
	assert_string_equal(c.runtime, "");
	assert_int_equal(parse_exact(among, sizeof(among) - 1, &c), 1);
	assert_string_equal(c.id, D);
	assert_int_equal(parse_exact(after, sizeof(after) - 1, &c), 1);
	assert_string_equal(c.runtime, "docker");
}

/* A line of n bytes (without its newline) whose path ends in /docker/D. */
static char *line_of(size_t n)
{
	const char *tail = "/docker/" D;
	char *s = xmalloc(n + 2);
	size_t head = n - strlen(tail);

	memcpy(s, "0::", 3);
	for (size_t i = 3; i < head; i++)
		s[i] = (i % 2) ? '/' : 'a';
	memcpy(s + head, tail, strlen(tail));
	s[n] = '\n';
	s[n + 1] = '\0';
	return s;
}

static void long_lines(void **state)
{
	struct container c;
	char *at = line_of(4096), *over = line_of(4097), *huge = line_of(100 * 1024), *mixed;

	(void)state;
	assert_int_equal(parse_exact(at, strlen(at), &c), 1);
	assert_string_equal(c.id, D);
	assert_int_equal(parse_exact(over, strlen(over), &c), -EINVAL);
	assert_int_equal(parse_exact(huge, strlen(huge), &c), -EINVAL);
	assert_int_equal(parse_exact(huge, strlen(huge) - 1, &c), -EINVAL); /* and no newline */
	/* among good lines, the long one is ignored */
	mixed = xasprintf("%s1:name=systemd:/lxc.payload.web01\n%s", huge, huge);
	assert_int_equal(parse_exact(mixed, strlen(mixed), &c), 1);
	assert_string_equal(c.runtime, "lxc");
	assert_string_equal(c.id, "web01");
	free(at);
	free(over);
	free(huge);
	free(mixed);
}

/* The parser stops at len, wherever that falls. */
static void length_bounds(void **state)
{
	static const char text[] = "0::/system.slice/docker-" D ".scope\n";
	struct container c;

	(void)state;
	assert_int_equal(container_from_cgroup(NULL, 0, &c), -EINVAL);
	assert_int_equal(parse_exact(text, 0, &c), -EINVAL);
	assert_int_equal(parse_exact(text, 2, &c), -EINVAL);  /* "0:" */
	assert_int_equal(parse_exact(text, 4, &c), 0);        /* "0::/" */
	assert_int_equal(parse_exact(text, 40, &c), 0);       /* the id cut */
	assert_int_equal(parse_exact(text, sizeof(text) - 3, &c), 0); /* ".sco" */
	assert_int_equal(parse_exact(text, sizeof(text) - 2, &c), 1); /* no newline */
	assert_string_equal(c.id, D);
	for (size_t n = 0; n < sizeof(text); n++)
		assert_true(parse_exact(text, n, &c) <= 1);
}

/* Line forms the kernel prints, and near misses. */
static void line_forms(void **state)
{
	static const struct {
		const char *text;
		int rc;
	} cases[] = {
		{"0::/", 0},
		{"0::/\n", 0},
		{"12:cpu,cpuacct:/docker/" D, 1},
		{"3:name=systemd:/docker/" D, 1},
		{"0::docker/" D, -EINVAL},           /* a path is absolute */
		{":cpu:/docker/" D, -EINVAL},        /* no hierarchy number */
		{"-1:cpu:/docker/" D, -EINVAL},
		{"1x:cpu:/docker/" D, -EINVAL},
		{"1:cpu/docker/" D, -EINVAL},        /* one colon */
		{"1:cpu:", -EINVAL},                 /* no path */
		{"0::/docker//" D, 1},               /* empty names are skipped */
		{"0::/docker/" D "/", 1},
		{"0::/../../docker/" D, 1},          /* seen from another cgroup namespace */
		{"0::/docker/" D " (deleted)", 1},
		{"0::/docker/" D " (deleted)x", 0},
		{"0::/docker/" D "\r", 0},
		{"\n\n0::/docker/" D "\n\n", 1},
	};
	struct container c;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int rc = parse_exact(cases[i].text, strlen(cases[i].text), &c);

		if (rc != cases[i].rc)
			fail_msg("'%s': %d, expected %d", cases[i].text, rc, cases[i].rc);
	}
}

/* Lines that name different containers: the deeper nesting, then the v2 line, then the
 * v1 name=systemd line, then the first. */
static void line_ranking(void **state)
{
	static const struct {
		const char *text;
		const char *id;
	} cases[] = {
		{"12:cpu:/docker/" D2 "\n0::/docker/" D "\n", D},
		{"12:cpu:/docker/" D2 "\n1:name=systemd:/docker/" D "\n", D},
		{"12:cpu:/docker/" D2 "\n11:memory:/docker/" D "\n", D2},
		{"0::/docker/" D "\n12:cpu:/docker/" D "/docker/" D2 "\n", D2},
		{"0::/docker/" D "\n12:cpu:/system.slice/cron.service\n", D},
	};
	struct container c;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(parse_exact(cases[i].text, strlen(cases[i].text), &c), 1);
		assert_string_equal(c.id, cases[i].id);
	}
}

/* Names: escapes, sizes, and what is no name. */
static void names(void **state)
{
	static const struct {
		const char *text;
		int rc;
		const char *id;
	} cases[] = {
		{"0::/machine.slice/machine-a\\x2db\\x2dc.scope", 1, "a-b-c"},
		{"0::/machine.slice/machine-A\\x2Db.scope", 1, "A-b"},  /* either case of hex */
		{"0::/machine.slice/machine-plain.scope", 1, "plain"},
		{"0::/machine.slice/machine-x\\x00y.scope", 0, ""},
		{"0::/machine.slice/machine-x\\x0ay.scope", 0, ""},
		{"0::/machine.slice/machine-x\\x.scope", 0, ""},
		{"0::/machine.slice/machine-x\\.scope", 0, ""},
		{"0::/machine.slice/machine-\\x2e.scope", 0, ""},        /* "." */
		{"0::/machine.slice/machine-.scope", 0, ""},
		{"0::/lxc/..", 0, ""},
		{"0::/lxc/.", 0, ""},
		{"0::/lxc.payload.", 0, ""},
		{"0::/lxc.payload.a\x01" "b", 0, ""},
		{"0::/lxc.payload.caf\xc3\xa9", 1, "caf\xc3\xa9"},
	};
	struct container c;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int rc = parse_exact(cases[i].text, strlen(cases[i].text), &c);

		if (rc != cases[i].rc || strcmp(c.id, cases[i].id))
			fail_msg("'%s': %d '%s', expected %d '%s'", cases[i].text, rc, c.id,
				 cases[i].rc, cases[i].id);
	}
}

/* An id is kept whole or not at all; the name only when it fits whole too. */
static void name_sizes(void **state)
{
	struct container c;
	char name[100], *text;

	(void)state;
	memset(name, 'n', sizeof(name));
	name[63] = '\0';
	text = xasprintf("0::/lxc.payload.%s", name);
	assert_int_equal(parse_exact(text, strlen(text), &c), 1);
	assert_string_equal(c.id, name);
	assert_string_equal(c.name, name);
	free(text);

	name[64] = 'n';
	name[64 + 1] = '\0'; /* 65: a whole id, too long for name */
	name[63] = 'n';
	text = xasprintf("0::/lxc.payload.%s", name);
	assert_int_equal(parse_exact(text, strlen(text), &c), 1);
	assert_string_equal(c.id, name);
	assert_string_equal(c.name, "");
	free(text);

	name[79] = '\0';
	memset(name, 'n', 79);
	text = xasprintf("0::/lxc.payload.%s", name);
	assert_int_equal(parse_exact(text, strlen(text), &c), 1);
	assert_int_equal(strlen(c.id), 79);
	free(text);

	name[79] = 'n';
	name[80] = '\0';
	text = xasprintf("0::/lxc.payload.%s", name);
	assert_int_equal(parse_exact(text, strlen(text), &c), 0);
	free(text);
}

static void short_id(void **state)
{
	struct container c;
	char buf[80], small[5];

	(void)state;
	assert_int_equal(cgroup_fixture("docker-systemd-v2.txt", &c), 1);
	assert_string_equal(container_short_id(&c, buf, sizeof(buf)), "bf4339a9cfb4");
	assert_string_equal(container_short_id(&c, small, sizeof(small)), "bf43");
	assert_int_equal(cgroup_fixture("k8s-crio-systemd-v2.txt", &c), 1);
	assert_string_equal(container_short_id(&c, buf, sizeof(buf)), "c9770b8e58ea");
	assert_int_equal(cgroup_fixture("nspawn-payload-v2.txt", &c), 1);
	assert_string_equal(container_short_id(&c, buf, sizeof(buf)), "my-box");
	assert_int_equal(cgroup_fixture("lxc-payload-v2.txt", &c), 1);
	assert_string_equal(container_short_id(&c, buf, sizeof(buf)), "web01");
	assert_int_equal(cgroup_fixture("host-root-v2.txt", &c), 0);
	assert_string_equal(container_short_id(&c, buf, sizeof(buf)), "");
	/* a 64-character name that is no hex stays whole */
	memset(&c, 0, sizeof(c));
	memset(c.id, 'z', 64);
	assert_int_equal(strlen(container_short_id(&c, buf, sizeof(buf))), 64);
	buf[0] = 'x';
	assert_ptr_equal(container_short_id(&c, buf, 0), buf);
	assert_int_equal(buf[0], 'x');
}

static int nspid_fixture(const char *name, pid_t *inner, int *levels)
{
	size_t len;
	char *text = fixture_text("status", name, &len);
	int rc = nspid_parse(text, len, inner, levels);

	free(text);
	return rc;
}

static void nspid_captures(void **state)
{
	pid_t inner = -1;
	int levels = -1;

	(void)state;
	assert_int_equal(nspid_fixture("self-host.txt", &inner, &levels), 0);
	assert_int_equal(inner, 10467);
	assert_int_equal(levels, 1);
	assert_int_equal(nspid_fixture("unshare-pid-2levels.txt", &inner, &levels), 0);
	assert_int_equal(inner, 1);
	assert_int_equal(levels, 2);
	assert_int_equal(nspid_fixture("unshare-pid-3levels.txt", &inner, &levels), 0);
	assert_int_equal(inner, 1);
	assert_int_equal(levels, 3);
	/* cut right after "NSpid:\t10": no newline, a shorter number */
	assert_int_equal(nspid_fixture("nspid-truncated-at-end.txt", &inner, &levels), 0);
	assert_int_equal(inner, 10);
	assert_int_equal(levels, 1);
}

static void nspid_broken(void **state)
{
	static const struct {
		const char *file;
		int rc;
	} cases[] = {
		{"no-nspid-old-kernel.txt", -ENOENT},
		{"nspid-letters.txt", -EINVAL},
		{"nspid-empty.txt", -EINVAL},
		{"nspid-blank-values.txt", -EINVAL},
		{"nspid-zero.txt", -EINVAL},
		{"nspid-negative.txt", -EINVAL},
		{"nspid-overflow.txt", -EINVAL},
		{"nspid-int-overflow.txt", -EINVAL},
		{"nspid-sign.txt", -EINVAL},
		{"nspid-comma.txt", -EINVAL},
		{"nspid-twice.txt", -EINVAL},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		pid_t inner = -7;
		int levels = -7;
		int rc = nspid_fixture(cases[i].file, &inner, &levels);

		if (rc != cases[i].rc)
			fail_msg("%s: %d, expected %d", cases[i].file, rc, cases[i].rc);
		/* nothing written on failure */
		assert_int_equal(inner, -7);
		assert_int_equal(levels, -7);
	}
}

static int nspid_exact(const char *text, size_t len, pid_t *inner, int *levels)
{
	char *exact = xmalloc(len ? len : 1);
	int rc;

	memcpy(exact, text, len);
	rc = nspid_parse(exact, len, inner, levels);
	free(exact);
	return rc;
}

static void nspid_text(void **state)
{
	static const char nul[] = "Name:\tx\nNSpid:\t42\0\t7\n";
	static const char nul_before[] = "Name:\tx\0y\nNSpid:\t42\t7\n";
	static const char *const more[] = {"NSpid:\t2147483647", "NSpid: 5  6 ", "Pid:\t1\nNSpid:\t9\t8\t7\n"};
	pid_t inner;
	int levels;

	(void)state;
	assert_int_equal(nspid_exact("", 0, &inner, &levels), -ENOENT);
	assert_int_equal(nspid_parse(NULL, 0, &inner, &levels), -ENOENT);
	assert_int_equal(nspid_exact("XNSpid:\t5\n", 10, &inner, &levels), -ENOENT);
	assert_int_equal(nspid_exact("Name:\tNSpid:\t5\n", 15, &inner, &levels), -ENOENT);
	assert_int_equal(nspid_exact("NSpi", 4, &inner, &levels), -ENOENT);
	assert_int_equal(nspid_exact(nul, sizeof(nul) - 1, &inner, &levels), -EINVAL);
	assert_int_equal(nspid_exact(nul_before, sizeof(nul_before) - 1, &inner, &levels), 0);
	assert_int_equal(inner, 7);
	/* len ends the text, even inside a number: "NSpid:\t12" of "NSpid:\t123" */
	assert_int_equal(nspid_exact("NSpid:\t123", 9, &inner, &levels), 0);
	assert_int_equal(inner, 12);
	assert_int_equal(nspid_exact(more[0], strlen(more[0]), &inner, &levels), 0);
	assert_int_equal(inner, 2147483647);
	assert_int_equal(nspid_exact(more[1], strlen(more[1]), &inner, &levels), 0);
	assert_int_equal(inner, 6);
	assert_int_equal(levels, 2);
	assert_int_equal(nspid_exact(more[2], strlen(more[2]), &inner, &levels), 0);
	assert_int_equal(inner, 7);
	assert_int_equal(levels, 3);
}

/* The live process's own status: one level more than nothing, and the pid we know. */
static void nspid_live(void **state)
{
	char *buf = NULL;
	size_t len;
	pid_t inner;
	int levels;

	(void)state;
	assert_int_equal(read_file_at(AT_FDCWD, "/proc/self/status", 1 << 16, &buf, &len), 0);
	assert_int_equal(nspid_parse(buf, len, &inner, &levels), 0);
	assert_true(levels >= 1);
	if (levels == 1)
		assert_int_equal(inner, getpid());
	free(buf);
}

static void uts_ns_link(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/thread-self/ns/uts", buf, len - 1);

	assert_true(n > 0);
	buf[n] = '\0';
}

/* A child in a UTS namespace of its own with a hostname of its own, waiting until the
 * parent closes the pipe. Returns its pid; *hold is the parent's end to close. */
static pid_t uts_child(const char *hostname, int *hold)
{
	int ready[2], wait_fd[2];
	pid_t pid;
	char ch;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(wait_fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		close(wait_fd[1]);
		if (unshare(CLONE_NEWUTS) < 0 || sethostname(hostname, strlen(hostname)) < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		(void)!read(wait_fd[0], &ch, 1); /* EOF: the parent is done */
		_exit(0);
	}
	close(ready[1]);
	close(wait_fd[0]);
	assert_int_equal(read(ready[0], &ch, 1), 1);
	close(ready[0]);
	*hold = wait_fd[1];
	return pid;
}

static void uts_real_namespace(void **state)
{
	char before[64], after[64], name[65];
	struct utsname mine, again;
	int hold, status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: making a UTS namespace needs root\n");
		skip();
	}
	assert_int_equal(uname(&mine), 0);
	uts_ns_link(before, sizeof(before));
	pid = uts_child("ipcscope-uts-test", &hold);

	assert_int_equal(uts_hostname(pid, name, sizeof(name)), 0);
	assert_string_equal(name, "ipcscope-uts-test");
	/* the caller's namespace and hostname are as they were */
	uts_ns_link(after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(uname(&again), 0);
	assert_string_equal(mine.nodename, again.nodename);
	assert_string_not_equal(again.nodename, "ipcscope-uts-test");

	/* a buffer too small gets nothing rather than a cut name */
	assert_int_equal(uts_hostname(pid, name, 5), -ENAMETOOLONG);
	assert_string_equal(name, "");
	assert_int_equal(uts_hostname(pid, name, strlen("ipcscope-uts-test") + 1), 0);

	close(hold);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* and once it is gone */
	assert_int_equal(uts_hostname(pid, name, sizeof(name)), -ENOENT);
}

static void uts_self_and_arguments(void **state)
{
	struct utsname mine;
	char name[65];
	int rc;

	(void)state;
	assert_int_equal(uts_hostname(0, name, sizeof(name)), -EINVAL);
	assert_int_equal(uts_hostname(-1, name, sizeof(name)), -EINVAL);
	assert_int_equal(uts_hostname(getpid(), name, 0), -EINVAL);
	/* a pid above any pid_max (2^22) names no process */
	assert_int_equal(uts_hostname(5000000, name, sizeof(name)), -ENOENT);
	assert_int_equal(uname(&mine), 0);
	rc = uts_hostname(getpid(), name, sizeof(name));
	if (rc == -EPERM && geteuid() != 0) {
		print_message("skipped: setns needs CAP_SYS_ADMIN\n");
		skip();
	}
	assert_int_equal(rc, 0);
	assert_string_equal(name, mine.nodename);
}

/* Without CAP_SYS_ADMIN setns refuses, even into one's own namespace. */
static void uts_without_capability(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: dropping to another uid needs root\n");
		skip();
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char name[65];

		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(2);
		_exit(uts_hostname(getpid(), name, sizeof(name)) == -EPERM ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_layout),
		cmocka_unit_test(every_fixture_is_expected),
		cmocka_unit_test(nul_bytes),
		cmocka_unit_test(long_lines),
		cmocka_unit_test(length_bounds),
		cmocka_unit_test(line_forms),
		cmocka_unit_test(line_ranking),
		cmocka_unit_test(names),
		cmocka_unit_test(name_sizes),
		cmocka_unit_test(short_id),
		cmocka_unit_test(nspid_captures),
		cmocka_unit_test(nspid_broken),
		cmocka_unit_test(nspid_text),
		cmocka_unit_test(nspid_live),
		cmocka_unit_test(uts_real_namespace),
		cmocka_unit_test(uts_self_and_arguments),
		cmocka_unit_test(uts_without_capability),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
