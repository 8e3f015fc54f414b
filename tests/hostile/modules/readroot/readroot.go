// Package readroot is a gosandbox containment fixture: from init() it tries to list and read root's home, /home and the host's /root secret.
// Harmless outside the jail: it only reads.
package readroot

import (
	"fmt"
	"os"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "readroot" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile readroot: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	for _, d := range []string{"/root", "/home", "/work", "/var/lib"} {
		es, err := os.ReadDir(d)
		names := []string{}
		for _, e := range es {
			names = append(names, e.Name())
		}
		report("readdir %s: %v err=%v", d, names, err)
	}
	b, err := os.ReadFile("/root/gs-hostile-secret")
	report("read /root/gs-hostile-secret: %q err=%v", prefix(b), err)
}
