// Package awsenv holds the account facts resources are written against
// (region, partition, account), resolved once per run and passed down as plain
// values so that planning code never waits on an Output for them.
package awsenv

import "strings"

// Env is the account and region a stack deploys into.
type Env struct {
	Region    string
	AccountID string
	Partition string
}

// PartitionOf returns the ARN partition of a region.
func PartitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// ServiceName is the VPC endpoint service name of an AWS service in the region.
func (e Env) ServiceName(service string) string {
	return "com.amazonaws." + e.Region + "." + service
}

// ServicePrincipal is the IAM service principal, e.g. logs.us-east-1.amazonaws.com.
func (e Env) ServicePrincipal(service string) string {
	return service + ".amazonaws.com"
}

// ARN builds an ARN in this account and region; pass region "" for global services.
func (e Env) ARN(service, region, resource string) string {
	return "arn:" + e.Partition + ":" + service + ":" + region + ":" + e.AccountID + ":" + resource
}

// RootARN is the account's root principal, used in key policies so the account's
// IAM policies keep control of a key.
func (e Env) RootARN() string {
	return "arn:" + e.Partition + ":iam::" + e.AccountID + ":root"
}

// ManagedPolicy is the ARN of an AWS managed policy.
func (e Env) ManagedPolicy(name string) string {
	return "arn:" + e.Partition + ":iam::aws:policy/" + name
}

// KeyAdminStatement lets the account's IAM policies govern a KMS key: without
// it a key policy alone decides, and a mistake there locks the account out.
func (e Env) KeyAdminStatement() map[string]any {
	return map[string]any{
		"Sid": "AccountAdministers", "Effect": "Allow",
		"Principal": map[string]any{"AWS": e.RootARN()},
		"Action":    "kms:*", "Resource": "*",
	}
}

// LogsKeyStatement lets CloudWatch Logs encrypt with a key, for this account's
// log groups only (the encryption context names the group).
func (e Env) LogsKeyStatement() map[string]any {
	return map[string]any{
		"Sid": "LogsEncryptsThisAccountsGroups", "Effect": "Allow",
		"Principal": map[string]any{"Service": "logs." + e.Region + ".amazonaws.com"},
		"Action":    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
		"Resource":  "*",
		"Condition": map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": e.ARN("logs", e.Region, "log-group:*"),
		}},
	}
}

// ZoneIDPrefix is the prefix of a region's availability zone IDs:
// us-east-1 -> use1, ap-southeast-2 -> apse2, us-gov-west-1 -> usgw1. Zone IDs
// (use1-az1) name the same physical zone in every account; zone names
// (us-east-1a) are mapped to physical zones per account. It returns "" for a
// region name it cannot read.
func ZoneIDPrefix(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) < 3 {
		return ""
	}
	out := parts[0]
	if len(parts) == 4 && parts[1] == "gov" {
		out += "g"
		parts = append(parts[:1], parts[2:]...)
	}
	if len(parts) != 3 {
		return ""
	}
	dir, ok := map[string]string{
		"north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
		"northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
	}[parts[1]]
	if !ok {
		return ""
	}
	for _, c := range parts[2] {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return out + dir + parts[2]
}
