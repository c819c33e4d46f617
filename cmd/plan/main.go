// Command plan runs the platform program on a stack file with no AWS account
// and no Pulumi CLI, and prints what `pulumi up` would create.
//
//	go run ./cmd/plan --stack prod
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/acme/platform/access"
	"github.com/acme/platform/change"
	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/internal/report"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/review"
	"github.com/acme/platform/security"
	"github.com/acme/platform/stack"
)

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// compare prints what changing from the older config to this one would do.
func compare(older, afterStack string, after *sim.Graph, afterCfg *stack.Config, md bool, stdout, stderr io.Writer) int {
	var before *sim.Graph
	var stageErr error
	if strings.HasSuffix(older, ".json") {
		g, err := change.LoadGraph(older)
		if err != nil {
			fmt.Fprintf(stderr, "plan: %v\n", err)
			return 1
		}
		before = g
	} else {
		f, err := stack.ReadFile(older)
		if err != nil {
			fmt.Fprintf(stderr, "plan: the older config %s: %v\n", older, err)
			return 1
		}
		// The older file is an earlier version of this stack's file (a
		// stage file of a migration, a copy saved under another name): its
		// resources are this stack's, so compare them under this stack's
		// name, or every URN would differ and everything would be deleted
		// and created again.
		if f.Stack != afterStack {
			note := stdout
			if md {
				note = stderr // the markdown is a PR comment of its own
			}
			fmt.Fprintf(note, "(%s is stack %q by its name: compared as an earlier version of stack %q)\n", older, f.Stack, afterStack)
			f = asStack(f, afterStack)
		}
		res, err := offline.Run(f)
		if err != nil {
			fmt.Fprintf(stderr, "plan: the older config %s: %v\n", older, err)
			return 1
		}
		before = res.Graph
		// Two stage files of a migration: what no single file shows (a
		// protected old workload removed, a bridge removed under an old
		// workload that still needs it).
		stageErr = stack.CheckTransition(res.Platform.Design.Config, afterCfg)
	}
	reps, clashes := change.Walk(before, after)
	rep := reps[0]
	if md {
		fmt.Fprint(stdout, rep.Markdown())
	} else {
		fmt.Fprintf(stdout, "Changes from %s:\n", older)
		fmt.Fprint(stdout, rep.Text())
	}
	// What leaves the stack but stays in the account keeps its name: a later
	// change that asks for one of these names fails with "already exists".
	for _, h := range change.Retained(before, after) {
		fmt.Fprintf(stdout, "RETAINED in the account, name still taken: %s %q (%s)\n", h.Type, h.Name, h.URN)
	}
	if errs := append(rep.Errors(), clashes...); len(errs) > 0 || stageErr != nil {
		for _, e := range errs {
			fmt.Fprintf(stderr, "refused: %v\n", e)
		}
		for _, m := range problems.Messages(stageErr) {
			fmt.Fprintf(stderr, "refused: %s\n", m)
		}
		return 3
	}
	return 0
}

// otherPreferenceOwners lists the stacks of dir's stack files, other than
// this one (stage files of one stack share its platform:name and count as
// it), that also own the Session Manager preferences document of account in
// region.
func otherPreferenceOwners(dir string, self *stack.File, name, account, region string) []preferenceOwner {
	paths, err := stack.StackFiles(dir)
	if err != nil {
		return nil
	}
	selfAbs, _ := filepath.Abs(self.Path)
	var out []preferenceOwner
	for _, p := range paths {
		if abs, _ := filepath.Abs(p); abs == selfAbs {
			continue
		}
		f, err := stack.ReadFile(p)
		if err != nil || f.Stack == self.Stack || f.Values["aws:region"] != region || offline.Account(f) != account {
			continue
		}
		other := f.Stack
		if n := f.Values["platform:name"]; n != "" {
			other = n
		}
		if other == name {
			continue
		}
		var a struct {
			SessionManager struct {
				Preferences string `json:"preferences"`
			} `json:"sessionManager"`
		}
		if json.Unmarshal([]byte(f.Values["platform:access"]), &a) == nil && a.SessionManager.Preferences == string(access.PreferencesOwn) {
			out = append(out, preferenceOwner{stack: f.Stack, name: other, path: p})
		}
	}
	return out
}

// preferenceOwner is another stack file that owns the preferences document.
type preferenceOwner struct{ stack, name, path string }

// asStack returns f as the file of stack name: the same values, with the
// stack tag aws:defaultTags.tags.stack (which must equal the stack's name)
// renamed when it named f's own stack.
func asStack(f *stack.File, name string) *stack.File {
	values := maps.Clone(f.Values)
	var dt map[string]any
	if err := json.Unmarshal([]byte(values["aws:defaultTags"]), &dt); err == nil {
		if tags, ok := dt["tags"].(map[string]any); ok && tags["stack"] == f.Stack {
			tags["stack"] = name
			if b, err := json.Marshal(dt); err == nil {
				values["aws:defaultTags"] = string(b)
			}
		}
	}
	return &stack.File{Path: f.Path, Stack: name, Values: values}
}

// planGCPercent is the plan's GOGC (Go's default is 100).
const planGCPercent = 800

func run(args []string, stdout, stderr io.Writer) int {
	// The plan runs once and exits, and what it allocates is small (prod:
	// about 18 MB in all), so collecting at Go's default pace is work that
	// buys nothing: collect when the heap has grown ninefold instead. A GOGC
	// in the environment still decides.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(planGCPercent))
	}
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stackName := fs.String("stack", "", "stack name: reads Pulumi.<stack>.yaml in --dir")
	file := fs.String("file", "", "path of a stack file (instead of --stack)")
	dir := fs.String("dir", ".", "project directory holding the stack files")
	rules := fs.Bool("rules", false, "print the network rules document (security groups, rules, allow graph)")
	rulesDoc := fs.String("rules-doc", "", "write the network rules document to this file (e.g. docs/network-rules.md)")
	whoCanReach := fs.String("who-can-reach", "", "print who can reach this workload, on which ports, by which path")
	against := fs.String("against", "", "compare with an older config: a stack file (Pulumi.<stack>.yaml) or a graph saved with --save-graph; lists added/removed/updated/replaced resources and fails on a protected replacement")
	saveGraph := fs.String("save-graph", "", "write the registered graph as JSON, for a later --against")
	strict := fs.Bool("strict", false, "exit 4 when a compliance control fails and the stack does not accept it")
	markdown := fs.Bool("markdown", false, "with --against: print the change report as markdown (for a PR comment)")
	account := fs.String("account", "", "the account to simulate (12 digits); default: the stack's first aws:allowedAccountIds, else "+sim.AccountID)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: plan --stack NAME | --file Pulumi.NAME.yaml [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	path := *file
	switch {
	case path == "" && *stackName == "":
		fs.Usage()
		return 2
	case path == "":
		path = filepath.Join(*dir, "Pulumi."+*stackName+".yaml")
	}

	if *account != "" && !accountID.MatchString(*account) {
		fmt.Fprintf(stderr, "plan: --account %q is not a 12-digit account ID\n", *account)
		return 2
	}
	f, err := stack.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "plan: %v\n", err)
		return 1
	}
	res, err := offline.RunAs(f, *account)
	if err != nil {
		var pe *problems.Error
		if errors.As(err, &pe) {
			fmt.Fprintf(stderr, "%s: %v\n", path, pe)
			return 1
		}
		fmt.Fprintf(stderr, "plan: %v\n", err)
		return 1
	}
	d := res.Platform.Design
	if d.Config.Access.SessionManager.Mode() == access.PreferencesOwn {
		if others := otherPreferenceOwners(*dir, res.File, d.Config.Name, d.Env.AccountID, d.Env.Region); len(others) > 0 {
			o := others[0]
			fmt.Fprintf(stderr, "%s: invalid stack configuration: platform:access.sessionManager.preferences: own, but stack %s (%s) owns SSM-SessionManagerRunShell of account %s in %s too, and an account and region have one such document: the second deploy fails with DocumentAlreadyExists; set preferences: none here with accountPreferences {kmsKey: %s, logGroup: %s} (the owner's), or none in %s\n",
				path, o.stack, o.path, d.Env.AccountID, d.Env.Region,
				access.SessionKeyAlias(o.name+"-sessions"), access.SessionLogGroupName(o.name+"-sessions"), o.path)
			return 1
		}
	}
	if *saveGraph != "" {
		b, err := res.Graph.JSON()
		if err == nil {
			err = os.WriteFile(*saveGraph, b, 0o644)
		}
		if err != nil {
			fmt.Fprintf(stderr, "plan: %v\n", err)
			return 1
		}
	}
	if *against != "" {
		return compare(*against, res.File.Stack, res.Graph, d.Config, *markdown, stdout, stderr)
	}
	if *rulesDoc != "" {
		if err := os.WriteFile(*rulesDoc, []byte(res.Platform.RulesDoc()), 0o644); err != nil {
			fmt.Fprintf(stderr, "plan: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %s\n", *rulesDoc)
		return 0
	}
	if *rules {
		fmt.Fprint(stdout, res.Platform.RulesDoc())
		return 0
	}
	if *whoCanReach != "" {
		paths, err := d.Rules.WhoCanReach(*whoCanReach)
		if err != nil {
			fmt.Fprintf(stderr, "plan: %v\n", err)
			return 1
		}
		fmt.Fprint(stdout, security.RenderReach(paths))
		var auth []stack.AccessRow
		for _, r := range d.Access() {
			if r.Target == *whoCanReach {
				auth = append(auth, r)
			}
		}
		if len(auth) > 0 {
			fmt.Fprintf(stdout, "\nwho can authenticate to %s:\n", *whoCanReach)
			fmt.Fprint(stdout, stack.RenderAccess(auth))
		}
		return 0
	}
	accountFrom := "aws:allowedAccountIds"
	switch {
	case *account != "":
		accountFrom = "--account"
	case len(d.Config.AllowedAccountIDs) == 0:
		accountFrom = "no aws:allowedAccountIds: a stand-in"
	}
	// The compliance review, the cost estimate and the critical path read the
	// finished graph and nothing else: they run beside the report below, on
	// the machine's other cores, and print in their fixed place after it.
	var (
		results  []review.Result
		costText string
		pathText string
		reviews  sync.WaitGroup
	)
	reviews.Add(3)
	go func() {
		defer reviews.Done()
		results = review.Evaluate(res.Graph, d.Config.Compliance)
	}()
	go func() {
		defer reviews.Done()
		if est, err := review.EstimateCost(res.Graph, d.Env.Region); err != nil {
			costText = fmt.Sprintf("Cost: %v\n", err)
		} else {
			costText = review.RenderCost(est)
		}
	}()
	go func() {
		defer reviews.Done()
		pathText = review.RenderCriticalPath(review.CriticalPath(res.Graph))
	}()
	fmt.Fprintf(stdout, "Offline plan for stack %q (%s, region %s, account %s simulated, from %s)\n\n", res.File.Stack, path, d.Env.Region, d.Env.AccountID, accountFrom)
	fmt.Fprintln(stdout, "Resources by component:")
	report.Tree(stdout, res.Graph)
	fmt.Fprintf(stdout, "\nSubnets (VPC %s, NAT %s):\n", d.Plan.VPC, d.Config.Network.NAT)
	report.Subnets(stdout, d.Plan, d.Config.Network.NAT, d.Config.Name)
	fmt.Fprintln(stdout, "\nResources by type:")
	report.Counts(stdout, res.Graph)
	if warnings := res.Platform.Warnings(); len(warnings) > 0 {
		fmt.Fprintln(stdout, "\nWarnings:")
		for _, w := range warnings {
			fmt.Fprintf(stdout, "  - %s\n", w)
		}
	}
	if notes := res.Platform.Notes(); len(notes) > 0 {
		fmt.Fprintln(stdout, "\nNotes (the account's facts are simulated offline):")
		for _, n := range notes {
			fmt.Fprintf(stdout, "  - %s\n", n)
		}
	}
	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, res.Platform.Operations())
	fmt.Fprintln(stdout, "\nAccess (each allow edge to a store grants an identity and sets the environment):")
	fmt.Fprint(stdout, stack.RenderAccess(d.Access()))
	if sql := d.SetupSQL(); sql != "" {
		fmt.Fprintln(stdout, "\nRun once in the database (IAM database users):")
		fmt.Fprint(stdout, sql)
	}
	fmt.Fprintln(stdout, "\nStack outputs (simulated values):")
	report.Exports(stdout, res.Graph.Exports)

	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, d.DataProtectionReport().Text())

	reviews.Wait()
	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, review.RenderComplianceTable(results))
	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, costText)
	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, pathText)
	if failed := review.Failed(results); len(failed) > 0 {
		fmt.Fprintf(stderr, "plan: %d compliance controls fail and are not accepted in platform:compliance.accept:", len(failed))
		for _, r := range failed {
			fmt.Fprintf(stderr, " %s", r.ID)
		}
		fmt.Fprintln(stderr)
		if *strict {
			return 4
		}
	}
	return 0
}
