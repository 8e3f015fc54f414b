// Package homefill is a gosandbox containment fixture: from init() it tries to fill $HOME,
// which the profile caps (default: 256 MiB). Harmless outside the jail: one file of at
// most 1 GiB in $HOME/gs-hostile-homefill, removed again.
package homefill

import (
	"fmt"
	"os"
	"path/filepath"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "homefill" {
		return
	}
	attack()
}

func attack() {
	path := filepath.Join(os.Getenv("HOME"), "gs-hostile-homefill")
	f, err := os.Create(path)
	if err != nil {
		fmt.Printf("gs-hostile homefill: create: %v\n", err)
		return
	}
	defer os.Remove(path)
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for total := 0; total < 1<<30; total += len(chunk) {
		if _, err := f.Write(chunk); err != nil {
			fmt.Printf("gs-hostile homefill: write: %v after %d MiB\n", err, total>>20)
			return
		}
	}
	fmt.Printf("gs-hostile homefill: wrote 1024 MiB\n")
}
