package main

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/rtc"
	"github.com/tide-project/tide/internal/web"
)

// TestConsultConfig checks that --ice-servers and TIDE_ICE_SERVERS reach
// the web server parsed, and that a bad list stops serve with the flag
// named.
func TestConsultConfig(t *testing.T) {
	env := map[string]string{"TIDE_ICE_SERVERS": "stun:stun.example.org:3478"}
	m := NewMain()
	if err := m.ParseFlags([]string{"--ice-servers", "stun:stun.example.org:3478,turn:ann:pw@turn.example.org:3478?transport=tcp"},
		func(k string) string { return env[k] }); err != nil {
		t.Fatalf("parse: %v", err)
	}
	m.Server = &web.Server{}
	if err := m.openConsultRooms(); err != nil {
		t.Fatal(err)
	}
	want := []rtc.ICEServer{{URLs: []string{"stun:stun.example.org:3478"}},
		{URLs: []string{"turn:turn.example.org:3478?transport=tcp"}, Username: "ann", Credential: "pw"}}
	if !reflect.DeepEqual(m.Server.ICEServers, want) {
		t.Errorf("the web server's ICE servers = %+v, want %+v (the flag wins over the variable)", m.Server.ICEServers, want)
	}

	for name, env := range map[string]map[string]string{
		"ErrTURNWithoutPassword": {"TIDE_ICE_SERVERS": "turn:turn.example.org:3478"},
		"ErrScheme":              {"TIDE_ICE_SERVERS": "https://stun.example.org"},
	} {
		t.Run(name, func(t *testing.T) {
			err := NewMain().ParseFlags(nil, func(k string) string { return env[k] })
			var usage usageError
			if !errors.As(err, &usage) || !strings.Contains(err.Error(), "--ice-servers") {
				t.Errorf("TIDE_ICE_SERVERS=%q: %v, want a usage error naming --ice-servers", env["TIDE_ICE_SERVERS"], err)
			}
		})
	}
}
