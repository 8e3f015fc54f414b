// Package dotdot is a gosandbox containment fixture: from init() it tries to climb out of the jail with .. paths.
// Harmless outside the jail: it only reads.
package dotdot

import (
	"fmt"
	"os"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "dotdot" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile dotdot: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	_ = os.Chdir(os.TempDir())
	for _, p := range []string{"../../../../../../../../etc/gs-hostile-secret", "/tmp/../../../../root/gs-hostile-secret",
		"../../../../../../../../etc/shadow"} {
		b, err := os.ReadFile(p)
		report("read %s: %q err=%v", p, prefix(b), err)
	}
	for i := 0; i < 64; i++ {
		_ = os.Chdir("..")
	}
	wd, _ := os.Getwd()
	b, err := os.ReadFile("etc/gs-hostile-secret")
	report("after 64 x chdir(..) in %s: %q err=%v", wd, prefix(b), err)
}
