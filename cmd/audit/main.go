// Command audit reviews an existing AWS network, read live through the AWS
// SDK or from saved describe-* JSON, and fails when it finds more problems
// than allowed, so it can gate a migration in CI.
//
// Usage:
//
//	audit --region R [--profile P] [--endpoint-url URL] [--save DIR] ...
//	audit --dir SNAPSHOT [--format markdown|json] [--out FILE]
//	      [--fail-on high|medium|low] [--max-findings N]
//	audit --vpcs F --subnets F --route-tables F --security-groups F --network-interfaces F ...
//	audit --print-policy | --print-commands
//
// Without --dir or a per-file flag the audit reads the account live
// (package audit/live) with the usual AWS environment (AWS_PROFILE,
// AWS_REGION, AWS_ENDPOINT_URL, SSO and role profiles); --region and
// --profile override it. It prints a progress line per service on stderr
// and, when a call is denied, the IAM permission that was missing; the
// report then lists what could not be read. --save DIR writes what was
// read, one file per call in the AWS CLI's shape plus a manifest, so that
// `audit --dir DIR` later gives the same report. --print-policy prints the
// read-only IAM policy the live read needs; --print-commands the AWS CLI
// commands that collect the same folder by hand.
//
// The same snapshot also starts a migration onto the platform
// (docs/migration.md):
//
//	audit --dir SNAPSHOT --emit-stack NAME [--stack-out FILE] [--vpc ID]
//	      [--name PREFIX] [--owner TEAM] [--region R] [--nat perAz|single]
//	      [--protect] [--dns-hostnames] [--private-prefix N] [--isolated-prefix N]
//	      [--stages a,b,c] [--adopt-aurora]
//	audit --dir SNAPSHOT --emit-import FILE [--vpc ID]
//
// --emit-stack writes the migration's import-only first stage
// (migrate.GenerateStack) to --stack-out, by default Pulumi.NAME.yaml in the
// current directory; it names the snapshot folder (--dir, or --save of a
// live read) relative to the project's root, and --stages sets the stages;
// --emit-import writes the `pulumi import --file` document of the VPC's
// legacy security groups (migrate.ImportFile). The report and the exit code
// are the same with or without them.
//
// Exit codes: 0 when the findings at or above --fail-on number at most
// --max-findings, 1 when they exceed it, 2 when the input or the flags are
// unusable or a file cannot be generated or written, 3 when the findings
// are within the limit but some calls were denied or failed, so the audit
// cannot vouch for what it did not see.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/audit/live"
	"github.com/acme/platform/legacy"
	"github.com/acme/platform/migrate"
	"github.com/acme/platform/network"
)

const (
	exitOK       = 0
	exitFindings = 1
	exitBadInput = 2
	// exitIncomplete: within the limit, but some calls were not read.
	exitIncomplete = 3
)

// liveOptions lets tests adjust the live reader's options (retry backoff,
// HTTP client) without new flags.
var liveOptions = func(o live.Options) live.Options { return o }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: tests call it with their own writers and
// check the exit code it returns.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		dir         = fs.String("dir", "", "folder holding "+audit.VPCsFile+", "+audit.SubnetsFile+", "+audit.RouteTablesFile+", "+audit.SecurityGroupsFile+" and "+audit.NetworkInterfacesFile)
		files       audit.Files
		format      = fs.String("format", "markdown", "report format: markdown or json")
		out         = fs.String("out", "", "write the report to this file instead of stdout")
		failOn      = fs.String("fail-on", "medium", "lowest severity that counts against --max-findings: high, medium or low")
		maxFindings = fs.Int("max-findings", 0, "number of counted findings tolerated before exiting 1")
		title       = fs.String("title", "", "report title (default: the --dir folder name)")
	)
	var (
		emitStack   = fs.String("emit-stack", "", "also write the adopt-stage stack file for this stack name (see docs/migration.md)")
		stackOut    = fs.String("stack-out", "", "with --emit-stack: where to write it (default Pulumi.NAME.yaml in the current directory)")
		emitImport  = fs.String("emit-import", "", "also write the pulumi import --file document of the VPC's legacy security groups to this file")
		vpcID       = fs.String("vpc", "", "with --emit-stack or --emit-import: the VPC to adopt (default: the one VPC that runs workloads)")
		name        = fs.String("name", "", "with --emit-stack: platform:name, the resource name prefix (default: the stack name)")
		owner       = fs.String("owner", "", "with --emit-stack: the owner tag (default: the VPC's owner or team tag)")
		region      = fs.String("region", "", "the region to read live (default AWS_REGION); with --dir and --emit-stack: aws:region (default: the region of the subnets' zones)")
		nat         = fs.String("nat", "", "with --emit-stack: NAT for the new private tier, perAz (default) or single")
		protect     = fs.Bool("protect", false, "with --emit-stack: set platform:protect (a production stack)")
		dnsHosts    = fs.Bool("dns-hostnames", false, "with --emit-stack: the VPC has enableDnsHostnames on (describe-vpcs does not show it)")
		privPrefix  = fs.Int("private-prefix", 0, "with --emit-stack: prefix length of the new private subnets (default: from the VPC size)")
		isoPrefix   = fs.Int("isolated-prefix", 0, "with --emit-stack: prefix length of the new isolated subnets (default: from the VPC size)")
		adoptAurora = fs.Bool("adopt-aurora", false, "with --emit-stack: adopt every Aurora cluster of the VPC (an aurora workload with adopt and a proposed schedule over the stages; docs/migration.md, Moving an Aurora cluster)")
		stages      = fs.String("stages", "", "with --emit-stack: the migration's stages in order, comma-separated (default "+strings.Join(migrate.DefaultStages, ",")+")")
		stackFlags  = []string{"stack-out", "name", "owner", "nat", "protect", "dns-hostnames", "private-prefix", "isolated-prefix", "stages", "adopt-aurora"}
		emitterFlag = map[string]bool{"vpc": true}
	)
	for _, f := range stackFlags {
		emitterFlag[f] = true
	}
	var (
		profile       = fs.String("profile", "", "live read: the AWS profile (default AWS_PROFILE)")
		endpointURL   = fs.String("endpoint-url", "", "live read: send every call to this endpoint (default AWS_ENDPOINT_URL)")
		save          = fs.String("save", "", "live read: also write what was read to this folder, for a later --dir run")
		printPolicy   = fs.Bool("print-policy", false, "print the read-only IAM policy the live read needs, and exit")
		printCommands = fs.Bool("print-commands", false, "print the AWS CLI commands that collect a --dir folder by hand, and exit")
	)
	fs.StringVar(&files.VPCs, "vpcs", "", "output of aws ec2 describe-vpcs (overrides the --dir file)")
	fs.StringVar(&files.Subnets, "subnets", "", "output of aws ec2 describe-subnets (overrides the --dir file)")
	fs.StringVar(&files.RouteTables, "route-tables", "", "output of aws ec2 describe-route-tables (overrides the --dir file)")
	fs.StringVar(&files.SecurityGroups, "security-groups", "", "output of aws ec2 describe-security-groups (overrides the --dir file)")
	fs.StringVar(&files.NetworkInterfaces, "network-interfaces", "", "output of aws ec2 describe-network-interfaces (overrides the --dir file)")

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitBadInput
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "audit: "+format+"\n", args...)
		return exitBadInput
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q; input files are given with --dir or the per-file flags", fs.Arg(0))
	}
	if *printPolicy {
		_, err := stdout.Write(audit.Policy())
		return exitCode(err)
	}
	if *printCommands {
		_, err := io.WriteString(stdout, audit.Commands())
		return exitCode(err)
	}
	if *format != "markdown" && *format != "json" {
		return fail("unknown --format %q (want markdown or json)", *format)
	}
	threshold, err := audit.ParseSeverity(*failOn)
	if err != nil || threshold < audit.SeverityLow {
		return fail("unknown --fail-on %q (want high, medium or low)", *failOn)
	}
	if *maxFindings < 0 {
		return fail("--max-findings must be 0 or more, got %d", *maxFindings)
	}
	var misplaced []string
	fs.Visit(func(f *flag.Flag) {
		switch {
		case !emitterFlag[f.Name]:
		case f.Name == "vpc" && (*emitStack != "" || *emitImport != ""):
		case f.Name != "vpc" && *emitStack != "":
		default:
			misplaced = append(misplaced, "--"+f.Name)
		}
	})
	if len(misplaced) > 0 {
		return fail("%s: only with --emit-stack (--vpc also with --emit-import)", strings.Join(misplaced, ", "))
	}

	in := files
	offline := *dir != "" || files != (audit.Files{})
	if offline && (*profile != "" || *endpointURL != "" || *save != "") {
		return fail("--profile, --endpoint-url and --save are for a live read; drop --dir and the per-file flags")
	}
	// The stack file names the snapshot it adopts from: a whole folder.
	snapshotDir := *save
	if offline {
		snapshotDir = *dir
		if files != (audit.Files{}) {
			snapshotDir = ""
		}
	}
	if *emitStack != "" && snapshotDir == "" {
		return fail("--emit-stack: the stack file names the snapshot folder it adopts from; read a whole folder with --dir (no per-file flags), or add --save DIR to the live read")
	}
	if *dir != "" {
		// Per-file flags win so one file of a snapshot can be swapped for a
		// fresher or hand-edited copy without copying the whole folder.
		in = audit.FilesIn(*dir)
		override(&in.VPCs, files.VPCs)
		override(&in.Subnets, files.Subnets)
		override(&in.RouteTables, files.RouteTables)
		override(&in.SecurityGroups, files.SecurityGroups)
		override(&in.NetworkInterfaces, files.NetworkInterfaces)
	}
	var inv *audit.Inventory
	switch {
	case offline && *dir != "" && files == (audit.Files{}):
		// A whole folder: every call's file, and the manifest of a --save.
		inv, err = audit.Load(*dir)
	case offline:
		inv, err = audit.LoadFiles(in)
	case *region == "" && *profile == "" && os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_PROFILE") == "" && os.Getenv("AWS_DEFAULT_REGION") == "":
		return fail("nothing to audit: give --region (and --profile) to read the account live, or --dir, or at least one of --vpcs, --subnets, --route-tables, --security-groups, --network-interfaces")
	default:
		inv, err = readLive(live.Options{Region: *region, Profile: *profile, EndpointURL: *endpointURL, Progress: stderr}, *save)
	}
	if err != nil {
		return fail("%v", err)
	}
	// A live read and its saved folder get the same default title, the
	// region, so their reports are identical.
	if *title == "" && inv.Region != "" {
		*title = inv.Region
	} else if *title == "" && *dir != "" {
		*title = filepath.Base(filepath.Clean(*dir))
	}
	rep := audit.Report{Title: *title, Inventory: inv, Findings: inv.Findings()}

	var body []byte
	if *format == "json" {
		body, err = rep.JSON()
		if err != nil {
			return fail("rendering JSON: %v", err)
		}
	} else {
		body = []byte(rep.Markdown())
	}
	if *out != "" {
		if err := os.WriteFile(*out, body, 0o644); err != nil {
			return fail("writing report: %v", err)
		}
	} else if _, err := stdout.Write(body); err != nil {
		return fail("writing report: %v", err)
	}

	if *emitStack != "" {
		opts := migrate.Options{
			VpcID: *vpcID, StackName: *emitStack, Name: *name, Owner: *owner, Region: *region,
			NAT: network.NATMode(*nat), Protect: *protect, EnableDNSHostnames: *dnsHosts,
			PrivatePrefixLength: *privPrefix, IsolatedPrefixLength: *isoPrefix,
			Snapshot: projectPath(snapshotDir), AdoptAurora: *adoptAurora,
		}
		if *stages != "" {
			opts.Stages = strings.Split(*stages, ",")
		}
		path := *stackOut
		if path == "" {
			path = "Pulumi." + *emitStack + ".yaml"
		}
		b, err := migrate.GenerateStack(inv, opts)
		if err != nil {
			return fail("--emit-stack: %v", err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return fail("--emit-stack: %v", err)
		}
		fmt.Fprintf(stderr, "audit: wrote the import-only first stage %s (stack %s, snapshot %s)\n", path, *emitStack, opts.Snapshot)
	}
	if *emitImport != "" {
		b, err := migrate.ImportFile(inv, *vpcID)
		if err != nil {
			return fail("--emit-import: %v", err)
		}
		if err := os.WriteFile(*emitImport, b, 0o644); err != nil {
			return fail("--emit-import: %v", err)
		}
		fmt.Fprintf(stderr, "audit: wrote the legacy security groups' import file %s (use it in stage 3: pulumi import --file %s)\n", *emitImport, *emitImport)
	}

	counted := rep.Summary().AtLeast(threshold)
	if counted > *maxFindings {
		fmt.Fprintf(stderr, "audit: %d findings at severity %s or above, %d allowed\n", counted, threshold, *maxFindings)
		return exitFindings
	}
	if inv.Incomplete() {
		var missing []string
		for _, r := range inv.NotRead() {
			c, _ := audit.CallFor(r.Service, r.Operation)
			missing = append(missing, fmt.Sprintf("%s (%s)", c.Name(), r.Status))
		}
		fmt.Fprintf(stderr, "audit: incomplete, not read: %s\n", strings.Join(missing, ", "))
		return exitIncomplete
	}
	return exitOK
}

// readLive reads the account and, with save, writes the snapshot first, so
// what is saved is exactly what the report was made from.
func readLive(opts live.Options, save string) (*audit.Inventory, error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	snap, err := live.Read(ctx, liveOptions(opts))
	if err != nil {
		return nil, err
	}
	if save != "" {
		if err := snap.Save(save); err != nil {
			return nil, fmt.Errorf("--save: %w", err)
		}
	}
	return audit.LoadSnapshot(snap)
}

func exitCode(err error) int {
	if err != nil {
		return exitBadInput
	}
	return exitOK
}

func override(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// projectPath writes a snapshot folder the way a stack file names it: from
// the project's root (the nearest folder at or above the working directory
// holding Pulumi.yaml) when it lies inside it, absolute otherwise.
func projectPath(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	cwd, err := os.Getwd()
	if err != nil {
		return abs
	}
	for d := cwd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, legacy.ProjectFile)); err == nil {
			if rel, err := filepath.Rel(d, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
				return filepath.ToSlash(rel)
			}
			return abs
		}
		if filepath.Dir(d) == d {
			return abs
		}
	}
}
