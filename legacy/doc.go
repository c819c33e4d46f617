// Package legacy is what an account had before the platform: the resources a
// migration takes over as they are, keeps beside the new ones while traffic
// moves, and removes at the end, each step a stack file.
//
// The stack value platform:migration (Config) names the audit snapshot the
// migration adopts from, the stages in order and the one a stack file is, and
// the old resources the stack imports: the VPC's route tables, its security
// groups and its workloads. Every import takes its inputs from the snapshot,
// so that `pulumi up` imports the resource exactly as AWS has it (Pulumi
// refuses an import whose inputs differ), and every imported resource is
// protected until a stage lifts it on its own, before the stage that removes
// it.
//
// Account registers those imports under one component, platform:legacy:Account.
// The data stores are adopted by their workloads (compute's aurora and cache
// kinds), which read the same snapshot.
package legacy
