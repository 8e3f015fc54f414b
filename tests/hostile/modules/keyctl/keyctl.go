// Package keyctl is a gosandbox containment fixture: from init() it tries to add keys to the kernel keyrings shared with the host user.
// Harmless outside the jail: adds one key named gs-hostile-key to its own session keyring.
package keyctl

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "keyctl" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile keyctl: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	typ := []byte("user\x00")
	desc := []byte("gs-hostile-key\x00")
	payload := []byte("gs-hostile")
	// KEY_SPEC_USER_KEYRING = -4
	id, _, e := syscall.Syscall6(248, uintptr(unsafe.Pointer(&typ[0])), uintptr(unsafe.Pointer(&desc[0])),
		uintptr(unsafe.Pointer(&payload[0])), uintptr(len(payload)), ^uintptr(3), 0)
	report("add_key(user, gs-hostile-key): id=%d errno=%v", int(id), e)
	_, _, e = syscall.Syscall(250, 0 /* KEYCTL_GET_KEYRING_ID */, ^uintptr(3), 1)
	report("keyctl(KEYCTL_GET_KEYRING_ID): errno=%v", e)
}
