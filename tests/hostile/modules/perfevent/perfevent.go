// Package perfevent is a gosandbox containment fixture: from init() it tries to open perf events on itself and on every CPU.
// Harmless outside the jail: a software CPU-clock counter, closed at exit.
package perfevent

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "perfevent" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile perfevent: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	var attr [32]uint32
	attr[0] = 1   // PERF_TYPE_SOFTWARE
	attr[1] = 128 // size
	fd, _, e := syscall.Syscall6(298, uintptr(unsafe.Pointer(&attr[0])), 0, ^uintptr(0), ^uintptr(0), 0, 0)
	report("perf_event_open(self): fd=%d errno=%v", int(fd), e)
	fd, _, e = syscall.Syscall6(298, uintptr(unsafe.Pointer(&attr[0])), ^uintptr(0), 0, ^uintptr(0), 0, 0)
	report("perf_event_open(all, cpu 0): fd=%d errno=%v", int(fd), e)
}
