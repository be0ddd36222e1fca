package connect

import (
	"context"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// CreateClass schedules a remote class given by a school: by the school's
// own account or an official whose scope holds it.
func (s *Service) CreateClass(ctx context.Context, c *Class) error {
	a, err := actorWith(ctx, "schedule remote classes", tide.RoleAdmin, tide.RoleCounty, tide.RoleSchool)
	if err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	host, err := s.schoolFor(ctx, a, c.Host)
	if tide.ErrorCode(err) == tide.ENOTFOUND {
		return tide.Invalid("host", "school %s is not one you may schedule classes for", c.Host)
	} else if err != nil {
		return err
	}
	c.ID, c.Region, c.Classrooms = newID(), host.Region, nil
	c.Starts = c.Starts.UTC().Truncate(time.Minute)
	return s.store.CreateClass(ctx, c, audit.Change{Actor: a.Name, Action: "create", Entity: "class", EntityID: c.ID, After: c})
}

// Join adds a school's classroom to a class.
func (s *Service) Join(ctx context.Context, id, school string) (*Class, error) {
	a, err := actorWith(ctx, "join remote classes", tide.RoleAdmin, tide.RoleCounty, tide.RoleSchool)
	if err != nil {
		return nil, err
	}
	if _, err := s.schoolFor(ctx, a, school); tide.ErrorCode(err) == tide.ENOTFOUND {
		return nil, tide.Invalid("school", "school %s is not one you may act for", school)
	} else if err != nil {
		return nil, err
	}
	c, err := s.store.FindClass(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Host == school {
		return nil, tide.Invalid("school", "the host school gives the class; it does not join it")
	}
	ch := audit.Change{Actor: a.Name, Action: "join", Entity: "class", EntityID: id, After: map[string]any{"school": school}}
	if err := s.store.JoinClass(ctx, id, school, ch); err != nil {
		return nil, err
	}
	return s.store.FindClass(ctx, id)
}

// Attend records how many pupils of a joined classroom attended, reported
// by that school, the host school or an official in scope.
func (s *Service) Attend(ctx context.Context, id, school string, pupils int) (*Class, error) {
	a, err := actorWith(ctx, "record attendance", tide.RoleAdmin, tide.RoleCounty, tide.RoleSchool)
	if err != nil {
		return nil, err
	}
	if pupils < 0 || pupils > MaxPeople {
		return nil, tide.Invalid("attended", "attended must be 0 to %d pupils", MaxPeople)
	}
	c, err := s.store.FindClass(ctx, id)
	if err != nil {
		return nil, err
	}
	if s.Now().Before(c.Starts) {
		return nil, tide.Invalid("attended", "attendance is recorded once the class has begun, at %s", c.Starts.Format("2006-01-02 15:04 UTC"))
	}
	_, errSchool := s.schoolFor(ctx, a, school)
	_, errHost := s.schoolFor(ctx, a, c.Host)
	if errSchool != nil && errHost != nil {
		return nil, tide.NotFound("class")
	}
	ch := audit.Change{Actor: a.Name, Action: "attend", Entity: "class", EntityID: id,
		After: map[string]any{"school": school, "attended": pupils}}
	if err := s.store.RecordAttendance(ctx, id, school, pupils, ch); err != nil {
		return nil, err
	}
	return s.store.FindClass(ctx, id)
}

// Timetable returns the classes a school gives or joins from a day on, for
// a week or more, to the school's account or a reader in scope.
func (s *Service) Timetable(ctx context.Context, school string, from time.Time, days int) ([]*Class, error) {
	a, err := actorWith(ctx, "read timetables", schoolReaders...)
	if err != nil {
		return nil, err
	}
	if _, err := s.schoolFor(ctx, a, school); err != nil {
		return nil, err
	}
	if days <= 0 || days > 366 {
		days = 7
	}
	return s.store.FindClasses(ctx, ClassFilter{School: school, From: from, To: from.AddDate(0, 0, days), Limit: 500})
}

// Classes lists classes hosted under a region prefix in a period, with
// their attendance, to readers in scope; a school account sees every
// class, to find those its classroom may join.
func (s *Service) Classes(ctx context.Context, prefix string, from, to time.Time) ([]*Class, error) {
	a, err := actorWith(ctx, "read remote classes", schoolReaders...)
	if err != nil {
		return nil, err
	}
	if a.HasAny(readers...) && !strings.HasPrefix(prefix, a.Scope) {
		prefix = a.Scope
	}
	return s.store.FindClasses(ctx, ClassFilter{Prefix: prefix, From: from, To: to, Limit: 500})
}

// Class returns one class to its host, a joined school's account or a
// reader in scope.
func (s *Service) Class(ctx context.Context, id string) (*Class, error) {
	a, err := actorWith(ctx, "read remote classes", schoolReaders...)
	if err != nil {
		return nil, err
	}
	c, err := s.store.FindClass(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.HasAny(readers...) && a.Sees(c.Region) {
		return c, nil
	}
	for _, code := range append([]string{c.Host}, classroomSchools(c)...) {
		if _, err := s.schoolFor(ctx, a, code); err == nil {
			return c, nil
		}
	}
	return nil, tide.NotFound("class")
}

func classroomSchools(c *Class) []string {
	out := make([]string, len(c.Classrooms))
	for i, r := range c.Classrooms {
		out[i] = r.School
	}
	return out
}
