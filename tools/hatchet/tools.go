//go:build tools

// Package tools pins the Hatchet engine this project tests against. `go install MODULE@VERSION` cannot be used for
// it here: the module proxy refuses Hatchet's version list, which `go install` reads to check for deprecation, while
// it serves the pinned version itself. Building from this module (go.mod + go.sum) pins it just as firmly.
package tools

import (
	_ "github.com/hatchet-dev/hatchet/cmd/hatchet-admin"
	_ "github.com/hatchet-dev/hatchet/cmd/hatchet-lite"
	_ "github.com/hatchet-dev/hatchet/cmd/hatchet-migrate"
)
