package legacy

// Traffic is platform:migration.traffic: the site's name answered by
// weighted Route 53 alias records, one for an old load balancer the stack
// imported and one for a load balancer of the stack, with the weights of
// each stage, so that moving users to the new platform - and back - is a
// reviewed change of two numbers.
type Traffic struct {
	// ZoneID is the existing public hosted zone that holds the name.
	// Required.
	ZoneID string `json:"zoneId"`
	// ZoneName is that zone's domain, e.g. example.com: the name must lie in
	// it. Required.
	ZoneName string `json:"zoneName"`
	// Name is the record name users resolve, e.g. www.example.com.
	Name string `json:"name"`
	// Old is the old workload (kind alb, under platform:migration.workloads)
	// that serves the name today.
	Old string `json:"old"`
	// New is the stack's alb workload that takes over.
	New string `json:"new"`
	// Weights are, per stage, the share of answers each record gets
	// (Route 53 weights, 0 to 255 each, a positive sum). A stage not listed
	// keeps the weights of the stage before it; the first stage listed is
	// where the records start.
	Weights map[string]Weights `json:"weights"`
}

// Weights are the two records' weights in one stage.
type Weights struct {
	Old int `json:"old"`
	New int `json:"new"`
}

// MaxWeight is the largest weight Route 53 accepts on a record.
const MaxWeight = 255

// At returns the weights in force at stage index i of stages, and whether
// any stage up to i set them.
func (t Traffic) At(stages []string, i int) (Weights, bool) {
	var w Weights
	found := false
	for j := 0; j <= i && j < len(stages); j++ {
		if x, ok := t.Weights[stages[j]]; ok {
			w, found = x, true
		}
	}
	return w, found
}
