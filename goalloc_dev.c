// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/goalloc: goalloc for user space (the ABI is in include/uapi/goalloc.h).
 *
 * Each open file has a handle table (an xarray of struct goalloc_uobj, ids
 * from 1, allocated cyclically so a freed handle is not soon reused) and a
 * mutex that serializes its ioctls, so many threads may share a file.
 * Objects are zeroed before user space can first see their bytes, so no
 * stale kernel data reaches it even without GOALLOC_F_ZERO.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
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

static ushort dev_mode = 0600;
module_param(dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "permissions of /dev/goalloc (default 0600: root only)");

#define GOALLOC_BATCH_MAX	(1U << 20)
#define BATCH_CHUNK		64

struct goalloc_uobj {
	void *p;
	u64 usable;
	bool clean;		/* zeroed, or written through the file */
};

struct goalloc_file {
	struct mutex lock;	/* serializes the file's ioctls */
	struct xarray handles;	/* handle -> struct goalloc_uobj */
	u32 next_id;		/* cyclic handle allocation */
	u64 nobjects;		/* objects held */
	u64 nbytes;		/* usable bytes held */
};

/* Copy a request that starts with its own __u32 size. */
static int copy_req(void *k, size_t ksize, const void __user *u)
{
	u32 usize;

	if (get_user(usize, (const u32 __user *)u))
		return -EFAULT;
	if (usize < ksize)
		return -EINVAL;
	return copy_struct_from_user(k, ksize, u, usize);
}

static int uobj_alloc(struct goalloc_file *f, u64 bytes, u32 flags, u64 *handle, u64 *usable)
{
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_NOWARN;
	struct goalloc_uobj *o;
	u32 id;
	int ret;

	lockdep_assert_held(&f->lock);
	if (flags & ~(GOALLOC_F_NOSCAN | GOALLOC_F_ZERO) || !bytes || bytes > GOALLOC_MAX_SIZE)
		return -EINVAL;
	if (f->nobjects >= READ_ONCE(max_objects))
		return -ENOSPC;
	if (f->nbytes + bytes > READ_ONCE(max_bytes))
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
	ret = xa_alloc_cyclic(&f->handles, &id, o, XA_LIMIT(1, U32_MAX), &f->next_id, GFP_KERNEL);
	if (ret < 0) {
		goalloc_free(o->p);
		kfree(o);
		return ret == -EBUSY ? -ENOSPC : ret;
	}
	f->nobjects++;
	f->nbytes += o->usable;
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
	f->nobjects--;
	f->nbytes -= o->usable;
	goalloc_free(o->p);
	kfree(o);
	return 0;
}

static long dev_alloc(struct goalloc_file *f, void __user *arg)
{
	struct goalloc_alloc_req r;
	int ret = copy_req(&r, sizeof(r), arg);

	if (ret)
		return ret;
	ret = uobj_alloc(f, r.bytes, r.flags, &r.handle, &r.usable);
	if (ret)
		return ret;
	if (copy_to_user(arg, &r, sizeof(r))) {
		uobj_free(f, r.handle);
		return -EFAULT;
	}
	return 0;
}

static long dev_free(struct goalloc_file *f, void __user *arg)
{
	struct goalloc_free_req r;
	int ret = copy_req(&r, sizeof(r), arg);

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
	int ret = copy_req(&r, sizeof(r), arg);

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
	u32 i = 0, n, j;
	u64 t0;
	int ret = copy_req(&r, sizeof(r), arg);

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
	if (copy_to_user(arg, &r, sizeof(r)))
		return -EFAULT;
	return r.error;
}

static long dev_stats(struct goalloc_file *f, void __user *arg)
{
	struct goalloc_stats_req r;
	struct goalloc_stats st;
	int ret = copy_req(&r, sizeof(r), arg);

	if (ret)
		return ret;
	goalloc_get_stats(&st);
	r.version = GOALLOC_ABI_VERSION;
	r.heap_alloc = st.heap_alloc;
	r.heap_objects = st.heap_objects;
	r.heap_sys = st.heap_sys;
	r.heap_idle = st.heap_idle;
	r.heap_inuse = st.heap_inuse;
	r.heap_released = st.heap_released;
	r.mallocs = st.mallocs;
	r.frees = st.frees;
	r.tiny_allocs = st.tiny_allocs;
	r.large_allocs = st.large_allocs;
	r.arenas = st.arenas;
	r.spans_inuse = st.spans_inuse;
	r.invalid_frees = st.invalid_frees;
	r.file_objects = f->nobjects;
	r.file_bytes = f->nbytes;
	return copy_to_user(arg, &r, sizeof(r)) ? -EFAULT : 0;
}

static long goalloc_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct goalloc_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;
	long ret;

	mutex_lock(&f->lock);
	switch (cmd) {
	case GOALLOC_IOC_ALLOC:
		ret = dev_alloc(f, uarg);
		break;
	case GOALLOC_IOC_FREE:
		ret = dev_free(f, uarg);
		break;
	case GOALLOC_IOC_WRITE:
		ret = dev_rw(f, uarg, true);
		break;
	case GOALLOC_IOC_READ:
		ret = dev_rw(f, uarg, false);
		break;
	case GOALLOC_IOC_BATCH:
		ret = dev_batch(f, uarg);
		break;
	case GOALLOC_IOC_STATS:
		ret = dev_stats(f, uarg);
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
	struct goalloc_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return NULL;
	mutex_init(&f->lock);
	xa_init_flags(&f->handles, XA_FLAGS_ALLOC1);
	return f;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_file_open);

/* Closing frees every object the file still holds. */
void goalloc_file_close(struct goalloc_file *f)
{
	struct goalloc_uobj *o;
	unsigned long id;

	xa_for_each(&f->handles, id, o) {
		goalloc_free(o->p);
		kfree(o);
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

static struct miscdevice goalloc_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "goalloc",
	.fops = &goalloc_dev_fops,
};

int goalloc_dev_init(void)
{
	goalloc_miscdev.mode = dev_mode;
	return misc_register(&goalloc_miscdev);
}

void goalloc_dev_exit(void)
{
	misc_deregister(&goalloc_miscdev);
}
