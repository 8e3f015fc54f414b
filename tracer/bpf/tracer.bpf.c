// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The kernel half of the tracer: records what the processes of the traced cgroups do.
 * Scope is decided first in every program by one hash lookup of the current cgroup v2
 * id, so the host's own activity costs one lookup and produces nothing.
 * Syscalls: tp_btf/sys_enter counts every call and, for numbers whose spec asks for it,
 * captures arguments into a per-tid pending record; tp_btf/sys_exit adds the result and
 * emits it. Which arguments are user strings or sockaddrs is data (`syscall_specs`, set
 * by user space from its syscall table), so there is one dispatch, not one program per
 * syscall. Processes: sched_process_fork/exec/exit. x86_64 only (pt_regs layout). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "tracer.h"

#define GS_EPERM 1
#define GS_EACCES 13
#define GS_ENOSYS 38
#define GS_AT_FDCWD (-100)
#define GS_NR_EXECVEAT 322

/* Load-time knobs (rodata), set by the loader before load. */
const volatile __u32 enabled_categories = 0xffffffff; /* bit (1 << enum gs_category) */
const volatile bool record_denied = true;

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 16 << 20); /* resized by the loader */
} events SEC(".maps");

/* cgroup v2 id -> phase tag: the set of traced cgroups. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, __u64);
  __type(value, __u32);
} cgroups SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, GS_MAX_SYSCALLS);
  __type(key, __u32);
  __type(value, struct gs_syscall_spec);
} syscall_specs SEC(".maps");

/* Syscall counters, index tag * GS_MAX_SYSCALLS + nr. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, GS_MAX_TAGS * GS_MAX_SYSCALLS);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");

/* Records lost because the ring buffer was full, per enum gs_category. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, GS_CAT_MAX);
  __type(key, __u32);
  __type(value, __u64);
} drops SEC(".maps");

/* tid -> record captured at sys_enter, completed at sys_exit. LRU so that threads
 * killed inside a syscall cannot fill it. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 4096);
  __type(key, __u32);
  __type(value, struct gs_syscall_record);
} pending SEC(".maps");

/* Per-CPU workspace: records are larger than the 512-byte BPF stack. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct gs_syscall_record);
} scratch SEC(".maps");

/* Keeps clang from folding a clamp into something the verifier cannot follow. */
#define GS_BARRIER_VAR(v) asm volatile("" : "+r"(v))

static __always_inline __u32 *traced(__u64 *cgid) {
  *cgid = bpf_get_current_cgroup_id();
  return bpf_map_lookup_elem(&cgroups, cgid);
}

static __always_inline void count_drop(__u32 category) {
  __u64 *n = bpf_map_lookup_elem(&drops, &category);
  if (n) *n += 1;
}

/* The pid number of `p` in the innermost pid namespace it belongs to. */
static __always_inline __u32 ns_nr(struct pid *p) {
  struct upid up = {};
  if (!p) return 0;
  unsigned int level = BPF_CORE_READ(p, level);
  if (bpf_probe_read_kernel(&up, sizeof(up), &p->numbers[level])) return 0;
  return up.nr;
}

static __always_inline void fill_header(struct gs_header *h, __u32 type, __u32 size, __u64 cgid,
                                        __u32 tag) {
  struct task_struct *t = bpf_get_current_task_btf();
  __u64 pt = bpf_get_current_pid_tgid();
  h->type = type;
  h->size = size;
  h->ts_ns = bpf_ktime_get_ns();
  h->cgroup_id = cgid;
  h->pid = pt >> 32;
  h->tid = (__u32)pt;
  h->ppid = BPF_CORE_READ(t, real_parent, tgid);
  h->ns_tid = ns_nr(BPF_CORE_READ(t, thread_pid));
  h->ns_pid = ns_nr(BPF_CORE_READ(t, group_leader, thread_pid));
  h->tag = tag;
  bpf_get_current_comm(h->comm, sizeof(h->comm));
}

static __always_inline void read_str(char *dst, __u8 idx, const __u64 *args, __u32 *flags,
                                     __u32 trunc_flag, __u32 fault_flag) {
  dst[0] = 0;
  if (idx >= 6) return;
  long n = bpf_probe_read_user_str(dst, GS_PATH_LEN, (const void *)args[idx]);
  if (n < 0) {
    dst[0] = 0;
    *flags |= fault_flag;
  } else if (n == GS_PATH_LEN) {
    *flags |= trunc_flag;
  }
}

static __always_inline void read_addr(struct gs_syscall_record *r, __u64 ptr, __u64 len) {
  if (!ptr || !len) return;
  if (len > GS_ADDR_LEN) {
    len = GS_ADDR_LEN;
    r->flags |= GS_F_ADDR_TRUNC;
  }
  GS_BARRIER_VAR(len);
  if (len > GS_ADDR_LEN) return;
  if (bpf_probe_read_user(r->addr, len, (const void *)ptr)) {
    r->flags |= GS_F_ADDR_FAULT;
    return;
  }
  r->addr_len = len;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id) {
  __u64 cgid;
  __u32 *tagp = traced(&cgid);
  if (!tagp) return 0;
  if (id < 0 || id >= GS_MAX_SYSCALLS) return 0;
  __u32 nr = id;
  __u32 tag = *tagp;
  if (tag >= GS_MAX_TAGS) tag = 0;

  __u32 slot = tag * GS_MAX_SYSCALLS + nr;
  __u64 *c = bpf_map_lookup_elem(&counts, &slot);
  if (c) *c += 1;

  struct gs_syscall_spec *spec = bpf_map_lookup_elem(&syscall_specs, &nr);
  if (!spec || spec->category == GS_CAT_NONE || spec->category >= GS_CAT_MAX) return 0;
  if (!(enabled_categories & (1u << spec->category))) return 0;

  __u32 zero = 0;
  struct gs_syscall_record *r = bpf_map_lookup_elem(&scratch, &zero);
  if (!r) return 0;
  fill_header(&r->h, GS_REC_SYSCALL, sizeof(*r), cgid, tag);
  r->nr = nr;
  r->flags = 0;
  r->ret = 0;
  r->extra = 0;
  r->addr_len = 0;
  r->exit_ts_delta = 0;
  r->args[0] = BPF_CORE_READ(regs, di);
  r->args[1] = BPF_CORE_READ(regs, si);
  r->args[2] = BPF_CORE_READ(regs, dx);
  r->args[3] = BPF_CORE_READ(regs, r10);
  r->args[4] = BPF_CORE_READ(regs, r8);
  r->args[5] = BPF_CORE_READ(regs, r9);
  read_str(r->str1, spec->str1_arg, r->args, &r->flags, GS_F_STR1_TRUNC, GS_F_STR1_FAULT);
  read_str(r->str2, spec->str2_arg, r->args, &r->flags, GS_F_STR2_TRUNC, GS_F_STR2_FAULT);

  __u8 a = spec->addr_arg, l = spec->addrlen_arg;
  if (a < 6 && l < 6) read_addr(r, r->args[a], r->args[l]);

  if (spec->special == GS_SPECIAL_OPENAT2) {
    /* struct open_how starts with __u64 flags */
    bpf_probe_read_user(&r->extra, sizeof(r->extra), (const void *)r->args[2]);
  } else if (spec->special == GS_SPECIAL_SENDMSG) {
    struct user_msghdr mh = {};
    if (bpf_probe_read_user(&mh, sizeof(mh), (const void *)r->args[1]) == 0) {
      r->extra = mh.msg_namelen;
      read_addr(r, (__u64)mh.msg_name, mh.msg_namelen);
    }
  }

  __u32 tid = r->h.tid;
  bpf_map_update_elem(&pending, &tid, r, BPF_ANY);
  return 0;
}

static __always_inline void emit_denied(struct pt_regs *regs, long ret, __u64 cgid, __u32 tag) {
  struct gs_denied_record *d = bpf_ringbuf_reserve(&events, sizeof(*d), 0);
  if (!d) {
    count_drop(GS_CAT_DENIED);
    return;
  }
  fill_header(&d->h, GS_REC_DENIED, sizeof(*d), cgid, tag);
  d->nr = BPF_CORE_READ(regs, orig_ax);
  d->pad = 0;
  d->ret = ret;
  bpf_ringbuf_submit(d, 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret) {
  __u64 cgid;
  __u32 *tagp = traced(&cgid);
  if (!tagp) return 0;
  if (record_denied && (enabled_categories & (1u << GS_CAT_DENIED)) &&
      (ret == -GS_EPERM || ret == -GS_EACCES || ret == -GS_ENOSYS))
    emit_denied(regs, ret, cgid, *tagp);

  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  struct gs_syscall_record *r = bpf_map_lookup_elem(&pending, &tid);
  if (!r) return 0;
  long nr = BPF_CORE_READ(regs, orig_ax);
  if (nr != r->nr) { /* stale entry: its exit was never seen */
    bpf_map_delete_elem(&pending, &tid);
    return 0;
  }
  r->ret = ret;
  __u64 delta = bpf_ktime_get_ns() - r->h.ts_ns;
  r->exit_ts_delta = delta > 0xffffffffULL ? 0xffffffffU : (__u32)delta;

  __u32 key = r->nr;
  struct gs_syscall_spec *spec = bpf_map_lookup_elem(&syscall_specs, &key);
  __u32 category = spec ? spec->category : GS_CAT_NONE;
  /* sys_enter cannot fault pages in: a string in a page the task has not touched yet
   * (fresh fork, file-backed rodata) reads as a fault there. The kernel has read it by
   * now, so read it again. */
  if (spec && (r->flags & (GS_F_STR1_FAULT | GS_F_STR2_FAULT | GS_F_ADDR_FAULT))) {
    __u32 f = r->flags;
    r->flags = (f & ~(GS_F_STR1_FAULT | GS_F_STR2_FAULT | GS_F_ADDR_FAULT)) | GS_F_LATE_READ;
    if (f & GS_F_STR1_FAULT)
      read_str(r->str1, spec->str1_arg, r->args, &r->flags, GS_F_STR1_TRUNC, GS_F_STR1_FAULT);
    if (f & GS_F_STR2_FAULT)
      read_str(r->str2, spec->str2_arg, r->args, &r->flags, GS_F_STR2_TRUNC, GS_F_STR2_FAULT);
    __u8 a = spec->addr_arg, l = spec->addrlen_arg;
    if ((f & GS_F_ADDR_FAULT) && a < 6 && l < 6) read_addr(r, r->args[a], r->args[l]);
  }
  if (spec && spec->special == GS_SPECIAL_ACCEPT && ret >= 0 && r->args[1] && r->args[2]) {
    int len = 0;
    if (bpf_probe_read_user(&len, sizeof(len), (const void *)r->args[2]) == 0 && len > 0) {
      r->extra = len;
      read_addr(r, r->args[1], (__u64)len);
    }
  }
  if (bpf_ringbuf_output(&events, r, sizeof(*r), 0)) count_drop(category);
  bpf_map_delete_elem(&pending, &tid);
  return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child) {
  __u64 cgid;
  __u32 *tagp = traced(&cgid);
  if (!tagp) return 0;
  if (!(enabled_categories & (1u << GS_CAT_PROCESS))) return 0;
  struct gs_fork_record *f = bpf_ringbuf_reserve(&events, sizeof(*f), 0);
  if (!f) {
    count_drop(GS_CAT_PROCESS);
    return 0;
  }
  fill_header(&f->h, GS_REC_FORK, sizeof(*f), cgid, *tagp);
  f->child_pid = BPF_CORE_READ(child, tgid);
  f->child_tid = BPF_CORE_READ(child, pid);
  f->child_ns_pid = ns_nr(BPF_CORE_READ(child, group_leader, thread_pid));
  f->is_thread = f->child_pid == BPF_CORE_READ(parent, tgid);
  bpf_ringbuf_submit(f, 0);
  return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm) {
  __u64 cgid;
  __u32 *tagp = traced(&cgid);
  if (!tagp) return 0;
  __u32 old = old_pid;
  struct gs_syscall_record *r = bpf_map_lookup_elem(&pending, &old);
  if (!(enabled_categories & (1u << GS_CAT_PROCESS))) goto out;

  struct gs_exec_record *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    count_drop(GS_CAT_PROCESS);
    goto out;
  }
  fill_header(&e->h, GS_REC_EXEC, sizeof(*e), cgid, *tagp);
  e->old_tid = old;
  e->flags = 0;
  e->dirfd = GS_AT_FDCWD;
  e->at_flags = 0;
  e->filename[0] = 0;
  if (r) {
    e->nr = r->nr;
    e->flags = r->flags & (GS_F_STR1_TRUNC | GS_F_STR1_FAULT);
    if (r->nr == GS_NR_EXECVEAT) {
      e->dirfd = (__s64)r->args[0];
      e->at_flags = r->args[4];
    }
    if (r->flags & GS_F_STR1_FAULT) /* not resident at sys_enter: take the kernel's copy */
      bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
    else
      bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), r->str1);
  } else {
    e->nr = -1;
    e->flags = GS_F_NO_ENTER;
  }
  if (bpf_probe_read_kernel_str(e->bprm_filename, sizeof(e->bprm_filename),
                                BPF_CORE_READ(bprm, filename)) < 0)
    e->bprm_filename[0] = 0;
  if (bpf_probe_read_kernel_str(e->interp, sizeof(e->interp), BPF_CORE_READ(bprm, interp)) < 0)
    e->interp[0] = 0;
  if (bpf_probe_read_kernel_str(e->exe_name, sizeof(e->exe_name),
                                BPF_CORE_READ(bprm, file, f_path.dentry, d_name.name)) < 0)
    e->exe_name[0] = 0;

  struct mm_struct *mm = BPF_CORE_READ(p, mm);
  __u64 start = BPF_CORE_READ(mm, arg_start), end = BPF_CORE_READ(mm, arg_end);
  __u64 len = end > start ? end - start : 0;
  if (len > GS_ARGV_LEN) {
    len = GS_ARGV_LEN;
    e->flags |= GS_F_ARGV_TRUNC;
  }
  GS_BARRIER_VAR(len);
  e->argv_len = 0;
  if (len > 0 && len <= GS_ARGV_LEN) {
    if (bpf_probe_read_user(e->argv, len, (const void *)start) == 0)
      e->argv_len = len;
    else
      e->flags |= GS_F_ARGV_FAULT;
  }
  bpf_ringbuf_submit(e, 0);
out:
  if (r) bpf_map_delete_elem(&pending, &old);
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p) {
  __u64 cgid;
  __u32 *tagp = traced(&cgid);
  if (!tagp) return 0;
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  bpf_map_delete_elem(&pending, &tid);
  if (!(enabled_categories & (1u << GS_CAT_PROCESS))) return 0;
  struct gs_exit_record *x = bpf_ringbuf_reserve(&events, sizeof(*x), 0);
  if (!x) {
    count_drop(GS_CAT_PROCESS);
    return 0;
  }
  fill_header(&x->h, GS_REC_EXIT, sizeof(*x), cgid, *tagp);
  x->exit_code = BPF_CORE_READ(p, exit_code);
  x->group_dead = BPF_CORE_READ(p, signal, live.counter) == 0;
  bpf_ringbuf_submit(x, 0);
  return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
