// Package fdexhaust is a gosandbox containment fixture: from init() it tries to open files until the descriptor table is full.
// Harmless outside the jail: bounded at 1<<20 descriptors of /dev/null.
package fdexhaust

import (
	"fmt"
	"os"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "fdexhaust" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile fdexhaust: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	var files []*os.File
	var err error
	for len(files) < 1<<20 {
		var f *os.File
		if f, err = os.Open("/dev/null"); err != nil {
			break
		}
		files = append(files, f)
	}
	report("opened %d descriptors, then err=%v", len(files), err)
}
