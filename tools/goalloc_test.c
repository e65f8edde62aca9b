// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc_test: user-space tests of /dev/goalloc, run inside the VM.
 *
 * Every ioctl's success path and error paths, contents written and read
 * back, many threads on one file, close frees all, per-file limits,
 * root-only permissions, and a randomized ioctl fuzzer after which the
 * statistics are back at their baseline.  Prints "ok"/"not ok" per test
 * and a closing "N passed, N failed"; exits non-zero on any failure.
 *
 * Usage: goalloc_test [-d /dev/goalloc] [-f FUZZ_SECONDS]
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../include/uapi/goalloc.h"

static const char *dev = "/dev/goalloc";
static int fuzz_seconds = 10;
static int passed, failed;
static char why[256];

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Record why a test failed; returns -1 for "return fail(...)". */
static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return -1;
}

/* ioctl returning -errno, so tests compare with -EINVAL etc. */
static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int open_dev(void)
{
	int fd = open(dev, O_RDWR);

	if (fd < 0) {
		fprintf(stderr, "cannot open %s: %s (is goalloc.ko loaded?)\n", dev,
			strerror(errno));
		exit(2);
	}
	return fd;
}

static int g_alloc(int fd, uint64_t bytes, uint32_t flags, uint64_t *handle, uint64_t *usable)
{
	struct goalloc_alloc_req r = { .size = sizeof(r), .flags = flags, .bytes = bytes };
	int ret = xioctl(fd, GOALLOC_IOC_ALLOC, &r);

	if (!ret) {
		*handle = r.handle;
		if (usable)
			*usable = r.usable;
	}
	return ret;
}

static int g_free(int fd, uint64_t handle)
{
	struct goalloc_free_req r = { .size = sizeof(r), .handle = handle };

	return xioctl(fd, GOALLOC_IOC_FREE, &r);
}

static int g_rw(int fd, int write, uint64_t handle, uint64_t off, uint64_t len, void *buf)
{
	struct goalloc_rw_req r = {
		.size = sizeof(r), .handle = handle, .offset = off, .len = len,
		.buf = (uintptr_t)buf,
	};

	return xioctl(fd, write ? GOALLOC_IOC_WRITE : GOALLOC_IOC_READ, &r);
}

static struct goalloc_stats_req g_stats(int fd)
{
	struct goalloc_stats_req r = { .size = sizeof(r) };

	if (xioctl(fd, GOALLOC_IOC_STATS, &r))
		memset(&r, 0xff, sizeof(r));
	return r;
}

/* Live objects seen from a fresh file (so this file's own hold nothing). */
static uint64_t live_objects(void)
{
	int fd = open_dev();
	uint64_t n = g_stats(fd).heap_objects;

	close(fd);
	return n;
}

/* === tests === */

static int test_alloc_write_read_free(void)
{
	static const uint64_t sizes[] = { 1, 7, 15, 16, 100, 4096, 32768, 32769, 1 << 20, 4 << 20 };
	int fd = open_dev();
	unsigned int i, flags;

	for (flags = 0; flags < 4; flags++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			uint64_t h, usable, n = sizes[i], j;
			unsigned char *in = malloc(n), *out = malloc(n);

			if (!(in && out))
				return fail("malloc");
			if (g_alloc(fd, n, flags, &h, &usable))
				return fail("alloc %llu flags %u", (unsigned long long)n, flags);
			if (!(h != 0 && usable >= n))
				return fail("handle %llu usable %llu for %llu",
					    (unsigned long long)h, (unsigned long long)usable,
					    (unsigned long long)n);
			/* fresh memory reads as zeroes, with or without GOALLOC_F_ZERO */
			if (g_rw(fd, 0, h, 0, n, out))
				return fail("read");
			for (j = 0; j < n; j++)
				if (out[j])
					return fail("byte %llu of a fresh object is %u",
						    (unsigned long long)j, out[j]);
			for (j = 0; j < n; j++)
				in[j] = (unsigned char)(j * 13 + n);
			if (g_rw(fd, 1, h, 0, n, in))
				return fail("write");
			memset(out, 0, n);
			if (g_rw(fd, 0, h, 0, n, out))
				return fail("read back");
			if (memcmp(in, out, n))
				return fail("contents differ for %llu bytes",
					    (unsigned long long)n);
			if (n > 2) {	/* at an offset */
				if (g_rw(fd, 0, h, 1, n - 2, out))
					return fail("read at offset");
				if (memcmp(in + 1, out, n - 2))
					return fail("offset contents");
			}
			if (g_free(fd, h))
				return fail("free");
			free(in);
			free(out);
		}
	}
	close(fd);
	return 0;
}

static int test_errors(void)
{
	int fd = open_dev();
	struct goalloc_alloc_req a = { .size = sizeof(a), .bytes = 64 };
	struct goalloc_free_req fr = { .size = sizeof(fr) };
	struct goalloc_rw_req rw = { .size = sizeof(rw) };
	struct goalloc_batch_req b = { .size = sizeof(b) };
	char buf[64], big[sizeof(a) + 8];
	uint64_t h, usable;

	/* unknown handle */
	if (!(g_free(fd, 12345) == -ENOENT))
		return fail("free of unknown handle");
	if (!(g_free(fd, 0) == -ENOENT))
		return fail("free of handle 0");
	if (!(g_free(fd, 1ULL << 40) == -ENOENT))
		return fail("free of huge handle");
	if (!(g_rw(fd, 0, 999, 0, 1, buf) == -ENOENT))
		return fail("read of unknown handle");
	/* bad sizes and flags */
	if (!(g_alloc(fd, 0, 0, &h, NULL) == -EINVAL))
		return fail("alloc of 0 bytes");
	if (!(g_alloc(fd, (4 << 20) + 1, 0, &h, NULL) == -EINVAL))
		return fail("alloc over 4 MiB");
	if (!(g_alloc(fd, UINT64_MAX, 0, &h, NULL) == -EINVAL))
		return fail("alloc of 2^64-1");
	if (!(g_alloc(fd, 8, 1U << 7, &h, NULL) == -EINVAL))
		return fail("unknown alloc flag");
	a.size = sizeof(a) - 8;
	if (!(xioctl(fd, GOALLOC_IOC_ALLOC, &a) == -EINVAL))
		return fail("short request size");
	/* a longer request is fine if its tail is zero, E2BIG if not */
	memset(big, 0, sizeof(big));
	a.size = sizeof(big);
	memcpy(big, &a, sizeof(a));
	if (!(xioctl(fd, GOALLOC_IOC_ALLOC, big) == 0))
		return fail("longer request with zero tail");
	memcpy(&a, big, sizeof(a));
	if (g_free(fd, a.handle))
		return fail("free of longer-request object");
	big[sizeof(big) - 1] = 1;
	if (!(xioctl(fd, GOALLOC_IOC_ALLOC, big) == -E2BIG))
		return fail("longer request with junk tail");
	fr.reserved = 1;
	if (!(xioctl(fd, GOALLOC_IOC_FREE, &fr) == -EINVAL))
		return fail("free with reserved field");
	/* bad user pointers */
	if (!(xioctl(fd, GOALLOC_IOC_ALLOC, (void *)16) == -EFAULT))
		return fail("alloc request at a bad address");
	if (!(xioctl(fd, GOALLOC_IOC_STATS, NULL) == -EFAULT))
		return fail("stats at NULL");
	if (g_alloc(fd, 100, 0, &h, &usable))
		return fail("alloc 100");
	if (!(g_rw(fd, 1, h, 0, 10, (void *)8) == -EFAULT))
		return fail("write from a bad buffer");
	if (!(g_rw(fd, 0, h, 0, 10, (void *)8) == -EFAULT))
		return fail("read into a bad buffer");
	/* out of bounds and overflow */
	if (!(g_rw(fd, 0, h, 0, usable + 1, buf) == -EINVAL))
		return fail("read past the end");
	if (!(g_rw(fd, 1, h, usable, 1, buf) == -EINVAL))
		return fail("write at the end");
	if (!(g_rw(fd, 0, h, UINT64_MAX, 2, buf) == -EINVAL))
		return fail("offset + len overflow");
	if (!(g_rw(fd, 0, h, 0, 0, buf) == 0))
		return fail("zero-length read");
	rw.handle = h;
	rw.reserved = 1;
	if (!(xioctl(fd, GOALLOC_IOC_READ, &rw) == -EINVAL))
		return fail("rw with reserved field");
	/* batch: bad op, too many, bad pointer */
	b.nr = GOALLOC_BATCH_MAX + 1;
	if (!(xioctl(fd, GOALLOC_IOC_BATCH, &b) == -EINVAL))
		return fail("batch too long");
	b.nr = 1;
	b.ops = 8;
	if (!(xioctl(fd, GOALLOC_IOC_BATCH, &b) == -EFAULT))
		return fail("batch ops at a bad address");
	/* unknown ioctl */
	if (!(xioctl(fd, _IO(GOALLOC_IOC_MAGIC, 99), NULL) == -ENOTTY))
		return fail("unknown ioctl");
	if (!(xioctl(fd, _IOWR('G', 1, struct goalloc_alloc_req), &a) == -ENOTTY))
		return fail("the old magic 'G'");
	if (!(xioctl(fd, _IOW('x', 1, int), buf) == -ENOTTY))
		return fail("foreign ioctl");
	/* nothing above changed the object */
	if (!(g_stats(fd).file_objects == 1))
		return fail("file holds %llu objects",
			    (unsigned long long)g_stats(fd).file_objects);
	if (g_free(fd, h))
		return fail("free");
	if (!(g_free(fd, h) == -ENOENT))
		return fail("double free of a handle");
	close(fd);
	return 0;
}

static int test_batch(void)
{
	int fd = open_dev();
	enum { N = 5000 };
	struct goalloc_batch_op *ops = calloc(2 * N, sizeof(*ops));
	struct goalloc_batch_req b = { .size = sizeof(b), .nr = 2 * N };
	uint64_t base = g_stats(fd).heap_objects;
	int i;

	if (!(ops))
		return fail("calloc");
	for (i = 0; i < N; i++) {
		ops[i].op = GOALLOC_OP_ALLOC;
		ops[i].bytes = 1 + (i * 37) % 3000;
		ops[i].flags = i % 3 ? 0 : GOALLOC_F_NOSCAN;
		ops[N + i].op = GOALLOC_OP_FREE;
		ops[N + i].flags = GOALLOC_F_REF;
		ops[N + i].handle = N - 1 - i;
	}
	b.ops = (uintptr_t)ops;
	if (xioctl(fd, GOALLOC_IOC_BATCH, &b))
		return fail("batch: %s", strerror(-b.error));
	if (!(b.done == 2 * N && b.error == 0))
		return fail("batch done %u error %d", b.done, b.error);
	if (!(b.elapsed_ns > 0))
		return fail("batch elapsed 0");
	for (i = 0; i < N; i++)
		if (!(ops[i].handle != 0))
			return fail("op %d handle", i);
	if (!(g_stats(fd).heap_objects == base))
		return fail("objects after batch");
	/* a bad op stops the batch and says where */
	ops[0].op = GOALLOC_OP_ALLOC;
	ops[0].bytes = 64;
	ops[1].op = 77;
	b.nr = 2;
	if (!(xioctl(fd, GOALLOC_IOC_BATCH, &b) == -EINVAL))
		return fail("bad op");
	if (!(b.done == 1 && b.error == -EINVAL))
		return fail("done %u error %d", b.done, b.error);
	if (!(g_stats(fd).file_objects == 1))
		return fail("one object from the partial batch");
	/* REF to a later op is refused */
	ops[0].op = GOALLOC_OP_FREE;
	ops[0].flags = GOALLOC_F_REF;
	ops[0].handle = 0;
	b.nr = 1;
	if (!(xioctl(fd, GOALLOC_IOC_BATCH, &b) == -EINVAL))
		return fail("REF to itself");
	free(ops);
	close(fd);
	return 0;
}

#define THREADS 8
static int shared_fd;
static int thread_errors;

static void *thread_fn(void *arg)
{
	unsigned int seed = (uintptr_t)arg, i;
	unsigned char buf[512], back[512];
	uint64_t h[32] = { 0 }, usable;

	for (i = 0; i < 3000; i++) {
		/* at least 8 bytes: each object holds its own handle */
		unsigned int k = rand_r(&seed) % 32, n = rand_r(&seed) % 505 + 8;

		if (h[k]) {
			if (g_rw(shared_fd, 0, h[k], 0, 8, back) ||
			    memcmp(back, &h[k], 8) || g_free(shared_fd, h[k]))
				__atomic_add_fetch(&thread_errors, 1, __ATOMIC_RELAXED);
			h[k] = 0;
			continue;
		}
		if (g_alloc(shared_fd, n, 0, &h[k], &usable) || usable < 8) {
			__atomic_add_fetch(&thread_errors, 1, __ATOMIC_RELAXED);
			h[k] = 0;
			continue;
		}
		memcpy(buf, &h[k], 8);
		if (g_rw(shared_fd, 1, h[k], 0, 8, buf))
			__atomic_add_fetch(&thread_errors, 1, __ATOMIC_RELAXED);
	}
	for (i = 0; i < 32; i++)
		if (h[i] && g_free(shared_fd, h[i]))
			__atomic_add_fetch(&thread_errors, 1, __ATOMIC_RELAXED);
	return NULL;
}

static int test_threads_share_a_file(void)
{
	pthread_t t[THREADS];
	uint64_t base = live_objects();
	int i;

	shared_fd = open_dev();
	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, thread_fn, (void *)(uintptr_t)(i + 1));
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	if (!(thread_errors == 0))
		return fail("%d errors in threads", thread_errors);
	if (!(g_stats(shared_fd).file_objects == 0))
		return fail("objects left");
	close(shared_fd);
	if (!(live_objects() == base))
		return fail("live objects not back to baseline");
	return 0;
}

static int test_close_frees_all(void)
{
	uint64_t base = live_objects(), h;
	int fd = open_dev(), i;

	for (i = 0; i < 2000; i++)
		if (g_alloc(fd, 1 + i % 70000, i & 1 ? GOALLOC_F_NOSCAN : 0, &h, NULL))
			return fail("alloc %d", i);
	if (!(live_objects() == base + 2000))
		return fail("live objects while open");
	close(fd);
	if (!(live_objects() == base))
		return fail("live objects after close");
	return 0;
}

/* Write @value to @path; 0 or -1. */
static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, value, strlen(value)) == (ssize_t)strlen(value);
	close(fd);
	return ok ? 0 : -1;
}

static int write_param(const char *name, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/goalloc/parameters/%s", name);
	return write_file(path, value);
}

static int test_limits(void)
{
	int fd = open_dev(), ret = 0, i;
	uint64_t h;

	if (write_param("max_objects", "100"))
		return fail("set max_objects");
	for (i = 0; i < 100; i++)
		if (g_alloc(fd, 8, 0, &h, NULL))
			return fail("alloc %d under the limit", i);
	if (g_alloc(fd, 8, 0, &h, NULL) != -ENOSPC)
		ret = -1, snprintf(why, sizeof(why), "101st object not ENOSPC");
	write_param("max_objects", "1048576");
	close(fd);
	if (ret)
		return ret;
	fd = open_dev();
	if (write_param("max_bytes", "1000000"))
		return fail("set max_bytes");
	if (g_alloc(fd, 900000, 0, &h, NULL))
		return fail("alloc under the byte limit");
	if (g_alloc(fd, 200000, 0, &h, NULL) != -ENOMEM)
		ret = -1, snprintf(why, sizeof(why), "over the byte limit not ENOMEM");
	write_param("max_bytes", "268435456");
	close(fd);
	if (ret)
		return ret;
	/*
	 * The limit counts usable bytes: 4000 bytes use 4096, so after two
	 * of them 1800 more (2048 usable) would pass a test of requested
	 * bytes against 10000 but hold 10240.  (In debug mode usable bytes
	 * are the requested ones, and the third object fits.)
	 */
	fd = open_dev();
	if (write_param("max_bytes", "10000"))
		return fail("set max_bytes");
	if (g_alloc(fd, 4000, 0, &h, NULL) || g_alloc(fd, 4000, 0, &h, NULL))
		ret = fail("two objects of 4000 bytes under 10000");
	else if (g_alloc(fd, 1800, 0, &h, NULL) == 0 && g_stats(fd).file_bytes > 10000)
		ret = fail("%llu usable bytes held under a limit of 10000",
			   (unsigned long long)g_stats(fd).file_bytes);
	write_param("max_bytes", "268435456");
	close(fd);
	return ret;
}

/* max_dev_bytes bounds all open files together. */
static int test_device_limit(void)
{
	int fd1 = open_dev(), fd2 = open_dev(), ret = 0;
	char old[64] = "";
	uint64_t h1, h2;
	int pfd = open("/sys/module/goalloc/parameters/max_dev_bytes", O_RDONLY);

	if (pfd < 0 || read(pfd, old, sizeof(old) - 1) <= 0)
		return fail("read max_dev_bytes");
	close(pfd);
	old[strcspn(old, "\n")] = 0;
	if (write_param("max_dev_bytes", "1000000"))
		return fail("set max_dev_bytes");
	if (g_alloc(fd1, 600000, 0, &h1, NULL))
		ret = fail("first file under the device limit");
	else if (g_alloc(fd2, 600000, 0, &h2, NULL) != -ENOMEM)
		ret = fail("second file over the device limit not ENOMEM");
	else if (g_free(fd1, h1) || g_alloc(fd2, 600000, 0, &h2, NULL))
		ret = fail("room again after the first file freed");
	close(fd1);
	close(fd2);
	/* a closed file's bytes come back too */
	fd1 = open_dev();
	if (!ret && g_alloc(fd1, 900000, 0, &h1, NULL))
		ret = fail("the device limit's bytes came back at close");
	close(fd1);
	write_param("max_dev_bytes", old);
	return ret;
}

/*
 * The ABI grows: requests are read by their own size, whatever size the
 * command encodes; older replies are cut to the caller's size, newer
 * requests need a zero tail; sizes above a page are E2BIG.
 */
static int test_abi_sizes(void)
{
	struct goalloc_stats_req st;
	unsigned char buf[8192];
	int fd = open_dev();
	uint64_t h;

	if (g_alloc(fd, 100, 0, &h, NULL))
		return fail("alloc");
	/* an old caller: STATS of version 1's size, nothing written past it */
	memset(buf, 0xee, sizeof(buf));
	*(uint32_t *)buf = GOALLOC_STATS_REQ_SIZE_VER0;
	if (xioctl(fd, GOALLOC_IOC_STATS, buf))
		return fail("STATS of the first version's size");
	memcpy(&st, buf, sizeof(st));
	if (!(st.version == GOALLOC_ABI_VERSION && st.file_objects == 1))
		return fail("old STATS: version %u, file_objects %llu", st.version,
			    (unsigned long long)st.file_objects);
	if (buf[GOALLOC_STATS_REQ_SIZE_VER0] != 0xee)
		return fail("STATS wrote past the caller's size");
	/* a newer caller: bigger struct with a zero tail, command of its size */
	memset(buf, 0, sizeof(buf));
	*(uint32_t *)buf = sizeof(st) + 64;
	if (xioctl(fd, _IOWR(GOALLOC_IOC_MAGIC, 6, char[sizeof(st) + 64]), buf))
		return fail("STATS of a newer, longer size");
	memcpy(&st, buf, sizeof(st));
	if (!(st.meta_sys > 0 && st.debug_reports != UINT64_MAX && st.file_objects == 1))
		return fail("newer STATS: meta_sys %llu", (unsigned long long)st.meta_sys);
	/* ALLOC through a command that encodes another size */
	memset(buf, 0, sizeof(buf));
	((struct goalloc_alloc_req *)buf)->size = 64;
	((struct goalloc_alloc_req *)buf)->bytes = 64;
	if (xioctl(fd, _IOWR(GOALLOC_IOC_MAGIC, 1, char[64]), buf))
		return fail("ALLOC with a command of a newer size");
	if (g_free(fd, ((struct goalloc_alloc_req *)buf)->handle))
		return fail("free what the newer ALLOC made");
	/* more than a page: E2BIG, before anything is read */
	*(uint32_t *)buf = 4097;
	if (!(xioctl(fd, GOALLOC_IOC_STATS, buf) == -E2BIG))
		return fail("a 4097-byte request not E2BIG");
	*(uint32_t *)buf = UINT32_MAX;
	if (!(xioctl(fd, GOALLOC_IOC_ALLOC, buf) == -E2BIG))
		return fail("a 4 GiB request not E2BIG");
	close(fd);
	return 0;
}

/* A batch of @pairs allocations of @bytes and their frees: slow on purpose. */
static struct goalloc_batch_op *slow_batch(unsigned int pairs, uint64_t bytes,
					   struct goalloc_batch_req *b)
{
	struct goalloc_batch_op *ops = calloc(2 * pairs, sizeof(*ops));
	unsigned int i;

	if (!ops)
		return NULL;
	for (i = 0; i < pairs; i++) {
		ops[2 * i].op = GOALLOC_OP_ALLOC;
		ops[2 * i].bytes = bytes;
		ops[2 * i + 1].op = GOALLOC_OP_FREE;
		ops[2 * i + 1].flags = GOALLOC_F_REF;
		ops[2 * i + 1].handle = 2 * i;
	}
	*b = (struct goalloc_batch_req) { .size = sizeof(*b), .nr = 2 * pairs,
					  .ops = (uintptr_t)ops };
	return ops;
}

static uint32_t min_u32(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct stats_probe {
	int fd;
	double took;
};

static void *stats_probe_fn(void *arg)
{
	struct stats_probe *p = arg;
	double t0;

	usleep(200000);		/* the batch is running by now */
	t0 = now_s();
	g_stats(p->fd);
	p->took = now_s() - t0;
	return NULL;
}

/*
 * A long batch can be killed at once, and does not hold up another
 * thread's STATS on the same file; a file closed while a batch runs frees
 * everything once the batch is over.
 */
static int test_killed_batch(void)
{
	struct goalloc_batch_req b;
	struct goalloc_batch_op *ops;
	uint64_t base = live_objects();
	struct stats_probe probe;
	pthread_t t;
	double t0, killed;
	int status, fd;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		fd = open_dev();
		ops = slow_batch(GOALLOC_BATCH_MAX / 2, 4 << 20, &b);
		probe.fd = fd;
		if (!ops || pthread_create(&t, NULL, stats_probe_fn, &probe))
			_exit(3);
		if (xioctl(fd, GOALLOC_IOC_BATCH, &b))
			_exit(4);
		pthread_join(t, NULL);
		/* the whole batch ran: report how long STATS waited */
		_exit(probe.took < 1.0 ? 5 : 6);
	}
	if (pid < 0)
		return fail("fork");
	usleep(500000);
	t0 = now_s();
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		return fail("waitpid");
	killed = now_s() - t0;
	if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
		return fail("the batch ended before the kill (status %d): make it longer", status);
	if (killed > 2.0)
		return fail("SIGKILL took %.2f s to end a batch", killed);
	if (live_objects() != base)
		return fail("a killed batch left %llu objects",
			    (unsigned long long)(live_objects() - base));
	/*
	 * STATS on the same file while a batch runs: a batch sized to last
	 * about a second here (under TCG and KASAN as on hardware), from a
	 * short one timed first.
	 */
	fd = open_dev();
	ops = slow_batch(64, 65536, &b);
	if (!ops || xioctl(fd, GOALLOC_IOC_BATCH, &b) || !b.elapsed_ns)
		return fail("timing batch");
	free(ops);
	ops = slow_batch(min_u32(GOALLOC_BATCH_MAX / 2, 64 * 1000000000ULL / b.elapsed_ns + 1),
			 65536, &b);
	probe.fd = fd;
	if (!ops || pthread_create(&t, NULL, stats_probe_fn, &probe))
		return fail("thread");
	xioctl(fd, GOALLOC_IOC_BATCH, &b);
	pthread_join(t, NULL);
	free(ops);
	close(fd);
	if (probe.took > 0.5)
		return fail("STATS waited %.2f s for another thread's batch", probe.took);
	return 0;
}

struct closer {
	int fd;
};

static void *close_fn(void *arg)
{
	usleep(100000);
	close(((struct closer *)arg)->fd);
	return NULL;
}

/* close() racing a batch on the same file: nothing lost, nothing left. */
static int test_racing_close(void)
{
	uint64_t base = live_objects();
	struct goalloc_batch_op ops[2000];
	struct goalloc_batch_req b = { .size = sizeof(b), .nr = 2000, .ops = (uintptr_t)ops };
	struct closer c = { .fd = open_dev() };
	pthread_t t;
	int i;

	for (i = 0; i < 2000; i++)
		ops[i] = (struct goalloc_batch_op) { .op = GOALLOC_OP_ALLOC, .bytes = 1 + i * 13 % 40000 };
	if (pthread_create(&t, NULL, close_fn, &c))
		return fail("thread");
	xioctl(c.fd, GOALLOC_IOC_BATCH, &b);	/* may fail with EBADF: fine */
	pthread_join(t, NULL);
	if (live_objects() != base)
		return fail("%llu objects live after a close raced a batch",
			    (unsigned long long)(live_objects() - base));
	return 0;
}

static int test_root_only(void)
{
	struct stat st;
	pid_t pid;
	int status;

	if (stat(dev, &st))
		return fail("stat %s", dev);
	if (!((st.st_mode & 0777) == 0600))
		return fail("mode %o", st.st_mode & 0777);
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(3);
		_exit(open(dev, O_RDWR) < 0 && errno == EACCES ? 0 : 1);
	}
	if (!(pid > 0 && waitpid(pid, &status, 0) == pid))
		return fail("fork");
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		return fail("an unprivileged user could open %s (status %d)", dev, status);
	return 0;
}

/*
 * Dirty an object of @bytes, free it, then take one of the same size (with
 * GOALLOC_F_ZERO, and without): every usable byte must read zero, so
 * nothing the previous owner or the allocator left reaches user space.
 * Objects over 64 KiB are dirtied and read in their first 4 KiB and last
 * 64 KiB (where tracks and old tails lie), to keep this quick under KASAN.
 */
static int rw_windows(int fd, int write, uint64_t h, uint64_t u, unsigned char *buf)
{
	if (u <= 65536 + 4096)
		return g_rw(fd, write, h, 0, u, buf);
	return g_rw(fd, write, h, 0, 4096, buf) ||
	       g_rw(fd, write, h, u - 65536, 65536, buf + u - 65536);
}

static int stale_check(int fd, uint64_t bytes, uint32_t flags, unsigned char *buf,
		       uint64_t *usable)
{
	uint32_t zero[2] = { GOALLOC_F_ZERO, 0 };
	uint64_t h, u, i;
	unsigned int k;

	for (k = 0; k < 2; k++) {
		if (g_alloc(fd, bytes, flags, &h, &u))
			return fail("alloc %llu", (unsigned long long)bytes);
		memset(buf, 0xa5, u);
		if (rw_windows(fd, 1, h, u, buf) || g_free(fd, h))
			return fail("write/free %llu", (unsigned long long)bytes);
		if (g_alloc(fd, bytes, flags | zero[k], &h, &u))
			return fail("alloc %llu again", (unsigned long long)bytes);
		memset(buf, 0, u);
		memset(buf, 0x5a, 4096);
		memset(buf + (u > 65536 ? u - 65536 : 0), 0x5a, u > 65536 ? 65536 : u);
		if (rw_windows(fd, 0, h, u, buf))
			return fail("read %llu", (unsigned long long)bytes);
		for (i = 0; i < u && !buf[i]; i++)
			;
		g_free(fd, h);
		if (i < u)
			return fail("%llu bytes%s: byte %llu of %llu usable is 0x%02x, not 0",
				    (unsigned long long)bytes, zero[k] ? " (F_ZERO)" : "",
				    (unsigned long long)i, (unsigned long long)u, buf[i]);
	}
	*usable = u;
	return 0;
}

/*
 * Every class: its largest size, from debugfs "classes" (in debug mode the
 * usable size is the requested one, so it cannot be walked by usable size);
 * tiny sizes; and every size within 64 bytes of the largest.
 */
static int test_no_stale_data(void)
{
	const uint64_t max = 4 << 20;
	unsigned char *buf = malloc(max);
	FILE *cf = fopen("/sys/kernel/debug/goalloc/classes", "r");
	uint64_t bytes, u, nclasses = 0;
	int fd = open_dev(), ret = 0;
	char line[256];

	if (!buf || !cf)
		return fail("malloc, or no debugfs classes file");
	for (bytes = 1; !ret && bytes < 16; bytes++)
		ret = stale_check(fd, bytes, GOALLOC_F_NOSCAN, buf, &u);
	while (!ret && fgets(line, sizeof(line), cf)) {
		unsigned long long cls, size;

		if (sscanf(line, "%llu %llu", &cls, &size) != 2 || !size)
			continue;	/* the header */
		ret = stale_check(fd, size, 0, buf, &u);
		nclasses++;
	}
	fclose(cf);
	if (!ret && nclasses < 60)
		ret = fail("only %llu classes in debugfs", (unsigned long long)nclasses);
	for (bytes = max - 64; !ret && bytes <= max; bytes++)
		ret = stale_check(fd, bytes, 0, buf, &u);
	free(buf);
	close(fd);
	return ret;
}

/*
 * Tracepoints goalloc:goalloc_alloc and goalloc:goalloc_free through
 * tracefs, with kmem:kmalloc's and kmem:kfree's fields: three 100-byte
 * objects show as three allocations (bytes_req=100, bytes_alloc of at
 * least 100, gfp_flags, node=-1), and their frees name the same pointers.
 */
static int test_tracepoints(void)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[128], cmd[128], line[512], ptrs[3][40];
	unsigned int i, allocs = 0, frees = 0;
	const char *root = NULL;
	uint64_t h[3];
	FILE *f;
	int fd;

	for (i = 0; i < ARRAY_SIZE(roots) && !root; i++) {
		snprintf(path, sizeof(path), "%s/events/goalloc/enable", roots[i]);
		if (access(path, W_OK) == 0)
			root = roots[i];
	}
	if (!root)
		return fail("no events/goalloc in tracefs");
	snprintf(path, sizeof(path), "%s/trace", root);
	close(open(path, O_WRONLY | O_TRUNC));	/* empty the trace, as "echo >trace" */
	/*
	 * Without the task names: recording them hooks the scheduler's own
	 * tracepoints, patching code every CPU runs, which under TCG has been
	 * seen to trap on the patch's int3 after it was gone.
	 */
	snprintf(cmd, sizeof(cmd), "%s/options/record-cmd", root);
	write_file(cmd, "0");
	snprintf(path, sizeof(path), "%s/events/goalloc/enable", root);
	if (write_file(path, "1")) {
		write_file(cmd, "1");
		return fail("cannot enable events/goalloc");
	}
	fd = open_dev();
	for (i = 0; i < 3; i++)
		if (g_alloc(fd, 100, 0, &h[i], NULL))
			h[i] = 0;
	for (i = 0; i < 3; i++)
		g_free(fd, h[i]);
	close(fd);
	write_file(path, "0");
	write_file(cmd, "1");
	snprintf(path, sizeof(path), "%s/trace", root);
	f = fopen(path, "r");
	if (!f)
		return fail("no trace file");
	while (fgets(line, sizeof(line), f)) {
		char *a = strstr(line, "goalloc_alloc: call_site="), *p = a ? strstr(a, " ptr=") : NULL;
		char *n = p ? strstr(p, " node=") : NULL;
		unsigned long long req, got;
		int node;

		if (p && n && allocs < 3 && strstr(p, " gfp_flags=") &&
		    sscanf(p, " ptr=%39s bytes_req=%llu bytes_alloc=%llu", ptrs[allocs], &req,
			   &got) == 3 && req == 100 && got >= 100 &&
		    sscanf(n, " node=%d", &node) == 1 && node == -1)
			allocs++;
		a = strstr(line, "goalloc_free: call_site=");
		p = a ? strstr(a, " ptr=") : NULL;
		for (i = 0; p && i < allocs; i++) {
			/* %p hashes; before the random pool is ready all read "(____ptrval____)" */
			if (!strncmp(p + 5, ptrs[i], strlen(ptrs[i]))) {
				frees++;
				break;
			}
		}
	}
	fclose(f);
	close(open(path, O_WRONLY | O_TRUNC));
	if (allocs != 3 || frees != 3)
		return fail("trace: %u of 3 allocations of 100 bytes, %u of 3 frees of them",
			    allocs, frees);
	return 0;
}

/*
 * The memory limit (module parameter memory_limit, Go's GOMEMLIMIT): with
 * it at the heap's size, allocations that need the heap to grow fail with
 * ENOMEM, counted in limit_failures, and heap_sys stays within it; lifted,
 * they work again at once.
 */
static int test_memory_limit(void)
{
	struct goalloc_stats_req a, b;
	uint64_t h[64];
	unsigned int n = 0, i;
	char limit[32];
	int fd = open_dev(), ret = 0, err = 0;

	/*
	 * Nothing free to give back first: with NUMA nodes, earlier tests may
	 * leave free runs on nodes this CPU does not grow from, which the
	 * limit would give back to make room.
	 */
	write_file("/sys/kernel/debug/goalloc/flush", "1");
	a = g_stats(fd);
	/* a byte more: the heap may be empty now, and a limit of 0 is none */
	snprintf(limit, sizeof(limit), "%llu", (unsigned long long)a.heap_sys + 1);
	if (write_param("memory_limit", limit)) {
		close(fd);
		return fail("set memory_limit");
	}
	while (n < ARRAY_SIZE(h) && !(err = g_alloc(fd, 1 << 20, 0, &h[n], NULL)))
		n++;
	b = g_stats(fd);
	if (err != -ENOMEM)
		ret = fail("%u MiB allocated at a limit of %s bytes, then %d", n, limit, err);
	else if (b.limit_failures <= a.limit_failures || b.memory_limit != a.heap_sys + 1)
		ret = fail("limit_failures %llu -> %llu, memory_limit %llu",
			   (unsigned long long)a.limit_failures,
			   (unsigned long long)b.limit_failures,
			   (unsigned long long)b.memory_limit);
	else if (b.heap_sys > a.heap_sys)
		ret = fail("heap_sys %llu over the limit %s", (unsigned long long)b.heap_sys, limit);
	write_param("memory_limit", "0");
	if (!ret && g_alloc(fd, 1 << 20, 0, &h[n++], NULL))
		ret = fail("1 MiB with the limit lifted");
	for (i = 0; i < n; i++)
		g_free(fd, h[i]);
	close(fd);
	return ret;
}

/*
 * One list of statistics: debugfs "stats" shows exactly GOALLOC_STATS(),
 * in its order, each with the value STATS gives (taken before and after
 * the read: a value between the two).
 */
static int test_stats_one_list(void)
{
	static const char *const names[] = {
#define STAT_NAME(name, desc)	#name,
		GOALLOC_STATS(STAT_NAME)
#undef STAT_NAME
	};
	struct goalloc_stats_req a, b;
	uint64_t lo, hi, v[ARRAY_SIZE(names)];
	unsigned long long val;
	unsigned int i = 0;
	char line[256], name[64];
	FILE *f;
	int fd = open_dev();

	a = g_stats(fd);
	f = fopen("/sys/kernel/debug/goalloc/stats", "r");
	if (!f) {
		close(fd);
		return fail("no debugfs stats file");
	}
	if (!fgets(line, sizeof(line), f) || strcmp(line, "name value\n"))
		i = ARRAY_SIZE(names) + 1;	/* no header: fails below */
	while (i < ARRAY_SIZE(names) && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %llu", name, &val) != 2 || strcmp(name, names[i]))
			break;
		v[i++] = val;
	}
	if (i == ARRAY_SIZE(names) && fgets(line, sizeof(line), f))
		i = ARRAY_SIZE(names) + 1;	/* a line no list names */
	fclose(f);
	b = g_stats(fd);
	close(fd);
	if (i != ARRAY_SIZE(names))
		return fail("debugfs stats: line %u is not %s", i + 1,
			    i < ARRAY_SIZE(names) ? names[i] : "the end");
	i = 0;
#define STAT_CHECK(name, desc)							\
	lo = a.name < b.name ? a.name : b.name;					\
	hi = a.name < b.name ? b.name : a.name;					\
	if (v[i] < lo || v[i] > hi)						\
		return fail("%s: debugfs %llu, STATS %llu..%llu", #name,	\
			    (unsigned long long)v[i], (unsigned long long)lo,	\
			    (unsigned long long)hi);				\
	i++;
	GOALLOC_STATS(STAT_CHECK)
#undef STAT_CHECK
	return 0;
}

/* Sum of the active objects of debugfs slabinfo's caches, each checked; -1 if bad. */
static long long slabinfo_active(void)
{
	unsigned int size, objsize, perslab, pages, active_slabs, slabs, shared;
	unsigned long long active, num, sum = 0;
	unsigned int lines = 0;
	char line[512];
	FILE *f = fopen("/sys/kernel/debug/goalloc/slabinfo", "r");

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f) || strcmp(line, "slabinfo - version: 2.1\n") ||
	    !fgets(line, sizeof(line), f) || line[0] != '#') {
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "goalloc-%u %llu %llu %u %u %u : tunables %*u %*u %*u : slabdata %u %u %u",
			   &size, &active, &num, &objsize, &perslab, &pages, &active_slabs, &slabs,
			   &shared) != 9 || size != objsize || active > num ||
		    num != (unsigned long long)slabs * perslab || !pages) {
			fclose(f);
			return -1;
		}
		sum += active;
		lines++;
	}
	fclose(f);
	return lines == 67 ? (long long)sum : -1;	/* Go's 67 size classes */
}

/*
 * debugfs slabinfo, /proc/slabinfo's format with a goalloc-<size> cache
 * per class: every line adds up (objects per span times spans), and
 * holding 1000 more objects shows as 1000 more active objects.
 */
static int test_slabinfo(void)
{
	long long before = slabinfo_active(), after;
	uint64_t h;
	unsigned int i;
	int fd = open_dev();

	for (i = 0; i < 1000; i++)
		if (g_alloc(fd, 100, 0, &h, NULL))
			break;
	after = slabinfo_active();
	close(fd);
	if (before < 0 || after < 0)
		return fail("slabinfo does not add up (or is not 67 caches)");
	if (i != 1000 || after != before + 1000)
		return fail("holding %u more objects: %lld active objects, then %lld", i, before,
			    after);
	return 0;
}

/* KReclaimable of /proc/meminfo, in kB, or -1. */
static long long kreclaimable_kb(void)
{
	char line[256];
	long long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "KReclaimable: %lld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/*
 * goalloc's idle memory shows where admins look: a chunk left entirely
 * free counts in /proc/meminfo's KReclaimable (as other kernel caches the
 * shrinkers empty do), and no longer once it is given back.
 */
static int test_meminfo(void)
{
	long long k0, k1, k2;
	uint64_t h[3];
	unsigned int i;
	int fd;

	if (write_file("/sys/kernel/debug/goalloc/flush", "1"))
		return fail("flush");
	k0 = kreclaimable_kb();
	fd = open_dev();
	for (i = 0; i < 3; i++)
		if (g_alloc(fd, 1 << 20, 0, &h[i], NULL))
			return fail("1 MiB object");
	close(fd);		/* frees them: the chunk is idle */
	k1 = kreclaimable_kb();
	write_file("/sys/kernel/debug/goalloc/flush", "1");
	k2 = kreclaimable_kb();
	/*
	 * 3 MiB go in and out; the kernel's own reclaimable caches move
	 * meanwhile (80 kB seen under kmemleak), so ask for 2 MiB each way.
	 */
	if (k0 < 0 || k1 < k0 + 2048 || k2 > k1 - 2048)
		return fail("KReclaimable %lld kB, with an idle chunk %lld kB, after a flush %lld kB",
			    k0, k1, k2);
	return 0;
}

/*
 * The arrays of CPU stacks and transfer caches come with use and go with a
 * flush: meta_sys rises while objects of five classes come and go, by at
 * least the 4 KiB of one stack's array, and falls as much after a flush.
 */
static int test_cache_arrays(void)
{
	static const unsigned int sizes[] = { 16, 64, 256, 1024, 4096 };
	enum { N = 600 };		/* more than a stack of any of them holds */
	static uint64_t h[N];
	uint64_t m0, m1, m2;
	unsigned int i, j;
	int fd = open_dev();

	write_file("/sys/kernel/debug/goalloc/flush", "1");
	m0 = g_stats(fd).meta_sys;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (j = 0; j < N; j++) {
			if (g_alloc(fd, sizes[i], 0, &h[j], NULL)) {
				close(fd);
				return fail("object %u of %u bytes", j, sizes[i]);
			}
		}
		for (j = 0; j < N; j++)
			g_free(fd, h[j]);
	}
	m1 = g_stats(fd).meta_sys;
	write_file("/sys/kernel/debug/goalloc/flush", "1");
	m2 = g_stats(fd).meta_sys;
	close(fd);
	if (!(m1 >= m0 + 4096 && m2 + 4096 <= m1))
		return fail("meta_sys %llu after a flush, %llu with five classes used, %llu after a flush",
			    (unsigned long long)m0, (unsigned long long)m1, (unsigned long long)m2);
	return 0;
}

/* A value of debugfs goalloc/heap ("name value" lines), or -1. */
static long long heap_value(const char *name)
{
	char line[128], key[64];
	long long v = -1, x;
	FILE *f = fopen("/sys/kernel/debug/goalloc/heap", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", key, &x) == 2 && !strcmp(key, name))
			v = x;
	if (f)
		fclose(f);
	return v;
}

/*
 * The background scavenger (module parameter scavenge_interval_ms): after
 * a burst, with no pressure and no flush, what goalloc retains comes down
 * to its goal (pages in use plus retain_extra_percent) within seconds; the
 * free runs between the objects left, inside chunks still in use, go back
 * (holes), and those objects keep their contents.  Prints what is retained
 * over time.
 */
static int test_scavenger(void)
{
	enum { N = 4096, KEEP = 32, SIZE = 4000 };	/* 16 MiB, 1 object in 32 kept */
	static uint64_t h[N];
	long long retained = -1, goal = -1, holes, passes, ns;
	int fd = open_dev(), ret = 0;
	unsigned int i, tick;
	uint64_t v;

	write_file("/sys/kernel/debug/goalloc/flush", "1");
	for (i = 0; i < N; i++) {
		v = i;
		if (g_alloc(fd, SIZE, 0, &h[i], NULL) || g_rw(fd, 1, h[i], SIZE - 8, 8, &v)) {
			close(fd);
			return fail("object %u of %u", i, N);
		}
	}
	for (i = 0; i < N; i++)
		if (i % KEEP)
			g_free(fd, h[i]);
	if (write_param("scavenge_interval_ms", "100")) {
		close(fd);
		return fail("set scavenge_interval_ms");
	}
	for (tick = 0; tick <= 100; tick++) {	/* 10 s at most */
		retained = heap_value("chunk_bytes");
		goal = heap_value("scavenge_goal_bytes");
		printf("# scavenger: %.1f s retained %lld goal %lld\n", tick / 10.0, retained, goal);
		if (retained >= 0 && goal >= 0 && retained <= goal + (256 << 10))
			break;
		usleep(100000);
	}
	holes = heap_value("holes_bytes");
	passes = heap_value("scavenger_passes");
	ns = heap_value("scavenger_ns");
	write_param("scavenge_interval_ms", "0");
	printf("# scavenger: %lld passes, %lld us in all\n", passes, ns / 1000);
	if (tick > 100)
		ret = fail("retained %lld bytes, goal %lld, after 10 s", retained, goal);
	else if (holes <= 0)
		ret = fail("no free run inside a chunk went back (holes %lld)", holes);
	for (i = 0; i < N; i += KEEP) {
		if (!ret && (g_rw(fd, 0, h[i], SIZE - 8, 8, &v) || v != i))
			ret = fail("object %u reads %llu", i, (unsigned long long)v);
		g_free(fd, h[i]);
	}
	close(fd);
	return ret;
}

static int run_tool(char *out, size_t len, const char *const *args);

/*
 * The heap profile (module parameter profile_rate): 2000 objects of 1000
 * bytes allocated through /dev/goalloc show, at a rate of 4096, as one
 * call site in goalloc holding 2 MB in use, within the sampling error
 * (about 430 samples: 4 standard deviations are 18%); goalloc profile
 * prints it first.
 */
static int test_heap_profile(void)
{
	enum { N = 2000, SIZE = 1000 };
	static uint64_t h[N];
	unsigned long long in_b = 0, v[3], best = 0;
	char line[512], site[256] = "", out[4096];
	static const char *const args[] = { "goalloc", "profile", "-n", "3", "--bytes", NULL };
	int fd, ret = 0, off;
	unsigned int i;
	FILE *f;

	if (write_param("profile_rate", "4096"))
		return fail("set profile_rate");
	fd = open_dev();
	for (i = 0; i < N; i++)
		if (g_alloc(fd, SIZE, 0, &h[i], NULL)) {
			ret = fail("object %u", i);
			break;
		}
	f = fopen("/sys/kernel/debug/goalloc/profile_top", "r");
	while (!ret && f && fgets(line, sizeof(line), f)) {
		off = 0;
		if (sscanf(line, "%llu %llu %llu %llu %n", &in_b, &v[0], &v[1], &v[2], &off) == 4 &&
		    off && in_b > best) {
			best = in_b;
			snprintf(site, sizeof(site), "%s", line + off);
			site[strcspn(site, "\n")] = 0;
		}
	}
	if (f)
		fclose(f);
	if (!ret && (best < N * SIZE * 75ULL / 100 || best > N * SIZE * 125ULL / 100 ||
		     !strstr(site, "[goalloc]")))
		ret = fail("top call site %s holds %llu bytes, %u allocated", site, best, N * SIZE);
	if (!ret && (run_tool(out, sizeof(out), args) != 0 || !strstr(out, site)))
		ret = fail("goalloc profile: %s", out);
	if (!ret)
		printf("# heap profile: %s holds %llu bytes (%u allocated)\n", site, best, N * SIZE);
	for (i = 0; i < N; i++)
		g_free(fd, h[i]);
	close(fd);
	write_param("profile_rate", "524288");
	return ret;
}

/* Run ./goalloc with @args; its stdout and stderr in @out; its exit status, or -1. */
static int run_tool(char *out, size_t len, const char *const *args)
{
	int pipefd[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		execv("./goalloc", (char *const *)args);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {	/* all of it, keeping what fits */
		char rest[4096];

		n = (size_t)got < len - 1 ? read(pipefd[0], out + got, len - 1 - got) :
					    read(pipefd[0], rest, sizeof(rest));
		if (n <= 0)
			break;
		if ((size_t)got < len - 1)
			got += n;
	}
	out[got] = 0;
	close(pipefd[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * The tool as a command-line program should be: --help on stdout with
 * status 0, --version, unknown commands, options and sizes refused with
 * status 2 and a pointer to --help, sizes read as 4k and printed as MiB
 * unless --bytes, and heap, cpus, flush, stats --describe.
 */
static int test_tool_command_line(void)
{
	static const struct {
		const char *args[5];
		int status;
		const char *says;
	} cases[] = {
		{ { "goalloc", "--help" }, 0, "usage: goalloc COMMAND" },
		{ { "goalloc", "--version" }, 0, "goalloc " GOALLOC_VERSION "\n" },
		{ { "goalloc" }, 2, "usage: goalloc COMMAND" },
		{ { "goalloc", "frobnicate" }, 2, "see 'goalloc --help'" },
		{ { "goalloc", "--frobnicate" }, 2, "unknown option" },
		{ { "goalloc", "stats", "--jsn" }, 2, "unknown option '--jsn'" },
		{ { "goalloc", "alloc", "1.5x" }, 2, "not a size" },
		{ { "goalloc", "alloc", "4k", "2" }, 0, "4096 bytes usable" },
		{ { "goalloc", "alloc", "1.5M" }, 0, "1572864 bytes" },
		{ { "goalloc", "stats", "--describe" }, 0, "heap_sys " },
		{ { "goalloc", "heap" }, 0, "free_bytes" },
		{ { "goalloc", "cpus" }, 0, "cached_objects" },
		{ { "goalloc", "nodes" }, 0, "partial_spans" },
		{ { "goalloc", "flush" }, 0, "flushed" },
		{ { "goalloc", "classes", "--json" }, 0, "\"bytes_per_obj\"" },
	};
	static const char *const units[] = { "B", "KiB", "MiB", "GiB" };
	static const char *const stats_bytes[] = { "goalloc", "stats", "--bytes", NULL };
	static const char *const stats_human[] = { "goalloc", "stats", NULL };
	unsigned long long raw = 0;
	char out[8192], unit[4] = "", *line;
	unsigned int i;
	double human;
	int status;

	if (access("./goalloc", X_OK))
		return fail("./goalloc is not beside goalloc_test");
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char cmd[128] = "goalloc";
		unsigned int j;

		for (j = 1; cases[i].args[j]; j++)
			snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), " %s", cases[i].args[j]);
		status = run_tool(out, sizeof(out), cases[i].args);
		if (status != cases[i].status || !strstr(out, cases[i].says))
			return fail("%s: status %d (want %d), said: %.200s", cmd, status,
				    cases[i].status, out);
	}
	/* heap_sys: raw with --bytes, in B/KiB/MiB/GiB without, the same amount */
	status = run_tool(out, sizeof(out), stats_bytes);
	line = strstr(out, "heap_sys ");
	if (status || !line || sscanf(line, "heap_sys %llu", &raw) != 1)
		return fail("goalloc stats --bytes: no raw heap_sys: %.200s", out);
	status = run_tool(out, sizeof(out), stats_human);
	line = strstr(out, "heap_sys ");
	if (status || !line || sscanf(line, "heap_sys %lf %3s", &human, unit) != 2)
		return fail("goalloc stats: no heap_sys: %.200s", out);
	i = 0;
	while (i < ARRAY_SIZE(units) && strcmp(unit, units[i]))
		i++;
	if (i == ARRAY_SIZE(units))
		return fail("goalloc stats: heap_sys in \"%s\"", unit);
	human *= (double)(1ULL << (10 * i));
	if (human < raw * 0.95 || human > raw * 1.05 + 1)
		return fail("goalloc stats: heap_sys %.0f bytes, --bytes %llu", human, raw);
	return 0;
}

/*
 * The tool's hint to a user who may not read debugfs (root-only, mode 0700)
 * names that, not a missing mount: run ./goalloc stats as uid 65534.
 */
static int test_tool_hint_non_root(void)
{
	char out[512] = "";
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	if (access("./goalloc", X_OK))
		return 0;	/* the tool is not beside us: nothing to test */
	if (pipe(pipefd))
		return fail("pipe");
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		if (setgid(65534) || setuid(65534))
			_exit(3);
		execl("./goalloc", "goalloc", "stats", (char *)NULL);
		_exit(4);
	}
	close(pipefd[1]);
	n = read(pipefd[0], out, sizeof(out) - 1);
	close(pipefd[0]);
	if (n > 0)
		out[n] = 0;
	if (!(pid > 0 && waitpid(pid, &status, 0) == pid))
		return fail("fork");
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 1))
		return fail("goalloc stats as a user: status %d, not 1", status);
	if (!strstr(out, "only root can read"))
		return fail("goalloc stats as a user said: %s", out);
	return 0;
}

/* Random ioctls with random arguments for a while; then all is as before. */
static int test_fuzz(void)
{
	struct goalloc_stats_req before, after;
	uint64_t base = live_objects(), handles[64] = { 0 };
	unsigned char *buf = malloc(1 << 16);
	unsigned long long ops = 0;
	unsigned int seed = 12345;
	time_t end = time(NULL) + fuzz_seconds;
	uint64_t limit = 0;
	int fd, fd2, ret = 0;

	if (!(buf))
		return fail("malloc");
	if (write_param("max_bytes", "33554432"))
		return fail("set max_bytes for the fuzzer");
	fd = open_dev();
	before = g_stats(fd);
	fd2 = open_dev();
	while (time(NULL) < end) {
		int i, f = rand_r(&seed) & 1 ? fd : fd2;
		struct goalloc_stats_req st = g_stats(fd);
		char value[32];

		/* the memory limit, changed at run time, holds (module parameter) */
		if (limit && st.heap_sys > limit) {
			ret = fail("heap_sys %llu over the memory limit %llu",
				   (unsigned long long)st.heap_sys, (unsigned long long)limit);
			break;
		}
		if (rand_r(&seed) % 4 == 0) {
			limit = rand_r(&seed) % 3 ? st.heap_sys + ((uint64_t)(rand_r(&seed) % 4) << 20) : 0;
			snprintf(value, sizeof(value), "%llu", (unsigned long long)limit);
			if (write_param("memory_limit", value))
				limit = 0;
		}

		for (i = 0; i < 200; i++, ops++) {
			unsigned int k = rand_r(&seed) % 64, r = rand_r(&seed);
			uint64_t h = r & 8 ? handles[k] : (uint64_t)(rand_r(&seed) % 2000);
			uint64_t off = r & 16 ? (uint64_t)(rand_r(&seed) % 5000) :
						(uint64_t)rand_r(&seed) << 33;
			uint64_t len = rand_r(&seed) % (1 << 16);
			union {
				struct goalloc_alloc_req a;
				struct goalloc_rw_req rw;
				struct goalloc_batch_req b;
				unsigned char raw[96];
			} u;
			struct goalloc_batch_op bops[8];
			unsigned int j;

			switch (r % 7) {
			case 0:
				g_alloc(f, rand_r(&seed) % (r & 32 ? 5000000 : 300),
					rand_r(&seed) % 8, &handles[k], NULL);
				break;
			case 1:
				g_free(f, h);
				break;
			case 2:
				g_rw(f, r & 64, h, off, len,
				     r & 128 ? buf : (void *)(uintptr_t)off);
				break;
			case 3:
				for (j = 0; j < 8; j++) {
					bops[j].op = rand_r(&seed) % 3;
					bops[j].flags = rand_r(&seed) % 8;
					bops[j].bytes = rand_r(&seed) % 3000;
					bops[j].handle = rand_r(&seed) % 16;
				}
				memset(&u, 0, sizeof(u));
				u.b.size = sizeof(u.b);
				u.b.nr = rand_r(&seed) % 10;
				u.b.ops = (uintptr_t)bops;
				xioctl(f, GOALLOC_IOC_BATCH, &u);
				break;
			case 4:	/* random bytes as a request of each kind */
				for (j = 0; j < sizeof(u.raw); j++)
					u.raw[j] = rand_r(&seed);
				if (r & 256)
					u.a.size = sizeof(u.a) + rand_r(&seed) % 16;
				xioctl(f, _IOC(_IOC_READ | _IOC_WRITE, GOALLOC_IOC_MAGIC, rand_r(&seed) % 8,
					       rand_r(&seed) % 64), &u);
				xioctl(f, GOALLOC_IOC_ALLOC + (rand_r(&seed) % 6 << _IOC_NRSHIFT),
				       &u);
				break;
			case 5:	/* any size, older and newer ones among them */
				g_stats(f);
				*(uint32_t *)buf = rand_r(&seed) % 5000;
				xioctl(f, GOALLOC_IOC_STATS, buf);
				break;
			case 6:	/* reopen: closing frees everything of that file */
				if (r & 512) {
					close(fd2);
					fd2 = open_dev();
				}
				break;
			}
		}
	}
	close(fd2);
	after = g_stats(fd);
	close(fd);
	free(buf);
	write_param("max_bytes", "268435456");
	write_param("memory_limit", "0");
	printf("# fuzz: %llu operations in %d s, %llu growths refused at the memory limit\n", ops,
	       fuzz_seconds, (unsigned long long)(after.limit_failures - before.limit_failures));
	if (ret)
		return ret;
	if (!(live_objects() == base))
		return fail("live objects %llu, baseline %llu", (unsigned long long)live_objects(),
			    (unsigned long long)base);
	if (!(after.invalid_frees == before.invalid_frees))
		return fail("the fuzzer caused %llu invalid frees",
			    (unsigned long long)(after.invalid_frees - before.invalid_frees));
	return 0;
}

static void run(const char *name, int (*fn)(void))
{
	why[0] = 0;
	if (fn() == 0) {
		passed++;
		printf("ok %d %s\n", passed + failed, name);
	} else {
		failed++;
		printf("not ok %d %s: %s\n", passed + failed, name, why);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "d:f:")) != -1) {
		if (opt == 'd')
			dev = optarg;
		else if (opt == 'f')
			fuzz_seconds = atoi(optarg);
		else {
			fprintf(stderr, "usage: %s [-d DEVICE] [-f FUZZ_SECONDS]\n", argv[0]);
			return 2;
		}
	}
	run("alloc_write_read_free", test_alloc_write_read_free);
	run("errors_change_nothing", test_errors);
	run("batch", test_batch);
	run("threads_share_a_file", test_threads_share_a_file);
	run("close_frees_all", test_close_frees_all);
	run("per_file_limits", test_limits);
	run("device_limit", test_device_limit);
	run("abi_sizes", test_abi_sizes);
	run("killed_batch", test_killed_batch);
	run("racing_close", test_racing_close);
	run("root_only", test_root_only);
	run("no_stale_data", test_no_stale_data);
	run("stats_one_list", test_stats_one_list);
	run("memory_limit", test_memory_limit);
	run("tracepoints", test_tracepoints);
	run("slabinfo", test_slabinfo);
	run("meminfo", test_meminfo);
	run("cache_arrays", test_cache_arrays);
	run("scavenger", test_scavenger);
	run("heap_profile", test_heap_profile);
	run("tool_hint_non_root", test_tool_hint_non_root);
	run("tool_command_line", test_tool_command_line);
	run("fuzz", test_fuzz);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
