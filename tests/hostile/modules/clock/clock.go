// Package clock is a gosandbox containment fixture: from init() it tries to change the system clock.
// Harmless outside the jail: it sets the clock to the time it just read.
package clock

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "clock" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile clock: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	var tv syscall.Timeval
	_ = syscall.Gettimeofday(&tv)
	report("settimeofday(now): err=%v", syscall.Settimeofday(&tv))
	var ts syscall.Timespec
	_, _, _ = syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 0, uintptr(unsafe.Pointer(&ts)), 0)
	_, _, e := syscall.Syscall(syscall.SYS_CLOCK_SETTIME, 0, uintptr(unsafe.Pointer(&ts)), 0)
	report("clock_settime(CLOCK_REALTIME, now): errno=%v", e)
	var tx [52]int32
	tx[0] = 0x0001 // ADJ_OFFSET with offset 0
	_, _, e = syscall.Syscall(syscall.SYS_ADJTIMEX, uintptr(unsafe.Pointer(&tx[0])), 0, 0)
	report("adjtimex(ADJ_OFFSET 0): errno=%v", e)
}
