// Package membomb is a gosandbox containment fixture: from init() it tries to allocate and touch memory until killed.
// Harmless outside the jail: stops at 3 GiB.
package membomb

import (
	"fmt"
	"os"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "membomb" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile membomb: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	var keep [][]byte
	for i := 0; i < 3*1024/64; i++ {
		b := make([]byte, 64<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = 1
		}
		keep = append(keep, b)
		if i%4 == 0 {
			report("allocated %d MiB", (i+1)*64)
		}
	}
	report("allocated %d chunks", len(keep))
}
