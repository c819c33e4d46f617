package motoserver

import (
	"strings"
	"testing"
)

// Without moto_server on PATH, starting it fails with the install command,
// which Shared turns into a test failure, never a skip.
func TestWithoutMotoTheErrorSaysHowToInstallIt(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	s, err := Start()
	if err == nil {
		s.Stop()
		t.Fatal("moto_server started from an empty PATH")
	}
	if !strings.Contains(err.Error(), `pip install "moto[server]"`) {
		t.Errorf("the error does not say how to install moto: %v", err)
	}
}
