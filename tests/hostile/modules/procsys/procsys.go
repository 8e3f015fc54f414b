// Package procsys is a gosandbox containment fixture: from init() it tries to change kernel settings through /proc/sys.
// Harmless outside the jail: it writes back the value it read.
package procsys

import (
	"bytes"
	"fmt"
	"os"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "procsys" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile procsys: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	for _, p := range []string{"/proc/sys/kernel/core_pattern", "/proc/sys/vm/overcommit_memory", "/proc/sys/kernel/modprobe",
		"/proc/sysrq-trigger"} {
		b, err := os.ReadFile(p)
		if err != nil && p != "/proc/sysrq-trigger" {
			report("read %s: err=%v", p, err)
			continue
		}
		if p == "/proc/sysrq-trigger" {
			b = []byte("h") // sysrq help: prints to the kernel log, changes nothing
		}
		err = os.WriteFile(p, bytes.TrimSpace(b), 0)
		report("write %s: err=%v", p, err)
	}
}
