// SPDX-License-Identifier: GPL-2.0
/*
 * The heap profile (goalloc/profile.c) as pprof's profile.proto
 * (github.com/google/pprof, proto/profile.proto): what `go tool pprof`
 * reads, here uncompressed.  Its sample types are a Go heap profile's
 * (alloc_objects, alloc_space, inuse_objects, inuse_space), one sample
 * per profile_rate bytes (the period), the values scaled as Go scales
 * them.  Each call site's stack becomes locations whose functions carry
 * their names (%ps), so pprof needs no symbols: top, list, graph and flame
 * views work on the file alone.
 */
#include <linux/kallsyms.h>
#include <linux/mm.h>
#include <linux/string.h>
#include "goalloc/malloc.h"
#include "goalloc_mod.h"

/* A growing buffer of protobuf; @err once memory ran out. */
struct pb {
	u8 *buf;
	size_t len, cap;
	bool err;
};

static void pb_bytes(struct pb *b, const void *p, size_t n)
{
	if (b->err)
		return;
	if (b->len + n > b->cap) {
		size_t cap = max(b->cap * 2, b->len + n + 4096);
		u8 *nbuf = kvmalloc(cap, GFP_KERNEL);

		if (!nbuf) {
			b->err = true;
			return;
		}
		if (b->len)
			memcpy(nbuf, b->buf, b->len);
		kvfree(b->buf);
		b->buf = nbuf;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void pb_varint(struct pb *b, u64 v)
{
	u8 t[10];
	unsigned int n = 0;

	do {
		t[n++] = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		v >>= 7;
	} while (v);
	pb_bytes(b, t, n);
}

enum { PB_VARINT = 0, PB_LEN = 2 };

static void pb_key(struct pb *b, u32 field, u32 wire)
{
	pb_varint(b, field << 3 | wire);
}

/* An integer field (proto3: 0 is the default, not written). */
static void pb_uint(struct pb *b, u32 field, u64 v)
{
	if (!v)
		return;
	pb_key(b, field, PB_VARINT);
	pb_varint(b, v);
}

/* The message in @sub as field @field of @b; @sub is emptied for reuse. */
static void pb_msg(struct pb *b, u32 field, struct pb *sub)
{
	b->err |= sub->err;
	pb_key(b, field, PB_LEN);
	pb_varint(b, sub->len);
	pb_bytes(b, sub->buf, sub->len);
	sub->len = 0;
}

/* profile.proto's field numbers */
enum {
	PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE, PROFILE_MAPPING, PROFILE_LOCATION,
	PROFILE_FUNCTION, PROFILE_STRING_TABLE, PROFILE_PERIOD_TYPE = 11, PROFILE_PERIOD,
	VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT,
	SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE,
	MAPPING_ID = 1, MAPPING_MEMORY_START, MAPPING_MEMORY_LIMIT, MAPPING_FILE_OFFSET,
	MAPPING_FILENAME, MAPPING_HAS_FUNCTIONS = 7,
	LOCATION_ID = 1, LOCATION_MAPPING_ID, LOCATION_ADDRESS, LOCATION_LINE,
	LINE_FUNCTION_ID = 1,
	FUNCTION_ID = 1, FUNCTION_NAME, FUNCTION_SYSTEM_NAME,
};

struct pprof {
	struct pb out, msg, sub;
	u64 nstrings, nlocations;
};

/* Append @s to the string table; its index. */
static u64 pprof_string(struct pprof *pp, const char *s)
{
	size_t n = strlen(s);

	pb_key(&pp->out, PROFILE_STRING_TABLE, PB_LEN);
	pb_varint(&pp->out, n);
	pb_bytes(&pp->out, s, n);
	return pp->nstrings++;
}

static void pprof_value_type(struct pprof *pp, u32 field, const char *type, const char *unit)
{
	u64 t = pprof_string(pp, type), u = pprof_string(pp, unit);

	pb_uint(&pp->msg, VALUE_TYPE_TYPE, t);
	pb_uint(&pp->msg, VALUE_TYPE_UNIT, u);
	pb_msg(&pp->out, field, &pp->msg);
}

/* A location (and its function) for the code address @pc; its id. */
static u64 pprof_location(struct pprof *pp, unsigned long pc)
{
	char name[KSYM_SYMBOL_LEN];
	u64 id = ++pp->nlocations, s;

	snprintf(name, sizeof(name), "%ps", (void *)pc);
	s = pprof_string(pp, name);
	pb_uint(&pp->msg, FUNCTION_ID, id);
	pb_uint(&pp->msg, FUNCTION_NAME, s);
	pb_uint(&pp->msg, FUNCTION_SYSTEM_NAME, s);
	pb_msg(&pp->out, PROFILE_FUNCTION, &pp->msg);

	pb_uint(&pp->sub, LINE_FUNCTION_ID, id);
	pb_uint(&pp->msg, LOCATION_ID, id);
	pb_uint(&pp->msg, LOCATION_MAPPING_ID, 1);
	pb_uint(&pp->msg, LOCATION_ADDRESS, pc);
	pb_msg(&pp->msg, LOCATION_LINE, &pp->sub);
	pb_msg(&pp->out, PROFILE_LOCATION, &pp->msg);
	return id;
}

#define PPROF_MAX_FRAMES	32

/* One sample: @e's stack from its call site on, and its four values. */
static void pprof_sample(struct pprof *pp, const struct profile_entry *e)
{
	u64 ids[PPROF_MAX_FRAMES], values[4] = {
		e->alloc_objects, e->alloc_bytes, e->inuse_objects, e->inuse_bytes,
	};
	unsigned long *frames;
	unsigned int n = platform_stack_fetch(e->stack, &frames), i, k = 0, nids = 0;

	/* the depot's stack starts inside goalloc: keep it from the call site on */
	while (k < n && frames[k] != e->caller)
		k++;
	if (k == n)
		k = n = 0;
	else
		k++;
	ids[nids++] = pprof_location(pp, e->caller);
	for (; k < n && nids < PPROF_MAX_FRAMES; k++)
		ids[nids++] = pprof_location(pp, frames[k]);

	pb_key(&pp->msg, SAMPLE_LOCATION_ID, PB_LEN);
	for (i = 0; i < nids; i++)
		pb_varint(&pp->sub, ids[i]);
	pb_varint(&pp->msg, pp->sub.len);
	pb_bytes(&pp->msg, pp->sub.buf, pp->sub.len);
	pp->sub.len = 0;
	pb_key(&pp->msg, SAMPLE_VALUE, PB_LEN);
	for (i = 0; i < ARRAY_SIZE(values); i++)
		pb_varint(&pp->sub, values[i]);
	pb_varint(&pp->msg, pp->sub.len);
	pb_bytes(&pp->msg, pp->sub.buf, pp->sub.len);
	pp->sub.len = 0;
	pb_msg(&pp->out, PROFILE_SAMPLE, &pp->msg);
}

/**
 * goalloc_pprof() - the heap profile as pprof's profile.proto.
 * @len: its length in bytes, on return.
 *
 * Context: process context; may sleep.
 * Return: a kvmalloc'ed buffer (kvfree() it), or NULL if memory ran out.
 */
u8 *goalloc_pprof(size_t *len)
{
	struct pprof pp = { };
	struct profile_entry *e;
	unsigned int nr, i;

	e = profile_snapshot(&nr, NULL);
	pprof_string(&pp, "");
	pprof_value_type(&pp, PROFILE_SAMPLE_TYPE, "alloc_objects", "count");
	pprof_value_type(&pp, PROFILE_SAMPLE_TYPE, "alloc_space", "bytes");
	pprof_value_type(&pp, PROFILE_SAMPLE_TYPE, "inuse_objects", "count");
	pprof_value_type(&pp, PROFILE_SAMPLE_TYPE, "inuse_space", "bytes");
	pprof_value_type(&pp, PROFILE_PERIOD_TYPE, "space", "bytes");
	pb_uint(&pp.out, PROFILE_PERIOD, profile_get_rate());

	/* one mapping for every address: functions named, nothing to look up */
	pb_uint(&pp.msg, MAPPING_ID, 1);
	pb_uint(&pp.msg, MAPPING_MEMORY_LIMIT, ULONG_MAX);
	pb_uint(&pp.msg, MAPPING_FILENAME, pprof_string(&pp, "[kernel]"));
	pb_uint(&pp.msg, MAPPING_HAS_FUNCTIONS, 1);
	pb_msg(&pp.out, PROFILE_MAPPING, &pp.msg);

	for (i = 0; i < nr; i++)
		if (e[i].alloc_objects)
			pprof_sample(&pp, &e[i]);
	kvfree(e);
	kvfree(pp.msg.buf);
	kvfree(pp.sub.buf);
	if (pp.out.err || pp.msg.err || pp.sub.err) {
		kvfree(pp.out.buf);
		return NULL;
	}
	*len = pp.out.len;
	return pp.out.buf;
}
