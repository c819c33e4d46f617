// Package review reads a registered resource graph (a *sim.Graph, what the
// real program registered under the offline engine) and produces three
// reports for a reviewer of `pulumi preview`:
//
//   - Compliance (Evaluate): the AWS Security Hub controls the program's
//     resources fall under - AWS Foundational Security Best Practices (FSBP)
//     plus the few CIS/PCI controls the platform is built around - each
//     checked over the graph, with written acceptances from the stack config
//     (`platform:compliance`, ComplianceConfig).
//   - Cost (EstimateCost, NATModeComparison): the monthly fixed cost of the
//     network and access layer, from one price table (prices.go).
//   - Deploy critical path (CriticalPath): how long a first `pulumi up` takes
//     with Pulumi's unlimited parallelism, and the chain of resources that
//     decides it.
//
// Like package policy, review shares no code with the packages that build the
// graph: it reads only resource types, inputs and the dependencies the engine
// recorded, so a mistake in a builder cannot hide itself from its own report.
// Every function is pure and deterministic (same graph, same output), and
// each report has a text renderer for the offline plan and a markdown one for
// a pull-request comment.
package review
