//go:build faults

// Package faults is the fault injection of the test builds: the services'
// faults.go files, compiled only with -tags faults into bin/faults, wrap a
// dependency to crash at a chosen point for the end-to-end crash tests.
// Production binaries link none of it (e2e
// TestProductionBinariesCarryNoFaultInjection).
package faults

import (
	"fmt"
	"log/slog"
	"os"
	"syscall"
)

// Wrap returns v wrapped by the wrapper that the environment variable names,
// v itself when the variable is unset, and an error when it names none of
// wrappers.
func Wrap[T any](variable string, v T, wrappers map[string]func(T) T) (T, error) {
	name := os.Getenv(variable)
	if name == "" {
		return v, nil
	}
	wrap, ok := wrappers[name]
	if !ok {
		return v, fmt.Errorf("unknown fault %s=%q", variable, name)
	}
	return wrap(v), nil
}

// Kill logs msg and kills the process with SIGKILL, as a crash would: no
// deferred function, shutdown hook or pending commit runs. It never returns.
func Kill(log *slog.Logger, msg string, args ...any) {
	log.Warn("fault injection: "+msg, args...)
	_ = syscall.Kill(syscall.Getpid(), syscall.SIGKILL)
	select {}
}
