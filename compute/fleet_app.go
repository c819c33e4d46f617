// The ec2 kind's application: the image the instances boot, what they run
// on it, and the artifact they may read.

package compute

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/problems"
)

// ContainerApp is a container image the instances run under a systemd unit
// (Docker from the Amazon Linux 2023 repository): pulled at boot, restarted
// when it exits, its port published on the fleet's port.
type ContainerApp struct {
	// Image is the image to run, e.g. an ECR repository URI with a tag or a
	// digest. Required. An ECR image is pulled with the instance role (read
	// access to that one repository is granted); any other needs internetEgress.
	Image string `json:"image"`
	// Port is the container's port; default the workload's port.
	Port int `json:"port"`
	// Environment sets the container's environment variables (not for secrets).
	Environment map[string]string `json:"environment,omitempty"`
}

// S3Object names an object in S3.
type S3Object struct {
	S3Bucket string `json:"s3Bucket"`
	S3Key    string `json:"s3Key"`
}

// DefaultMinHealthyPercentage keeps every instance serving during an instance
// refresh: new instances start before old ones stop.
const DefaultMinHealthyPercentage = 100

var (
	amiID         = regexp.MustCompile(`^ami-[0-9a-f]{8,17}$`)
	ssmParamName  = regexp.MustCompile(`^/?[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$`)
	ecrImage      = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?/([a-z0-9._/-]+)(:[A-Za-z0-9_.-]+|@sha256:[0-9a-f]{64})?$`)
	bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

// HasOwnApplication reports whether the fleet runs something of its own: an
// image of its own, user data, or a container. Without one, instances boot
// stock Amazon Linux and answer no health check.
func (s EC2Spec) HasOwnApplication() bool {
	return s.AMI != "" || s.AMIParameter != "" || s.UserData != "" || s.Container != nil
}

func (s EC2Spec) validateApp(k string, p *problems.List) {
	switch {
	case s.AMI != "" && s.AMIParameter != "":
		p.Add(k+".amiParameter", "set ami (a pinned image) or amiParameter (resolved at each deploy), not both")
	case s.AMI != "" && !amiID.MatchString(s.AMI):
		p.Add(k+".ami", "%q is not an AMI ID like ami-0abcdef1234567890", s.AMI)
	case s.AMIParameter != "" && (!ssmParamName.MatchString(s.AMIParameter) || len(s.AMIParameter) > 2048):
		p.Add(k+".amiParameter", "%q is not an SSM parameter name like /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", s.AMIParameter)
	}
	if c := s.Container; c != nil {
		if s.UserData != "" {
			p.Add(k+".userData", "container writes the instances' user data (the systemd unit that runs it); drop userData or container")
		}
		if strings.TrimSpace(c.Image) == "" || strings.ContainsAny(c.Image, " \t\n'\"\\$`") {
			p.Add(k+".container.image", "required: an image reference such as <account>.dkr.ecr.<region>.amazonaws.com/web:1.4.2")
		}
		checkPort(p, k+".container.port", c.Port)
		checkEnvironment(p, k+".container.environment", c.Environment)
		for _, n := range sortedKeys(c.Environment) {
			if strings.ContainsAny(c.Environment[n], "\n\r") {
				p.Add(k+".container.environment."+n, "a value cannot span lines (Docker's env file holds one variable a line)")
			}
		}
	}
	if a := s.Artifact; a != nil {
		if !bucketPattern.MatchString(a.S3Bucket) {
			p.Add(k+".artifact.s3Bucket", "%q is not a bucket name", a.S3Bucket)
		}
		if a.S3Key == "" || strings.HasSuffix(a.S3Key, "/") {
			p.Add(k+".artifact.s3Key", "required: the object's key, e.g. web/1.42.0.tar.gz")
		}
	}
	if s.MinHealthyPercentage < 0 || s.MinHealthyPercentage > 100 {
		p.Add(k+".minHealthyPercentage", "must be between 0 and 100, got %d", s.MinHealthyPercentage)
	}
	if n := len(s.userDataScript(false)); n > 16*1024*3/4-UserDataReserve {
		p.Add(k+".container", "the generated user data is %d bytes; EC2 accepts 16 KiB after base64 encoding, and the platform keeps %d bytes for loading the fleet's settings", n, UserDataReserve)
	}
}

// maxHealthyPercentage is the refresh's upper bound: AWS wants it between
// 100 and 200 and at most 100 above the minimum.
func maxHealthyPercentage(minHealthy int) int { return min(200, minHealthy+100) }

// imageID is the AMI the launch template names: the pinned one, or the value
// of an SSM parameter (the platform's default: Amazon Linux 2023 for the
// instance type's architecture) read now, at deploy time. A resolved ID is
// recorded in the template, so a new image is a change the preview shows
// and an instance refresh rolls out, not a silent difference between
// instances launched before and after AWS published it.
func (s EC2Spec) imageID(ctx *pulumi.Context) (string, error) {
	if s.AMI != "" {
		return s.AMI, nil
	}
	name := s.AMIParameter
	if name == "" {
		name = AMIParameter(s.InstanceType)
	}
	p, err := ssm.LookupParameter(ctx, &ssm.LookupParameterArgs{Name: name})
	if err != nil {
		return "", fmt.Errorf("reading the image parameter %s: %w", name, err)
	}
	if !amiID.MatchString(p.Value) {
		return "", fmt.Errorf("the image parameter %s holds %q, not an AMI ID", name, p.Value)
	}
	return p.Value, nil
}

// userDataScript is what the instances run at first boot: the configured
// script, or for a container the systemd unit that runs it.
//
// With settings (the fleet's environment and connections, loaded from SSM to
// /etc/platform/env before this runs) the container gets them too.
func (s EC2Spec) userDataScript(settings bool) string {
	c := s.Container
	if c == nil {
		return s.UserData
	}

	unit := "app"
	envFiles := "--env-file /etc/" + unit + ".env"
	if settings {
		envFiles = "--env-file /etc/platform/env " + envFiles
	}
	var login string
	if m := ecrImage.FindStringSubmatch(c.Image); m != nil {
		registry := strings.SplitN(c.Image, "/", 2)[0]
		login = fmt.Sprintf("ExecStartPre=/bin/sh -c 'aws ecr get-login-password --region %s | docker login --username AWS --password-stdin %s'\n", m[2], registry)
	}
	var env strings.Builder
	names := make([]string, 0, len(c.Environment))
	for n := range c.Environment {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		env.WriteString(n + "=" + c.Environment[n] + "\n")
	}
	return fmt.Sprintf(`#!/bin/bash
# Generated by the platform: runs %[1]s under systemd.
set -euo pipefail
dnf install -y docker
systemctl enable --now docker
install -m 0600 /dev/null /etc/%[2]s.env
cat > /etc/%[2]s.env <<'ENV'
%[3]sENV
cat > /etc/systemd/system/%[2]s.service <<'UNIT'
[Unit]
Description=%[1]s
After=docker.service network-online.target
Requires=docker.service
Wants=network-online.target

[Service]
Restart=always
RestartSec=5
TimeoutStartSec=900
ExecStartPre=-/usr/bin/docker rm -f %[2]s
%[4]sExecStartPre=/usr/bin/docker pull %[1]s
ExecStart=/usr/bin/docker run --rm --name %[2]s %[7]s -p %[5]d:%[6]d %[1]s
ExecStop=/usr/bin/docker stop %[2]s

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now %[2]s.service
`, c.Image, unit, env.String(), login, s.Port, c.Port, envFiles)
}

// artifactGrant lets the instance role read what the fleet runs: the ECR
// repository of its container image, the S3 object it names. One grant, so
// the review sees one reason.
func (s EC2Spec) artifactGrant(env awsenv.Env) []Grant {
	var st []Statement
	if c := s.Container; c != nil {
		if m := ecrImage.FindStringSubmatch(c.Image); m != nil {
			repo := fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s", env.Partition, m[2], m[1], m[4])
			st = append(st,
				// GetAuthorizationToken has no resource-level permissions.
				Statement{Sid: "ECRLogin", Actions: []string{"ecr:GetAuthorizationToken"}, Resources: []pulumi.StringInput{pulumi.String("*")}},
				Statement{Sid: "PullImage", Actions: []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"},
					Resources: []pulumi.StringInput{pulumi.String(repo)}})
		}
	}
	if a := s.Artifact; a != nil {
		st = append(st, Statement{Sid: "ReadArtifact", Actions: []string{"s3:GetObject"},
			Resources: []pulumi.StringInput{pulumi.String(fmt.Sprintf("arn:%s:s3:::%s/%s", env.Partition, a.S3Bucket, a.S3Key))}})
	}
	if len(st) == 0 {
		return nil
	}
	return []Grant{{Key: "artifact", Reason: "read what the fleet runs", Statements: st}}
}

// IsECRImage reports whether an image reference names an ECR repository.
func IsECRImage(image string) bool { return ecrImage.MatchString(image) }
