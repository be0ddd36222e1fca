package tide

import (
	"context"
	"slices"
	"strings"
)

// Role is what a person may do in Tide. A person may hold several.
type Role string

// The roles of the design. Each is scoped to a region prefix; admin and analyst
// may be scoped to the root (the empty prefix).
const (
	RoleAdmin      Role = "admin"
	RoleAnalyst    Role = "analyst"
	RoleCounty     Role = "county_officer"
	RoleRegistrar  Role = "registrar"
	RoleSeller     Role = "seller"
	RoleClinic     Role = "clinic"
	RoleSpecialist Role = "specialist"
	RoleSchool     Role = "school"
	RolePublic     Role = "public"
)

// Roles lists every role in the order pages show them.
var Roles = []Role{RoleAdmin, RoleAnalyst, RoleCounty, RoleRegistrar, RoleSeller,
	RoleClinic, RoleSpecialist, RoleSchool, RolePublic}

// ValidRole reports whether r is one of Roles.
func ValidRole(r Role) bool { return slices.Contains(Roles, r) }

// Actor is the person (or integration) on whose behalf a request runs.
type Actor struct {
	UserID int64
	Name   string
	Roles  []Role
	// Scope is a region code prefix; "" is the root and sees everything.
	Scope string
	// MustChangePassword is set while a one-time password is in use.
	MustChangePassword bool
}

// System is the actor for work the program does by itself (migrations, demo).
var System = &Actor{Name: "system", Roles: []Role{RoleAdmin}}

// Has reports whether the actor holds role r.
func (a *Actor) Has(r Role) bool { return a != nil && slices.Contains(a.Roles, r) }

// HasAny reports whether the actor holds any of roles.
func (a *Actor) HasAny(roles ...Role) bool {
	for _, r := range roles {
		if a.Has(r) {
			return true
		}
	}
	return false
}

// Sees reports whether a record in region code lies inside the actor's scope.
func (a *Actor) Sees(code string) bool {
	return a != nil && strings.HasPrefix(code, a.Scope)
}

type actorKey struct{}

// WithActor returns a context carrying the actor.
func WithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or nil for an anonymous caller.
func ActorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}
