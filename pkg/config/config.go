// Package config reads a service's configuration from the environment. Only
// the services' main packages use it; everything else gets plain values.
package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Env reads variables and remembers the first bad value it met.
type Env struct {
	Lookup func(string) (string, bool)
	err    error
}

// FromOS returns an Env over the process environment.
func FromOS() *Env { return &Env{Lookup: os.LookupEnv} }

// String returns the value of key, or def when unset or empty.
func (e *Env) String(key, def string) string {
	if v, ok := e.Lookup(key); ok && v != "" {
		return v
	}
	return def
}

// List returns the comma-separated values of key, or def.
func (e *Env) List(key string, def []string) []string {
	v := e.String(key, "")
	if v == "" {
		return def
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Int returns the integer value of key, or def.
func (e *Env) Int(key string, def int) int {
	v := e.String(key, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.fail(key, v, "an integer")
		return def
	}
	return n
}

// Duration returns the duration value of key (e.g. "30s"), or def.
func (e *Env) Duration(key string, def time.Duration) time.Duration {
	v := e.String(key, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		e.fail(key, v, "a duration such as 30s")
		return def
	}
	return d
}

func (e *Env) fail(key, value, want string) {
	if e.err == nil {
		e.err = fmt.Errorf("configuration: %s=%q is not %s", key, value, want)
	}
}

// Err returns the first bad value met, if any.
func (e *Env) Err() error { return e.err }
