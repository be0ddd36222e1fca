package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"
	_ "time/tzdata" // the zone names work without the system's database

	"github.com/tide-project/tide/internal/health"
	"github.com/tide-project/tide/internal/web"
)

// openHealth builds the consultation service, sealing patients with the
// registry's key, and starts the scheduled assignment.
func (m *Main) openHealth() error {
	sealer, err := openSealer(&m.Config)
	if err != nil {
		return err
	}
	zone, err := loadZone(m.Config.ConsultZone)
	if err != nil {
		return err
	}
	svc := health.NewService(m.DB, sealer)
	svc.AttachmentDir = filepath.Join(m.Config.Data, "attachments")
	svc.Zone = zone
	svc.RoomBefore, svc.RoomAfter = m.Config.RoomBefore, m.Config.RoomAfter
	svc.Costs.HardLanguage = m.Config.LanguageRule == "hard"
	svc.OnError = func(err error) { m.Logger.Error("scheduled assignment", "error", err) }
	m.Health = svc
	if m.Consult == nil {
		m.Consult = healthRooms{svc}
	}
	if m.Config.AssignEvery > 0 {
		ctx, stop := context.WithCancel(context.Background())
		m.stopAssign = stop
		go svc.Run(ctx, m.Config.AssignEvery)
	}
	return nil
}

// loadZone reads a time zone name; the zone database is built in, so the
// names work on a machine without one.
func loadZone(name string) (*time.Location, error) {
	z, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("--consult-zone %q: %v", name, err)
	}
	return z, nil
}

// healthRooms lets the parties of consultations into their video rooms.
type healthRooms struct{ svc *health.Service }

// EnterRoom asks the consultation service for the pass; outside the
// window the pass comes with the error, so the room page can show it.
func (h healthRooms) EnterRoom(ctx context.Context, token string) (*web.ConsultPass, error) {
	p, err := h.svc.EnterRoom(ctx, token)
	if p == nil {
		return nil, err
	}
	return &web.ConsultPass{Consultation: p.Consultation, Party: p.Party, Opens: p.Opens, Closes: p.Closes, ExternalURL: p.ExternalURL}, err
}
