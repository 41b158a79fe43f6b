package ocr

import (
	"fmt"
	"os"
	"syscall"
)

// RestartSingleThreaded re-executes the running program, with the same
// arguments, with OMP_THREAD_LIMIT=1 added to its environment, unless the
// variable is already set (an operator may set another value on purpose).
// It returns nil without doing anything when the variable is set, and an
// error when the program cannot be re-executed; on success it does not
// return. Call it first thing in main or TestMain of a program that uses a
// Pipeline, before any goroutine or output: libgomp, which Tesseract uses,
// reads the variable only when the program is loaded.
func RestartSingleThreaded() error {
	if _, set := os.LookupEnv(threadLimitVar); set {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("ocr: finding the program to restart with %s=1: %w", threadLimitVar, err)
	}
	env := append(os.Environ(), threadLimitVar+"=1")
	if err := syscall.Exec(exe, os.Args, env); err != nil {
		return fmt.Errorf("ocr: restarting %s with %s=1: %w", exe, threadLimitVar, err)
	}
	return nil
}
