// Package ptrace is a gosandbox containment fixture: from init() it tries to ptrace other processes (its own child, pid 1, every pid up to 4096).
// Harmless outside the jail: attach attempts only; a successful attach is detached at once.
package ptrace

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "ptrace" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile ptrace: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	cmd := exec.Command("/bin/sleep", "5")
	if err := cmd.Start(); err == nil {
		err = syscall.PtraceAttach(cmd.Process.Pid)
		report("ptrace(PTRACE_ATTACH, child %d): err=%v", cmd.Process.Pid, err)
		if err == nil {
			_ = syscall.PtraceDetach(cmd.Process.Pid)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	ok := 0
	for pid := 1; pid < 4096; pid++ {
		if syscall.PtraceAttach(pid) == nil {
			ok++
			_ = syscall.PtraceDetach(pid)
		}
	}
	report("ptrace attached to %d processes", ok)
}
