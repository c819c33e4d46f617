package review

import "github.com/acme/platform/internal/sim"

// Resource types of the data-protection controls (pulumi-aws v6).
const (
	tBackupVault     = "aws:backup/vault:Vault"
	tBackupPlan      = "aws:backup/plan:Plan"
	tBackupSelection = "aws:backup/selection:Selection"
	tSchedule        = "aws:scheduler/schedule:Schedule"
	tStateMachine    = "aws:sfn/stateMachine:StateMachine"
)

// Standards of the data-protection controls that are not in FSBP.
const (
	// StandardNIST marks RDS.26: NIST SP 800-53 r5 only.
	StandardNIST = "NIST SP 800-53 r5"
	// StandardCISNISTPCI marks KMS.4: CIS AWS Foundations, NIST SP 800-53 r5 and PCI DSS.
	StandardCISNISTPCI = "CIS AWS Foundations v3.0.0, NIST SP 800-53 r5, PCI DSS v4.0.1"
)

// selectedBy returns the backup selections that name r in their resources.
func selectedBy(v *view, r sim.Resource) []sim.Resource {
	var out []sim.Resource
	for _, s := range v.of(tBackupSelection) {
		if v.refersTo(s, "resources", r) {
			out = append(out, s)
		}
	}
	return out
}

// planWithRules reports whether a selection's plan exists in the graph and
// has at least one rule: a selection in a plan that never runs protects nothing.
func planWithRules(v *view, sel sim.Resource) bool {
	for _, p := range v.refs(sel, "planId", tBackupPlan) {
		if len(sim.Lookup(p.Inputs, "rules[]")) > 0 {
			return true
		}
	}
	return false
}

// checkRecoveryPointEncryption (Backup.1): a recovery point of a resource AWS
// Backup fully manages takes the vault's key; an Aurora recovery point is a
// cluster snapshot and keeps the cluster's key. Both must be set.
func checkRecoveryPointEncryption(v *view) (o outcome) {
	for _, vault := range v.of(tBackupVault) {
		o.eval(1)
		if str(vault.Inputs, "kmsKeyArn") == "" && len(vault.PropertyDependencies["kmsKeyArn"]) == 0 {
			o.fail(vault, "kmsKeyArn is not set: recovery points are encrypted with the AWS-managed aws/backup key, which another account cannot be given")
		}
	}
	for _, c := range v.of(tRDSCluster) {
		if len(selectedBy(v, c)) == 0 {
			continue
		}
		o.eval(1)
		if !isTrue(c.Inputs, "storageEncrypted") {
			o.fail(c, "is in a backup plan but not encrypted, so neither are its recovery points")
		}
	}
	return o
}

// checkClusterBackupPlan (RDS.26): AWS Backup selects an Aurora cluster as a
// whole, so the cluster is what must be in a plan.
func checkClusterBackupPlan(v *view) (o outcome) {
	for _, c := range v.of(tRDSCluster) {
		o.eval(1)
		sels := selectedBy(v, c)
		covered := false
		for _, s := range sels {
			if planWithRules(v, s) {
				covered = true
			}
		}
		switch {
		case len(sels) == 0:
			o.fail(c, "no backup.Selection names it; AWS Backup never copies it (platform:dataProtection.backup)")
		case !covered:
			o.fail(c, "its backup selection belongs to no plan with a rule")
		}
	}
	return o
}

// checkKeyRotation (KMS.4): every symmetric customer-managed key rotates.
func checkKeyRotation(v *view) (o outcome) {
	for _, k := range v.of(tKMSKey) {
		if spec := str(k.Inputs, "customerMasterKeySpec"); spec != "" && spec != "SYMMETRIC_DEFAULT" {
			continue // rotation exists for symmetric keys only
		}
		o.eval(1)
		if !isTrue(k.Inputs, "enableKeyRotation") {
			o.fail(k, "enableKeyRotation is not true")
		}
	}
	return o
}

// checkStateMachineLogging (StepFunctions.1): every state machine logs, at a
// level other than OFF, to a log group.
func checkStateMachineLogging(v *view) (o outcome) {
	for _, sm := range v.of(tStateMachine) {
		o.eval(1)
		level := str(sm.Inputs, "loggingConfiguration.level")
		switch {
		case level == "" || level == "OFF":
			o.fail(sm, "loggingConfiguration.level is %s", valueText(val(sm.Inputs, "loggingConfiguration.level")))
		case str(sm.Inputs, "loggingConfiguration.logDestination") == "" && len(sm.PropertyDependencies["loggingConfiguration"]) == 0:
			o.fail(sm, "loggingConfiguration has no logDestination")
		}
	}
	return o
}
