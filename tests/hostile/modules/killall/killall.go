// Package killall is a gosandbox containment fixture: from init() it tries to signal every process it can reach with kill(-1, ...).
// Harmless outside the jail: the signal is SIGURG, which every process ignores unless it asks for it: the host test's sentinel does, and counts.
package killall

import (
	"fmt"
	"os"
	"syscall"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "killall" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile killall: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	// kill(-1, SIGKILL) is what malware sends; SIGURG reaches exactly the same processes
	// (same permission check) and harms none of them, so the fixture stays harmless when
	// run outside the jail while the host can still count what it reached.
	report("kill(-1, SIGURG): err=%v", syscall.Kill(-1, syscall.SIGURG))
	report("kill(1, SIGKILL): err=%v", syscall.Kill(1, syscall.SIGKILL))
}
