# gosandbox sandbox profile: strict
# For modules already known to be hostile: smaller limits, shorter windows, no network,
# and the kernel-facing syscalls of `default` kill the process instead of failing, so
# the first attempt ends the phase with the syscall's name on record.
# Format: [section] lines of `key = value`; in [seccomp] one rule per line:
#   ACTION syscall... [if argN & FLAG|FLAG]  or  [if argN == VALUE]
#   ACTION is allow, kill, log or errno(NAME).

[limits]
memory = 1GiB      # cgroup memory (v2 memory.max or v1 memory.limit_in_bytes)
pids = 128         # cgroup pids.max
cpu = 1            # CPUs' worth of time per 100 ms (CFS quota); 0 = no limit
tmp = 128MiB       # /tmp and /dev/shm tmpfs
home = 64MiB       # home tmpfs
disk = 1GiB        # the harness's per-analysis scratch tmpfs (module copy, build outputs)
fsize = 256MiB      # RLIMIT_FSIZE
nofile = 1024      # RLIMIT_NOFILE

[timeouts]
window = 5s        # init and run phases observe this long
test = 60s         # per test binary
build = 600s       # plan and build steps

[network]
mode = none        # fake: the fake internet; none: loopback only

[persona]
users = alex:Alex Morgan, mkovacs:Maria Kovacs, jchen:Jun Chen, pnair:Priya Nair, tbecker:Tom Becker, lsantos:Lucia Santos, dmiller:Dan Miller, okarlsson:Olof Karlsson, asato:Aiko Sato, rfischer:Ruth Fischer
hostnames = {user}-thinkpad, {user}-xps13, {user}-laptop, {user}-desktop, {user}-t14, {user}-precision, {user}-mbp-linux
email_domains = example.com, example.org, example.net
projects = billing-api, infra-tools, k8s-operator, dotfiles, blog, cli-utils, payments-svc, scratch, terraform-modules, metrics-exporter
uptime_days = 2..45
shell = /bin/bash
lang = en_US.UTF-8
term = xterm-256color
editor = vim
tz = Europe/Berlin

[seccomp]
default = allow

# Reading or steering other processes.
kill ptrace process_vm_readv process_vm_writev kcmp
# BPF and perf could watch or tamper with the host and our own tracer.
kill bpf perf_event_open
# io_uring performs I/O without syscalls the tracer sees.
kill io_uring_setup io_uring_enter io_uring_register
# The kernel itself: modules, kexec, reboot, swap, raw I/O ports. Nothing legitimate in
# a Go module does these; the process is killed and the kill is reported.
kill init_module finit_module delete_module
kill kexec_load kexec_file_load reboot
kill swapon swapoff iopl ioperm
# Mounts and namespaces: the jail's shape is ours.
errno(EPERM) mount umount2 pivot_root chroot move_mount fsopen fsconfig fsmount fspick open_tree mount_setattr
kill setns unshare
errno(EPERM) clone if arg0 & CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET
# clone3 passes its flags in memory that seccomp cannot read; ENOSYS makes glibc and
# others fall back to clone, whose flags are checked above.
errno(ENOSYS) clone3
# Kernel keyrings are shared with the host's user.
kill keyctl add_key request_key
kill userfaultfd
kill open_by_handle_at name_to_handle_at
kill settimeofday clock_settime clock_adjtime adjtimex
errno(EPERM) acct quotactl lookup_dcookie nfsservctl vhangup syslog
# personality() with flags that weaken ASLR or memory protection (the query 0xffffffff
# has every bit set and is refused too; nothing in Go asks).
errno(EPERM) personality if arg0 & ADDR_NO_RANDOMIZE|MMAP_PAGE_ZERO|ADDR_COMPAT_LAYOUT|READ_IMPLIES_EXEC|ADDR_LIMIT_32BIT|ADDR_LIMIT_3GB|SHORT_INODE|WHOLE_SECONDS|STICKY_TIMEOUTS
# Beyond default: raw and netlink sockets, memfd execution, terminal injection.
errno(EPERM) socket if arg0 == AF_PACKET
errno(EPERM) memfd_create
errno(EPERM) ioctl if arg1 == TIOCSTI
errno(EPERM) mknod mknodat
