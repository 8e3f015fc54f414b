// Package mount is a gosandbox containment fixture: from init() it tries to mount filesystems and unmount the jail's.
// Harmless outside the jail: it mounts only onto its own temp dir and unmounts nothing that exists outside.
package mount

import (
	"fmt"
	"os"
	"syscall"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "mount" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile mount: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	dir, _ := os.MkdirTemp("", "gs-hostile-mount")
	report("mount(tmpfs): err=%v", syscall.Mount("gs-hostile", dir, "tmpfs", 0, ""))
	report("mount(bind /): err=%v", syscall.Mount("/", dir, "", syscall.MS_BIND|syscall.MS_REC, ""))
	report("umount2(/gs-hostile-nonexistent): err=%v", syscall.Unmount("/gs-hostile-nonexistent", syscall.MNT_DETACH))
	report("pivot_root: err=%v", syscall.PivotRoot(dir, dir))
}
