// The ecs kind's config: a Fargate service of one container.

package compute

import (
	"fmt"
	"strings"

	"github.com/acme/platform/internal/problems"
)

// Defaults of the kind, named so that the docs and the code agree.
const (
	DefaultCPU          = 256
	DefaultMemory       = 512
	DefaultDesiredCount = 2
)

// ECSSpec is an ECS service on Fargate in the private subnets (kind: ecs),
// running one container.
type ECSSpec struct {
	Kind Kind `json:"kind"`
	// RuntimeSpec holds the keys every compute kind shares (internetEgress,
	// legacySecurityGroups); they sit beside the kind's own.
	RuntimeSpec
	// Port is the container port; default 8080.
	Port int `json:"port"`
	// Image is the container image, e.g. an ECR repository URI with a tag or digest. Required.
	Image string `json:"image"`
	// CPU is the task's CPU units (1024 = 1 vCPU): 256, 512, 1024, 2048, 4096, 8192 or 16384; default 256.
	CPU int `json:"cpu"`
	// Memory is the task's memory in MiB; it must be a value Fargate accepts for
	// CPU (256: 512, 1024 or 2048; 512: 1024-4096; 1024: 2048-8192; 2048:
	// 4096-16384; 4096: 8192-30720, in steps of 1024; 8192: 16384-61440 in steps
	// of 4096; 16384: 32768-122880 in steps of 8192). Default 512.
	Memory int `json:"memory"`
	// DesiredCount is how many tasks run; default 2 (with scaling: 2 moved
	// into minCount..maxCount), at least 1.
	DesiredCount int `json:"desiredCount"`
	// HealthCheckPath is what an alb's health check requests; default "/".
	HealthCheckPath string `json:"healthCheckPath"`
	// LogRetentionDays keeps the container logs; a CloudWatch retention value, default 30.
	LogRetentionDays int `json:"logRetentionDays"`
	// Scaling, when present, lets Application Auto Scaling move the task
	// count between minCount and maxCount on CPU, memory and requests per
	// target; desiredCount is then only the starting count.
	Scaling *ScalingSpec `json:"scaling,omitempty"`
}

func (s *ECSSpec) defaults(has func(...string) bool) {
	if !has("port") {
		s.Port = DefaultServicePort
	}
	if !has("cpu") {
		s.CPU = DefaultCPU
	}
	if !has("memory") {
		s.Memory = DefaultMemory
	}
	if !has("desiredCount") {
		s.DesiredCount = DefaultDesiredCount
		// With scaling on, the unset count starts inside the range the block
		// sets, rather than failing on a default the stack never wrote.
		if sc := s.Scaling; sc.On() {
			if sc.MinCount != nil && s.DesiredCount < *sc.MinCount {
				s.DesiredCount = *sc.MinCount
			}
			if sc.MaxCount != nil && s.DesiredCount > *sc.MaxCount {
				s.DesiredCount = max(*sc.MaxCount, 1)
			}
		}
	}
	if !has("healthCheckPath") {
		s.HealthCheckPath = DefaultHealthCheckPath
	}
	if !has("logRetentionDays") {
		s.LogRetentionDays = DefaultLogRetentionDays
	}
}

func (s ECSSpec) validate(k string, p *problems.List) {
	checkPort(p, k+".port", s.Port)
	if strings.TrimSpace(s.Image) == "" {
		p.Add(k+".image", "required; set the container image, e.g. <account>.dkr.ecr.<region>.amazonaws.com/api:1.4.2")
	}
	checkFargate(p, k+".cpu", k+".memory", "cpu", fmt.Sprint(s.CPU), s.CPU, s.Memory)
	atLeastOne(p, k+".desiredCount", s.DesiredCount)
	checkHealthPath(p, k+".healthCheckPath", s.HealthCheckPath)
	checkRetention(p, k+".logRetentionDays", s.LogRetentionDays)
}
