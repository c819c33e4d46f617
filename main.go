// Command platform is the Pulumi program: it loads the stack's typed config,
// builds the private-by-default platform and exports its outputs. Everything
// else lives in packages that tests and the offline tools import.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/stack"
)

func main() {
	pulumi.Run(stack.Program(stack.Options{ConfigKeys: stack.EnvConfigKeys()}))
}
