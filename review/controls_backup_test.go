package review

import (
	"strings"
	"testing"
)

func TestBackupControls_Specifics(t *testing.T) {
	check := func(b *builder, id string) Result {
		t.Helper()
		return result(t, Evaluate(b.graph(), ComplianceConfig{}), id)
	}
	// A selected cluster that is not encrypted fails Backup.1 on the cluster.
	b := cleanGraph()
	b.set("pg", "storageEncrypted", false)
	if r := check(b, "Backup.1"); r.Status != StatusFail || len(r.Findings) != 1 || r.Findings[0].Resource != "pg" {
		t.Errorf("Backup.1 with an unencrypted selected cluster: %+v", r)
	}
	// Vaults and selected clusters are what Backup.1 counts.
	if r := check(cleanGraph(), "Backup.1"); r.Status != StatusPass || r.Checked != 3 {
		t.Errorf("Backup.1 on the clean graph: %s, checked %d (want the vault and 2 clusters)", r.Status, r.Checked)
	}
	// A selection whose plan has no rule protects nothing.
	b = cleanGraph()
	b.set("plan", "rules", list())
	if r := check(b, "RDS.26"); r.Status != StatusFail || len(r.Findings) != 2 || !strings.Contains(r.Findings[0].Detail, "no plan with a rule") {
		t.Errorf("RDS.26 with an empty plan: %+v", r)
	}
	// An asymmetric key cannot rotate and is not judged.
	b = cleanGraph()
	b.set("data-key", "customerMasterKeySpec", "RSA_2048").set("data-key", "enableKeyRotation", false)
	if r := check(b, "KMS.4"); r.Status != StatusNotApplicable {
		t.Errorf("KMS.4 on an asymmetric key: %s", r.Status)
	}
	// A key that says nothing about rotation does not rotate.
	b = cleanGraph()
	b.del("data-key", "enableKeyRotation")
	if r := check(b, "KMS.4"); r.Status != StatusFail {
		t.Errorf("KMS.4 without enableKeyRotation: %s", r.Status)
	}
}
