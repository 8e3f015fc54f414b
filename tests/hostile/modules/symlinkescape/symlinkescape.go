// Package symlinkescape is a gosandbox containment fixture: from init() it tries to reach host files through planted symlinks.
// Harmless outside the jail: it creates symlinks in its own temp dir.
package symlinkescape

import (
	"fmt"
	"os"
	"path/filepath"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "symlinkescape" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile symlinkescape: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	dir, err := os.MkdirTemp("", "gs-hostile-symlink")
	if err != nil {
		report("mkdtemp: %v", err)
		return
	}
	for i, target := range []string{"/etc/gs-hostile-secret", "/root/gs-hostile-secret", "/proc/1/root/etc/gs-hostile-secret",
		"/proc/self/cwd/../../../../etc/gs-hostile-secret", "/etc/shadow"} {
		link := filepath.Join(dir, "l"+string(rune('a'+i)))
		_ = os.Symlink(target, link)
		b, err := os.ReadFile(link)
		report("read via symlink -> %s: %q err=%v", target, prefix(b), err)
	}
}
