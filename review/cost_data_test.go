package review

import (
	"strings"
	"testing"
)

// dataGraph is the clean graph with a backup plan like prod's: a daily rule
// kept 35 days and copied to another region for 35 days, a monthly rule
// kept a year and copied to a backup account's vault in the same region.
func dataGraph() *builder {
	b := cleanGraph()
	b.set("plan", "rules", list(
		obj{"ruleName": "daily", "targetVaultName": "vault", "schedule": "cron(0 5 ? * * *)", "scheduleExpressionTimezone": "Etc/UTC",
			"lifecycle":   obj{"deleteAfter": 35.0},
			"copyActions": list(obj{"destinationVaultArn": "arn:aws:backup:us-west-2:123456789012:backup-vault:dr", "lifecycle": obj{"deleteAfter": 35.0}})},
		obj{"ruleName": "monthly", "targetVaultName": "vault", "schedule": "cron(0 5 1 * ? *)", "scheduleExpressionTimezone": "Etc/UTC",
			"lifecycle":   obj{"deleteAfter": 365.0},
			"copyActions": list(obj{"destinationVaultArn": "arn:aws:backup:us-east-1:444455556666:backup-vault:central", "lifecycle": obj{"deleteAfter": 90.0}})},
	))
	return b
}

func TestEstimateCost_DataProtectionPerGBAndKeys(t *testing.T) {
	e, err := EstimateCost(dataGraph().graph(), "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	d := e.Data
	if d.Keys != 1 || d.KeysMonthly != Dollars(1) {
		t.Errorf("keys %d at %s", d.Keys, d.KeysMonthly)
	}
	pg, ok := d.Line("pg")
	if !ok {
		t.Fatalf("no backup line for the selected cluster pg: %+v", d.Stores)
	}
	// 35 daily + 12 monthly in the vault; 35 daily + 3 monthly (90 days) in
	// copies; only the daily copy leaves the region, 365/12 times a month.
	if pg.Points != 47 || pg.CopyPoints != 38 || pg.CopiesPerMonth < 30.4 || pg.CopiesPerMonth > 30.42 {
		t.Errorf("pg: %+v", pg)
	}
	// 85 points x $0.021 + 30.4167 x $0.02 = $1.785 + $0.608333 = $2.393333
	if want := Dollars(85*0.021 + 365.0/12*0.02); pg.PerGBMonth != want {
		t.Errorf("pg per GB %s (%d), want %s (%d)", pg.PerGBMonth, pg.PerGBMonth, want, want)
	}
	cache, ok := d.Line("cache")
	if !ok || cache.Points != 7 || cache.PerGBMonth != Dollars(7*0.085) {
		t.Errorf("cache: %+v", cache)
	}
	if want := d.KeysMonthly + (pg.PerGBMonth+cache.PerGBMonth+mustLine(t, d, "my").PerGBMonth)*AssumedGBPerStore; d.Monthly != want {
		t.Errorf("monthly %s, want %s", d.Monthly, want)
	}
	text := RenderCost(e)
	for _, w := range []string{"KMS customer-managed keys: 1 x $1.00 = $1.00", "pg (Aurora, AWS Backup): 47 recovery points kept + 38 in copy vaults",
		"At an assumed 100 GB per store", "counted at the store's full size"} {
		if !strings.Contains(text, w) {
			t.Errorf("the cost report lacks %q:\n%s", w, text)
		}
	}
	if md := RenderCostMarkdown(e); !strings.Contains(md, "#### Data protection, monthly") {
		t.Errorf("markdown lacks the data-protection section:\n%s", md)
	}
}

func mustLine(t *testing.T, d *DataCost, store string) StoreBackupCost {
	t.Helper()
	l, ok := d.Line(store)
	if !ok {
		t.Fatalf("no line for %s", store)
	}
	return l
}

// A cluster no selection names has no backup cost line (RDS.26 reports it).
func TestEstimateCost_UnselectedClusterHasNoBackupLine(t *testing.T) {
	b := dataGraph()
	b.remove("sel-my")
	e, err := EstimateCost(b.graph(), "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := e.Data.Line("my"); ok {
		t.Error("an unselected cluster is priced as backed up")
	}
}

// A cache with monthly copies keeps twelve more snapshots than its daily ones.
func TestEstimateCost_CacheCopiesCountTwelveMonthlySnapshots(t *testing.T) {
	b := dataGraph()
	b.set("cache", "replicationGroupId", "prod-cache-3489ee")
	b.add(tSchedule, "cache-copy", "cache-copy", obj{"target": obj{"arn": "arn:aws:states:us-east-1:123456789012:stateMachine:copies", "input": `{"replicationGroupId":"prod-cache-3489ee"}`}})
	e, err := EstimateCost(b.graph(), "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	if c := mustLine(t, e.Data, "cache"); c.Points != 7+12 || c.PerGBMonth != Dollars(19*0.085) {
		t.Errorf("cache with copies: %+v", c)
	}
}
