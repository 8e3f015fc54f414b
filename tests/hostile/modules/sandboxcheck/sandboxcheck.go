// Package sandboxcheck is a gosandbox containment fixture: from init() it tries to look for signs of a sandbox (CI variables, hostname, /.dockerenv, uptime, empty home).
// Harmless outside the jail: it only reads.
package sandboxcheck

import (
	"fmt"
	"os"
	"strings"
)

func init() {
	if only := os.Getenv("GS_HOSTILE_ONLY"); only != "" && only != "sandboxcheck" {
		return
	}
	attack()
}

func report(format string, args ...interface{}) {
	fmt.Printf("gs-hostile sandboxcheck: "+format+"\n", args...)
}

func prefix(b []byte) string {
	if len(b) > 48 {
		b = b[:48]
	}
	return string(b)
}

func attack() {
	host, _ := os.Hostname()
	up, _ := os.ReadFile("/proc/uptime")
	home, _ := os.UserHomeDir()
	es, _ := os.ReadDir(home)
	_, docker := os.Stat("/.dockerenv")
	ci := []string{}
	for _, kv := range os.Environ() {
		k := strings.SplitN(kv, "=", 2)[0]
		if k == "CI" || strings.HasPrefix(k, "GITHUB_") || strings.HasPrefix(k, "GITLAB_") || k == "JENKINS_URL" {
			ci = append(ci, k)
		}
	}
	report("hostname=%s uptime=%s home=%s entries=%d dockerenv=%v ci=%v user=%s shell=%s term=%s",
		host, strings.Fields(string(up) + " x")[0], home, len(es), docker == nil, ci, os.Getenv("USER"), os.Getenv("SHELL"), os.Getenv("TERM"))
}
