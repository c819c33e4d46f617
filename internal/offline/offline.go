// Package offline runs the real program on a stack file under the simulated
// engine: no AWS account, no Pulumi CLI. It is what `cmd/plan`, the policy
// suite and the benchmarks share.
package offline

import (
	"encoding/json"
	"fmt"
	"regexp"
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

// Run runs the program on already parsed stack values, as the account the
// stack file is meant for (see Account).
func Run(f *stack.File) (*Result, error) { return RunAs(f, "") }

// RunAs runs the program as the given account ("" for Account(f)).
func RunAs(f *stack.File, account string) (*Result, error) { return run(f, account, nil) }

// RunAgainst runs the program in an account where the data stores named in
// running already exist, each at the engine version given (by Aurora cluster
// identifier or replication group ID); Run is a first deployment.
func RunAgainst(f *stack.File, running map[string]string) (*Result, error) {
	return run(f, "", running)
}

func run(f *stack.File, account string, running map[string]string) (*Result, error) {
	region := f.Values["aws:region"]
	if region == "" {
		region = "us-east-1"
	}
	mon := sim.NewMonitor(stack.Project, f.Stack, region)
	mon.Running = running
	if account == "" {
		account = Account(f)
	}
	mon.AccountID = account
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
	// Pulumi's SDK records the caller's whole Go stack with every resource it
	// registers (source positions, which the simulated engine never reads),
	// so each registration costs more the deeper the program runs. On a
	// goroutine of its own the program's stacks hold only its own frames, not
	// those of the plan, the test or the benchmark that called it.
	done := make(chan error, 1)
	go func() {
		done <- pulumi.RunErr(prog, pulumi.WithMocks(stack.Project, f.Stack, mon), sim.WithConfig(f.Values))
	}()
	runErr := <-done
	g, err := mon.Graph()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	// On error the result still carries what was registered (for a rejected
	// config: nothing), so callers can show it.
	return &Result{File: f, Graph: g, Platform: pl}, runErr
}

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// Account is the account an offline run simulates for a stack file: the
// first of its aws:allowedAccountIds (the provider setting that refuses any
// other account), else sim.AccountID. Taking the stack's own account keeps
// the ARNs it names (certificates, images, buckets) in the caller's account,
// as they would be on a real run, so only a real mismatch is flagged.
func Account(f *stack.File) string {
	var ids []string
	if json.Unmarshal([]byte(f.Values["aws:allowedAccountIds"]), &ids) == nil && len(ids) > 0 && accountID.MatchString(ids[0]) {
		return ids[0]
	}
	return sim.AccountID
}
