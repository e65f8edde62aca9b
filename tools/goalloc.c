// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc: look at and drive the goalloc allocator from user space.
 *
 * The commands and options are in usage[] below (goalloc --help).  Sizes
 * may be given as 4096, 4k, 1.5M or 1G (powers of 1024); byte counts are
 * printed the same way unless --bytes asks for raw numbers.
 *
 * Exit status: 0 done; 1 the command failed (module not loaded, not root,
 * an ioctl error); 2 bad usage (unknown command or option, bad size).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "../include/uapi/goalloc.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define DEV	"/dev/goalloc"
#define DEBUGFS	"/sys/kernel/debug/goalloc"

static const char usage[] =
	"usage: goalloc COMMAND [ARGS]\n"
	"  stats [--json] [--bytes] [--describe]\n"
	"                            allocator totals (debugfs stats); --describe says\n"
	"                            what each one is\n"
	"  classes [--json]          per size class\n"
	"  heap [--json] [--bytes]   chunks and free page runs\n"
	"  cpus [--json]             per CPU: cached objects, path counters\n"
	"  nodes [--json]            per NUMA node: CPUs, chunks, free bytes, spans\n"
	"  flush                     give cached and free memory back now (root)\n"
	"  top [-n N] [-d SECONDS] [--json]\n"
	"                            refreshing view of the busiest classes; --json: a\n"
	"                            JSON line per sample, for scripts/plots.sh\n"
	"  profile [-n N] [--bytes]  the heap profile's top N call sites (10) by bytes\n"
	"                            in use (root; debugfs profile is for go tool pprof)\n"
	"  alloc SIZE [COUNT] [--noscan]\n"
	"                            allocate through /dev/goalloc, show the change in\n"
	"                            the statistics, free on exit\n"
	"  session                   alloc/free/stats commands from stdin\n"
	"  replay FILE               run an alloc/free trace in the kernel\n"
	"  bench [-n COUNT] [SIZE...]\n"
	"                            allocation rate by size\n"
	"  --help, --version\n"
	"SIZE: 4096, 4k, 1.5M, 1G (powers of 1024).\n"
	"Exit status: 0 done, 1 the command failed, 2 bad usage.\n";

static void die(const char *msg)
{
	fprintf(stderr, "goalloc: %s\n", msg);
	exit(1);
}

/* Bad usage: say what, point at --help, exit 2. */
static void usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "goalloc: %s '%s'; see 'goalloc --help'\n", what, arg);
	exit(2);
}

/* "4096", "4k", "1.5M", "1G" (powers of 1024) as bytes; exits 2 if not a size. */
static uint64_t parse_size(const char *s)
{
	static const char units[] = "kmgt";
	const char *u;
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !(v >= 0))	/* NaN too */
		usage_error("not a size", s);
	if (*end) {
		u = strchr(units, end[0] | 0x20);
		if (!u || end[1] || !end[0])
			usage_error("not a size (want e.g. 4096, 4k, 1.5M)", s);
		v *= (double)(1ULL << (10 * (u - units + 1)));
	}
	if (v >= 18446744073709551615.0)
		usage_error("size too large", s);
	return (uint64_t)v;
}

/* @bytes as "100 B", "4.0 KiB", "1.5 MiB", "2.0 GiB". */
static const char *human(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = bytes;
	unsigned int u = 0;

	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	if (u)
		snprintf(buf, len, "%.1f %s", v, units[u]);
	else
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	return buf;
}

/* The statistics, their descriptions (include/uapi/goalloc.h's one list). */
static const struct {
	const char *name, *desc;
} stat_list[] = {
#define STAT_ENTRY(name, desc)	{ #name, desc },
	GOALLOC_STATS(STAT_ENTRY)
#undef STAT_ENTRY
};

/* Whether statistic or heap line @name counts bytes: its description says so. */
static int is_bytes(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stat_list); i++)
		if (!strcmp(stat_list[i].name, name))
			return !strncmp(stat_list[i].desc, "bytes", 5);
	return strstr(name, "_bytes") != NULL;
}

static int open_dev(void)
{
	int fd = open(DEV, O_RDWR);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		die(DEV " does not exist: load the module first (modprobe goalloc, or insmod goalloc.ko)");
	if (errno == EACCES)
		die(DEV " is root-only: run as root, or load goalloc with dev_mode=0666");
	fprintf(stderr, "goalloc: cannot open " DEV ": %s\n", strerror(errno));
	exit(1);
}

static int debugfs_mounted(void)
{
	char line[512];
	FILE *m = fopen("/proc/mounts", "r");
	int found = 0;

	while (m && !found && fgets(line, sizeof(line), m))
		found = strstr(line, " /sys/kernel/debug debugfs ") != NULL;
	if (m)
		fclose(m);
	return found;
}

static FILE *open_debugfs(const char *name)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), DEBUGFS "/%s", name);
	f = fopen(path, "r");
	if (f)
		return f;
	/* debugfs is root-only (0700): a user sees EACCES, not ENOENT */
	if (errno == EACCES || (access(DEBUGFS, F_OK) != 0 && errno == EACCES))
		die("the statistics are in debugfs, which only root can read: run as root");
	if (access(DEBUGFS, F_OK) == 0)
		fprintf(stderr, "goalloc: cannot read %s: %s\n", path, strerror(errno));
	else if (access("/sys/module/goalloc", F_OK) != 0)
		die("goalloc is not loaded: modprobe goalloc, or insmod goalloc.ko");
	else if (!debugfs_mounted())
		die("debugfs is not mounted: mount -t debugfs none /sys/kernel/debug");
	else
		die("goalloc has no directory in debugfs (a kernel without CONFIG_DEBUG_FS?)");
	exit(1);
}

/* Read a whitespace table (first line: column names) into rows of fields. */
#define MAXCOLS	16
#define MAXROWS	128
struct table {
	int ncols, nrows;
	char *cols[MAXCOLS];
	char *cells[MAXROWS][MAXCOLS];
};

static void read_table(const char *name, struct table *t)
{
	FILE *f = open_debugfs(name);
	char line[512];
	int first = 1;

	memset(t, 0, sizeof(*t));
	while (fgets(line, sizeof(line), f) && t->nrows < MAXROWS) {
		char *tok, *save = NULL;
		int c = 0;

		for (tok = strtok_r(line, " \t\n", &save); tok && c < MAXCOLS;
		     tok = strtok_r(NULL, " \t\n", &save), c++) {
			if (first)
				t->cols[c] = strdup(tok);
			else
				t->cells[t->nrows][c] = strdup(tok);
		}
		if (first) {
			t->ncols = c;
			first = 0;
		} else if (c) {
			t->nrows++;
		}
	}
	fclose(f);
}

static void print_table(struct table *t, int json, int name_value)
{
	int w[MAXCOLS] = { 0 }, r, c;

	if (json && name_value) {
		printf("{");
		for (r = 0; r < t->nrows; r++)
			printf("%s\"%s\": %s", r ? ", " : "", t->cells[r][0], t->cells[r][1]);
		printf("}\n");
		return;
	}
	if (json) {
		printf("[");
		for (r = 0; r < t->nrows; r++) {
			printf("%s{", r ? ",\n " : "");
			for (c = 0; c < t->ncols; c++)
				printf("%s\"%s\": %s", c ? ", " : "", t->cols[c], t->cells[r][c]);
			printf("}");
		}
		printf("]\n");
		return;
	}
	for (c = 0; c < t->ncols; c++) {
		w[c] = strlen(t->cols[c]);
		for (r = 0; r < t->nrows; r++)
			if (t->cells[r][c] && (int)strlen(t->cells[r][c]) > w[c])
				w[c] = strlen(t->cells[r][c]);
	}
	if (!name_value) {
		for (c = 0; c < t->ncols; c++)
			printf("%*s%s", w[c], t->cols[c], c + 1 < t->ncols ? "  " : "\n");
	}
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			printf(name_value && c == 0 ? "%-*s%s" : "%*s%s", w[c],
			       t->cells[r][c] ? t->cells[r][c] : "-", c + 1 < t->ncols ? "  " : "\n");
}

/* stats, classes, heap, cpus: a debugfs table, with the options @allowed of --json --bytes --describe. */
static int cmd_table(int argc, char **argv, const char *file, int name_value, const char *allowed)
{
	int json = 0, bytes = 0, describe = 0, i, r;
	char buf[32];
	struct table t;

	for (i = 1; i < argc; i++) {
		const char *a = strstr(allowed, argv[i]);
		size_t n = strlen(argv[i]);

		/* a whole word of @allowed */
		if (!n || !a || (a > allowed && a[-1] != ' ') || (a[n] && a[n] != ' '))
			usage_error("unknown option", argv[i]);
		json |= !strcmp(argv[i], "--json");
		bytes |= !strcmp(argv[i], "--bytes");
		describe |= !strcmp(argv[i], "--describe");
	}
	if (describe) {
		for (i = 0; i < (int)ARRAY_SIZE(stat_list); i++)
			printf("%-24s %s\n", stat_list[i].name, stat_list[i].desc);
		return 0;
	}
	read_table(file, &t);
	if (name_value && !json && !bytes)
		for (r = 0; r < t.nrows; r++)
			if (t.cells[r][0] && t.cells[r][1] && is_bytes(t.cells[r][0]))
				t.cells[r][1] = strdup(human(strtoull(t.cells[r][1], NULL, 10),
							     buf, sizeof(buf)));
	print_table(&t, json, name_value);
	return 0;
}

/* flush: write to debugfs flush. */
static int cmd_flush(int argc, char **argv)
{
	FILE *f;

	if (argc > 1)
		usage_error("flush takes no argument, not", argv[1]);
	fclose(open_debugfs("stats"));	/* names the problem if there is one */
	f = fopen(DEBUGFS "/flush", "w");
	if (!f || fputs("1\n", f) < 0 || fclose(f))
		die("cannot write " DEBUGFS "/flush (only root may flush)");
	printf("flushed: cached and free memory given back\n");
	return 0;
}

static int col(struct table *t, const char *name)
{
	int c;

	for (c = 0; c < t->ncols; c++)
		if (!strcmp(t->cols[c], name))
			return c;
	die("debugfs table lacks a column");
	return -1;
}

/* profile: the top call sites of debugfs profile_top. */
static int cmd_profile(int argc, char **argv)
{
	int n = 10, bytes = 0, shown = 0, i;
	unsigned long long v[4];
	char line[512], b[4][32];
	FILE *f;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--bytes"))
			bytes = 1;
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n = atoi(argv[++i]);
		else
			usage_error("unknown option to profile", argv[i]);
	}
	f = open_debugfs("profile_top");
	printf("%10s %10s %10s %10s  %s\n", "in use", "objects", "allocated", "objects",
	       "call site");
	while (fgets(line, sizeof(line), f) && shown < n) {
		int off = 0;

		if (sscanf(line, "%llu %llu %llu %llu %n", &v[0], &v[1], &v[2], &v[3], &off) < 4 ||
		    !off)
			continue;	/* the comment and header lines */
		line[strcspn(line, "\n")] = 0;
		for (i = 0; i < 4; i++) {
			if (bytes || i & 1)
				snprintf(b[i], sizeof(b[i]), "%llu", v[i]);
			else
				human(v[i], b[i], sizeof(b[i]));
		}
		printf("%10s %10s %10s %10s  %s\n", b[0], b[1], b[2], b[3], line + off);
		shown++;
	}
	fclose(f);
	return 0;
}

/* A value of @t's name-value rows, or 0. */
static unsigned long long row_value(struct table *t, const char *name)
{
	int r;

	for (r = 0; r < t->nrows; r++)
		if (t->cells[r][0] && t->cells[r][1] && !strcmp(t->cells[r][0], name))
			return strtoull(t->cells[r][1], NULL, 10);
	return 0;
}

/* One sample of top --json: a JSON line of the heap's totals and each class's live bytes. */
static void top_json(double t)
{
	static const char *const stats[] = { "heap_sys", "heap_inuse", "heap_idle", "heap_alloc",
					     "heap_released", "heap_objects" };
	static const char *const heap[] = { "scavenge_goal_bytes", "holes_bytes" };
	struct table s, h, c;
	int r, k, size, live;

	read_table("stats", &s);
	read_table("heap", &h);
	read_table("classes", &c);
	size = col(&c, "bytes_per_obj");
	live = col(&c, "live");
	printf("{\"t\": %.2f", t);
	for (k = 0; k < (int)ARRAY_SIZE(stats); k++)
		printf(", \"%s\": %llu", stats[k], row_value(&s, stats[k]));
	for (k = 0; k < (int)ARRAY_SIZE(heap); k++)
		printf(", \"%s\": %llu", heap[k], row_value(&h, heap[k]));
	printf(", \"class_live_bytes\": {");
	for (r = 0, k = 0; r < c.nrows; r++) {
		unsigned long long n = strtoull(c.cells[r][live], NULL, 10);

		if (n)
			printf("%s\"%s\": %llu", k++ ? ", " : "", c.cells[r][size],
			       n * strtoull(c.cells[r][size], NULL, 10));
	}
	printf("}}\n");
	fflush(stdout);
}

static int cmd_top(int argc, char **argv)
{
	int iters = -1, json = 0, i;
	double delay = 2, t = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			iters = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-d") && i + 1 < argc)
			delay = atof(argv[++i]);
		else
			usage_error("unknown option to top", argv[i]);
	}
	if (delay <= 0)
		usage_error("top -d wants a positive number of seconds, not", argv[i - 1]);
	for (i = 0; iters < 0 || i < iters; i++, t += delay) {
		struct table s, c;
		int r, k, live;

		if (json) {
			top_json(t);
			goto next;
		}
		read_table("stats", &s);
		read_table("classes", &c);
		live = col(&c, "live");
		if (isatty(1))
			printf("\033[H\033[J");
		printf("goalloc top (every %g s)\n", delay);
		for (r = 0; r < s.nrows; r++)
			printf("%s %s%s", s.cells[r][0], s.cells[r][1], r % 4 == 3 ? "\n" : "   ");
		printf("\n\n");
		for (r = 1; r < c.nrows; r++)	/* by live objects, most first */
			for (k = r; k > 0 && atoll(c.cells[k][live]) > atoll(c.cells[k - 1][live]); k--) {
				char *tmp[MAXCOLS];

				memcpy(tmp, c.cells[k], sizeof(tmp));
				memcpy(c.cells[k], c.cells[k - 1], sizeof(tmp));
				memcpy(c.cells[k - 1], tmp, sizeof(tmp));
			}
		if (c.nrows > 20)
			c.nrows = 20;
		print_table(&c, 0, 0);
		fflush(stdout);
next:
		if (iters < 0 || i + 1 < iters)
			usleep(delay * 1e6);
	}
	return 0;
}

static struct goalloc_stats_req dev_stats(int fd)
{
	struct goalloc_stats_req r = { .size = sizeof(r) };

	if (ioctl(fd, GOALLOC_IOC_STATS, &r))
		die("GOALLOC_IOC_STATS failed");
	return r;
}

static int alloc_one(int fd, uint64_t bytes, int noscan, uint64_t *handle, uint64_t *usable)
{
	struct goalloc_alloc_req r = {
		.size = sizeof(r), .bytes = bytes, .flags = noscan ? GOALLOC_F_NOSCAN : 0,
	};

	if (ioctl(fd, GOALLOC_IOC_ALLOC, &r))
		return -errno;
	*handle = r.handle;
	*usable = r.usable;
	return 0;
}

static int cmd_alloc(int argc, char **argv)
{
	uint64_t size, count = 1, i, h = 0, usable = 0;
	struct goalloc_stats_req a, b;
	int fd, noscan = 0, ret;

	if (argc > 1 && !strcmp(argv[argc - 1], "--noscan")) {
		noscan = 1;
		argc--;
	}
	if (argc < 2 || argc > 3)
		usage_error("alloc wants SIZE [COUNT] [--noscan], not", argc > 3 ? argv[3] : "nothing");
	size = parse_size(argv[1]);
	if (argc > 2)
		count = parse_size(argv[2]);
	fd = open_dev();
	a = dev_stats(fd);
	for (i = 0; i < count; i++) {
		ret = alloc_one(fd, size, noscan, &h, &usable);
		if (ret) {
			fprintf(stderr, "goalloc: allocation %llu of %llu bytes: %s\n",
				(unsigned long long)i, (unsigned long long)size, strerror(-ret));
			return 1;
		}
		if (i < 8)
			printf("handle %llu: %llu bytes usable\n", (unsigned long long)h,
			       (unsigned long long)usable);
	}
	b = dev_stats(fd);
	printf("%llu objects of %llu bytes%s: heap_alloc +%lld, heap_objects +%lld, heap_sys +%lld\n",
	       (unsigned long long)count, (unsigned long long)size, noscan ? " (noscan)" : "",
	       (long long)(b.heap_alloc - a.heap_alloc), (long long)(b.heap_objects - a.heap_objects),
	       (long long)(b.heap_sys - a.heap_sys));
	close(fd);	/* frees them */
	return 0;
}

static int cmd_session(void)
{
	int fd = open_dev();
	char line[256], word[32];
	unsigned long long a;

	printf("commands: alloc SIZE [noscan] | free HANDLE | stats | quit\n");
	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "%31s", word) == 1 && !strcmp(word, "quit"))
			break;
		if (sscanf(line, "alloc %llu", &a) == 1) {
			uint64_t h = 0, usable = 0;
			int ret = alloc_one(fd, a, strstr(line, "noscan") != NULL, &h, &usable);

			if (ret)
				printf("error: %s\n", strerror(-ret));
			else
				printf("handle %llu (%llu bytes usable)\n", (unsigned long long)h,
				       (unsigned long long)usable);
		} else if (sscanf(line, "free %llu", &a) == 1) {
			struct goalloc_free_req r = { .size = sizeof(r), .handle = a };

			printf("%s\n", ioctl(fd, GOALLOC_IOC_FREE, &r) ? strerror(errno) : "freed");
		} else if (sscanf(line, "%31s", word) == 1 && !strcmp(word, "stats")) {
			struct goalloc_stats_req s = dev_stats(fd);

			printf("heap_alloc %llu heap_objects %llu heap_sys %llu file_objects %llu\n",
			       (unsigned long long)s.heap_alloc, (unsigned long long)s.heap_objects,
			       (unsigned long long)s.heap_sys, (unsigned long long)s.file_objects);
		} else {
			printf("unknown command\n");
		}
		fflush(stdout);
	}
	close(fd);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run @n ops through the batch ioctl in chunks.  Returns kernel ns. */
static uint64_t run_batch(int fd, struct goalloc_batch_op *ops, uint32_t n)
{
	struct goalloc_batch_req r = { .size = sizeof(r), .nr = n, .ops = (uintptr_t)ops };

	if (ioctl(fd, GOALLOC_IOC_BATCH, &r)) {
		fprintf(stderr, "goalloc: batch stopped at op %u: %s\n", r.done, strerror(errno));
		exit(1);
	}
	return r.elapsed_ns;
}

static int cmd_replay(int argc, char **argv)
{
	struct goalloc_batch_op *ops = NULL;
	unsigned long long id, size;
	size_t n = 0, cap = 0, maxid = 0, i;
	long *alloc_op;
	char line[256], kind;
	double t0, t1;
	uint64_t ns;
	FILE *f;
	int fd;

	if (argc != 2)
		usage_error("replay wants one FILE (lines: a ID SIZE [noscan] | f ID), not",
			    argc > 2 ? argv[2] : "nothing");
	f = fopen(argv[1], "r");
	if (!f)
		die("cannot open the trace file");
	while (fgets(line, sizeof(line), f)) {
		int k = sscanf(line, " %c %llu %llu", &kind, &id, &size);

		if (k < 2 || line[0] == '#')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			ops = realloc(ops, cap * sizeof(*ops));
			if (!ops)
				die("out of memory");
		}
		memset(&ops[n], 0, sizeof(ops[n]));
		if (kind == 'a' && k == 3) {
			ops[n].op = GOALLOC_OP_ALLOC;
			ops[n].bytes = size;
			ops[n].flags = strstr(line, "noscan") ? GOALLOC_F_NOSCAN : 0;
		} else if (kind == 'f') {
			ops[n].op = GOALLOC_OP_FREE;
		} else {
			die("bad trace line (want: a ID SIZE [noscan] | f ID)");
		}
		ops[n].handle = id;	/* trace id for now */
		if (id > maxid)
			maxid = id;
		n++;
	}
	fclose(f);
	/* map trace ids to the op index of their allocation */
	alloc_op = malloc((maxid + 1) * sizeof(*alloc_op));
	if (!alloc_op)
		die("out of memory");
	for (i = 0; i <= maxid; i++)
		alloc_op[i] = -1;
	for (i = 0; i < n; i++) {
		if (ops[i].op == GOALLOC_OP_ALLOC) {
			alloc_op[ops[i].handle] = i;
		} else {
			id = ops[i].handle;
			if (alloc_op[id] < 0)
				die("trace frees an id it never allocated");
			ops[i].flags = GOALLOC_F_REF;
			ops[i].handle = alloc_op[id];
			alloc_op[id] = -1;
		}
	}
	fd = open_dev();
	t0 = now_s();
	ns = run_batch(fd, ops, n);
	t1 = now_s();
	printf("%zu operations: %.0f ns/op in the kernel, %.0f ops/s wall clock\n", n,
	       n ? (double)ns / n : 0, n / (t1 - t0));
	close(fd);
	free(alloc_op);
	free(ops);
	return 0;
}

static int cmd_bench(int argc, char **argv)
{
	static const uint64_t defaults[] = { 8, 16, 64, 256, 1024, 4096, 32768, 65536, 262144 };
	uint64_t sizes[32], ns;
	int nsizes = 0, opt, i, fd;
	uint32_t n = 10000, j;
	struct goalloc_batch_op *ops;

	optind = 1;
	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n')
			usage_error("unknown option to bench", argv[optind - 1]);
		n = parse_size(optarg);
	}
	for (i = optind; i < argc && nsizes < 32; i++)
		sizes[nsizes++] = parse_size(argv[i]);
	if (!nsizes)
		for (i = 0; i < (int)ARRAY_SIZE(defaults); i++)
			sizes[nsizes++] = defaults[i];
	ops = calloc(2 * (size_t)n, sizeof(*ops));
	if (!ops || !n)
		die("bad count");
	fd = open_dev();
	printf("%10s %10s %14s\n", "size", "ns/op", "ops/s");
	for (i = 0; i < nsizes; i++) {
		uint32_t count = sizes[i] > 65536 ? (n < 200 ? n : 200) : n;

		for (j = 0; j < count; j++) {
			ops[j] = (struct goalloc_batch_op){ .op = GOALLOC_OP_ALLOC, .bytes = sizes[i] };
			ops[count + j] = (struct goalloc_batch_op){
				.op = GOALLOC_OP_FREE, .flags = GOALLOC_F_REF, .handle = j,
			};
		}
		ns = run_batch(fd, ops, 2 * count);
		printf("%10llu %10.0f %14.0f\n", (unsigned long long)sizes[i],
		       (double)ns / (2 * count), 2 * count * 1e9 / ns);
	}
	close(fd);
	free(ops);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("goalloc " GOALLOC_VERSION "\n");
		return 0;
	}
	argc--;
	argv++;
	if (!strcmp(cmd, "stats"))
		return cmd_table(argc, argv, "stats", 1, "--json --bytes --describe");
	if (!strcmp(cmd, "classes"))
		return cmd_table(argc, argv, "classes", 0, "--json");
	if (!strcmp(cmd, "heap"))
		return cmd_table(argc, argv, "heap", 1, "--json --bytes");
	if (!strcmp(cmd, "cpus"))
		return cmd_table(argc, argv, "cpus", 0, "--json");
	if (!strcmp(cmd, "nodes"))
		return cmd_table(argc, argv, "nodes", 0, "--json");
	if (!strcmp(cmd, "flush"))
		return cmd_flush(argc, argv);
	if (!strcmp(cmd, "profile"))
		return cmd_profile(argc, argv);
	if (!strcmp(cmd, "top"))
		return cmd_top(argc, argv);
	if (!strcmp(cmd, "alloc"))
		return cmd_alloc(argc, argv);
	if (!strcmp(cmd, "free"))
		die("handles belong to the file that allocated them: use 'goalloc session'");
	if (!strcmp(cmd, "session"))
		return cmd_session();
	if (!strcmp(cmd, "replay"))
		return cmd_replay(argc, argv);
	if (!strcmp(cmd, "bench"))
		return cmd_bench(argc, argv);
	usage_error(cmd[0] == '-' ? "unknown option" : "unknown command", cmd);
	return 2;
}
