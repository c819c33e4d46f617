package compute

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/acme/platform/internal/problems"
)

// fargateSize is the memory Fargate accepts for one CPU size: every value
// from min to max in steps of step, or exactly list when list is set.
type fargateSize struct {
	cpu            int
	list           []int
	min, max, step int
}

// fargateSizes is AWS's table of task sizes (CPU units: 1024 = 1 vCPU; memory in MiB).
var fargateSizes = []fargateSize{
	{cpu: 256, list: []int{512, 1024, 2048}},
	{cpu: 512, min: 1024, max: 4096, step: 1024},
	{cpu: 1024, min: 2048, max: 8192, step: 1024},
	{cpu: 2048, min: 4096, max: 16384, step: 1024},
	{cpu: 4096, min: 8192, max: 30720, step: 1024},
	{cpu: 8192, min: 16384, max: 61440, step: 4096},
	{cpu: 16384, min: 32768, max: 122880, step: 8192},
}

func fargateSizeOf(cpu int) (fargateSize, bool) {
	for _, s := range fargateSizes {
		if s.cpu == cpu {
			return s, true
		}
	}
	return fargateSize{}, false
}

func (s fargateSize) accepts(mem int) bool {
	if s.list != nil {
		for _, m := range s.list {
			if m == mem {
				return true
			}
		}
		return false
	}
	return mem >= s.min && mem <= s.max && (mem-s.min)%s.step == 0
}

func (s fargateSize) describe() string {
	if s.list != nil {
		parts := make([]string, len(s.list))
		for i, m := range s.list {
			parts[i] = strconv.Itoa(m)
		}
		return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
	}
	return fmt.Sprintf("%d to %d in steps of %d", s.min, s.max, s.step)
}

// FargateMemoryOK reports whether Fargate runs a task of cpu units with mem MiB.
func FargateMemoryOK(cpu, mem int) bool {
	s, ok := fargateSizeOf(cpu)
	return ok && s.accepts(mem)
}

// batchVcpuUnits maps the vCPU values Batch on Fargate accepts to CPU units.
var batchVcpuUnits = map[float64]int{0.25: 256, 0.5: 512, 1: 1024, 2: 2048, 4: 4096, 8: 8192, 16: 16384}

func formatVcpu(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// checkFargate reports a CPU size Fargate lacks at cpuKey, or a memory size it
// does not pair with that CPU at memKey, naming what the CPU accepts. label
// and shown are how the CPU is spelt in the config ("cpu 256", "vcpu 0.25").
func checkFargate(p *problems.List, cpuKey, memKey, label, shown string, cpu, mem int) {
	s, ok := fargateSizeOf(cpu)
	if !ok {
		p.Add(cpuKey, "%d is not a Fargate cpu value; use 256, 512, 1024, 2048, 4096, 8192 or 16384 (1024 = 1 vCPU)", cpu)
		return
	}
	if !s.accepts(mem) {
		p.Add(memKey, "Fargate does not run %s %s with memory %d; %s %s accepts memory %s (MiB)", label, shown, mem, label, shown, s.describe())
	}
}
