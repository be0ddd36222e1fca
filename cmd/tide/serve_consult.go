package main

import (
	"fmt"

	"github.com/tide-project/tide/internal/rtc"
)

// openConsultRooms gives the web server the consultations' room gate and
// the STUN and TURN servers their browsers use.
func (m *Main) openConsultRooms() error {
	ice, err := rtc.ParseICEServers(m.Config.ICEServers)
	if err != nil {
		return fmt.Errorf("--ice-servers: %w", err)
	}
	m.Server.Consult, m.Server.ICEServers = m.Consult, ice
	return nil
}
