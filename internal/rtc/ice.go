package rtc

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// ICEServer is one STUN or TURN server as the browser's RTCPeerConnection
// takes it.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// ParseICEServers reads a comma-separated list of servers:
// stun:HOST[:PORT] and turn:USER:PASSWORD@HOST[:PORT][?transport=udp|tcp]
// (stuns: and turns: alike). The TURN user and password may be
// percent-encoded, so they can hold ':', '@' or ','. The browser takes the
// credentials apart from the address, which is how they are returned.
func ParseICEServers(list string) ([]ICEServer, error) {
	var out []ICEServer
	for i, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		s, err := parseICEServer(item)
		if err != nil {
			return nil, fmt.Errorf("ICE server %d: %w", i+1, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func parseICEServer(item string) (ICEServer, error) {
	scheme, rest, ok := strings.Cut(item, ":")
	if !ok {
		return ICEServer{}, fmt.Errorf("%q: want stun:HOST:PORT or turn:USER:PASSWORD@HOST:PORT", item)
	}
	scheme = strings.ToLower(scheme)
	turn := scheme == "turn" || scheme == "turns"
	if !turn && scheme != "stun" && scheme != "stuns" {
		return ICEServer{}, fmt.Errorf("%q: the scheme must be stun, stuns, turn or turns", item)
	}
	var s ICEServer
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if !turn {
			return ICEServer{}, fmt.Errorf("%q: only a TURN server takes a user and password", scheme+":…")
		}
		user, pass, ok := strings.Cut(rest[:at], ":")
		var err1, err2 error
		s.Username, err1 = url.PathUnescape(user)
		s.Credential, err2 = url.PathUnescape(pass)
		if !ok || s.Username == "" || s.Credential == "" || err1 != nil || err2 != nil {
			return ICEServer{}, fmt.Errorf("%s server at %s: want USER:PASSWORD@ before the host, percent-encoded", scheme, rest[at+1:])
		}
		rest = rest[at+1:]
	} else if turn {
		return ICEServer{}, fmt.Errorf("%q: a TURN server needs USER:PASSWORD@ before the host", item)
	}
	addr, query, _ := strings.Cut(rest, "?")
	if err := checkHostPort(addr); err != nil {
		return ICEServer{}, fmt.Errorf("%s server %q: %w", scheme, addr, err)
	}
	switch {
	case query == "":
	case turn && (query == "transport=udp" || query == "transport=tcp"):
	default:
		return ICEServer{}, fmt.Errorf("%s server %q: unknown option %q (a TURN server takes transport=udp or transport=tcp)", scheme, addr, query)
	}
	u := scheme + ":" + addr
	if query != "" {
		u += "?" + query
	}
	s.URLs = []string{u}
	return s, nil
}

// checkHostPort accepts HOST, HOST:PORT, [IPv6] and [IPv6]:PORT.
func checkHostPort(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
		if strings.HasPrefix(addr, "[") && strings.HasSuffix(addr, "]") {
			host = addr[1 : len(addr)-1]
		} else if strings.Contains(addr, ":") {
			return fmt.Errorf("want HOST or HOST:PORT, an IPv6 address in brackets")
		}
	}
	if host == "" || strings.ContainsAny(host, "/ @[]") || (strings.Contains(host, ":") && net.ParseIP(host) == nil) {
		return fmt.Errorf("want HOST or HOST:PORT")
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %q: want 1 to 65535", port)
		}
	}
	return nil
}
