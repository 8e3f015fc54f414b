// Package bpf is a gosandbox containment fixture: from init() it tries to create BPF maps and load a BPF program.
// Harmless outside the jail: a 1-entry array map and a program that returns 0; both die with the process.
package bpf

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "bpf" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile bpf: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	// BPF_MAP_CREATE: map_type=ARRAY(2), key_size=4, value_size=8, max_entries=1
	attr := [16]uint32{2, 4, 8, 1}
	fd, _, e := syscall.Syscall(321, 0, uintptr(unsafe.Pointer(&attr[0])), unsafe.Sizeof(attr))
	report("bpf(BPF_MAP_CREATE): fd=%d errno=%v", int(fd), e)
	// BPF_PROG_LOAD of "r0 = 0; exit" as a socket filter.
	insns := [2]uint64{0x00000000000000b7, 0x0000000000000095}
	license := []byte("GPL\x00")
	var pattr [32]uint32
	pattr[0] = 1 // BPF_PROG_TYPE_SOCKET_FILTER
	pattr[1] = 2
	*(*uint64)(unsafe.Pointer(&pattr[2])) = uint64(uintptr(unsafe.Pointer(&insns[0])))
	*(*uint64)(unsafe.Pointer(&pattr[4])) = uint64(uintptr(unsafe.Pointer(&license[0])))
	fd, _, e = syscall.Syscall(321, 5, uintptr(unsafe.Pointer(&pattr[0])), unsafe.Sizeof(pattr))
	report("bpf(BPF_PROG_LOAD): fd=%d errno=%v", int(fd), e)
}
