// Package motoserver starts moto's AWS API double (`moto_server`) for tests:
// on a free 127.0.0.1 port, polled until it answers, stopped when the test
// binary ends. One server serves every test of a package; tests keep out of
// each other's way by using their own region (moto keeps state per region).
//
// moto is a required tool of this project (README: pip install
// "moto[server]"); a test that needs it fails, naming the install command,
// when it is missing. It never skips.
package motoserver

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// InstallHint is what a test says when moto_server is not on PATH.
const InstallHint = `moto_server is not installed; install it with: pip install "moto[server]" (the project uses moto 5.2.1)`

// Server is a running moto_server.
type Server struct {
	URL string
	cmd *exec.Cmd
	log *os.File
}

// Start runs moto_server on a free port and waits until it answers.
func Start() (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, errors.New(InstallHint)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	logFile, err := os.CreateTemp("", "moto-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so Stop also ends anything it spawned.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting moto_server: %w", err)
	}
	s := &Server{URL: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, log: logFile}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/moto-api/data.json")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case err := <-exited:
			out, _ := os.ReadFile(logFile.Name())
			logFile.Close()
			os.Remove(logFile.Name())
			return nil, fmt.Errorf("moto_server exited before answering (%v):\n%s", err, out)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, errors.New("moto_server did not answer within 60s")
		}
	}
}

// Stop ends the server and its process group.
func (s *Server) Stop() {
	if s == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	s.log.Close()
	os.Remove(s.log.Name())
}

var (
	once    sync.Once
	shared  *Server
	initErr error
)

// Shared returns the package's server, starting it on first use; the test
// fails (never skips) when it cannot start. Call Cleanup from TestMain.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	once.Do(func() { shared, initErr = Start() })
	if initErr != nil {
		tb.Fatal(initErr)
	}
	return shared
}

// Cleanup stops the shared server, if one was started.
func Cleanup() {
	if shared != nil {
		shared.Stop()
	}
}

// Env sets the fake credentials moto accepts, so no test can ever pick up
// real ones from the environment or the shared config files.
func Env(tb testing.TB) {
	tb.Setenv("AWS_ACCESS_KEY_ID", "testing")
	tb.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	tb.Setenv("AWS_SESSION_TOKEN", "testing")
	tb.Setenv("AWS_PROFILE", "")
	tb.Setenv("AWS_CONFIG_FILE", os.DevNull)
	tb.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	tb.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}
