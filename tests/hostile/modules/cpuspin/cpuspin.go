// Package cpuspin is a gosandbox containment fixture: from init() it tries to burn every CPU.
// Harmless outside the jail: spins for at most 30 s.
package cpuspin

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "cpuspin" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile cpuspin: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; i < runtime.NumCPU()*2; i++ {
		go func() {
			x := 0
			for time.Now().Before(deadline) {
				x++
			}
		}()
	}
	report("spinning on %d CPUs", runtime.NumCPU())
	time.Sleep(time.Until(deadline))
}
