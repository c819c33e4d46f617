package compute

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Wiring is what a workload's code is told when it starts, beyond its own
// environment config: where the stores it may reach are (values that come
// from other resources), and references to secrets. A secret value never
// passes through the program: ECS and Batch inject it at start with the
// execution role; Lambda functions and instances get the secret's ARN and
// fetch it with their own role.
type Wiring struct {
	Env     map[string]pulumi.StringInput
	Secrets []SecretRef
}

// SecretRef is an environment value ECS or Batch takes from Secrets Manager.
type SecretRef struct {
	Name      string
	SecretARN pulumi.StringInput
	// JSONKey picks one key of a JSON secret; "" injects the whole string.
	JSONKey string
}

// valueFrom is how ECS and Batch name a secret or one key of it.
func (s SecretRef) valueFrom(arn string) string {
	if s.JSONKey == "" {
		return arn
	}
	return arn + ":" + s.JSONKey + "::"
}

// Names lists every environment name the wiring sets, sorted.
func (w Wiring) Names() []string {
	var out []string
	for n := range w.Env {
		out = append(out, n)
	}
	for _, s := range w.Secrets {
		out = append(out, s.Name)
	}
	sort.Strings(out)
	return out
}

// check rejects wiring a kind cannot deliver, or that collides with the
// workload's own environment (config validation reports the latter with its
// key; this guards components used directly).
func (w Wiring) check(kind Kind, own map[string]string) error {
	if len(w.Secrets) > 0 && !injects(kind) {
		return fmt.Errorf("%s cannot have secrets injected; give it the secret's ARN instead", kind)
	}
	seen := map[string]bool{}
	for _, n := range w.Names() {
		if seen[n] {
			return fmt.Errorf("environment name %s is set twice by the platform", n)
		}
		seen[n] = true
		if _, dup := own[n]; dup {
			return fmt.Errorf("environment name %s is set by both the workload's config and its connections", n)
		}
	}
	return nil
}

// environment resolves the plain environment, the workload's own values and
// the wiring's together, sorted by name.
type envEntry struct{ Name, Value string }

type resolved struct {
	Env     []envEntry
	Secrets []envEntry // Value is the valueFrom
}

// resolve waits for every value of the wiring and for extra, and hands them,
// with the workload's own environment, to render.
func (w Wiring) resolve(own map[string]string, extra []any, render func(r resolved, extra []any) (string, error)) pulumi.StringOutput {
	envNames := sortedKeys(w.Env)
	secrets := append([]SecretRef(nil), w.Secrets...)
	sort.Slice(secrets, func(i, j int) bool { return secrets[i].Name < secrets[j].Name })
	var inputs []any
	for _, n := range envNames {
		inputs = append(inputs, w.Env[n])
	}
	for _, s := range secrets {
		inputs = append(inputs, s.SecretARN)
	}
	inputs = append(inputs, extra...)
	return pulumi.All(inputs...).ApplyT(func(vals []any) (string, error) {
		var r resolved
		for n, v := range own {
			r.Env = append(r.Env, envEntry{n, v})
		}
		for i, n := range envNames {
			r.Env = append(r.Env, envEntry{n, vals[i].(string)})
		}
		for i, s := range secrets {
			r.Secrets = append(r.Secrets, envEntry{s.Name, s.valueFrom(vals[len(envNames)+i].(string))})
		}
		sort.Slice(r.Env, func(i, j int) bool { return r.Env[i].Name < r.Env[j].Name })
		return render(r, vals[len(envNames)+len(secrets):])
	}).(pulumi.StringOutput)
}

// pairs renders entries as ECS and Batch spell them: [{name, value}] or
// [{name, valueFrom}].
func pairs(entries []envEntry, valueKey string) []map[string]string {
	out := make([]map[string]string, len(entries))
	for i, e := range entries {
		out[i] = map[string]string{"name": e.Name, valueKey: e.Value}
	}
	return out
}

// ConfigPath is where an ec2 fleet's settings live in SSM Parameter Store:
// /platform/<stack prefix>/<workload>/. The first level is fixed because SSM
// refuses names that start with aws or ssm, whatever a stack is called.
func ConfigPath(prefix, workload string) string {
	return "/platform/" + prefix + "/" + workload + "/"
}

// envLoader is the first part of an instance's user data when its fleet has
// settings: it writes them from SSM to /etc/platform/env (NAME=value lines,
// readable by root only), where a systemd unit's EnvironmentFile or a
// shell's `set -a; . /etc/platform/env` picks them up. It runs in a subshell
// so its shell options never leak into what follows.
func envLoader(region, path string) string {
	return strings.Join([]string{
		"#!/bin/bash",
		"# platform: this workload's settings, from SSM Parameter Store " + path,
		"(",
		"  set -euo pipefail",
		"  install -d -m 0755 /etc/platform",
		"  umask 077",
		"  aws ssm get-parameters-by-path --region " + region + " --path " + path + " --query 'Parameters[].[Name,Value]' --output text |",
		"    while IFS=$'\\t' read -r name value; do printf '%s=%s\\n' \"${name##*/}\" \"$value\"; done > /etc/platform/env",
		") || echo 'platform: could not load settings from " + path + "' >&2",
		"",
	}, "\n")
}

// UserDataReserve is what the settings loader and its MIME wrapping may add
// to a fleet's own user data; EC2 takes 16 KiB of user data after base64.
const UserDataReserve = 1024

// withEnvLoader runs the loader before the fleet's own user data. With user
// data of its own, the two travel as parts of one MIME multipart document,
// which cloud-init runs in order, each with its own interpreter (a shell
// script, a Python script, cloud-config).
func withEnvLoader(loader, userData string) string {
	if userData == "" {
		return loader
	}
	kind := "text/plain"
	switch {
	case strings.HasPrefix(userData, "#cloud-config"):
		kind = "text/cloud-config"
	case strings.HasPrefix(userData, "#!"):
		kind = "text/x-shellscript"
	}
	const boundary = "==PLATFORM-BOUNDARY=="
	return strings.Join([]string{
		"Content-Type: multipart/mixed; boundary=\"" + boundary + "\"",
		"MIME-Version: 1.0",
		"",
		"--" + boundary,
		"Content-Type: text/x-shellscript; charset=\"us-ascii\"",
		"",
		loader,
		"--" + boundary,
		"Content-Type: " + kind + "; charset=\"us-ascii\"",
		"",
		userData,
		"--" + boundary + "--",
		"",
	}, "\n")
}
