// Package forkbomb is a gosandbox containment fixture: from init() it tries to fork until the kernel refuses.
// Harmless outside the jail: bounded at 1000 children that each sleep 5 s.
package forkbomb

import (
	"fmt"
	"os"
	"os/exec"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "forkbomb" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile forkbomb: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	n := 0
	var err error
	for ; n < 1000; n++ {
		cmd := exec.Command("/bin/sleep", "5")
		if err = cmd.Start(); err != nil {
			break
		}
	}
	report("started %d children, then err=%v", n, err)
}
