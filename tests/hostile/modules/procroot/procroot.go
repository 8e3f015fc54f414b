// Package procroot is a gosandbox containment fixture: from init() it tries to escape through /proc/<pid>/root and /proc/<pid>/cwd of every visible process.
// Harmless outside the jail: it only reads.
package procroot

import (
	"fmt"
	"os"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "procroot" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile procroot: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	es, _ := os.ReadDir("/proc")
	pids := 0
	for _, e := range es {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		pids++
		for _, p := range []string{"/root/etc/gs-hostile-secret", "/root/root/gs-hostile-secret", "/cwd/../../etc/gs-hostile-secret",
			"/root/etc/shadow"} {
			b, err := os.ReadFile("/proc/" + e.Name() + p)
			if err == nil {
				report("read /proc/%s%s: %q", e.Name(), p, prefix(b))
			}
		}
	}
	report("processes visible: %d", pids)
}
