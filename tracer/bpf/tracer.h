/* Records shared by the BPF programs (tracer.bpf.c) and the user-space decoder
 * (tracer/event.cc). Plain C, fixed-size records: the decoder checks every length
 * against these sizes, so a record is never trusted beyond what it declares.
 * Every field the BPF side writes is commented with where its value comes from. */
#ifndef GS_TRACER_BPF_TRACER_H
#define GS_TRACER_BPF_TRACER_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define GS_COMM_LEN 16
#define GS_PATH_LEN 256  /* power of two: the BPF side masks offsets with it */
#define GS_ARGV_LEN 1024 /* power of two */
#define GS_ADDR_LEN 128  /* >= sizeof(struct sockaddr_un) (110) */
#define GS_UNIX_ADDR_LEN 110 /* sizeof(struct sockaddr_un) */
#define GS_NAME_LEN 64
#define GS_MAX_SYSCALLS 512 /* x86_64 numbers are < 512 */
#define GS_MAX_TAGS 64      /* phase tags for syscall counters (reuse after reset) */
/* Counter slots for syscalls whose numbers are not x86_64 numbers: i386 `int $0x80`
 * (TS_COMPAT) and x32 (nr | 0x40000000). Counted only: their numbers would otherwise be
 * misread as other x86_64 syscalls, a known way to hide from syscall tracers. */
#define GS_NR_X32_BUCKET 510
#define GS_NR_IA32_BUCKET 511
#define GS_CWD_DEPTH 24 /* dentries walked for an exec's cwd */

/* Kinds of ring-buffer record. */
enum gs_record_type {
  GS_REC_FORK = 1,    /* struct gs_fork_record */
  GS_REC_EXEC = 2,    /* struct gs_exec_record (successful exec) */
  GS_REC_EXIT = 3,    /* struct gs_exit_record */
  GS_REC_SYSCALL = 4, /* struct gs_syscall_record (file/net/security/failed exec) */
  GS_REC_DENIED = 5,  /* struct gs_denied_record */
  GS_REC_SOCK = 6,    /* struct gs_sock_record (bytes through one socket) */
  GS_REC_BATCH = 7,   /* struct gs_batch: syscall records staged on one CPU */
};

/* Drop-counter categories (index of the per-CPU drops array). */
enum gs_category {
  GS_CAT_NONE = 0, /* not recorded, only counted */
  GS_CAT_PROCESS = 1,
  GS_CAT_FILE = 2,
  GS_CAT_NET = 3,
  GS_CAT_SECURITY = 4,
  GS_CAT_DENIED = 5,
  GS_CAT_MAX = 6,
};

/* How sys_exit captures the arguments of one syscall; one entry per syscall number
 * in the `syscall_specs` array map, filled by user space from its syscall table. */
enum gs_special {
  GS_SPECIAL_NONE = 0,
  GS_SPECIAL_OPENAT2 = 1,  /* flags live in struct open_how at args[2] */
  GS_SPECIAL_SENDMSG = 2,  /* destination lives in struct msghdr at args[1] */
  GS_SPECIAL_ACCEPT = 3,   /* peer address is written by the kernel; read at sys_exit */
  GS_SPECIAL_EXEC = 4,     /* success reported by sched_process_exec */
  GS_SPECIAL_SENDMMSG = 5, /* destination in the first struct mmsghdr at args[1]; bytes
                              summed by the sock_send_length tracepoint into extra */
};

#define GS_NO_ARG 0xff

struct gs_syscall_spec {
  __u8 category;    /* enum gs_category; GS_CAT_NONE = count only */
  __u8 str1_arg;    /* index of a user string argument, or GS_NO_ARG */
  __u8 str2_arg;    /* index of a second user string argument, or GS_NO_ARG */
  __u8 addr_arg;    /* index of a struct sockaddr * argument, or GS_NO_ARG */
  __u8 addrlen_arg; /* index of its length (a value, not a pointer), or GS_NO_ARG */
  __u8 special;     /* enum gs_special */
  /* Where a relative str1 / str2 starts: the index of its dirfd argument, GS_DIR_CWD
   * (the caller's cwd) or GS_NO_ARG (not a path to resolve, e.g. a symlink's target).
   * With no str1 (fchmod, ftruncate) dir1_arg is the fd acted on: dir1 is its own path. */
  __u8 dir1_arg;
  __u8 dir2_arg;
  __u8 denial; /* 1: an -EPERM/-EACCES/-ENOSYS of it is a denial record (see the
                  loader's denied_filter) */
  __u8 pad[2];
};
#define GS_DIR_CWD 0xfe

/* Flags in gs_syscall_record.flags / gs_exec_record.flags. */
#define GS_F_STR1_TRUNC (1u << 0) /* str1 filled its buffer */
#define GS_F_STR2_TRUNC (1u << 1) /* str2 filled its buffer */
#define GS_F_ADDR_TRUNC (1u << 2) /* sockaddr longer than GS_ADDR_LEN */
#define GS_F_ARGV_TRUNC (1u << 3) /* argv longer than GS_ARGV_LEN */
#define GS_F_ARGV_FAULT (1u << 4) /* argv could not be read */
#define GS_F_STR1_FAULT (1u << 5) /* str1 pointer unreadable (NULL or bad) */
#define GS_F_STR2_FAULT (1u << 6)
#define GS_F_ADDR_FAULT (1u << 7)
#define GS_F_NO_ENTER (1u << 8)   /* unused since sys_enter is gone (kept: old recordings) */
#define GS_F_CWD_TRUNC (1u << 10) /* cwd deeper/longer than the walk allows: partial */
#define GS_F_DIR1_TRUNC (1u << 13) /* dir1 walk incomplete (too deep/long, or unreadable) */
#define GS_F_DIR2_TRUNC (1u << 14)
#define GS_F_EXE_PATH_TRUNC (1u << 16) /* exec: exe_path walk incomplete */
#define GS_F_OPENED_PATH                                                                  \
  (1u << 15) /* open*: str1 filled its buffer or starts /proc/ or /dev/fd/, so dir2  \
                holds the path of the file it opened (the result fd's, walked like a \
                dir), not a directory */
#define GS_F_ADDR_PEER                                                                         \
  (1u << 11)                     /* send* named no destination: addr is the socket's connected \
                                    peer, built from struct sock by the sock_send_length hook */
#define GS_F_LATE_READ (1u << 9) /* unused since sys_enter is gone (kept: old recordings) */

#define GS_F_FILENAME_KERNEL                                                        \
  (1u << 12) /* exec: filename is bprm->filename, the kernel's copy of the caller's \
                string; execveat with a dirfd: "/dev/fd/N[/path]" */

/* Common prefix of every record. */
struct gs_header {
  __u32 type;      /* enum gs_record_type */
  __u32 size;      /* sizeof the whole record, set by BPF; decoder checks it */
  __u64 ts_ns;     /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) at sys_exit / tracepoint */
  __u64 cgroup_id; /* bpf_get_current_cgroup_id(): cgroup v2 inode number */
  __u32 pid;       /* current->tgid (host pid namespace) */
  __u32 tid;       /* current->pid (host pid namespace) */
  __u32 ppid;      /* current->real_parent->tgid (host) */
  __u32 ns_pid;    /* tgid as seen in current's own pid namespace (group_leader->thread_pid) */
  __u32 ns_tid;    /* tid as seen in current's own pid namespace (thread_pid->numbers[level]) */
  __u32 tag;       /* phase tag of the cgroup (value in the `cgroups` map) */
  char comm[GS_COMM_LEN]; /* current->comm, NUL-terminated by the kernel helper */
};

struct gs_fork_record {
  struct gs_header h; /* the parent (current) */
  __u32 child_pid;    /* child->tgid (host) */
  __u32 child_tid;    /* child->pid (host) */
  __u32 child_ns_pid; /* child tgid in the child's pid namespace */
  __u32 is_thread;    /* 1 when child->tgid == parent->tgid (CLONE_THREAD) */
};

struct gs_exec_record {
  struct gs_header h; /* after exec: comm is the new one */
  __s32 nr;           /* syscall nr of the exec (execve/execveat), -1 if unknown */
  __u32 flags;        /* GS_F_* */
  __s64 dirfd;        /* execveat dirfd (args[0]); AT_FDCWD (-100) for execve */
  __u64 at_flags;     /* execveat flags (args[4]), 0 for execve */
  __u32 old_tid;      /* tid that called exec (sched_process_exec old_pid) */
  __u32 argv_len;     /* bytes of argv read, NUL-separated, <= GS_ARGV_LEN */
  __u32 cwd_len;      /* bytes used in cwd, <= GS_PATH_LEN */
  __u32 exe_path_len; /* bytes used in exe_path, <= GS_PATH_LEN */
  char filename[GS_PATH_LEN];      /* bprm->filename (GS_F_FILENAME_KERNEL): the caller's path */
  char bprm_filename[GS_PATH_LEN]; /* bprm->filename: kernel's name, e.g. /dev/fd/3 */
  char exe_name[GS_NAME_LEN];      /* bprm->file dentry name: the file really run (memfd:x) */
  char interp[GS_PATH_LEN];        /* bprm->interp: script interpreter, else = filename */
  char argv[GS_ARGV_LEN];          /* new mm [arg_start, arg_end), NUL-separated */
  char cwd[GS_PATH_LEN];           /* fs->pwd walked up to fs->root (mounts crossed): component
                                      names NUL-separated, leaf first; empty = "/" */
  char exe_path[GS_PATH_LEN];      /* bprm->file walked like cwd: the file really run, whatever
                                      name the caller used (./x, /proc/self/fd/N, a dirfd);
                                      for a script, its interpreter; empty for a memfd */
};

struct gs_exit_record {
  struct gs_header h;
  __u32 exit_code;  /* task->exit_code: (code << 8) | signal (| 0x80 core) */
  __u32 group_dead; /* 1 when this was the last thread (the tracepoint's group_dead, or
                       signal->live == 0 on kernels without it) */
};

struct gs_syscall_record {
  struct gs_header h;  /* taken at sys_exit */
  __s32 nr;            /* syscall number (x86_64) from regs->orig_ax */
  __u32 flags;         /* GS_F_* */
  __s64 ret;           /* sys_exit return value (negative errno on failure) */
  __u64 args[6];       /* raw syscall arguments from pt_regs at sys_exit (di si dx r10 r8 r9) */
  __u64 extra;         /* openat2: open_how.flags; sendmsg: msg_namelen; accept: addrlen;
                          execve/execveat: bytes of argv in str2;
                          sendmmsg: bytes sent (sum of sock_send_length of the call) */
  __u32 addr_len;      /* bytes of sockaddr captured in addr (<= GS_ADDR_LEN) */
  __u16 dir1_len;      /* bytes of dir1 (0: str1 or sun_path absolute, or nothing to resolve) */
  __u16 dir2_len;      /* bytes of dir2 */
  __u32 str1_len;      /* bytes of str1 including its NUL, 0 when not read */
  __u32 pad;
  /* Variable tail: h.size ends after the address or after str1's NUL when there is no
   * str2 and no dir, so a record is between offsetof(str1) and sizeof(struct
   * gs_syscall_record) bytes long. No syscall has both a path and an address (the syscall
   * table's test checks it), so they share their bytes: every record is that much
   * shorter, and the ring buffer streams less through the caches of the traced code. */
  union {
    __u8 addr[GS_ADDR_LEN]; /* raw struct sockaddr from user memory */
    char str1[GS_PATH_LEN]; /* bpf_probe_read_user_str of args[spec.str1_arg] */
  };
  char str2[GS_PATH_LEN]; /* bpf_probe_read_user_str of args[spec.str2_arg];
                             exec: argv, NUL-separated (shown for failed execs) */
  /* The directory a relative str1 / str2 is relative to (its dirfd's file, or the cwd),
   * or for fd-only calls the fd's own path, or for an AF_UNIX addr with a relative
   * sun_path the cwd, or (dir2, GS_F_OPENED_PATH) for an open whose path was cut the file
   * it opened, as of sys_exit: dentry names leaf first,
   * NUL-separated, walked up to the caller's root (GS_F_DIR1_TRUNC: partial). Present
   * only when dir1_len or dir2_len is set; the record is then sent whole. */
  char dir1[GS_PATH_LEN];
  char dir2[GS_PATH_LEN];
};

/* Syscall records are staged per CPU and reach the ring buffer in batches: one ring-buffer
 * output (its lock, its commit, the wakeup check) per batch instead of per record, which
 * was a third of what recording a syscall cost. A batch is flushed when the next record
 * might not fit, when its oldest record is GS_STAGE_MAX_AGE_NS old, and by user space
 * (Session::poll at most every few tens of milliseconds, Session::drain always), so an idle
 * CPU never keeps records for long.
 * Layout: this header, then `count` records back to back, each starting at an 8-byte
 * aligned offset and h.size long; `size` covers the header and every record. */
#define GS_STAGE_BYTES 8192 /* power of two; a batch is at most this long */
#define GS_STAGE_MAX_AGE_NS 20000000ULL
struct gs_batch {
  __u32 type;  /* GS_REC_BATCH */
  __u32 size;  /* bytes of the whole batch, this header included */
  __u32 count; /* records in it */
  __u32 pad;
};

/* One CPU's batch in the making (the `stage` per-CPU map): buf holds a gs_batch header,
 * then the records. */
struct gs_stage {
  __u32 used;  /* bytes of buf in use, its gs_batch header included; 0 = empty */
  __u32 count; /* records staged */
  __u32 busy;  /* 1 while sys_exit writes here */
  __u32 pad;
  __u64 first_ts;         /* h.ts_ns of the oldest staged record */
  __u32 cats[GS_CAT_MAX]; /* staged records per category: what a failed flush loses */
  __u8 buf[GS_STAGE_BYTES];
};

struct gs_denied_record {
  struct gs_header h; /* taken at sys_exit */
  __s32 nr;           /* syscall number from regs->orig_ax */
  __u32 pad;
  __s64 ret; /* -EPERM, -EACCES or -ENOSYS */
};

/* Bytes one process moved through one socket. Summed in the `sockdata` hash (key: tgid
 * and struct sock) by tp_btf/sock_send_length and sock_recv_length, which fire for every
 * write, writev, send, sendto, sendmsg, sendmmsg, read, readv, recvfrom and recvmsg that reaches a
 * socket, whatever the syscall; so a connected socket written with plain write() (Go's DNS
 * resolver, every Go TCP conn) is seen with its peer. One record per (process, socket), not per
 * call: a chatty socket cannot flood the ring. Emitted when user space drains the map
 * (Session::drain) or by BPF when the socket's peer changed (a UDP socket reconnected). */
struct gs_sock_record {
  struct gs_header h; /* the task of the first call; h.ts_ns = the first call's time */
  __u64 last_ts_ns;   /* bpf_ktime_get_ns() at the latest call */
  __u64 bytes_out;    /* sum of sock_send_length ret > 0 */
  __u64 bytes_in;     /* sum of sock_recv_length ret > 0 */
  __u32 sends;        /* sock_send_length calls (any ret) */
  __u32 recvs;        /* sock_recv_length calls (any ret) */
  __u32 send_errors;  /* of which ret < 0 */
  __u32 recv_errors;  /* of which ret < 0 (a nonblocking read's EAGAIN too) */
  __s32 fd;           /* bpf_task_pt_regs()->di at the first call: the fd of read, write,
                         send and recv calls; -1 when the call was not one of those syscalls */
  __s32 send_nr;      /* regs->orig_ax of the first send (write, sendto, ...), -1 none */
  __s32 recv_nr;      /* regs->orig_ax of the first recv, -1 none */
  __u16 family;       /* sk->__sk_common.skc_family */
  __u16 type;         /* sk->sk_type: SOCK_STREAM, SOCK_DGRAM, SOCK_RAW */
  __u16 protocol;     /* sk->sk_protocol: IPPROTO_TCP, IPPROTO_UDP, ... */
  __u16 dport;        /* skc_dport in host order; 0 when not connected */
  __u16 sport;        /* skc_num (host order) */
  __u16 pad;
  __u8 daddr[16]; /* inet: skc_daddr in the first 4 bytes; inet6: skc_v6_daddr */
  __u8 saddr[16]; /* inet: skc_rcv_saddr; inet6: skc_v6_rcv_saddr */
  /* AF_UNIX: the struct sockaddr_un (unix_address->name, ->len bytes) of the connected
   * peer (unix_sock->peer: a server's bound name as its clients see it) and of this socket
   * itself (an accepted socket carries its listener's name); length 0 when unnamed. */
  __u16 peer_un_len;
  __u16 local_un_len;
  __u8 peer_un[GS_UNIX_ADDR_LEN];
  __u8 local_un[GS_UNIX_ADDR_LEN];
};

/* One slot of the BPF side's per-CPU scope cache (a global array, so the loader's
 * skeleton sees the type too). Written and read only by BPF. */
struct gs_scope_slot {
  __u64 seq;  /* seqcount: odd while being filled */
  __u64 cgid; /* bpf_get_current_cgroup_id() it answers for */
  __u32 tag;  /* its tag in `cgroups`, or 0xffffffff: not traced */
  __u32 gen;  /* scope_gen when it was filled */
};

struct gs_task_slot {
  __u64 seq;  /* seqcount: odd while being filled */
  __u64 regs; /* the task's struct pt_regs address: the key */
  __u64 task; /* its struct task_struct address */
  __u64 cgid; /* its cgroup id (a migration bumps scope_gen) */
  __u32 tag;  /* its cgroup's tag in `cgroups`, or 0xffffffff: not traced */
  __u32 gen;  /* scope_gen when it was filled */
  __u64 pad[3]; /* one slot, one cache line (asserted in tracer.bpf.c) */
};

/* The syscall counters of one tag (value of the per-CPU `counts` array), by number. */
struct gs_counts {
  __u64 n[GS_MAX_SYSCALLS];
};

#endif /* GS_TRACER_BPF_TRACER_H */
