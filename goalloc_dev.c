// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/goalloc: goalloc for user space (the ABI is in include/uapi/goalloc.h).
 *
 * Each open file has a handle table (an xarray of struct goalloc_uobj, ids
 * from 1, allocated cyclically so a freed handle is not soon reused) and a
 * mutex that serializes its ioctls, so many threads may share a file; the
 * wait for it is killable, and STATS does not take it.  Objects are zeroed
 * before user space can first see their bytes, so no stale kernel data
 * reaches it even without GOALLOC_F_ZERO.
 *
 * Limits (module parameters, changeable at run time): max_objects and
 * max_bytes per open file, max_dev_bytes for all files together, all in
 * usable bytes (what an object really holds); a batch runs at most
 * GOALLOC_BATCH_MAX operations and stops at a fatal signal.  The file's
 * metadata (its struct, handle table and object records) is charged to the
 * opener's memory cgroup; the objects are not (goalloc ignores
 * __GFP_ACCOUNT: include/goalloc.h) but count against these limits and the
 * heap's memory_limit.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <linux/ktime.h>
#include <linux/overflow.h>
#include <kunit/visibility.h>
#include <uapi/goalloc.h>
#include "goalloc/malloc.h"
#include "goalloc_mod.h"

static unsigned int max_objects = 1 << 20;
module_param(max_objects, uint, 0644);
MODULE_PARM_DESC(max_objects, "objects one open /dev/goalloc may hold (ENOSPC beyond)");

static unsigned long max_bytes = 256UL << 20;
module_param(max_bytes, ulong, 0644);
MODULE_PARM_DESC(max_bytes, "usable bytes one open /dev/goalloc may hold (ENOMEM beyond)");

static unsigned long max_dev_bytes;
module_param(max_dev_bytes, ulong, 0644);
MODULE_PARM_DESC(max_dev_bytes,
		 "usable bytes all open /dev/goalloc files may hold together (default: half of RAM)");

static ushort dev_mode = 0600;
module_param(dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "permissions of /dev/goalloc (default 0600: root only)");

#define BATCH_CHUNK		64

/* Usable bytes all open files hold (max_dev_bytes bounds it). */
static atomic_long_t dev_bytes = ATOMIC_LONG_INIT(0);

struct goalloc_uobj {
	void *p;
	u64 usable;
	bool clean;		/* zeroed, or written through the file */
};

struct goalloc_file {
	struct mutex lock;	/* serializes the file's ioctls */
	struct xarray handles;	/* handle -> struct goalloc_uobj */
	u32 next_id;		/* cyclic handle allocation */
	u64 nobjects;		/* objects held; written under lock */
	u64 nbytes;		/* usable bytes held; written under lock */
};

/*
 * Copy a request that starts with its own __u32 size (the rules are in
 * include/uapi/goalloc.h): at least @ver0 bytes, at most
 * GOALLOC_REQ_SIZE_MAX, fields the caller did not send read as zero.  The
 * caller's size is left in *@usize for the reply.
 */
static int copy_req(void *k, size_t ksize, size_t ver0, const void __user *u, u32 *usize)
{
	if (get_user(*usize, (const u32 __user *)u))
		return -EFAULT;
	if (*usize < ver0)
		return -EINVAL;
	if (*usize > GOALLOC_REQ_SIZE_MAX)
		return -E2BIG;
	return copy_struct_from_user(k, ksize, u, *usize);
}

/* A reply: as much of @k as the caller's structure (@usize bytes) holds. */
static int copy_reply(void __user *u, const void *k, size_t ksize, u32 usize)
{
	return copy_to_user(u, k, min_t(size_t, ksize, usize)) ? -EFAULT : 0;
}

#define COPY_REQ(r, ver0, u, usize)	copy_req(&(r), sizeof(r), ver0, u, usize)
#define COPY_REPLY(u, r, usize)		copy_reply(u, &(r), sizeof(r), usize)

static_assert(offsetofend(struct goalloc_alloc_req, usable) == GOALLOC_ALLOC_REQ_SIZE_VER0);
static_assert(offsetofend(struct goalloc_free_req, handle) == GOALLOC_FREE_REQ_SIZE_VER0);
static_assert(offsetofend(struct goalloc_rw_req, buf) == GOALLOC_RW_REQ_SIZE_VER0);
static_assert(offsetofend(struct goalloc_batch_req, error) == GOALLOC_BATCH_REQ_SIZE_VER0);
static_assert(offsetofend(struct goalloc_stats_req, file_bytes) == GOALLOC_STATS_REQ_SIZE_VER0);

/* Account @usable more bytes to @f and the device, unless a limit says no. */
static bool charge_bytes(struct goalloc_file *f, u64 usable)
{
	if (f->nbytes + usable > READ_ONCE(max_bytes))
		return false;
	if (atomic_long_add_return(usable, &dev_bytes) > READ_ONCE(max_dev_bytes)) {
		atomic_long_sub(usable, &dev_bytes);
		return false;
	}
	WRITE_ONCE(f->nbytes, f->nbytes + usable);
	return true;
}

static void uncharge_bytes(struct goalloc_file *f, u64 usable)
{
	WRITE_ONCE(f->nbytes, f->nbytes - usable);
	atomic_long_sub(usable, &dev_bytes);
}

static int uobj_alloc(struct goalloc_file *f, u64 bytes, u32 flags, u64 *handle, u64 *usable)
{
	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;
	struct goalloc_uobj *o;
	u32 id;
	int ret;

	lockdep_assert_held(&f->lock);
	if (flags & ~(GOALLOC_F_NOSCAN | GOALLOC_F_ZERO) || !bytes || bytes > GOALLOC_MAX_SIZE)
		return -EINVAL;
	if (f->nobjects >= READ_ONCE(max_objects))
		return -ENOSPC;
	/* the limits count usable bytes: a cheap early no, the real test below */
	if (f->nbytes + bytes > READ_ONCE(max_bytes) ||
	    atomic_long_read(&dev_bytes) + bytes > READ_ONCE(max_dev_bytes))
		return -ENOMEM;
	o = kmalloc(sizeof(*o), GFP_KERNEL_ACCOUNT);
	if (!o)
		return -ENOMEM;
	if (flags & GOALLOC_F_ZERO)
		gfp |= __GFP_ZERO;
	o->p = flags & GOALLOC_F_NOSCAN ? goalloc_alloc_noscan(bytes, gfp) : goalloc_alloc(bytes, gfp);
	if (!o->p) {
		kfree(o);
		return -ENOMEM;
	}
	o->usable = goalloc_usable_size(o->p);
	o->clean = flags & GOALLOC_F_ZERO;
	if (!charge_bytes(f, o->usable)) {
		goalloc_free(o->p);
		kfree(o);
		return -ENOMEM;
	}
	ret = xa_alloc_cyclic(&f->handles, &id, o, XA_LIMIT(1, U32_MAX), &f->next_id,
			      GFP_KERNEL_ACCOUNT);
	if (ret < 0) {
		uncharge_bytes(f, o->usable);
		goalloc_free(o->p);
		kfree(o);
		return ret == -EBUSY ? -ENOSPC : ret;
	}
	WRITE_ONCE(f->nobjects, f->nobjects + 1);
	*handle = id;
	*usable = o->usable;
	return 0;
}

static int uobj_free(struct goalloc_file *f, u64 handle)
{
	struct goalloc_uobj *o;

	lockdep_assert_held(&f->lock);
	if (!handle || handle > U32_MAX)
		return -ENOENT;
	o = xa_erase(&f->handles, handle);
	if (!o)
		return -ENOENT;
	WRITE_ONCE(f->nobjects, f->nobjects - 1);
	uncharge_bytes(f, o->usable);
	goalloc_free(o->p);
	kfree(o);
	return 0;
}

static long dev_alloc(struct goalloc_file *f, void __user *arg)
{
	struct goalloc_alloc_req r;
	u32 usize;
	int ret = COPY_REQ(r, GOALLOC_ALLOC_REQ_SIZE_VER0, arg, &usize);

	if (ret)
		return ret;
	ret = uobj_alloc(f, r.bytes, r.flags, &r.handle, &r.usable);
	if (ret)
		return ret;
	ret = COPY_REPLY(arg, r, usize);
	if (ret)
		uobj_free(f, r.handle);
	return ret;
}

static long dev_free(struct goalloc_file *f, void __user *arg)
{
	struct goalloc_free_req r;
	u32 usize;
	int ret = COPY_REQ(r, GOALLOC_FREE_REQ_SIZE_VER0, arg, &usize);

	if (ret)
		return ret;
	if (r.reserved)
		return -EINVAL;
	return uobj_free(f, r.handle);
}

static long dev_rw(struct goalloc_file *f, void __user *arg, bool write)
{
	struct goalloc_uobj *o;
	struct goalloc_rw_req r;
	u64 end;
	u32 usize;
	int ret = COPY_REQ(r, GOALLOC_RW_REQ_SIZE_VER0, arg, &usize);

	if (ret)
		return ret;
	if (r.reserved)
		return -EINVAL;
	o = r.handle && r.handle <= U32_MAX ? xa_load(&f->handles, r.handle) : NULL;
	if (!o)
		return -ENOENT;
	if (check_add_overflow(r.offset, r.len, &end) || end > o->usable)
		return -EINVAL;
	if (!o->clean) {
		memset(o->p, 0, o->usable);
		o->clean = true;
	}
	if (write)
		ret = copy_from_user(o->p + r.offset, u64_to_user_ptr(r.buf), r.len);
	else
		ret = copy_to_user(u64_to_user_ptr(r.buf), o->p + r.offset, r.len);
	return ret ? -EFAULT : 0;
}

/*
 * Operation @index of a batch, at buf[@index - @first]: @buf holds ops
 * @first onwards of the user's array @ops (GOALLOC_F_REF may name either).
 */
static int batch_op(struct goalloc_file *f, struct goalloc_batch_op *buf, u32 first,
		    struct goalloc_batch_op __user *ops, u32 index)
{
	struct goalloc_batch_op *op = &buf[index - first], ref;
	u64 usable;

	switch (op->op) {
	case GOALLOC_OP_ALLOC:
		return uobj_alloc(f, op->bytes, op->flags, &op->handle, &usable);
	case GOALLOC_OP_FREE:
		if (op->flags & ~GOALLOC_F_REF)
			return -EINVAL;
		if (!(op->flags & GOALLOC_F_REF))
			return uobj_free(f, op->handle);
		if (op->handle >= index)
			return -EINVAL;
		if (op->handle >= first)
			ref = buf[op->handle - first];
		else if (copy_from_user(&ref, &ops[op->handle], sizeof(ref)))
			return -EFAULT;
		if (ref.op != GOALLOC_OP_ALLOC)
			return -EINVAL;
		return uobj_free(f, ref.handle);
	default:
		return -EINVAL;
	}
}

static long dev_batch(struct goalloc_file *f, void __user *arg)
{
	struct goalloc_batch_op *buf;
	struct goalloc_batch_op __user *ops;
	struct goalloc_batch_req r;
	u32 i = 0, n, j, usize;
	u64 t0;
	int ret = COPY_REQ(r, GOALLOC_BATCH_REQ_SIZE_VER0, arg, &usize);

	if (ret)
		return ret;
	if (r.nr > GOALLOC_BATCH_MAX)
		return -EINVAL;
	ops = u64_to_user_ptr(r.ops);
	buf = kmalloc_array(BATCH_CHUNK, sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	r.elapsed_ns = 0;
	r.error = 0;
	while (i < r.nr && !r.error) {
		if (fatal_signal_pending(current)) {
			r.error = -EINTR;
			break;
		}
		n = min_t(u32, r.nr - i, BATCH_CHUNK);
		if (copy_from_user(buf, &ops[i], n * sizeof(*buf))) {
			r.error = -EFAULT;
			break;
		}
		t0 = ktime_get_ns();
		for (j = 0; j < n; j++) {
			r.error = batch_op(f, buf, i, ops, i + j);
			if (r.error)
				break;
		}
		r.elapsed_ns += ktime_get_ns() - t0;
		/* handles of this chunk's allocations go back before a later REF reads them */
		if (copy_to_user(&ops[i], buf, j * sizeof(*buf)) && !r.error)
			r.error = -EFAULT;
		i += j;
		cond_resched();
	}
	kfree(buf);
	r.done = i;
	ret = COPY_REPLY(arg, r, usize);
	return ret ? ret : r.error;
}

static long dev_stats(struct goalloc_file *f, void __user *arg)
{
	struct goalloc_stats_req r;
	struct goalloc_stats st;
	u32 usize;
	int ret = COPY_REQ(r, GOALLOC_STATS_REQ_SIZE_VER0, arg, &usize);

	if (ret)
		return ret;
	goalloc_get_stats(&st);
	r.version = GOALLOC_ABI_VERSION;
#define STAT_COPY(name, desc)	r.name = st.name;
	GOALLOC_STATS(STAT_COPY)
#undef STAT_COPY
	/* not under the file's lock: a racing batch does not hold STATS up */
	r.file_objects = READ_ONCE(f->nobjects);
	r.file_bytes = READ_ONCE(f->nbytes);
	return COPY_REPLY(arg, r, usize);
}

static long goalloc_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct goalloc_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;
	long ret;

	/*
	 * By number: the size in @cmd is the caller's header's, and each
	 * request carries its own size (include/uapi/goalloc.h).
	 */
	if (_IOC_TYPE(cmd) != GOALLOC_IOC_MAGIC)
		return -ENOTTY;
	if (_IOC_NR(cmd) == _IOC_NR(GOALLOC_IOC_STATS))
		return dev_stats(f, uarg);
	if (mutex_lock_killable(&f->lock))
		return -EINTR;
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(GOALLOC_IOC_ALLOC):
		ret = dev_alloc(f, uarg);
		break;
	case _IOC_NR(GOALLOC_IOC_FREE):
		ret = dev_free(f, uarg);
		break;
	case _IOC_NR(GOALLOC_IOC_WRITE):
		ret = dev_rw(f, uarg, true);
		break;
	case _IOC_NR(GOALLOC_IOC_READ):
		ret = dev_rw(f, uarg, false);
		break;
	case _IOC_NR(GOALLOC_IOC_BATCH):
		ret = dev_batch(f, uarg);
		break;
	default:
		ret = -ENOTTY;
	}
	mutex_unlock(&f->lock);
	return ret;
}

/* === The handle table of one open file (also used by KUnit) === */

struct goalloc_file *goalloc_file_open(void)
{
	struct goalloc_file *f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);

	if (!f)
		return NULL;
	mutex_init(&f->lock);
	xa_init_flags(&f->handles, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	return f;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_file_open);

/* Closing frees every object the file still holds (up to max_objects). */
void goalloc_file_close(struct goalloc_file *f)
{
	struct goalloc_uobj *o;
	unsigned long id;

	xa_for_each(&f->handles, id, o) {
		uncharge_bytes(f, o->usable);
		goalloc_free(o->p);
		kfree(o);
		if (!(id % BATCH_CHUNK))
			cond_resched();
	}
	xa_destroy(&f->handles);
	mutex_destroy(&f->lock);
	kfree(f);
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_file_close);

int goalloc_file_alloc(struct goalloc_file *f, u64 bytes, u32 flags, u64 *handle, u64 *usable)
{
	int ret;

	mutex_lock(&f->lock);
	ret = uobj_alloc(f, bytes, flags, handle, usable);
	mutex_unlock(&f->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_file_alloc);

int goalloc_file_free(struct goalloc_file *f, u64 handle)
{
	int ret;

	mutex_lock(&f->lock);
	ret = uobj_free(f, handle);
	mutex_unlock(&f->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_file_free);

static int goalloc_dev_open(struct inode *inode, struct file *file)
{
	file->private_data = goalloc_file_open();
	return file->private_data ? 0 : -ENOMEM;
}

static int goalloc_dev_release(struct inode *inode, struct file *file)
{
	goalloc_file_close(file->private_data);
	return 0;
}

static const struct file_operations goalloc_dev_fops = {
	.owner = THIS_MODULE,
	.open = goalloc_dev_open,
	.release = goalloc_dev_release,
	.unlocked_ioctl = goalloc_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/*
 * A fixed misc minor, from the range devices.txt leaves for local use, so
 * that udev can make /dev/goalloc before the module is loaded and opening
 * it loads goalloc (the devname alias below); a dynamic one if it is taken.
 */
#define GOALLOC_MISC_MINOR	247

static struct miscdevice goalloc_miscdev = {
	.minor = GOALLOC_MISC_MINOR,
	.name = "goalloc",
	.fops = &goalloc_dev_fops,
};
MODULE_ALIAS_MISCDEV(GOALLOC_MISC_MINOR);
MODULE_ALIAS("devname:goalloc");

int goalloc_dev_init(void)
{
	int ret;

	if (!max_dev_bytes)
		max_dev_bytes = (totalram_pages() << PAGE_SHIFT) / 2;
	goalloc_miscdev.mode = dev_mode;
	ret = misc_register(&goalloc_miscdev);
	if (ret != -EBUSY)
		return ret;
	pr_warn("misc minor %d is taken: /dev/goalloc gets a dynamic one, and no autoload\n",
		GOALLOC_MISC_MINOR);
	goalloc_miscdev.minor = MISC_DYNAMIC_MINOR;
	return misc_register(&goalloc_miscdev);
}

void goalloc_dev_exit(void)
{
	misc_deregister(&goalloc_miscdev);
}
