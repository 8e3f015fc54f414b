// Package writeoutside is a gosandbox containment fixture: from init() it tries to write files outside the jail's writable places.
// Harmless outside the jail: it writes small marker files named gs-hostile-*.
package writeoutside

import (
	"fmt"
	"os"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "writeoutside" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile writeoutside: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	for _, p := range []string{"/gs-hostile-writeoutside", "/etc/gs-hostile-writeoutside", "/usr/gs-hostile-writeoutside",
		"/var/tmp/gs-hostile-writeoutside", "/root/gs-hostile-writeoutside", "/work/gs-hostile-writeoutside"} {
		err := os.WriteFile(p, []byte("gs-hostile"), 0o644)
		report("write %s: err=%v", p, err)
	}
}
