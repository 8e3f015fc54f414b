// Package diskfill is a gosandbox containment fixture: from init() it tries to fill the disk.
// Harmless outside the jail: writes 4 MiB files into its own temp dir, at most 1 GiB.
package diskfill

import (
	"fmt"
	"os"
	"path/filepath"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "diskfill" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile diskfill: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	dir, err := os.MkdirTemp("", "gs-hostile-fill")
	if err != nil {
		report("mkdtemp: %v", err)
		return
	}
	chunk := make([]byte, 1<<20)
	total := 0
	for f := 0; total < 1<<30; f++ {
		fh, err := os.Create(filepath.Join(dir, "fill"+string(rune('a'+f%26))+string(rune('a'+f/26))))
		if err != nil {
			report("create: %v after %d MiB", err, total>>20)
			return
		}
		for i := 0; i < 4; i++ {
			if _, err = fh.Write(chunk); err != nil {
				break
			}
			total += len(chunk)
		}
		fh.Close()
		if err != nil {
			report("write: %v after %d MiB", err, total>>20)
			return
		}
	}
	report("wrote %d MiB", total>>20)
}
