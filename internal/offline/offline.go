// Package offline runs the real program on a stack file under the simulated
// engine: no AWS account, no Pulumi CLI. It is what `cmd/plan`, the policy
// suite and the benchmarks share.
package offline

import (
	"fmt"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/stack"
)

// Result is one offline run.
type Result struct {
	File     *stack.File
	Graph    *sim.Graph
	Platform *stack.Platform
}

// RunFile reads a Pulumi.<stack>.yaml and runs the program on it.
func RunFile(path string) (*Result, error) {
	f, err := stack.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Run(f)
}

// Run runs the program on already parsed stack values.
func Run(f *stack.File) (*Result, error) {
	region := f.Values["aws:region"]
	if region == "" {
		region = "us-east-1"
	}
	mon := sim.NewMonitor(stack.Project, f.Stack, region)
	var (
		mu sync.Mutex
		pl *stack.Platform
	)
	prog := stack.Program(stack.Options{
		ConfigKeys: stack.Keys(f.Values),
		OnExport:   mon.RecordExport,
		OnBuild: func(p *stack.Platform) {
			mu.Lock()
			pl = p
			mu.Unlock()
		},
	})
	runErr := pulumi.RunErr(prog, pulumi.WithMocks(stack.Project, f.Stack, mon), sim.WithConfig(f.Values))
	g, err := mon.Graph()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	// On error the result still carries what was registered (for a rejected
	// config: nothing), so callers can show it.
	return &Result{File: f, Graph: g, Platform: pl}, runErr
}
