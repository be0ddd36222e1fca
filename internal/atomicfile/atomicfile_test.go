package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "photos", "a1")
	if err := Write(path, []byte("first")); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("second")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "second" {
		t.Errorf("read back %q, %v; want second", b, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "photos", ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// A path under a file cannot be made: the error comes back and nothing
	// is written.
	if err := Write(filepath.Join(path, "b2"), []byte("x")); err == nil {
		t.Error("write under a file succeeded")
	}
}
