// SPDX-License-Identifier: GPL-2.0
/*
 * The platform under the core: the kernel's CPU plumbing.  See platform.h.
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/workqueue.h>
#include <linux/mutex.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include "malloc.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* === Stacks (debug mode, the heap profile) === */

#define STACK_DEPTH	16

static bool stack_depot_ready;

void platform_stack_init(void)
{
	if (IS_ENABLED(CONFIG_STACKDEPOT) && IS_ENABLED(CONFIG_STACKTRACE))
		stack_depot_ready = !stack_depot_init();
}

u32 platform_stack_save(void)
{
	unsigned long entries[STACK_DEPTH];
	unsigned int n;

	if (!IS_ENABLED(CONFIG_STACKDEPOT) || !IS_ENABLED(CONFIG_STACKTRACE) ||
	    !stack_depot_ready)
		return 0;
	n = stack_trace_save(entries, ARRAY_SIZE(entries), 2);	/* from the caller's caller */
	return stack_depot_save(entries, n, GFP_NOWAIT | __GFP_NOWARN);
}

void platform_stack_print(u32 handle)
{
	if (IS_ENABLED(CONFIG_STACKDEPOT) && handle)
		stack_depot_print(handle);
}

/* The frames of @handle in *@entries; their number (0 if none). */
unsigned int platform_stack_fetch(u32 handle, unsigned long **entries)
{
	if (!IS_ENABLED(CONFIG_STACKDEPOT) || !handle)
		return 0;
	return stack_depot_fetch(handle, entries);
}

/* === CPUs === */

static void (*each_cpu_fn)(void);		/* each_cpu_mutex */
static DEFINE_PER_CPU(struct work_struct, each_cpu_works);
static DEFINE_MUTEX(each_cpu_mutex);

static void each_cpu_work(struct work_struct *work)
{
	each_cpu_fn();
}

void platform_each_cpu(void (*fn)(void), void (*offline)(unsigned int cpu))
{
	unsigned int cpu;

	mutex_lock(&each_cpu_mutex);
	cpus_read_lock();
	each_cpu_fn = fn;
	for_each_online_cpu(cpu) {
		struct work_struct *w = per_cpu_ptr(&each_cpu_works, cpu);

		INIT_WORK(w, each_cpu_work);
		queue_work_on(cpu, system_wq, w);
	}
	for_each_online_cpu(cpu)
		flush_work(per_cpu_ptr(&each_cpu_works, cpu));
	if (offline)
		for_each_possible_cpu(cpu)
			if (!cpu_online(cpu))
				offline(cpu);
	cpus_read_unlock();
	mutex_unlock(&each_cpu_mutex);
}

static enum cpuhp_state cpu_dead_state;

int platform_cpu_dead_register(int (*dead)(unsigned int cpu))
{
	int ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "goalloc:dead", NULL, dead);

	if (ret < 0)
		return ret;
	cpu_dead_state = ret;
	return 0;
}

void platform_cpu_dead_unregister(void)
{
	cpuhp_remove_state_nocalls(cpu_dead_state);
}
