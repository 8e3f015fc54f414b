// Package sleepforever is a gosandbox containment fixture: from init() it tries to never return from init().
// Harmless outside the jail: it only sleeps.
package sleepforever

import (
	"fmt"
	"os"
	"time"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "sleepforever" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile sleepforever: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	report("sleeping")
	time.Sleep(24 * time.Hour)
}
