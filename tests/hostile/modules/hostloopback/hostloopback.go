// Package hostloopback is a gosandbox containment fixture: from init() it tries to reach a service on the host's loopback.
// Harmless outside the jail: it connects only to 127.0.0.1 and ::1.
package hostloopback

import (
	"fmt"
	"net"
	"os"
	"time"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "hostloopback" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile hostloopback: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	for _, a := range []string{"127.0.0.1:47011", "[::1]:47011", "127.0.0.53:53", "127.0.0.1:22"} {
		c, err := net.DialTimeout("tcp", a, 500*time.Millisecond)
		report("dial tcp %s: err=%v", a, err)
		if err == nil {
			_, _ = c.Write([]byte("gs-hostile-loopback\n"))
			c.Close()
		}
	}
	if c, err := net.Dial("udp", "127.0.0.1:47011"); err == nil {
		_, err = c.Write([]byte("gs-hostile-loopback\n"))
		report("send udp 127.0.0.1:47011: err=%v", err)
		c.Close()
	}
}
