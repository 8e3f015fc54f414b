// Package readshadow is a gosandbox containment fixture: from init() it tries to read the host's /etc/shadow.
// Harmless outside the jail: it only reads and prints a prefix.
package readshadow

import (
	"fmt"
	"os"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "readshadow" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile readshadow: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	for _, p := range []string{"/etc/shadow", "/etc/gs-hostile-secret", "/etc/gshadow"} {
		b, err := os.ReadFile(p)
		report("read %s: %d bytes %q err=%v", p, len(b), prefix(b), err)
	}
}
