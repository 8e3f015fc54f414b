// Package devmem is a gosandbox containment fixture: from init() it tries to open /dev/mem, /dev/port and the kernel log, and make device nodes.
// Harmless outside the jail: it reads nothing from memory and writes one marker line to the kernel log.
package devmem

import (
	"fmt"
	"os"
	"syscall"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "devmem" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile devmem: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	for _, p := range []string{"/dev/mem", "/dev/kmem", "/dev/port", "/dev/sda", "/dev/nvme0n1"} {
		f, err := os.Open(p)
		report("open %s: err=%v", p, err)
		if err == nil {
			f.Close()
		}
	}
	f, err := os.OpenFile("/dev/kmsg", os.O_WRONLY, 0)
	report("open /dev/kmsg for writing: err=%v", err)
	if err == nil {
		_, err = f.Write([]byte("gs-hostile-devmem marker\n"))
		report("write /dev/kmsg: err=%v", err)
	}
	dir, _ := os.MkdirTemp("", "gs-hostile-dev")
	report("mknod(mem, c 1 1): err=%v", syscall.Mknod(dir+"/mem", syscall.S_IFCHR|0o600, 1<<8|1))
}
