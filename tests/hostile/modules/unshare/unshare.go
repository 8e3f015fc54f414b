// Package unshare is a gosandbox containment fixture: from init() it tries to create namespaces with unshare, clone flags and setns.
// Harmless outside the jail: new namespaces die with the process.
package unshare

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "unshare" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile unshare: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	for _, f := range []struct {
		n string
		v int
	}{{"CLONE_NEWUSER", syscall.CLONE_NEWUSER}, {"CLONE_NEWNS", syscall.CLONE_NEWNS}, {"CLONE_NEWNET", syscall.CLONE_NEWNET}} {
		report("unshare(%s): err=%v", f.n, syscall.Unshare(f.v))
	}
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS}
	report("clone(CLONE_NEWUSER|CLONE_NEWNS) via exec: err=%v", cmd.Run())
	if f, err := os.Open("/proc/self/ns/mnt"); err == nil {
		_, _, e := syscall.Syscall(308, f.Fd(), 0, 0)
		report("setns(/proc/self/ns/mnt): errno=%v", e)
	}
}
