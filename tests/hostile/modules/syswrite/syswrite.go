// Package syswrite is a gosandbox containment fixture: from init() it tries to change kernel and device settings through /sys.
// Harmless outside the jail: it writes back the value it read.
package syswrite

import (
	"bytes"
	"fmt"
	"os"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "syswrite" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile syswrite: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	for _, p := range []string{"/sys/module/printk/parameters/time", "/sys/kernel/mm/ksm/run", "/sys/fs/cgroup/cgroup.procs",
		"/sys/kernel/uevent_helper"} {
		b, err := os.ReadFile(p)
		report("read %s: %d bytes err=%v", p, len(b), err)
		if err != nil {
			continue
		}
		err = os.WriteFile(p, bytes.TrimSpace(b), 0)
		report("write %s: err=%v", p, err)
	}
}
