package rtc

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseICEServers(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []ICEServer
		err      string
	}{
		{"Empty", " ", nil, ""},
		{"STUN", "stun:stun.example.org:3478", []ICEServer{{URLs: []string{"stun:stun.example.org:3478"}}}, ""},
		{"STUNAndTURN", "stun:10.0.0.1, turn:ann:s3cret@turn.example.org:3478?transport=tcp",
			[]ICEServer{{URLs: []string{"stun:10.0.0.1"}}, {URLs: []string{"turn:turn.example.org:3478?transport=tcp"}, Username: "ann", Credential: "s3cret"}}, ""},
		{"EncodedPassword", "turns:ann:p%40ss%3Aw%2Cd@[2001:db8::1]:5349",
			[]ICEServer{{URLs: []string{"turns:[2001:db8::1]:5349"}, Username: "ann", Credential: "p@ss:w,d"}}, ""},
		{"ErrScheme", "http://stun.example.org", nil, "scheme"},
		{"ErrTURNWithoutCredentials", "turn:turn.example.org", nil, "needs USER:PASSWORD@"},
		{"ErrTURNWithoutPassword", "turn:ann@turn.example.org", nil, "want USER:PASSWORD@"},
		{"ErrSTUNWithCredentials", "stun:ann:pw@stun.example.org", nil, "only a TURN server"},
		{"ErrPort", "stun:stun.example.org:99999", nil, "port"},
		{"ErrBareIPv6", "stun:2001:db8::1", nil, "brackets"},
		{"ErrOption", "turn:a:b@h?transport=sctp", nil, "unknown option"},
		{"ErrSecondItem", "stun:ok.example.org,stun:", nil, "ICE server 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseICEServers(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseICEServers(%q) error = %v, want one saying %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseICEServers(%q): %v", tc.in, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseICEServers(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}
