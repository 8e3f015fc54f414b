// Package orphans is a gosandbox containment fixture: from init() it starts processes
// meant to outlive the analysis (a new session, double-forked through sh, ignoring
// SIGTERM and SIGHUP). It has no tests, so an analysis of it is cheap to repeat.
// Harmless outside the jail: the orphans only sleep, for at most 120 s.
package orphans

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "orphans" {
		return
	}
	cmd := exec.Command("/bin/sh", "-c", "trap '' TERM HUP; (trap '' TERM HUP; exec sleep 120) & exec sleep 120")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err := cmd.Start()
	fmt.Printf("gs-hostile orphans: started err=%v\n", err)
	if err == nil {
		_ = cmd.Process.Release()
	}
}
