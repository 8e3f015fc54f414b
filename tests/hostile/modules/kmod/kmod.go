// Package kmod is a gosandbox containment fixture: from init() it tries to load and unload kernel modules.
// Harmless outside the jail: the module image is 16 zero bytes and the module to remove does not exist.
package kmod

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "kmod" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile kmod: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	img := make([]byte, 16)
	params := []byte{0}
	_, _, e := syscall.Syscall(syscall.SYS_INIT_MODULE, uintptr(unsafe.Pointer(&img[0])), uintptr(len(img)), uintptr(unsafe.Pointer(&params[0])))
	report("init_module: errno=%v", e)
	if f, err := os.Open("/dev/null"); err == nil {
		_, _, e = syscall.Syscall(313 /* finit_module */, f.Fd(), uintptr(unsafe.Pointer(&params[0])), 0)
		report("finit_module: errno=%v", e)
	}
	name := []byte("gs_hostile_nonexistent\x00")
	_, _, e = syscall.Syscall(syscall.SYS_DELETE_MODULE, uintptr(unsafe.Pointer(&name[0])), 0, 0)
	report("delete_module: errno=%v", e)
}
