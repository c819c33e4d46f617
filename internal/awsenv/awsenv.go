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
