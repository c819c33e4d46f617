// The batch kind's config: a Fargate job queue and job definition.

package compute

import (
	"fmt"
	"strings"

	"github.com/acme/platform/internal/problems"
)

// Defaults of the kind, named so that the docs and the code agree.
const (
	DefaultBatchVcpu   = 1.0
	DefaultBatchMemory = 2048
	DefaultMaxVcpus    = 16
)

// BatchSpec is an AWS Batch job on Fargate in the private subnets (kind:
// batch): a compute environment, a job queue and a job definition.
type BatchSpec struct {
	Kind Kind `json:"kind"`
	// RuntimeSpec holds the keys every compute kind shares (internetEgress,
	// legacySecurityGroups); they sit beside the kind's own.
	RuntimeSpec
	// Image is the container image. Required.
	Image string `json:"image"`
	// Vcpu is one job's vCPUs: 0.25, 0.5, 1, 2, 4, 8 or 16; default 1.
	Vcpu float64 `json:"vcpu"`
	// Memory is one job's memory in MiB, a value Fargate accepts for Vcpu (see
	// the ecs memory table; 0.25 vCPU = cpu 256); default 2048.
	Memory int `json:"memory"`
	// MaxVcpus caps the vCPUs of all running jobs together; default 16, at least Vcpu.
	MaxVcpus int `json:"maxVcpus"`
	// Command overrides the image's command.
	Command []string `json:"command,omitempty"`
	// LogRetentionDays keeps the job logs; a CloudWatch retention value, default 30.
	LogRetentionDays int `json:"logRetentionDays"`
	// Schedule, when present, submits a job on a cron or rate expression
	// (EventBridge Scheduler, with retries and a dead-letter queue). Without
	// it nothing in the stack submits the job.
	Schedule *ScheduleSpec `json:"schedule,omitempty"`
}

func (s *BatchSpec) defaults(has func(...string) bool) {
	if !has("vcpu") {
		s.Vcpu = DefaultBatchVcpu
	}
	if !has("memory") {
		s.Memory = DefaultBatchMemory
	}
	if !has("maxVcpus") {
		s.MaxVcpus = DefaultMaxVcpus
	}
	if !has("logRetentionDays") {
		s.LogRetentionDays = DefaultLogRetentionDays
	}
}

func (s BatchSpec) validate(k string, p *problems.List) {
	if strings.TrimSpace(s.Image) == "" {
		p.Add(k+".image", "required; set the container image")
	}
	units, ok := batchVcpuUnits[s.Vcpu]
	if !ok {
		p.Add(k+".vcpu", "%v is not a Fargate vCPU value; use 0.25, 0.5, 1, 2, 4, 8 or 16", s.Vcpu)
	} else {
		checkFargate(p, k+".vcpu", k+".memory", "vcpu", formatVcpu(s.Vcpu), units, s.Memory)
	}
	atLeastOne(p, k+".maxVcpus", s.MaxVcpus)
	if s.MaxVcpus >= 1 && float64(s.MaxVcpus) < s.Vcpu {
		p.Add(k+".maxVcpus", "maxVcpus %d is less than one job's vcpu %v; no job could ever start", s.MaxVcpus, s.Vcpu)
	}
	for i, a := range s.Command {
		if a == "" && len(s.Command) == 1 {
			p.Add(fmt.Sprintf("%s.command[%d]", k, i), "an empty command; leave command out to run the image's own")
		}
	}
	checkRetention(p, k+".logRetentionDays", s.LogRetentionDays)
}
