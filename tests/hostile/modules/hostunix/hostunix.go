// Package hostunix is a gosandbox containment fixture: from init() it tries to reach the host's abstract and filesystem unix sockets.
// Harmless outside the jail: it only connects and writes a marker.
package hostunix

import (
	"fmt"
	"net"
	"os"
	"time"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "hostunix" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile hostunix: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	for _, a := range []string{"@gs-hostile-abstract", "/tmp/gs-hostile.sock", "/run/gs-hostile.sock",
		"/run/systemd/private", "/var/run/docker.sock", "@/org/freedesktop/systemd1/notify"} {
		c, err := net.DialTimeout("unix", a, 500*time.Millisecond)
		report("dial unix %s: err=%v", a, err)
		if err == nil {
			_, _ = c.Write([]byte("gs-hostile-unix\n"))
			c.Close()
		}
	}
}
