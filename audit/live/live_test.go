package live_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/audit/live"
	"github.com/acme/platform/internal/awsseed"
	"github.com/acme/platform/internal/motoserver"
)

func TestMain(m *testing.M) {
	code := m.Run()
	motoserver.Cleanup()
	os.Exit(code)
}

// The seed account is built once, in its own region, and read by every
// test that needs it through a recording proxy.
var (
	seedOnce sync.Once
	theSeed  awsseed.Seed
)

const seedRegion = "eu-west-1"

func seedAccount(t *testing.T) (awsseed.Seed, *motoserver.Server) {
	t.Helper()
	srv := motoserver.Shared(t)
	motoserver.Env(t)
	seedOnce.Do(func() { theSeed = awsseed.Build(t, srv.URL, seedRegion) })
	if theSeed.VPC == "" {
		t.Fatal("the seed account could not be built (see the first test's failure)")
	}
	return theSeed, srv
}

// The plain read of the seed account, with its progress lines, made once
// and shared by the tests that look only at what it gives.
var (
	plainOnce     sync.Once
	plainSnap     *audit.Snapshot
	plainProgress bytes.Buffer
)

func plainRead(t *testing.T) (*audit.Snapshot, string, awsseed.Seed) {
	t.Helper()
	s, srv := seedAccount(t)
	plainOnce.Do(func() { plainSnap = read(t, srv.URL, seedRegion, &plainProgress) })
	if plainSnap == nil {
		t.Fatal("the seed account could not be read (see the first test's failure)")
	}
	return plainSnap, plainProgress.String(), s
}

func read(t *testing.T, endpoint, region string, progress *bytes.Buffer) *audit.Snapshot {
	t.Helper()
	opts := live.Options{Region: region, EndpointURL: endpoint, MaxBackoff: 20 * time.Millisecond}
	if progress != nil {
		opts.Progress = progress
	}
	snap, err := live.Read(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func readWith(t *testing.T, endpoint string, progress *strings.Builder) *audit.Snapshot {
	t.Helper()
	snap, err := live.Read(context.Background(), live.Options{Region: seedRegion, EndpointURL: endpoint, MaxBackoff: 20 * time.Millisecond, Progress: progress})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func reportJSON(t *testing.T, inv *audit.Inventory) []byte {
	t.Helper()
	b, err := audit.Report{Title: "seed", Inventory: inv, Findings: inv.Findings()}.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLiveReadAndItsSavedSnapshotGiveTheSameReport(t *testing.T) {
	snap, progress, _ := plainRead(t)
	liveInv, err := audit.LoadSnapshot(snap)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := snap.Save(dir); err != nil {
		t.Fatal(err)
	}
	offInv, err := audit.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	liveJSON, offJSON := reportJSON(t, liveInv), reportJSON(t, offInv)
	if !bytes.Equal(liveJSON, offJSON) {
		t.Fatalf("the offline report of the saved snapshot differs from the live one")
	}
	if liveInv.Incomplete() || len(liveInv.NotRead()) != 0 {
		t.Errorf("moto answers every call, yet not read: %+v", liveInv.NotRead())
	}
	for _, c := range audit.Calls {
		if c.File == "" || strings.HasSuffix(c.File, "/") {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, c.File)); err != nil {
			t.Errorf("--save wrote no %s: %v", c.File, err)
		}
	}
	for _, svc := range []string{"ec2", "elbv2", "rds", "elasticache", "lambda", "ecs", "batch", "autoscaling"} {
		if !strings.Contains(progress, "audit: "+svc+": ") {
			t.Errorf("no progress line for %s in:\n%s", svc, progress)
		}
	}
}

// The saved files are what the AWS CLI prints: its top-level keys and the
// API's member names (PascalCase, or lowerCamelCase for ECS and Batch).
func TestSavedFilesHaveTheCLIShape(t *testing.T) {
	snap, _, _ := plainRead(t)
	for file, want := range map[string][]string{
		"vpcs.json":                                       {`"Vpcs": [`, `"VpcId": "vpc-`, `"CidrBlock": "10.0.0.0/16"`},
		"security-groups.json":                            {`"SecurityGroups": [`, `"IpPermissions": [`, `"UserIdGroupPairs"`},
		"instances.json":                                  {`"Reservations": [`, `"Instances": [`, `"MetadataOptions"`, `"HttpTokens": "optional"`},
		"rds-db-instances.json":                           {`"DBInstances": [`, `"PubliclyAccessible": true`, `"DBInstanceIdentifier": "prod-aurora-a"`},
		"ecs-services.json":                               {`"services": [`, `"networkConfiguration"`, `"awsvpcConfiguration"`, `"assignPublicIp": "ENABLED"`},
		"batch-compute-environments.json":                 {`"computeEnvironments": [`, `"computeResources"`, `"securityGroupIds"`},
		"lambda-functions.json":                           {`"Functions": [`, `"VpcConfig"`, `"SecurityGroupIds"`},
		"rds-db-cluster-parameter-groups.json":            {`"DBClusterParameterGroups": [`, `"DBParameterGroupFamily": "aurora-postgresql15"`},
		"rds-db-cluster-parameters/prod-aurora-pg15.json": {`"Parameters": [`, `"ParameterName": "rds.force_ssl"`, `"ParameterValue": "0"`},
	} {
		got := string(snap.Files[file])
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s lacks %s", file, w)
			}
		}
	}
}

// Every request the live read sends is an operation of the published
// policy, and every operation of the policy is one the read uses. The
// proxy sees the requests on the wire, independently of the reader's own
// guard.
func TestThePolicyCoversEveryCallTheReadMakes(t *testing.T) {
	_, srv := seedAccount(t)
	proxy := motoserver.NewProxy(t, srv.URL)
	read(t, proxy.URL, seedRegion, nil)
	policy := string(audit.Policy())
	seen := map[string]bool{}
	calls := proxy.Calls()
	if len(calls) == 0 {
		t.Fatal("the proxy saw no call")
	}
	for _, c := range calls {
		call, ok := audit.CallFor(c.Service, c.Operation)
		if !ok {
			t.Errorf("the read sent %s %s, which is not in audit.Calls", c.Service, c.Operation)
			continue
		}
		if !strings.Contains(policy, `"`+call.Action()+`"`) {
			t.Errorf("the policy lacks %s", call.Action())
		}
		seen[call.Action()] = true
	}
	for _, a := range audit.Actions() {
		// The seed runs no ECS task (moto cannot), so DescribeTasks has
		// nothing to describe.
		if !seen[a] && a != "ecs:DescribeTasks" {
			t.Errorf("the policy grants %s but the read never used it", a)
		}
	}
}

func TestThePolicyIsReadOnly(t *testing.T) {
	for _, a := range audit.Actions() {
		op := a[strings.Index(a, ":")+1:]
		if !slices.ContainsFunc([]string{"Describe", "List", "Get"}, func(p string) bool { return strings.HasPrefix(op, p) }) {
			t.Errorf("%s is not a read", a)
		}
	}
}

// The read runs its calls concurrently, never more at once than
// Options.Concurrency: a proxy that holds every call for a moment counts
// how many it holds at the same time.
func TestTheReadKeepsAtMostConcurrencyCallsInFlight(t *testing.T) {
	_, srv := seedAccount(t)
	for _, bound := range []int{1, 3} {
		t.Run(fmt.Sprintf("concurrency %d", bound), func(t *testing.T) {
			proxy := motoserver.NewProxy(t, srv.URL)
			var mu sync.Mutex
			inFlight, most := 0, 0
			proxy.Intercept = func(motoserver.Request, int) *motoserver.Answer {
				mu.Lock()
				inFlight++
				most = max(most, inFlight)
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
				mu.Lock()
				inFlight--
				mu.Unlock()
				return nil
			}
			snap, err := live.Read(context.Background(), live.Options{Region: seedRegion, EndpointURL: proxy.URL, Concurrency: bound})
			if err != nil {
				t.Fatal(err)
			}
			if inv, err := audit.LoadSnapshot(snap); err != nil || inv.Incomplete() {
				t.Fatalf("the bounded read should still read everything: %v", err)
			}
			if most > bound {
				t.Errorf("%d calls were in flight at once, bound %d", most, bound)
			}
			if bound > 1 && most < 2 {
				t.Errorf("the calls ran one at a time (bound %d)", bound)
			}
		})
	}
}
