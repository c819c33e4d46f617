// Package lint holds repository-wide checks (in its tests) that are not about
// one package: rules every file of the program must follow.
package lint
