// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The kernel half of the tracer: records what the processes of the traced cgroups do.
 * Scope is decided first in every program from the current cgroup v2 id (a per-CPU cache
 * in front of the `cgroups` hash), so the host's own activity costs little and produces
 * nothing.
 * Syscalls: one program, tp_btf/sys_exit, counts every call and, for numbers whose spec
 * asks for it, builds a record from pt_regs and the caller's memory (both still intact at
 * exit) and emits it; sys_enter is not attached. Which arguments are user strings or
 * sockaddrs is data (`syscall_specs`, set
 * by user space from its syscall table), so there is one dispatch, not one program per
 * syscall. Processes: sched_process_fork/exec/exit. Scope follows cgroup_mkdir/rmdir
 * below traced cgroups. x86_64 only (pt_regs layout). */
// vmlinux.h must come first: the libbpf headers and tracer.h rely on its types.
// clang-format off
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "tracer.h"
// clang-format on

#define GS_EPERM 1
#define GS_EACCES 13
#define GS_ENOSYS 38
#define GS_AT_FDCWD (-100)
#define GS_NR_EXECVE 59
#define GS_NR_EXIT 60
#define GS_NR_EXIT_GROUP 231
#define GS_NR_EXECVEAT 322
#define GS_NR_OPEN 2
#define GS_NR_CREAT 85
#define GS_NR_OPENAT 257
#define GS_NR_OPENAT2 437
#define GS_NR_SENDTO 44
#define GS_NR_SENDMSG 46
#define GS_NR_SENDMMSG 307
#define GS_NR_SPLICE 275
#define GS_AF_UNIX 1
#define GS_AF_INET 2
#define GS_AF_INET6 10

/* Load-time knobs (rodata), set by the loader before load. */
const volatile __u32 enabled_categories = 0xffffffff; /* bit (1 << enum gs_category) */
const volatile bool record_denied = true;
/* Record a denial only for syscalls whose spec has `denial` set: the ones the jail's
 * profile can deny. Off: every -EPERM/-EACCES/-ENOSYS is one. Go's runtime alone makes an
 * epoll_ctl that fails with EPERM for every regular file it opens: without the filter,
 * those were nearly half of all records on a file-heavy module. */
const volatile bool denied_filter = false;
/* Wake the reader only once this much data waits: one wakeup per record costs a context
 * switch per event. The reader polls with a timeout and consumes whatever is there. */
const volatile __u64 wakeup_bytes = 256 << 10;
/* Bit nr: syscall nr makes a record (its spec has an enabled category). Most calls are of
 * syscalls that do not and did not fail with a denial's errno: they stop after counting,
 * without looking at `syscall_specs`. */
const volatile __u64 record_bits[GS_MAX_SYSCALLS / 64] = {};
/* Benchmarks only: sys_exit returns at once, so what remains is the kernel's own cost of
 * a program on the syscall tracepoint (the floor under everything this file does). */
const volatile bool hooks_only = false;
/* Benchmarks only: every syscall record is flushed as soon as it is staged (a batch of
 * one), which is what recording cost before batching. */
const volatile bool unbatched = false;

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

/* Syscall counters: one block of every number per tag, so user space reads or resets a
 * phase's counters in one call (it took 512 with one entry per (tag, number)). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, GS_MAX_TAGS);
  __type(key, __u32);
  __type(value, struct gs_counts);
} counts SEC(".maps");

/* Records lost because the ring buffer was full, per enum gs_category. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, GS_CAT_MAX);
  __type(key, __u32);
  __type(value, __u64);
} drops SEC(".maps");

/* Per CPU: the batch of syscall records waiting for the ring buffer (struct gs_batch in
 * tracer.h). sys_exit builds each record in place here. Syscall tracepoint programs run with
 * preemption disabled, so one CPU builds one record at a time; the only thing that can
 * interrupt that is the flush program, run by user space on this CPU through an IPI, and
 * `busy` tells it to come back later. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct gs_stage);
} stage SEC(".maps");
/* Where the next record may start at the latest: a whole record fits behind it. */
#define GS_STAGE_LAST (GS_STAGE_BYTES - sizeof(struct gs_syscall_record))

/* Per task: what the socket hook saw of the sendto/sendmsg/sendmmsg in progress (its
 * connected peer, the bytes of sendmmsg), taken by that syscall's sys_exit. Created only
 * by those syscalls on sockets, so plain write()s never pay for it. */
struct send_info {
  __s32 nr; /* the syscall it belongs to; -1 once sys_exit took it */
  __u32 addr_len;
  __u64 bytes;
  __u8 addr[32]; /* struct sockaddr_in or sockaddr_in6 */
};
struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct send_info);
} sendinfo SEC(".maps");

/* Socket data per (process, socket); see struct gs_sock_record. Full: the call is counted
 * as a drop of GS_CAT_NET, never silently lost. */
struct gs_sock_key {
  __u64 sk; /* struct sock address: stays in the map, never sent to user space */
  __u32 tgid;
  __u32 pad;
};
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, struct gs_sock_key);
  __type(value, struct gs_sock_record);
} sockdata SEC(".maps");

/* Keeps clang from folding a clamp into something the verifier cannot follow. */
#define GS_BARRIER_VAR(v) asm volatile("" : "+r"(v))

/* Wake the reader once, when the waiting data crosses wakeup_bytes; never per record
 * (a wakeup is an irq_work self-IPI). A reader that lags simply finds the data at its
 * next poll timeout. */
static __always_inline __u64 crossing_flag(__u64 before, __u64 after) {
  if (wakeup_bytes == 0) return 0; /* kernel default: wake when the reader is idle */
  return before < wakeup_bytes && after >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}
/* For bpf_ringbuf_output: the record is not in the ring yet. */
static __always_inline __u64 wakeup_flag(__u64 size) {
  __u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
  return crossing_flag(avail, avail + size);
}
/* For bpf_ringbuf_submit: the reservation is already counted as available data. */
static __always_inline __u64 wakeup_flag_reserved(__u64 size) {
  __u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
  return crossing_flag(avail > size ? avail - size : 0, avail);
}

#define GS_TS_COMPAT 0x0002 /* arch/x86/include/asm/thread_info.h */
#define GS_SIGNAL_GROUP_EXIT 0x0004 /* include/linux/sched/signal.h */
#define GS_X32_SYSCALL_BIT 0x40000000

/* An i386 syscall (int $0x80 or a 32-bit process): its number is not an x86_64 one. */
static __always_inline bool is_compat_syscall(void) {
  struct task_struct* t = bpf_get_current_task_btf();
  return t->thread_info.status & GS_TS_COMPAT;
}

/* Scope cache: per CPU, the last cgroup id looked up in `cgroups` and its tag (or
 * GS_NOT_TRACED), valid while scope_gen has not moved. The hash lookup it spares is most
 * of the cost of deciding scope, paid by every syscall of every task on the host. A slot
 * is a seqcount: odd while one program fills it (taken with cmpxchg, so two programs on
 * one CPU, or two CPUs sharing a slot, never mix their fields); a reader that sees it
 * change, or odd, falls back to the map. */
#define GS_SCOPE_SLOTS 256 /* power of two; CPUs beyond it share slots (still correct) */
#define GS_NOT_TRACED 0xffffffffU
struct gs_scope_slot scope_cache[GS_SCOPE_SLOTS];
/* Bumped after every change of `cgroups`: by the loader (add/remove/set_tag) and by the
 * cgroup_mkdir/rmdir programs. */
__u32 scope_gen;

#define GS_READ_ONCE(x) (*(volatile typeof(x)*)&(x))
#define GS_WRITE_ONCE(x, v) (*(volatile typeof(x)*)&(x) = (v))

/* = bpf_get_current_cgroup_id() for t = current, by plain loads through the task */
static __always_inline __u64 cgroup_of(struct task_struct* t) {
  return t->cgroups->dfl_cgrp->kn->id;
}

static __always_inline bool traced_task(struct task_struct* t, __u64* cgidp, __u32* tagp) {
  __u64 cgid = cgroup_of(t);
  *cgidp = cgid;
  __u32 gen = GS_READ_ONCE(scope_gen);
  struct gs_scope_slot* s = &scope_cache[bpf_get_smp_processor_id() & (GS_SCOPE_SLOTS - 1)];
  __u64 seq = GS_READ_ONCE(s->seq);
  /* seq 0: never filled (its zeroes must not read as "cgroup 0, tag 0") */
  if (seq && !(seq & 1) && GS_READ_ONCE(s->cgid) == cgid && GS_READ_ONCE(s->gen) == gen) {
    __u32 tag = GS_READ_ONCE(s->tag);
    if (GS_READ_ONCE(s->seq) == seq) {
      *tagp = tag;
      return tag != GS_NOT_TRACED;
    }
  }
  __u32* found = bpf_map_lookup_elem(&cgroups, &cgid);
  __u32 tag = found ? *found : GS_NOT_TRACED;
  if (!(seq & 1) && __sync_val_compare_and_swap(&s->seq, seq, seq + 1) == seq) {
    GS_WRITE_ONCE(s->cgid, cgid);
    GS_WRITE_ONCE(s->tag, tag);
    GS_WRITE_ONCE(s->gen, gen);
    GS_WRITE_ONCE(s->seq, seq + 2);
  }
  *tagp = tag;
  return found != 0;
}

/* Task cache, for sys_exit only: per CPU, the last task that left a syscall there, keyed
 * by the address of its pt_regs. sys_exit gets that address as an argument, and no two
 * live tasks share it (it sits on the task's own kernel stack). A hit spares the
 * bpf_get_current_task_btf() call and the walk to the cgroup id: the helper call alone
 * was most of what scoping cost an untraced or merely counted syscall. A stack is reused
 * only after its task exited, so every exit bumps scope_gen (on_exit), and so does every
 * cgroup migration (on_cgroup_attach: a task that moved keeps its stack). Same seqcount
 * protocol as scope_cache. */
struct gs_task_slot task_cache[GS_SCOPE_SLOTS] __attribute__((aligned(64)));
/* Two CPUs sharing a line would bounce it on every miss of either. */
_Static_assert(sizeof(struct gs_task_slot) == 64, "a task_cache slot is one cache line");

extern void* bpf_rdonly_cast(const void* obj, __u32 btf_id) __ksym;

/* The tag of the task leaving a syscall (GS_NOT_TRACED: not traced) and, for a traced one,
 * whether this syscall was an i386 one (TS_COMPAT is per syscall: int $0x80 from a 64-bit
 * process sets it too, so it is read every time), the task (for plain loads only: it is
 * not a trusted pointer) and its cgroup id. */
static __always_inline __u32 sys_exit_scope(struct pt_regs* regs, bool* compat,
                                            struct task_struct** taskp, __u64* cgidp) {
  __u32 gen = GS_READ_ONCE(scope_gen);
  struct gs_task_slot* s = &task_cache[bpf_get_smp_processor_id() & (GS_SCOPE_SLOTS - 1)];
  __u64 seq = GS_READ_ONCE(s->seq);
  if (seq && !(seq & 1) && GS_READ_ONCE(s->regs) == (__u64)regs && GS_READ_ONCE(s->gen) == gen) {
    __u32 tag = GS_READ_ONCE(s->tag);
    __u64 task = GS_READ_ONCE(s->task);
    __u64 cgid = GS_READ_ONCE(s->cgid);
    if (GS_READ_ONCE(s->seq) == seq) {
      if (tag != GS_NOT_TRACED) {
        /* current itself (see above), read through checked loads instead of the helper */
        struct task_struct* t =
            bpf_rdonly_cast((void*)task, bpf_core_type_id_kernel(struct task_struct));
        *compat = t->thread_info.status & GS_TS_COMPAT;
        *taskp = t;
        *cgidp = cgid;
      }
      return tag;
    }
  }
  struct task_struct* t = bpf_get_current_task_btf();
  __u64 cgid;
  __u32 tag;
  traced_task(t, &cgid, &tag);
  *compat = t->thread_info.status & GS_TS_COMPAT;
  if (!(seq & 1) && __sync_val_compare_and_swap(&s->seq, seq, seq + 1) == seq) {
    GS_WRITE_ONCE(s->regs, (__u64)regs);
    GS_WRITE_ONCE(s->task, (__u64)t);
    GS_WRITE_ONCE(s->cgid, cgid);
    GS_WRITE_ONCE(s->tag, tag);
    GS_WRITE_ONCE(s->gen, gen);
    GS_WRITE_ONCE(s->seq, seq + 2);
  }
  /* the same type as a hit's, so that the verifier walks the rest once */
  *taskp = bpf_rdonly_cast(t, bpf_core_type_id_kernel(struct task_struct));
  *cgidp = cgid;
  return tag;
}

static __always_inline bool traced(__u64* cgidp, __u32* tagp) {
  return traced_task(bpf_get_current_task_btf(), cgidp, tagp);
}

static __always_inline void count_drop(__u32 category) {
  __u64* n = bpf_map_lookup_elem(&drops, &category);
  if (n) *n += 1;
}

#define GS_COMPILER_BARRIER() asm volatile("" ::: "memory")

/* Sends the staged records as one GS_REC_BATCH record and empties the stage. A full ring
 * loses the batch: each of its records is counted as a drop of its category. */
static __always_inline void flush_stage(struct gs_stage* st) {
  __u64 used = st->used;
  if (used <= sizeof(struct gs_batch)) return;
  if (used > GS_STAGE_BYTES) used = GS_STAGE_BYTES; /* cannot happen; bounds it for the verifier */
  GS_BARRIER_VAR(used);
  if (used > GS_STAGE_BYTES) return;
  struct gs_batch* b = (struct gs_batch*)st->buf;
  b->type = GS_REC_BATCH;
  b->size = used;
  b->count = st->count;
  b->pad = 0;
  if (bpf_ringbuf_output(&events, st->buf, used, wakeup_flag(used))) {
#pragma unroll
    for (int c = 0; c < GS_CAT_MAX; c++) {
      __u32 key = c;
      __u64* n = bpf_map_lookup_elem(&drops, &key);
      if (n) *n += st->cats[c];
    }
  }
#pragma unroll
  for (int c = 0; c < GS_CAT_MAX; c++) st->cats[c] = 0;
  st->count = 0;
  st->used = 0;
}

/* The pid number of `p` in the innermost pid namespace it belongs to. Levels 0-2 (host,
 * jail, a namespace inside the jail) are plain loads through the trusted pointer; deeper
 * ones take a helper read. */
static __always_inline __u32 ns_nr(struct pid* p) {
  if (!p) return 0;
  unsigned int level = p->level;
  if (level == 0) return p->numbers[0].nr;
  if (level == 1) return p->numbers[1].nr;
  if (level == 2) return p->numbers[2].nr;
  struct upid up = {};
  if (level >= 32 || bpf_probe_read_kernel(&up, sizeof(up), &p->numbers[level])) return 0;
  return up.nr;
}

static __always_inline void fill_header_task(struct gs_header* h, struct task_struct* t, __u32 type,
                                             __u32 size, __u64 cgid, __u32 tag) {
  h->type = type;
  h->size = size;
  h->ts_ns = bpf_ktime_get_ns();
  h->cgroup_id = cgid;
  /* direct loads through the trusted task pointer: no helper call per field or hop */
  h->pid = t->tgid;
  h->tid = t->pid;
  h->ppid = t->real_parent->tgid;
  struct pid* tp = t->thread_pid;
  h->ns_tid = ns_nr(tp);
  h->ns_pid = t->group_leader == t ? h->ns_tid : ns_nr(t->group_leader->thread_pid);
  h->tag = tag;
  /* plain loads too; the kernel keeps comm NUL-padded (the decoder stops at the field) */
  __builtin_memcpy(h->comm, t->comm, sizeof(h->comm));
}

static __always_inline void fill_header(struct gs_header* h, __u32 type, __u32 size, __u64 cgid,
                                        __u32 tag) {
  fill_header_task(h, bpf_get_current_task_btf(), type, size, cgid, tag);
}

/* Returns the bytes stored including the NUL (0 when nothing was read). */
static __always_inline __u32 read_str(char* dst, __u8 idx, const __u64* args, __u32* flags,
                                      __u32 trunc_flag, __u32 fault_flag) {
  dst[0] = 0;
  if (idx >= 6) return 0;
  long n = bpf_probe_read_user_str(dst, GS_PATH_LEN, (const void*)args[idx]);
  if (n < 0) {
    dst[0] = 0;
    *flags |= fault_flag;
    return 0;
  }
  if (n == GS_PATH_LEN) *flags |= trunc_flag;
  return n;
}

static __always_inline void read_addr(struct gs_syscall_record* r, __u64 ptr, __u64 len) {
  if (!ptr || !len) return;
  if (len > GS_ADDR_LEN) {
    len = GS_ADDR_LEN;
    r->flags |= GS_F_ADDR_TRUNC;
  }
  GS_BARRIER_VAR(len);
  if (len > GS_ADDR_LEN) return;
  if (bpf_probe_read_user(r->addr, len, (const void*)ptr)) {
    r->flags |= GS_F_ADDR_FAULT;
    return;
  }
  r->addr_len = len;
}

/* argv of an exec, kept in str2 (unused by execve/execveat) so that a *failed* exec still
 * shows what was attempted; a successful one reads the full argv from the new mm.
 * Up to GS_EXEC_ENTER_ARGS args, each cut at half of str2, NUL-separated; length in extra. */
#define GS_EXEC_ENTER_ARGS 8
static __always_inline void read_exec_argv(struct gs_syscall_record* r, __u64 argv) {
  __u64 off = 0;
  r->extra = 0;
  if (!argv) return;
  for (int i = 0; i < GS_EXEC_ENTER_ARGS; i++) {
    const char* p = 0;
    if (bpf_probe_read_user(&p, sizeof(p), (const void*)(argv + i * sizeof(p))) || !p) {
      r->extra = off;
      return;
    }
    if (off >= GS_PATH_LEN / 2) break;
    GS_BARRIER_VAR(off);
    off &= GS_PATH_LEN / 2 - 1;
    long n = bpf_probe_read_user_str(&r->str2[off], GS_PATH_LEN / 2, p);
    if (n <= 0) break;
    off += n;
  }
  r->extra = off;
  r->flags |= GS_F_ARGV_TRUNC;
}

static __always_inline void emit_denied(struct task_struct* t, long nr, long ret, __u64 cgid,
                                        __u32 tag) {
  struct gs_denied_record* d = bpf_ringbuf_reserve(&events, sizeof(*d), 0);
  if (!d) {
    count_drop(GS_CAT_DENIED);
    return;
  }
  fill_header_task(&d->h, t, GS_REC_DENIED, sizeof(*d), cgid, tag);
  d->nr = nr;
  d->pad = 0;
  d->ret = ret;
  bpf_ringbuf_submit(d, wakeup_flag_reserved(sizeof(*d)));
}

/* sendto/sendmsg/sendmmsg: what the socket hook left for this call (see send_info). */
static __always_inline void take_send_info(struct gs_syscall_record* r) {
  struct send_info* si = bpf_task_storage_get(&sendinfo, bpf_get_current_task_btf(), 0, 0);
  if (!si || si->nr != r->nr) return;
  if (r->nr == GS_NR_SENDMMSG) r->extra = si->bytes;
  __u32 len = si->addr_len;
  if (r->addr_len == 0 && len > 0 && len <= sizeof(si->addr)) {
    __builtin_memcpy(r->addr, si->addr, sizeof(si->addr));
    r->addr_len = len;
    r->flags |= GS_F_ADDR_PEER;
  }
  si->nr = -1;
  si->bytes = 0;
  si->addr_len = 0;
}

/* Per-CPU buffer the cwd walk writes into (the walk runs in a bpf_loop callback). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, char[2 * GS_PATH_LEN]); /* a whole name (<= NAME_MAX) fits after any offset */
} cwd_scratch SEC(".maps");

struct cwd_walk {
  struct dentry *d, *root_d;
  struct vfsmount *vm, *root_vm;
  struct mount* m;
  __u64 off;
  __u32 flags;
  __u32 done;
};

/* One step of a path walk (walk_path) up towards the root. bpf_loop verifies this body
 * once instead of once per unrolled iteration, which keeps program load fast. */
static long cwd_step(__u32 i, void* ctx) {
  struct cwd_walk* w = ctx;
  /* locals, not w->x inside BPF_CORE_READ: cwd_walk is ours, not a kernel type */
  struct dentry* d = w->d;
  struct vfsmount* vm = w->vm;
  struct mount* m = w->m;
  if (d == w->root_d && vm == w->root_vm) {
    w->done = 1;
    return 1;
  }
  struct dentry* mnt_root = BPF_CORE_READ(vm, mnt_root);
  struct dentry* parent = BPF_CORE_READ(d, d_parent);
  if (d == mnt_root || d == parent) {
    struct mount* mp = BPF_CORE_READ(m, mnt_parent);
    if (mp == m || !mp) { /* the namespace root */
      w->done = 1;
      return 1;
    }
    w->d = BPF_CORE_READ(m, mnt_mountpoint);
    w->m = mp;
    w->vm = (struct vfsmount*)((void*)mp + bpf_core_field_offset(struct mount, mnt));
    return 0;
  }
  __u32 zero = 0;
  char* buf = bpf_map_lookup_elem(&cwd_scratch, &zero);
  if (!buf) return 1;
  __u64 off = w->off;
  if (off >= GS_PATH_LEN) { /* full: the names nearer the root are missing */
    w->flags |= GS_F_CWD_TRUNC;
    return 1;
  }
  long n = bpf_probe_read_kernel_str(buf + off, GS_PATH_LEN, BPF_CORE_READ(d, d_name.name));
  if (n <= 0) return 1;
  w->off = off + n;
  w->d = parent;
  return 0;
}

/* The path of (d, vm) as the current task's root sees it (a chroot/pivot_root jail gets
 * jail paths), best effort: component names leaf first, NUL-separated, into `out`
 * (GS_PATH_LEN bytes); user space reverses them. Returns the bytes written; sets
 * trunc_flag in *flags when the walk stopped early. */
static __always_inline __u32 walk_path(char* out, struct dentry* d, struct vfsmount* vm,
                                       struct fs_struct* fs, __u32* flags, __u32 trunc_flag) {
  struct cwd_walk w = {};
  w.d = d;
  w.vm = vm;
  w.root_d = BPF_CORE_READ(fs, root.dentry);
  w.root_vm = BPF_CORE_READ(fs, root.mnt);
  w.m = (struct mount*)((void*)w.vm - bpf_core_field_offset(struct mount, mnt));
  bpf_loop(GS_CWD_DEPTH, cwd_step, &w, 0);
  if (!w.done || w.flags) *flags |= trunc_flag;
  __u32 zero = 0;
  char* buf = bpf_map_lookup_elem(&cwd_scratch, &zero);
  __u64 len = w.off;
  if (!buf || len == 0) return 0;
  if (len > GS_PATH_LEN) { /* the last (root-most) name does not fit whole */
    len = GS_PATH_LEN;
    *flags |= trunc_flag;
  }
  if (bpf_probe_read_kernel(out, GS_PATH_LEN, buf)) return 0;
  return len;
}

/* The cwd of `p`, see walk_path. */
static __always_inline void read_cwd(struct gs_exec_record* e, struct task_struct* p) {
  struct fs_struct* fs = BPF_CORE_READ(p, fs);
  e->cwd_len = walk_path(e->cwd, BPF_CORE_READ(fs, pwd.dentry), BPF_CORE_READ(fs, pwd.mnt), fs,
                         &e->flags, GS_F_CWD_TRUNC);
}

/* dir1/dir2 of a syscall record: the directory `how` names (GS_DIR_CWD, or the index of
 * a dirfd argument, which may be AT_FDCWD) or, for an fd-only call, that fd's file. Read
 * at sys_exit from the caller's fd table, so it is what the kernel just used unless
 * another thread swapped the fd in between. */
static __always_inline __u32 resolve_fd(struct gs_syscall_record* r, char* out, long fd,
                                        __u32 trunc_flag) {
  struct task_struct* t = bpf_get_current_task_btf();
  struct fs_struct* fs = BPF_CORE_READ(t, fs);
  struct dentry* d;
  struct vfsmount* vm;
  if (fd == GS_AT_FDCWD) {
    d = BPF_CORE_READ(fs, pwd.dentry);
    vm = BPF_CORE_READ(fs, pwd.mnt);
  } else {
    struct fdtable* fdt = BPF_CORE_READ(t, files, fdt);
    unsigned int max = BPF_CORE_READ(fdt, max_fds);
    if (fd < 0 || fd >= max) return 0;
    struct file** fds = BPF_CORE_READ(fdt, fd);
    struct file* f = 0;
    if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f) return 0;
    d = BPF_CORE_READ(f, f_path.dentry);
    vm = BPF_CORE_READ(f, f_path.mnt);
  }
  if (!d || !vm) return 0;
  return walk_path(out, d, vm, fs, &r->flags, trunc_flag);
}

static __always_inline __u32 resolve_dir(struct gs_syscall_record* r, char* out, __u8 how,
                                         __u32 trunc_flag) {
  long fd = GS_AT_FDCWD;
  if (how < 6) fd = (int)r->args[how & 7];
  return resolve_fd(r, out, fd, trunc_flag);
}

/* Is the user string in `s` (len bytes with its NUL) a relative path? */
static __always_inline bool relative(const char* s, __u32 len) { return len > 0 && s[0] != '/'; }

/* One program for every syscall, at its exit: count it, report a denial, and record the
 * syscalls whose spec asks for it. The arguments are still in pt_regs (the kernel does not
 * change di..r9 of a returning syscall), and their user memory is still there and now
 * resident (the kernel has just read it), so nothing has to be kept from sys_enter, which is
 * not attached at all: that halves the per-syscall cost of tracing. A successful exec is
 * the exception (its regs belong to the new image): sched_process_exec reports it from the
 * kernel's copy of the filename. */
SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs* regs, long ret) {
  if (hooks_only) return 0;
  bool compat = false;
  struct task_struct* task = 0;
  __u64 cgid = 0;
  __u32 tag = sys_exit_scope(regs, &compat, &task, &cgid);
  if (tag == GS_NOT_TRACED) return 0;
  if (tag >= GS_MAX_TAGS) tag = 0;
  long id = regs->orig_ax;
  __u32 nr;
  if (compat)
    nr = GS_NR_IA32_BUCKET;
  else if (id & GS_X32_SYSCALL_BIT)
    nr = GS_NR_X32_BUCKET;
  else if (id >= 0 && id < GS_NR_X32_BUCKET)
    nr = id;
  else
    return 0;

  struct gs_counts* c = bpf_map_lookup_elem(&counts, &tag);
  if (c) c->n[nr & (GS_MAX_SYSCALLS - 1)] += 1;
  /* Most calls end here: neither recorded nor a possible denial. */
  bool denial = ret == -GS_EPERM || ret == -GS_EACCES || ret == -GS_ENOSYS;
  bool record = (record_bits[(nr / 64) & 7] >> (nr % 64)) & 1;
  if (!record && !denial) return 0;
  /* the buckets (nr >= GS_NR_X32_BUCKET) have no spec: zeroes, no denial flag */
  struct gs_syscall_spec* spec = bpf_map_lookup_elem(&syscall_specs, &nr);
  bool denied = denial && record_denied && (enabled_categories & (1u << GS_CAT_DENIED)) &&
                (!denied_filter || (spec && spec->denial));
  /* Go's epoll_ctl of every regular file it opens fails with EPERM: not a denial, done */
  if (!denied && !record) return 0;
  if (!task) return 0; /* cannot happen: a traced tag comes with its task */
  if (denied) emit_denied(task, compat ? GS_NR_IA32_BUCKET : id, ret, cgid, tag);
  if (!record || nr >= GS_NR_X32_BUCKET) return 0; /* buckets: counted, never decoded */

  if (!spec || spec->category == GS_CAT_NONE || spec->category >= GS_CAT_MAX) return 0;
  if (!(enabled_categories & (1u << spec->category))) return 0;
  if (spec->special == GS_SPECIAL_EXEC && ret == 0) return 0; /* sched_process_exec has it */

  __u32 zero = 0;
  struct gs_stage* st = bpf_map_lookup_elem(&stage, &zero);
  if (!st) return 0;
  /* busy before anything is read: a flush that came between reading `used` and setting it
   * would leave this record at an offset it had already sent */
  GS_WRITE_ONCE(st->busy, 1);
  GS_COMPILER_BARRIER();
  __u64 off = st->used;
  if (off < sizeof(struct gs_batch)) off = sizeof(struct gs_batch);
  GS_BARRIER_VAR(off);
  if (off > GS_STAGE_LAST) { /* cannot happen: a flush leaves room for a whole record */
    count_drop(spec->category);
    GS_COMPILER_BARRIER();
    GS_WRITE_ONCE(st->busy, 0);
    return 0;
  }
  struct gs_syscall_record* r = (struct gs_syscall_record*)(st->buf + off);
  fill_header_task(&r->h, task, GS_REC_SYSCALL, sizeof(*r), cgid, tag);
  r->nr = nr;
  r->flags = 0;
  r->ret = ret;
  r->extra = 0;
  r->addr_len = 0;
  r->dir1_len = 0;
  r->dir2_len = 0;
  r->str1_len = 0;
  r->pad = 0;
  /* regs is a trusted BTF pointer in tp_btf: plain loads, no helper call per field */
  r->args[0] = regs->di;
  r->args[1] = regs->si;
  r->args[2] = regs->dx;
  r->args[3] = regs->r10;
  r->args[4] = regs->r8;
  r->args[5] = regs->r9;
  r->str1_len =
      read_str(r->str1, spec->str1_arg, r->args, &r->flags, GS_F_STR1_TRUNC, GS_F_STR1_FAULT);
  __u32 str2_len = 0;
  if (spec->str2_arg < 6)
    str2_len =
        read_str(r->str2, spec->str2_arg, r->args, &r->flags, GS_F_STR2_TRUNC, GS_F_STR2_FAULT);
  /* Relative paths get the directory they were relative to, so that a write through a
   * dirfd or after chdir still names the file it hit; fd-only calls get the fd's path. */
  __u8 d1 = spec->dir1_arg, d2 = spec->dir2_arg;
  if (d1 != GS_NO_ARG && (spec->str1_arg >= 6 || relative(r->str1, r->str1_len)))
    r->dir1_len = resolve_dir(r, r->dir1, d1, GS_F_DIR1_TRUNC);
  if (d2 != GS_NO_ARG && spec->str2_arg < 6 && relative(r->str2, str2_len))
    r->dir2_len = resolve_dir(r, r->dir2, d2, GS_F_DIR2_TRUNC);

  /* A path cut at GS_PATH_LEN hides where the call landed ("a/../../.bashrc" padded past
   * the buffer), so does a directory walk that was cut, and so does a path through /proc
   * (its magic links self/cwd, self/root, self/fd/N, which only the kernel follows; also
   * spelled "//proc/", "/./proc/" or "proc/" from the root) or /dev/fd/N: for an open that
   * succeeded, walk the file it opened into dir2, which no open uses. Only such records
   * pay the walk, and only successful opens look at the path's first bytes. A shorter
   * string ends in a NUL that fails the compare first. */
  if (ret >= 0 &&
      (nr == GS_NR_OPEN || nr == GS_NR_OPENAT || nr == GS_NR_CREAT || nr == GS_NR_OPENAT2)) {
    const char* s1 = r->str1;
    bool magic = (r->flags & (GS_F_STR1_TRUNC | GS_F_DIR1_TRUNC)) ||
                 (s1[0] == '/' && s1[1] == 'd' && s1[2] == 'e' && s1[3] == 'v' && s1[4] == '/' &&
                  s1[5] == 'f' && s1[6] == 'd' && s1[7] == '/');
#pragma unroll
    for (int k = 0; k < 4; k++)
      magic |= s1[k] == 'p' && s1[k + 1] == 'r' && s1[k + 2] == 'o' && s1[k + 3] == 'c' &&
               s1[k + 4] == '/';
    if (magic) {
      r->dir2_len = resolve_fd(r, r->dir2, ret, GS_F_DIR2_TRUNC);
      if (r->dir2_len) r->flags |= GS_F_OPENED_PATH;
    }
  }

  __u8 a = spec->addr_arg, l = spec->addrlen_arg;
  if (a < 6 && l < 6) read_addr(r, r->args[a], r->args[l]);

  __u8 special = spec->special;
  if (special == GS_SPECIAL_EXEC) { /* failed: its argv is still in the caller's memory */
    read_exec_argv(r, r->args[spec->str1_arg == 1 ? 2 : 1]);
  } else if (special == GS_SPECIAL_OPENAT2) {
    /* struct open_how starts with __u64 flags */
    bpf_probe_read_user(&r->extra, sizeof(r->extra), (const void*)r->args[2]);
  } else if (special == GS_SPECIAL_SENDMSG || special == GS_SPECIAL_SENDMMSG) {
    /* struct mmsghdr starts with its struct msghdr: the first message's destination */
    struct user_msghdr mh = {};
    if (bpf_probe_read_user(&mh, sizeof(mh), (const void*)r->args[1]) == 0) {
      if (special == GS_SPECIAL_SENDMSG) r->extra = mh.msg_namelen;
      read_addr(r, (__u64)mh.msg_name, mh.msg_namelen);
    }
  } else if (special == GS_SPECIAL_ACCEPT && ret >= 0 && r->args[1] && r->args[2]) {
    int len = 0;
    if (bpf_probe_read_user(&len, sizeof(len), (const void*)r->args[2]) == 0 && len > 0) {
      r->extra = len;
      read_addr(r, r->args[1], (__u64)len);
    }
  }
  if (nr == GS_NR_SENDTO || nr == GS_NR_SENDMSG || nr == GS_NR_SENDMMSG) take_send_info(r);
  /* A unix socket named by a relative path gets the cwd it was relative to, as a file
   * does: chdir("/var/run") then connect("docker.sock") reaches the runtime's socket.
   * (accept's address is the peer's name, not one this call resolved.) */
  if (r->addr_len > 2 && r->addr[0] == GS_AF_UNIX && r->addr[1] == 0 && r->addr[2] != 0 &&
      r->addr[2] != '/' && !r->dir1_len && special != GS_SPECIAL_ACCEPT)
    r->dir1_len = resolve_dir(r, r->dir1, GS_DIR_CWD, GS_F_DIR1_TRUNC);

  /* Send only what is used: the fixed part, then str1 up to its NUL or the address, or up
   * to str2's end when there is a second string, or everything when a directory was
   * resolved. The decoder treats the missing tail as empty. */
  __u64 size = sizeof(*r);
  if (!r->dir1_len && !r->dir2_len) size = __builtin_offsetof(struct gs_syscall_record, dir1);
  if (spec->str2_arg >= 6 && special != GS_SPECIAL_EXEC && !r->dir1_len && !r->dir2_len) {
    size = __builtin_offsetof(struct gs_syscall_record, str1);
    if (spec->str1_arg < 6 && !(r->flags & GS_F_STR1_FAULT))
      size += r->str1_len;
    else
      size += r->addr_len; /* addr shares str1's bytes */
  }
  GS_BARRIER_VAR(size);
  if (size > sizeof(*r)) size = sizeof(*r);
  r->h.size = size;
  /* Staged: the next record starts at the next 8-byte boundary. */
  if (off == sizeof(struct gs_batch)) st->first_ts = r->h.ts_ns;
  st->used = off + ((size + 7) & ~7ULL);
  st->count += 1;
  st->cats[spec->category < GS_CAT_MAX ? spec->category : 0] += 1;
  if (unbatched || st->used > GS_STAGE_LAST || r->h.ts_ns - st->first_ts >= GS_STAGE_MAX_AGE_NS)
    flush_stage(st);
  GS_COMPILER_BARRIER();
  GS_WRITE_ONCE(st->busy, 0);
  return 0;
}

/* Run by user space on each CPU (BPF_PROG_TEST_RUN with BPF_F_TEST_RUN_ON_CPU, never
 * attached): sends that CPU's staged records. 1: a sys_exit on that CPU was building a
 * record when the IPI came, try again. */
SEC("raw_tp")
int flush_cpu(void* ctx) {
  __u32 zero = 0;
  struct gs_stage* st = bpf_map_lookup_elem(&stage, &zero);
  if (!st) return 0;
  if (GS_READ_ONCE(st->busy)) return 1;
  flush_stage(st);
  return 0;
}

/* The bound name of a unix socket (a struct sockaddr_un, copied with its length) into
 * out; 0 when it has none. s may be any kernel pointer: read with helpers. */
static __always_inline __u16 unix_name(__u8* out, struct sock* s) {
  if (!s) return 0;
  struct unix_address* a = BPF_CORE_READ((struct unix_sock*)s, addr);
  if (!a) return 0;
  int len = BPF_CORE_READ(a, len);
  if (len <= 0) return 0;
  if (len > GS_UNIX_ADDR_LEN) len = GS_UNIX_ADDR_LEN;
  GS_BARRIER_VAR(len);
  if (len <= 0 || len > GS_UNIX_ADDR_LEN) return 0;
  if (bpf_probe_read_kernel(out, len, (void*)a + bpf_core_field_offset(struct unix_address, name)))
    return 0;
  return len;
}

/* The socket's addresses, from struct sock (sk is a trusted tracepoint argument: plain
 * loads, no helper calls; a unix socket's names are behind pointers and take helpers). */
static __always_inline void read_sock(struct gs_sock_record* r, struct sock* sk) {
  __u32* d = (__u32*)r->daddr;
  __u32* s = (__u32*)r->saddr;
  r->family = sk->__sk_common.skc_family;
  r->type = sk->sk_type;
  r->protocol = sk->sk_protocol;
  r->dport = bpf_ntohs(sk->__sk_common.skc_dport);
  r->sport = sk->__sk_common.skc_num;
  r->pad = 0;
  for (int i = 0; i < 4; i++) d[i] = s[i] = 0;
  if (r->family == GS_AF_INET) {
    d[0] = sk->__sk_common.skc_daddr;
    s[0] = sk->__sk_common.skc_rcv_saddr;
  } else if (r->family == GS_AF_INET6) {
    for (int i = 0; i < 4; i++) {
      d[i] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[i];
      s[i] = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32[i];
    }
  } else if (r->family == GS_AF_UNIX) {
    r->peer_un_len = unix_name(r->peer_un, BPF_CORE_READ((struct unix_sock*)sk, peer));
    r->local_un_len = unix_name(r->local_un, sk);
  }
}

static __always_inline bool same_peer(const struct gs_sock_record* r, struct sock* sk) {
  if (r->family != sk->__sk_common.skc_family) return false;
  if (r->dport != bpf_ntohs(sk->__sk_common.skc_dport)) return false;
  const __u32* d = (const __u32*)r->daddr;
  if (r->family == GS_AF_INET) return d[0] == sk->__sk_common.skc_daddr;
  if (r->family != GS_AF_INET6) return true;
  for (int i = 0; i < 4; i++)
    if (d[i] != sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[i]) return false;
  return true;
}

/* A sendto/sendmsg/sendmmsg in progress: leave its connected peer (used when the call named
 * no destination) and, for sendmmsg, the running byte sum for its sys_exit. */
static __always_inline void note_send(struct task_struct* t, long nr, struct sock* sk, int ret) {
  struct send_info* si = bpf_task_storage_get(&sendinfo, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (!si) return;
  if (si->nr != nr || nr != GS_NR_SENDMMSG) { /* a new call (sendmmsg: one hook per message) */
    si->nr = nr;
    si->bytes = 0;
    si->addr_len = 0;
  }
  if (ret > 0) si->bytes += ret;
  if (si->addr_len) return;
  __u16 family = sk->__sk_common.skc_family;
  if (family == GS_AF_INET) {
    struct sockaddr_in* a = (struct sockaddr_in*)si->addr;
    __builtin_memset(si->addr, 0, sizeof(si->addr));
    a->sin_family = GS_AF_INET;
    a->sin_port = sk->__sk_common.skc_dport;
    a->sin_addr.s_addr = sk->__sk_common.skc_daddr;
    si->addr_len = sizeof(*a);
  } else if (family == GS_AF_INET6) {
    struct sockaddr_in6* a = (struct sockaddr_in6*)si->addr;
    __builtin_memset(si->addr, 0, sizeof(si->addr));
    a->sin6_family = GS_AF_INET6;
    a->sin6_port = sk->__sk_common.skc_dport;
    for (int i = 0; i < 4; i++)
      a->sin6_addr.in6_u.u6_addr32[i] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[i];
    si->addr_len = sizeof(*a);
  }
}

static __always_inline void account_sock(struct sock* sk, int ret, bool out) {
  if (!(enabled_categories & (1u << GS_CAT_NET)) || !sk) return;
  __u64 cgid;
  __u32 tag;
  if (!traced(&cgid, &tag)) return;
  struct task_struct* t = bpf_get_current_task_btf();
  /* the syscall that got here (write, sendto, read, ...): its number and first argument */
  struct pt_regs* regs = (struct pt_regs*)bpf_task_pt_regs(t);
  long nr = is_compat_syscall() ? -1 : regs->orig_ax;
  if (out && (nr == GS_NR_SENDTO || nr == GS_NR_SENDMSG || nr == GS_NR_SENDMMSG))
    note_send(t, nr, sk, ret);

  struct gs_sock_key key = {.sk = (__u64)sk, .tgid = bpf_get_current_pid_tgid() >> 32};
  struct gs_sock_record* r = bpf_map_lookup_elem(&sockdata, &key);
  if (r && !same_peer(r, sk)) { /* reconnected: what went to the old peer is complete */
    if (bpf_ringbuf_output(&events, r, sizeof(*r), wakeup_flag(sizeof(*r)))) count_drop(GS_CAT_NET);
    bpf_map_delete_elem(&sockdata, &key);
    r = 0;
  }
  if (!r) {
    struct gs_sock_record fresh = {};
    fill_header(&fresh.h, GS_REC_SOCK, sizeof(fresh), cgid, tag);
    fresh.last_ts_ns = fresh.h.ts_ns;
    /* the socket is the call's first argument, except splice's output (fd_out, the third) */
    fresh.fd = nr >= 0 && nr < GS_NR_X32_BUCKET ? (__s32)regs->di : -1;
    if (nr == GS_NR_SPLICE && out) fresh.fd = (__s32)regs->dx;
    fresh.send_nr = fresh.recv_nr = -1;
    read_sock(&fresh, sk);
    bpf_map_update_elem(&sockdata, &key, &fresh, BPF_NOEXIST);
    r = bpf_map_lookup_elem(&sockdata, &key);
    if (!r) { /* map full */
      count_drop(GS_CAT_NET);
      return;
    }
  }
  r->last_ts_ns = bpf_ktime_get_ns();
  if (out) {
    __sync_fetch_and_add(&r->sends, 1);
    if (ret < 0)
      __sync_fetch_and_add(&r->send_errors, 1);
    else
      __sync_fetch_and_add(&r->bytes_out, ret);
    if (r->send_nr < 0) r->send_nr = nr;
  } else {
    __sync_fetch_and_add(&r->recvs, 1);
    if (ret < 0)
      __sync_fetch_and_add(&r->recv_errors, 1);
    else
      __sync_fetch_and_add(&r->bytes_in, ret);
    if (r->recv_nr < 0) r->recv_nr = nr;
  }
}

/* Every sendmsg/recvmsg of a socket, whichever syscall (write, sendto, read, ...) led
 * there; never fires for files or pipes, so it costs nothing on other I/O. */
SEC("tp_btf/sock_send_length")
int BPF_PROG(on_sock_send, struct sock* sk, int ret, int flags) {
  account_sock(sk, ret, true);
  return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(on_sock_recv, struct sock* sk, int ret, int flags) {
  account_sock(sk, ret, false);
  return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct* parent, struct task_struct* child) {
  __u64 cgid;
  __u32 tag;
  if (!traced(&cgid, &tag)) return 0;
  if (!(enabled_categories & (1u << GS_CAT_PROCESS))) return 0;
  struct gs_fork_record* f = bpf_ringbuf_reserve(&events, sizeof(*f), 0);
  if (!f) {
    count_drop(GS_CAT_PROCESS);
    return 0;
  }
  fill_header(&f->h, GS_REC_FORK, sizeof(*f), cgid, tag);
  f->child_pid = BPF_CORE_READ(child, tgid);
  f->child_tid = BPF_CORE_READ(child, pid);
  f->child_ns_pid = ns_nr(child->group_leader->thread_pid);
  f->is_thread = f->child_pid == BPF_CORE_READ(parent, tgid);
  bpf_ringbuf_submit(f, wakeup_flag_reserved(sizeof(*f)));
  return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct* p, pid_t old_pid, struct linux_binprm* bprm) {
  __u64 cgid;
  __u32 tag;
  if (!traced(&cgid, &tag)) return 0;
  __u32 old = old_pid;
  if (!(enabled_categories & (1u << GS_CAT_PROCESS))) return 0;

  struct gs_exec_record* e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    count_drop(GS_CAT_PROCESS);
    return 0;
  }
  fill_header(&e->h, GS_REC_EXEC, sizeof(*e), cgid, tag);
  e->old_tid = old;
  e->flags = GS_F_FILENAME_KERNEL;
  e->dirfd = GS_AT_FDCWD;
  e->at_flags = 0;
  /* The caller's regs are gone (the loader cleared them and set orig_ax to execve for
   * every exec), but the kernel made bprm->fdpath ("/dev/fd/N[/path]") exactly when the
   * call was an execveat relative to a dirfd. Other execveats look like execve here. */
  e->nr = BPF_CORE_READ(bprm, fdpath) ? GS_NR_EXECVEAT : GS_NR_EXECVE;
  /* The kernel's copy of the caller's filename (for execveat with a dirfd the kernel
   * writes /dev/fd/N[/path]; the decoder splits it back into dirfd and path). */
  long n =
      bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
  if (n < 0) e->filename[0] = 0;
  if (n == sizeof(e->filename)) e->flags |= GS_F_STR1_TRUNC;
  if (bpf_probe_read_kernel_str(e->bprm_filename, sizeof(e->bprm_filename),
                                BPF_CORE_READ(bprm, filename)) < 0)
    e->bprm_filename[0] = 0;
  if (bpf_probe_read_kernel_str(e->interp, sizeof(e->interp), BPF_CORE_READ(bprm, interp)) < 0)
    e->interp[0] = 0;
  if (bpf_probe_read_kernel_str(e->exe_name, sizeof(e->exe_name),
                                BPF_CORE_READ(bprm, file, f_path.dentry, d_name.name)) < 0)
    e->exe_name[0] = 0;

  struct mm_struct* mm = BPF_CORE_READ(p, mm);
  __u64 start = BPF_CORE_READ(mm, arg_start), end = BPF_CORE_READ(mm, arg_end);
  __u64 len = end > start ? end - start : 0;
  if (len > GS_ARGV_LEN) {
    len = GS_ARGV_LEN;
    e->flags |= GS_F_ARGV_TRUNC;
  }
  GS_BARRIER_VAR(len);
  e->argv_len = 0;
  if (len > 0 && len <= GS_ARGV_LEN) {
    if (bpf_probe_read_user(e->argv, len, (const void*)start) == 0)
      e->argv_len = len;
    else
      e->flags |= GS_F_ARGV_FAULT;
  }
  read_cwd(e, p);
  struct fs_struct* fs = BPF_CORE_READ(p, fs);
  e->exe_path_len = walk_path(e->exe_path, BPF_CORE_READ(bprm, file, f_path.dentry),
                              BPF_CORE_READ(bprm, file, f_path.mnt), fs, &e->flags,
                              GS_F_EXE_PATH_TRUNC);
  bpf_ringbuf_submit(e, wakeup_flag_reserved(sizeof(*e)));
  return 0;
}

/* exit and exit_group never reach sys_exit, where the others are counted: count them
 * here, for the thread whose own syscall it was (a thread killed by a sibling's exit_group
 * is in some other syscall, or none). */
static __always_inline void count_exit_syscall(__u32 tag) {
  if (tag >= GS_MAX_TAGS || is_compat_syscall()) return;
  struct pt_regs* regs = (struct pt_regs*)bpf_task_pt_regs(bpf_get_current_task_btf());
  long nr = regs->orig_ax;
  if (nr != GS_NR_EXIT && nr != GS_NR_EXIT_GROUP) return;
  struct gs_counts* c = bpf_map_lookup_elem(&counts, &tag);
  if (c) c->n[nr & (GS_MAX_SYSCALLS - 1)] += 1;
}

/* The tracepoint's record on kernels that pass group_dead (6.16 and later); a local
 * flavour, so that the program builds against an older vmlinux.h too, where the type does
 * not exist (sched_process_exit was then an instance of sched_process_template). */
struct trace_event_raw_sched_process_exit___gd {
  bool group_dead;
} __attribute__((preserve_access_index));

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct* p) {
  /* every task's exit, traced or not: its kernel stack, and so its pt_regs address, may
   * go to a new task, which task_cache must not take for this one */
  __sync_fetch_and_add(&scope_gen, 1);
  __u64 cgid;
  __u32 tag;
  if (!traced(&cgid, &tag)) return 0;
  count_exit_syscall(tag);
  if (!(enabled_categories & (1u << GS_CAT_PROCESS))) return 0;
  struct gs_exit_record* x = bpf_ringbuf_reserve(&events, sizeof(*x), 0);
  if (!x) {
    count_drop(GS_CAT_PROCESS);
    return 0;
  }
  fill_header(&x->h, GS_REC_EXIT, sizeof(*x), cgid, tag);
  /* The last thread out is the process's exit. Newer kernels pass their own verdict
   * (do_exit's decrement of signal->live); reading `live` here, as older ones need, lets
   * two threads that exit at once both see 0 and both claim the process's exit. */
  if (bpf_core_field_exists(struct trace_event_raw_sched_process_exit___gd, group_dead))
    x->group_dead = (__u8)ctx[1] != 0;
  else
    x->group_dead = BPF_CORE_READ(p, signal, live.counter) == 0;
  /* The process's status as wait() reports it: the group's code once the group exit is
   * settled (exit_group(), a fatal signal, or on newer kernels the last thread through
   * do_exit's synchronize_group_exit: a leader that called exit(5) before a thread's
   * exit(9) exits 9), else this thread's own. */
  __u32 code = BPF_CORE_READ(p, exit_code);
  if (x->group_dead && (BPF_CORE_READ(p, signal, flags) & GS_SIGNAL_GROUP_EXIT))
    code = BPF_CORE_READ(p, signal, group_exit_code);
  x->exit_code = code;
  bpf_ringbuf_submit(x, wakeup_flag_reserved(sizeof(*x)));
  return 0;
}

/* A cgroup made inside a traced one is traced too (same tag): code that can create and
 * join a child cgroup must not step out of sight. Only the v2 (default) hierarchy, id 0,
 * has the ids bpf_get_current_cgroup_id() returns. */
SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(on_cgroup_mkdir, struct cgroup* cgrp, const char* path) {
  if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0) return 0;
  __u64 parent = BPF_CORE_READ(cgrp, self.parent, cgroup, kn, id);
  __u32* tagp = bpf_map_lookup_elem(&cgroups, &parent);
  if (!tagp) return 0;
  __u32 tag = *tagp;
  __u64 id = BPF_CORE_READ(cgrp, kn, id);
  bpf_map_update_elem(&cgroups, &id, &tag, BPF_NOEXIST);
  __sync_fetch_and_add(&scope_gen, 1);
  return 0;
}

/* A task (or a whole process) moved to another cgroup keeps its pt_regs address: drop
 * what task_cache knows about it. */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(on_cgroup_attach, struct cgroup* dst, const char* path, struct task_struct* task,
             bool threadgroup) {
  __sync_fetch_and_add(&scope_gen, 1);
  return 0;
}

/* A removed cgroup's id leaves the set, so long batch runs do not fill the map. */
SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(on_cgroup_rmdir, struct cgroup* cgrp, const char* path) {
  if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0) return 0;
  __u64 id = BPF_CORE_READ(cgrp, kn, id);
  bpf_map_delete_elem(&cgroups, &id);
  __sync_fetch_and_add(&scope_gen, 1);
  return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
