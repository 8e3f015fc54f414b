package kmod

import "testing"

// The attack runs from init(), before any test; this test only makes `go test` run it.
func TestLoaded(t *testing.T) {}
