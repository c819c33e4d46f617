package live_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/audit/live"
	"github.com/acme/platform/internal/awsseed"
	"github.com/acme/platform/internal/motoserver"
)

// The scale: the live read of an account with 1,000 network
// interfaces and 300 security groups, end to end (every call of the
// table, the snapshot decoded and classified, the findings). The account
// is generated once per test binary, in its own region.
const (
	benchRegion     = "ap-southeast-2"
	benchInterfaces = 1000
	benchGroups     = 300
)

var (
	largeOnce sync.Once
	large     awsseed.Large
)

func BenchmarkLiveReadOf1000InterfacesAnd300Groups(b *testing.B) {
	srv := motoserver.Shared(b)
	motoserver.Env(b)
	largeOnce.Do(func() {
		start := time.Now()
		large = awsseed.BuildLarge(b, srv.URL, benchRegion, benchGroups, benchInterfaces)
		b.Logf("generated %d interfaces (%d of them instances') and %d groups in moto in %s",
			large.Interfaces, large.Instances, len(large.Groups), time.Since(start).Round(time.Millisecond))
	})
	if large.VPC == "" {
		b.Fatal("the large account could not be built")
	}
	// moto answers from memory; AWS answers each call after tens to
	// hundreds of milliseconds. The second run puts 100 ms in front of
	// every call (a proxy that waits, then forwards), which is where
	// reading calls concurrently pays.
	for _, latency := range []time.Duration{0, 100 * time.Millisecond} {
		b.Run("latency="+latency.String(), func(b *testing.B) {
			endpoint := srv.URL
			if latency > 0 {
				proxy := motoserver.NewProxy(b, srv.URL)
				proxy.Intercept = func(motoserver.Request, int) *motoserver.Answer {
					time.Sleep(latency)
					return nil
				}
				endpoint = proxy.URL
			}
			benchRead(b, endpoint)
		})
	}
}

func benchRead(b *testing.B, endpoint string) {
	var progress bytes.Buffer
	readAll := func() *audit.Inventory {
		progress.Reset()
		snap, err := live.Read(context.Background(), live.Options{Region: benchRegion, EndpointURL: endpoint, Progress: &progress})
		if err != nil {
			b.Fatal(err)
		}
		inv, err := audit.LoadSnapshot(snap)
		if err != nil {
			b.Fatal(err)
		}
		_ = inv.Findings()
		return inv
	}
	// moto builds a service's backend for a region on its first call,
	// which takes seconds and is no part of a read of AWS: one read
	// before the clock starts pays for it.
	readAll()
	var inv *audit.Inventory
	for b.Loop() {
		inv = readAll()
	}
	b.Logf("the last read's progress:\n%s", progress.String())
	// What was read is the whole account: moto adds the region's default
	// VPC and a default group per VPC.
	if len(inv.Interfaces) != benchInterfaces || len(inv.SecurityGroups) < benchGroups || len(inv.Instances) != large.Instances || inv.Incomplete() {
		b.Fatalf("read %d interfaces, %d groups, %d instances (incomplete %v); want %d, at least %d, %d",
			len(inv.Interfaces), len(inv.SecurityGroups), len(inv.Instances), inv.Incomplete(), benchInterfaces, benchGroups, large.Instances)
	}
}
