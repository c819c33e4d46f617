// Command audit reviews an existing AWS network from saved describe-* JSON
// and fails when it finds more problems than allowed, so it can gate a
// migration in CI.
//
// Usage:
//
//	audit --dir SNAPSHOT [--format markdown|json] [--out FILE]
//	      [--fail-on high|medium|low] [--max-findings N]
//	audit --vpcs F --subnets F --route-tables F --security-groups F --network-interfaces F ...
//
// The same snapshot also starts a migration onto the platform
// (docs/migration.md):
//
//	audit --dir SNAPSHOT --emit-stack NAME [--stack-out FILE] [--vpc ID]
//	      [--name PREFIX] [--owner TEAM] [--region R] [--nat perAz|single]
//	      [--protect] [--dns-hostnames] [--private-prefix N] [--isolated-prefix N]
//	audit --dir SNAPSHOT --emit-import FILE [--vpc ID]
//
// --emit-stack writes the adopt-stage stack file (migrate.GenerateStack) to
// --stack-out, by default Pulumi.NAME.yaml in the current directory;
// --emit-import writes the `pulumi import --file` document of the VPC's
// legacy security groups (migrate.ImportFile). The report and the exit code
// are the same with or without them.
//
// Exit codes: 0 when the findings at or above --fail-on number at most
// --max-findings, 1 when they exceed it, 2 when the input or the flags are
// unusable or a file cannot be generated or written.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/migrate"
	"github.com/acme/platform/network"
)

const (
	exitOK       = 0
	exitFindings = 1
	exitBadInput = 2
)

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
		region      = fs.String("region", "", "with --emit-stack: aws:region (default: the region of the subnets' zones)")
		nat         = fs.String("nat", "", "with --emit-stack: NAT for the new private tier, perAz (default) or single")
		protect     = fs.Bool("protect", false, "with --emit-stack: set platform:protect (a production stack)")
		dnsHosts    = fs.Bool("dns-hostnames", false, "with --emit-stack: the VPC has enableDnsHostnames on (describe-vpcs does not show it)")
		privPrefix  = fs.Int("private-prefix", 0, "with --emit-stack: prefix length of the new private subnets (default: from the VPC size)")
		isoPrefix   = fs.Int("isolated-prefix", 0, "with --emit-stack: prefix length of the new isolated subnets (default: from the VPC size)")
		stackFlags  = []string{"stack-out", "name", "owner", "region", "nat", "protect", "dns-hostnames", "private-prefix", "isolated-prefix"}
		emitterFlag = map[string]bool{"vpc": true}
	)
	for _, f := range stackFlags {
		emitterFlag[f] = true
	}
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
	if *dir != "" {
		// Per-file flags win so one file of a snapshot can be swapped for a
		// fresher or hand-edited copy without copying the whole folder.
		in = audit.FilesIn(*dir)
		override(&in.VPCs, files.VPCs)
		override(&in.Subnets, files.Subnets)
		override(&in.RouteTables, files.RouteTables)
		override(&in.SecurityGroups, files.SecurityGroups)
		override(&in.NetworkInterfaces, files.NetworkInterfaces)
		if *title == "" {
			*title = filepath.Base(filepath.Clean(*dir))
		}
	}
	if in == (audit.Files{}) {
		return fail("nothing to audit: give --dir or at least one of --vpcs, --subnets, --route-tables, --security-groups, --network-interfaces")
	}

	inv, err := audit.LoadFiles(in)
	if err != nil {
		return fail("%v", err)
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
		fmt.Fprintf(stderr, "audit: wrote the adopt-stage stack file %s (stack %s)\n", path, *emitStack)
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
	return exitOK
}

func override(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}
