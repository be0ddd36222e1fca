package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

func admin(ctx context.Context) context.Context { return tide.WithActor(ctx, tide.System) }

func seedRegions(t *testing.T, db *sqlstore.DB) *region.Service {
	t.Helper()
	svc := region.NewService(db)
	csv := "code,name,level,parent\n52,P,province,\n5201,Pre,prefecture,52\n520101,C1,county,5201\n520102,C2,county,5201\n"
	if _, err := svc.Import(admin(context.Background()), strings.NewReader(csv), nil); err != nil {
		t.Fatalf("import: %v", err)
	}
	return svc
}

func TestRegions(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := admin(context.Background())
		svc := seedRegions(t, db)
		r, err := svc.Find(ctx, "5201")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := r.Children, 2; got != want {
			t.Errorf("children = %d, want %d", got, want)
		}
		parent := "5201"
		list, total, err := svc.List(ctx, region.Filter{Parent: &parent})
		if err != nil || total != 2 || len(list) != 2 || list[0].Code != "520101" {
			t.Fatalf("list = %v %d %v", list, total, err)
		}
		err = svc.Create(ctx, &region.Region{Code: "520101", Name: "dup", Level: region.County, Parent: "5201"})
		if got := tide.ErrorCode(err); got != tide.ECONFLICT {
			t.Errorf("duplicate code: got %q (%v), want %q", got, err, tide.ECONFLICT)
		}
		err = svc.Create(ctx, &region.Region{Code: "529801", Name: "x", Level: region.County, Parent: "5298"})
		if got := tide.ErrorField(err); got != "parent" {
			t.Errorf("missing parent: field %q (%v), want parent", got, err)
		}
		// Scope: an officer of county 520101 sees it and nothing of 520102.
		officer := tide.WithActor(context.Background(), &tide.Actor{Name: "c1", Roles: []tide.Role{tide.RoleCounty}, Scope: "520101"})
		if _, err := svc.Find(officer, "520101"); err != nil {
			t.Errorf("own county: %v", err)
		}
		if _, err := svc.Find(officer, "520102"); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("other county: got %v, want not found", err)
		}
		if _, _, err := svc.List(officer, region.Filter{Parent: &parent}); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("list parent outside scope: got %v, want not found", err)
		}
	})
}

func TestRegionImportRefusesBadFileWhole(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := admin(context.Background())
		svc := region.NewService(db)
		csv := "code,name,level,parent\n52,P,province,\n5201,,prefecture,52\n9901,Q,prefecture,99\n5203,R,city,52\n"
		_, err := svc.Import(ctx, strings.NewReader(csv), nil)
		ie, ok := err.(*region.ImportError)
		if !ok {
			t.Fatalf("got %v, want *ImportError", err)
		}
		want := []region.RowError{{Line: 3, Column: "name"}, {Line: 4, Column: "parent"}, {Line: 5, Column: "level"}}
		if len(ie.Rows) != len(want) {
			t.Fatalf("rows = %v, want %d", ie.Rows, len(want))
		}
		for i, w := range want {
			if ie.Rows[i].Line != w.Line || ie.Rows[i].Column != w.Column {
				t.Errorf("row %d = %+v, want line %d column %s", i, ie.Rows[i], w.Line, w.Column)
			}
		}
		if _, n, _ := db.FindRegions(ctx, region.Filter{Limit: 10}); n != 0 {
			t.Errorf("regions written = %d, want 0", n)
		}
	})
}

func TestUsersAndTokens(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := admin(context.Background())
		seedRegions(t, db)
		svc := user.NewService(db)
		pw, err := svc.Bootstrap(context.Background())
		if err != nil || pw == "" {
			t.Fatalf("bootstrap: %q %v", pw, err)
		}
		if pw2, _ := svc.Bootstrap(context.Background()); pw2 != "" {
			t.Error("second bootstrap created another administrator")
		}
		_, err = svc.Create(ctx, user.NewUser{Name: "c1", Password: "secret-pass", Roles: []tide.Role{tide.RoleCounty}, Scope: "520101"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.Create(ctx, user.NewUser{Name: "c1", Password: "secret-pass", Roles: []tide.Role{tide.RoleCounty}, Scope: "520101"})
		if tide.ErrorCode(err) != tide.ECONFLICT || tide.ErrorField(err) != "name" {
			t.Errorf("duplicate user: got %v, want conflict on name", err)
		}
		secret, u, err := svc.Login(context.Background(), "c1", "secret-pass", "api")
		if err != nil || u.Scope != "520101" {
			t.Fatalf("login: %v", err)
		}
		got, err := svc.Authenticate(context.Background(), secret)
		if err != nil || got.Name != "c1" {
			t.Fatalf("authenticate: %v %v", got, err)
		}
		if err := svc.Logout(context.Background(), secret); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Authenticate(context.Background(), secret); tide.ErrorCode(err) != tide.EUNAUTHORIZED {
			t.Errorf("after logout: %v", err)
		}
		for i := 0; i < user.MaxFailures; i++ {
			svc.Login(context.Background(), "c1", "wrong-pass", "api")
		}
		if _, _, err := svc.Login(context.Background(), "c1", "secret-pass", "api"); tide.ErrorCode(err) != tide.ETOOMANY {
			t.Errorf("after %d failures: got %v, want throttled", user.MaxFailures, err)
		}
	})
}

func TestAuditChain(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		seedRegions(t, db)
		brk, n, err := audit.Verify(ctx, db)
		if err != nil || brk != nil || n != 4 {
			t.Fatalf("verify clean log: break %v, entries %d, err %v", brk, n, err)
		}
		if _, err := db.SQL().ExecContext(ctx, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"); err == nil {
			t.Fatal("the audit log accepted an UPDATE")
		}
		sqlstore.TamperAudit(t, db, 3, "actor = 'mallory'")
		brk, _, err = audit.Verify(ctx, db)
		if err != nil || brk == nil || brk.Seq != 3 {
			t.Fatalf("verify tampered log: break %+v, err %v, want seq 3", brk, err)
		}
	})
}
