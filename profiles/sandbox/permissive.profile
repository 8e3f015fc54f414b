# gosandbox sandbox profile: permissive
# For modules that legitimately need more (tests that use ptrace, namespaces or perf):
# those syscalls are allowed but logged, so they still show up as evidence. What could
# reach past the jail (kernel modules, kexec, the clock, io_uring's untraced I/O) stays
# denied. Larger limits and windows.
# Format: [section] lines of `key = value`; in [seccomp] one rule per line:
#   ACTION syscall... [if argN & FLAG|FLAG]  or  [if argN == VALUE]
#   ACTION is allow, kill, log or errno(NAME).

[limits]
memory = 8GiB      # cgroup memory (v2 memory.max or v1 memory.limit_in_bytes)
pids = 2048        # cgroup pids.max
cpu = 2            # CPUs' worth of time per 100 ms (CFS quota); 0 = no limit
tmp = 512MiB       # /tmp and /dev/shm tmpfs
home = 256MiB      # home tmpfs
disk = 4GiB        # the harness's per-analysis scratch tmpfs (module copy, build outputs)
fsize = 1GiB       # RLIMIT_FSIZE
nofile = 4096      # RLIMIT_NOFILE

[timeouts]
window = 30s       # init and run phases observe this long
test = 600s        # per test binary
build = 600s       # plan and build steps

[network]
mode = fake        # fake: the fake internet; none: loopback only

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

log ptrace process_vm_readv process_vm_writev perf_event_open unshare setns userfaultfd
errno(EPERM) bpf io_uring_setup io_uring_enter io_uring_register
errno(EPERM) init_module finit_module delete_module kexec_load kexec_file_load reboot
errno(EPERM) swapon swapoff iopl ioperm
errno(EPERM) mount umount2 pivot_root move_mount fsopen fsmount open_tree
errno(EPERM) keyctl add_key request_key open_by_handle_at
errno(EPERM) settimeofday clock_settime clock_adjtime adjtimex acct
errno(ENOSYS) clone3
