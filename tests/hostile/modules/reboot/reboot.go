// Package reboot is a gosandbox containment fixture: from init() it tries to reboot the machine.
// Harmless outside the jail: the magic numbers are wrong, so the kernel refuses even for root.
package reboot

import (
	"fmt"
	"os"
	"syscall"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "reboot" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile reboot: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	report("calling reboot")
	_, _, e := syscall.Syscall6(syscall.SYS_REBOOT, 0, 0, 0, 0, 0, 0)
	report("reboot: errno=%v", e)
}
