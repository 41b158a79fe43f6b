package domain

import (
	"fmt"
	"slices"
	"strings"

	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
)

// The roles adjudication's rules name. They are the platform's role names
// (package auth), repeated here so that the rules need no HTTP package.
const (
	RoleHandler = "handler"
	// RoleSenior may mark a case complex and approve a decision above
	// another person's authority limit (four-eyes).
	RoleSenior = "senior_handler"
)

// Actor is the signed-in person acting on a case: Subject is who (recorded in
// the audit), Roles what they may do.
type Actor struct {
	Subject string
	Roles   []string
}

// Has reports whether the actor holds role.
func (a Actor) Has(role string) bool { return slices.Contains(a.Roles, role) }

// Senior reports whether the actor holds the senior handler role.
func (a Actor) Senior() bool { return a.Has(RoleSenior) }

// system reports whether the actor is the platform itself (System): a
// "system:" subject without roles. A signed-in person always has a role,
// so a person whose subject merely starts with "system:" is a person.
func (a Actor) system() bool { return strings.HasPrefix(a.Subject, "system:") && len(a.Roles) == 0 }

// System is the actor of changes no person made, such as a case opened from
// intake's claim request event.
func System(name string) Actor { return Actor{Subject: "system:" + name} }

// Unlimited is the authority limit of a role that may approve any amount the
// platform pays.
const Unlimited int64 = -1

// Authority holds the authority limits (核赔权限) per role: the largest total
// amount, in fen, that a person holding the role may approve alone. A decision
// above the decider's limit takes effect only once a second person of a senior
// role approves it (four-eyes). A role without a limit may approve nothing
// alone; rejections (0 fen) are within everyone's authority.
type Authority struct {
	limits map[string]int64
}

// NewAuthority checks limits (role to fen, or Unlimited) and returns the
// authority. The senior role must have a limit, or no decision above a
// handler's limit could ever be approved.
func NewAuthority(limits map[string]int64) (Authority, error) {
	out := make(map[string]int64, len(limits))
	for role, limit := range limits {
		if role == "" {
			return Authority{}, fmt.Errorf("authority limits: a role name is empty")
		}
		if limit < 0 && limit != Unlimited {
			return Authority{}, fmt.Errorf("authority limits: %s has %d fen; want 0 or more, or unlimited", role, limit)
		}
		out[role] = limit
	}
	if l, ok := out[RoleSenior]; !ok || l == 0 {
		return Authority{}, fmt.Errorf("authority limits: %s needs a limit above 0 to approve decisions above a handler's limit", RoleSenior)
	}
	return Authority{limits: out}, nil
}

// LimitOf returns the highest limit among the actor's roles: Unlimited, or
// fen (0 when no role has a limit).
func (a Authority) LimitOf(actor Actor) int64 {
	best := int64(0)
	for _, r := range actor.Roles {
		l, ok := a.limits[r]
		switch {
		case !ok:
		case l == Unlimited:
			return Unlimited
		case l > best:
			best = l
		}
	}
	return best
}

// Covers reports whether the actor may approve amountFen alone.
func (a Authority) Covers(actor Actor, amountFen int64) bool {
	l := a.LimitOf(actor)
	return l == Unlimited || amountFen <= l
}

// requireSenior refuses an actor without the senior role, saying what for.
func requireSenior(actor Actor, what string) error {
	if !actor.Senior() {
		return apperr.New(apperr.Forbidden, "%s needs the %s role", what, RoleSenior)
	}
	return nil
}

// samePerson reports whether two subjects name the same person for the
// segregation of duties, compared as payout compares them
// (auth.SameSubject): a second account differing by case, width, spacing
// or an invisible character is no second pair of eyes.
func samePerson(a, b string) bool { return auth.SameSubject(a, b) }
