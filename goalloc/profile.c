// SPDX-License-Identifier: GPL-2.0
/*
 * The heap profile (Go's runtime/mprof.go).  See malloc.c for the overview.
 *
 * Allocations are sampled at an average rate of one per profile_rate bytes
 * requested (Go's MemProfileRate, 512 KiB by default; 0 turns sampling
 * off): each CPU counts down the bytes to its next sample, drawn from an
 * exponential distribution of that mean as Go's nextSample is, so the
 * allocation path pays one per-CPU subtraction and a test.  A sample is
 * kept as a record while its object lives (its address, size and bucket),
 * and each bucket - one per call site and stack (stack depot) - counts the
 * sampled objects and bytes allocated and freed.  A sampled small object's
 * live byte says so (MSPAN_LIVE_SAMPLED, set by malloc.c), so its free
 * finds out at no cost; large and tiny frees look the record up while
 * any sample lives.
 *
 * Each sample stands for the objects it was drawn from, 1 / (1 - e^(-size /
 * rate)) of them (Go's scaleHeapSample).  Where Go scales a bucket's sums
 * when it writes the profile, with their average size and the rate of that
 * moment, goalloc weighs each sample when it is taken, with its own size
 * and the rate it was drawn at: a rate changed at run time leaves earlier
 * samples right.  profile_snapshot() gives every bucket;
 * goalloc_pprof.c writes them as pprof's profile.proto, goalloc_debugfs.c
 * as text.  One spinlock, taken with interrupts off, and
 * no other goalloc lock is taken under it; records and buckets come from
 * kmalloc (GFP_ATOMIC), so a sample costs goalloc's heap nothing, and one
 * that cannot be kept is counted as dropped.
 */
#include "malloc.h"

#define RECORD_HASH_BITS	12
#define BUCKET_HASH_BITS	10

struct profile_record {
	struct profile_record *next;
	unsigned long addr;
	size_t size;
	u64 weight;			/* objects it stands for, 16.16 fixed point */
	struct profile_bucket *bucket;
};

struct profile_bucket {
	struct profile_bucket *next;
	struct profile_entry e;		/* objects in 16.16 fixed point, bytes */
};

static struct profile_record *records[1 << RECORD_HASH_BITS];	/* profile_lock */
static struct profile_bucket *buckets[1 << BUCKET_HASH_BITS];	/* profile_lock */
static unsigned int nbuckets;					/* profile_lock */
unsigned long profile_nrecords;					/* profile_lock */
EXPORT_SYMBOL_IF_KUNIT(profile_nrecords);
static DEFINE_SPINLOCK(profile_lock);
static atomic_long_t profile_dropped;

DEFINE_STATIC_KEY_FALSE(profile_key);
EXPORT_SYMBOL_IF_KUNIT(profile_key);
DEFINE_PER_CPU(long, profile_next);	/* bytes until this CPU's next sample */
EXPORT_SYMBOL_IF_KUNIT(profile_next);
static DEFINE_PER_CPU(u64, profile_rand);	/* cheaprand()'s state */
static unsigned long profile_rate;	/* bytes; 0: off */

/* Fibonacci hashing, as hash_64(). */
static unsigned int hash_bits(u64 key, unsigned int bits)
{
	return (key * 0x61c8864680b583ebULL) >> (64 - bits);
}

static unsigned int record_hash(unsigned long addr)
{
	return hash_bits(addr, RECORD_HASH_BITS);
}

static unsigned int bucket_hash(u32 stack, unsigned long caller)
{
	return hash_bits(caller ^ ((u64)stack << 32), BUCKET_HASH_BITS);
}

/* log2(@q) in 16.16 fixed point, to within 0.005 (log2(1 + x) ~ x + 0.346 x (1 - x)). */
static u32 log2_q16(u32 q)
{
	unsigned int k = ilog2(q);
	u64 x = (((u64)q << 16) >> k) - (1 << 16);	/* the fraction, Q16 */

	return (k << 16) + x + ((x * ((1 << 16) - x) >> 16) * 22675 >> 16);
}

/*
 * A random number for the sampling, as Go's cheaprand(): not for secrets,
 * so a per-CPU splitmix64, seeded from the kernel's random numbers when
 * the rate is set.  One irq-safe per-CPU add, where get_random_u32() takes
 * a local lock and refills its per-CPU batch with ChaCha20 every 16
 * numbers.
 */
static u32 cheaprand(void)
{
	u64 z = this_cpu_add_return(profile_rand, 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31)) >> 32;
}

/* Bytes to the next sample: exponential, of mean @rate (Go's fastexprand). */
static long next_sample(unsigned long rate)
{
	u32 q = (cheaprand() >> 6) + 1;	/* 1 .. 2^26 */
	u64 nlog = (26U << 16) - log2_q16(q);		/* -log2(q / 2^26), Q16 */

	if (rate == 1)		/* every allocation, as Go's MemProfileRate = 1 */
		return 0;
	/* -ln(q / 2^26) * rate = nlog * ln 2 * rate; ln 2 = 45426 / 2^16 */
	return (long)((((u64)nlog * 45426) >> 16) * min_t(unsigned long, rate, U32_MAX) >> 16) + 1;
}

/**
 * profile_set_rate() - sample one allocation per @rate bytes, or none if 0.
 * @rate: bytes, Go's MemProfileRate.
 *
 * Records of objects still live are kept; buckets are kept until unload.
 */
void profile_set_rate(unsigned long rate)
{
	unsigned int cpu;

	WRITE_ONCE(profile_rate, rate);
	for_each_possible_cpu(cpu) {
		*per_cpu_ptr(&profile_rand, cpu) = (u64)platform_random_u32() << 32 |
						   platform_random_u32();
		*per_cpu_ptr(&profile_next, cpu) = rate ? next_sample(rate) : LONG_MAX;
	}
	if (rate)
		static_branch_enable(&profile_key);
	else
		static_branch_disable(&profile_key);
}
EXPORT_SYMBOL_IF_KUNIT(profile_set_rate);

unsigned long profile_get_rate(void)
{
	return READ_ONCE(profile_rate);
}
EXPORT_SYMBOL_IF_KUNIT(profile_get_rate);

/* The bucket of (@stack, @caller), made from @spare if new.  profile_lock held. */
static struct profile_bucket *bucket_get(u32 stack, unsigned long caller,
					 struct profile_bucket **spare)
{
	unsigned int h = bucket_hash(stack, caller);
	struct profile_bucket *b;

	for (b = buckets[h]; b; b = b->next)
		if (b->e.stack == stack && b->e.caller == caller)
			return b;
	b = *spare;
	if (!b)
		return NULL;
	*spare = NULL;
	memset(b, 0, sizeof(*b));
	b->e.stack = stack;
	b->e.caller = caller;
	b->next = buckets[h];
	buckets[h] = b;
	nbuckets++;
	return b;
}

/* e^(-x) in 0.32 fixed point, for x in 16.16 fixed point. */
static u64 exp_neg_q32(u64 x)
{
	unsigned int k = 0;
	u64 t, e;

	if (x >= (40ULL << 16))
		return 0;
	while ((x >> k) >= (1 << 12))	/* t = x / 2^k < 1/16 */
		k++;
	t = (x << 16) >> k;		/* Q32 */
	/* 1 - t + t^2/2 - t^3/6, t < 1/16: within 2^-21 */
	e = (1ULL << 32) - t + ((t * t) >> 33) - ((((t * t) >> 32) * t) >> 32) / 6;
	e = min_t(u64, e, U32_MAX);	/* so that e * e fits */
	while (k--)
		e = (e * e) >> 32;
	return e;
}

/*
 * The objects a sample of @size bytes drawn at @rate stands for, in 16.16
 * fixed point: 1 / (1 - e^(-size / rate)) (Go's scaleHeapSample).
 */
static u64 sample_weight(size_t size, unsigned long rate)
{
	u64 e;

	if (rate <= 1 || !size)
		return 1 << 16;
	e = exp_neg_q32(div64_u64((u64)size << 16, rate));
	return div64_u64(1ULL << 48, (1ULL << 32) - min_t(u64, e, (1ULL << 32) - 1));
}

/*
 * The object @p of @size bytes, allocated by @caller, is this CPU's next
 * sample: keep it.  Any context (GFP_ATOMIC inside); no goalloc lock held.
 * Returns whether it is kept, so that its free will say so.
 */
bool profile_alloc(unsigned long addr, size_t size, unsigned long caller)
{
	struct profile_record *r = kmalloc(sizeof(*r), GFP_ATOMIC | __GFP_NOWARN);
	unsigned long rate = READ_ONCE(profile_rate), flags;
	u32 stack = platform_stack_save();
	struct profile_bucket *b = NULL, *spare = NULL;
	unsigned int h;

	this_cpu_write(profile_next, rate ? next_sample(rate) : LONG_MAX);
	if (!r)
		goto dropped;
	spin_lock_irqsave(&profile_lock, flags);
	b = bucket_get(stack, caller, &spare);
	if (!b) {	/* the first sample of its stack: a bucket for it */
		spin_unlock_irqrestore(&profile_lock, flags);
		spare = kmalloc(sizeof(*spare), GFP_ATOMIC | __GFP_NOWARN);
		spin_lock_irqsave(&profile_lock, flags);
		b = bucket_get(stack, caller, &spare);
	}
	if (b) {
		r->addr = addr;
		r->size = size;
		r->weight = sample_weight(size, rate);
		r->bucket = b;
		h = record_hash(addr);
		r->next = records[h];
		records[h] = r;
		profile_nrecords++;
		b->e.alloc_objects += r->weight;
		b->e.alloc_bytes += (size * r->weight) >> 16;
	}
	spin_unlock_irqrestore(&profile_lock, flags);
	kfree(spare);		/* another CPU made the bucket meanwhile */
	if (b)
		return true;
	kfree(r);
dropped:
	atomic_long_inc(&profile_dropped);
	return false;
}

/*
 * The object at @addr is freed: if it was a sample, count the free in its
 * bucket.  Any context, under goalloc's CPU lock too.  Returns whether it
 * was a sample.
 */
bool profile_free(unsigned long addr)
{
	struct profile_record **pp, *r;
	unsigned long flags;

	spin_lock_irqsave(&profile_lock, flags);
	for (pp = &records[record_hash(addr)]; (r = *pp); pp = &r->next) {
		if (r->addr == addr) {
			*pp = r->next;
			profile_nrecords--;
			r->bucket->e.free_objects += r->weight;
			r->bucket->e.free_bytes += (r->size * r->weight) >> 16;
			break;
		}
	}
	spin_unlock_irqrestore(&profile_lock, flags);
	kfree(r);
	return r;
}
EXPORT_SYMBOL_IF_KUNIT(profile_free);

/**
 * profile_snapshot() - every bucket of the heap profile, scaled.
 * @nr: the number of entries, on return.
 * @dropped: samples that could not be kept, on return (may be NULL).
 *
 * Context: process context.
 * Return: a kvcalloc'ed array (kvfree() it) of the buckets with the
 * objects and bytes their samples stand for, or NULL (with *@nr 0) if
 * there are none or no memory.
 */
struct profile_entry *profile_snapshot(unsigned int *nr, unsigned long *dropped)
{
	struct profile_entry *out;
	unsigned long flags;
	struct profile_bucket *b;
	unsigned int n, i, h;

	if (dropped)
		*dropped = atomic_long_read(&profile_dropped);
	*nr = 0;
	n = READ_ONCE(nbuckets) + 16;	/* buckets made meanwhile wait for next time */
	out = kvcalloc(n, sizeof(*out), GFP_KERNEL);
	if (!out)
		return NULL;
	i = 0;
	spin_lock_irqsave(&profile_lock, flags);
	for (h = 0; h < ARRAY_SIZE(buckets); h++)
		for (b = buckets[h]; b && i < n; b = b->next)
			out[i++] = b->e;
	spin_unlock_irqrestore(&profile_lock, flags);
	for (*nr = i; i--; ) {
		struct profile_entry *x = &out[i];

		x->inuse_objects = (x->alloc_objects - x->free_objects + (1 << 15)) >> 16;
		x->inuse_bytes = x->alloc_bytes - x->free_bytes;
		x->alloc_objects = (x->alloc_objects + (1 << 15)) >> 16;
		x->free_objects = (x->free_objects + (1 << 15)) >> 16;
	}
	return out;
}
EXPORT_SYMBOL_IF_KUNIT(profile_snapshot);

/* Unload: every record and bucket goes. */
void profile_exit(void)
{
	struct profile_record *r;
	struct profile_bucket *b;
	unsigned int h;

	profile_set_rate(0);
	for (h = 0; h < ARRAY_SIZE(records); h++)
		while ((r = records[h])) {
			records[h] = r->next;
			kfree(r);
		}
	profile_nrecords = 0;
	for (h = 0; h < ARRAY_SIZE(buckets); h++)
		while ((b = buckets[h])) {
			buckets[h] = b->next;
			kfree(b);
		}
	nbuckets = 0;
}
