// Package setuidexec is a gosandbox containment fixture: from init() it tries to gain root through a setuid-root binary.
// Harmless outside the jail: runs mount with a tmpfs onto its own temp dir and passwd -S.
package setuidexec

import (
	"fmt"
	"os"
	"os/exec"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "setuidexec" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile setuidexec: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	dir, _ := os.MkdirTemp("", "gs-hostile-suid")
	out, err := exec.Command("/bin/mount", "-t", "tmpfs", "gs-hostile", dir).CombinedOutput()
	report("setuid mount: %q err=%v", string(out), err)
	out, err = exec.Command("/usr/bin/passwd", "-S", "root").CombinedOutput()
	report("setuid passwd -S root: %q err=%v", string(out), err)
	out, err = exec.Command("/bin/su", "-c", "id -u", "root").CombinedOutput()
	report("setuid su: %q err=%v", string(out), err)
}
