package stack_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/acme/platform/internal/sim"
)

// rawWorkloads reads platform:workloads from the stack file as written.
func rawWorkloads(t *testing.T, stackName string) map[string]map[string]any {
	t.Helper()
	var w map[string]map[string]any
	if err := json.Unmarshal([]byte(run(t, stackName).File.Values["platform:workloads"]), &w); err != nil {
		t.Fatal(err)
	}
	return w
}

func num(v any, def float64) float64 {
	if f, ok := v.(float64); ok {
		return f
	}
	return def
}

func scalingPoliciesOf(g *sim.Graph, typ, field string, value any) []sim.Resource {
	var out []sim.Resource
	for _, p := range g.OfType(typ) {
		if p.Inputs[field] == value {
			out = append(out, p)
		}
	}
	return out
}

func TestScaling_EachScalableWorkloadHasItsPoliciesOnItsOwnResourceWithItsRange(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			g := run(t, s.name).Graph
			raw := rawWorkloads(t, s.name)
			checked := 0
			for name, w := range raw {
				sc, _ := w["scaling"].(map[string]any)
				switch w["kind"] {
				case "ec2":
					minSize, maxSize := num(w["minSize"], 2), num(w["maxSize"], 2*num(w["minSize"], 2))
					if maxSize <= minSize {
						continue
					}
					checked++
					asg := mustNamed(t, g, "aws:autoscaling/group:Group", s.name+"-"+name)
					if asg.Inputs["minSize"] != minSize || asg.Inputs["maxSize"] != maxSize || fmt.Sprint(asg.IgnoreChanges) != "[desiredCapacity]" {
						t.Errorf("%s: group %v..%v, ignore %v", name, asg.Inputs["minSize"], asg.Inputs["maxSize"], asg.IgnoreChanges)
					}
					ps := scalingPoliciesOf(g, "aws:autoscaling/policy:Policy", "autoscalingGroupName", asg.Outputs["name"])
					metrics := map[string]string{}
					for _, p := range ps {
						spec := lookup(p.Inputs, "targetTrackingConfiguration", "predefinedMetricSpecification").(map[string]any)
						metrics[fmt.Sprint(spec["predefinedMetricType"])] = fmt.Sprint(spec["resourceLabel"])
					}
					if _, ok := metrics["ASGAverageCPUUtilization"]; !ok {
						t.Errorf("%s: no CPU policy on its group: %v", name, metrics)
					}
					lb := mustNamed(t, g, "aws:lb/loadBalancer:LoadBalancer", s.name+"-edge")
					tg := mustNamed(t, g, "aws:lb/targetGroup:TargetGroup", s.name+"-edge-"+name)
					if want := fmt.Sprint(lb.Outputs["arnSuffix"], "/", tg.Outputs["arnSuffix"]); metrics["ALBRequestCountPerTarget"] != want {
						t.Errorf("%s: request policy label %q, want %q", name, metrics["ALBRequestCountPerTarget"], want)
					}
				case "ecs", "aurora":
					if sc == nil {
						continue
					}
					checked++
					var resourceID string
					var wantMin float64
					if w["kind"] == "ecs" {
						svc := mustNamed(t, g, "aws:ecs/service:Service", s.name+"-"+name)
						cluster := mustNamed(t, g, "aws:ecs/cluster:Cluster", s.name+"-ecs")
						resourceID = fmt.Sprint("service/", cluster.Outputs["name"], "/", svc.Outputs["name"])
						wantMin = num(sc["minCount"], num(w["desiredCount"], 2))
						if fmt.Sprint(svc.IgnoreChanges) != "[desiredCount]" {
							t.Errorf("%s: the service's desiredCount would fight the scaler: ignore %v", name, svc.IgnoreChanges)
						}
					} else {
						db := mustNamed(t, g, "aws:rds/cluster:Cluster", s.name+"-"+name)
						resourceID = "cluster:" + db.ID
						wantMin = num(sc["minCount"], num(w["instances"], 2)-1)
					}
					targets := scalingPoliciesOf(g, "aws:appautoscaling/target:Target", "resourceId", resourceID)
					if len(targets) != 1 {
						t.Errorf("%s: %d scalable targets on %s", name, len(targets), resourceID)
						continue
					}
					if targets[0].Inputs["minCapacity"] != wantMin || targets[0].Inputs["maxCapacity"] != num(sc["maxCount"], -1) {
						t.Errorf("%s: range %v..%v, want %v..%v", name, targets[0].Inputs["minCapacity"], targets[0].Inputs["maxCapacity"], wantMin, sc["maxCount"])
					}
					ps := scalingPoliciesOf(g, "aws:appautoscaling/policy:Policy", "resourceId", resourceID)
					if len(ps) == 0 {
						t.Errorf("%s: no policy on %s", name, resourceID)
					}
					for _, p := range ps {
						if p.Inputs["scalableDimension"] != targets[0].Inputs["scalableDimension"] || !strings.HasPrefix(p.Name, s.name+"-"+name+"-") {
							t.Errorf("%s: policy %s on %v", name, p.Name, p.Inputs["scalableDimension"])
						}
					}
				}
			}
			if checked < 2 {
				t.Fatalf("only %d scalable workloads in %s; the stack files declare more", checked, s.name)
			}
		})
	}
}
