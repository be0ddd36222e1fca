package user

import (
	"context"
	"strconv"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// DeleteOwn deletes the caller's own account once they confirm it with their
// password: the account and its credentials go; what they did stays, kept
// by their number alone (orders, donations in the ledger), so nothing left
// names them. Officials' accounts are closed by an administrator instead,
// since the registry's history names them.
func (s *Service) DeleteOwn(ctx context.Context, password string) error {
	a := tide.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return tide.Errorf(tide.EUNAUTHORIZED, "sign in to delete your account")
	}
	u, err := s.store.FindUserByID(ctx, a.UserID)
	if err != nil {
		return err
	}
	if len(u.Roles) != 1 || u.Roles[0] != tide.RolePublic {
		return tide.Errorf(tide.EFORBIDDEN, "only a public account can be deleted by its owner; ask an administrator")
	}
	if len(password) > MaxPasswordLen || !CheckPassword(u.PasswordHash, password) {
		return tide.Invalid("password", "the password is wrong")
	}
	c := audit.Change{Actor: "user#" + strconv.FormatInt(u.ID, 10), Action: "delete", Entity: "user", EntityID: "user#" + strconv.FormatInt(u.ID, 10)}
	if err := s.store.DeleteUser(ctx, u.ID, c); err != nil {
		return err
	}
	s.auth.dropUser(u.ID)
	return nil
}
