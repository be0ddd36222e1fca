package rtc

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Message types. A peer sends offer, answer, candidate and bye, which the hub
// relays to the other party; the hub itself sends welcome, peer-joined and
// peer-left.
const (
	TypeOffer      = "offer"
	TypeAnswer     = "answer"
	TypeCandidate  = "candidate"
	TypeBye        = "bye"
	TypeWelcome    = "welcome"
	TypePeerJoined = "peer-joined"
	TypePeerLeft   = "peer-left"
)

// Message is one signalling message on the socket, as JSON.
type Message struct {
	Type string `json:"type"`
	// SDP is the session description of an offer or an answer.
	SDP string `json:"sdp,omitempty"`
	// Candidate is an ICE candidate as RTCIceCandidate.toJSON gives it.
	Candidate *Candidate `json:"candidate,omitempty"`
	// Party and Peer tell a joining peer who it is and whether the other
	// party is already in the room.
	Party string `json:"party,omitempty"`
	Peer  bool   `json:"peer,omitempty"`
}

// Candidate is an RTCIceCandidateInit; an empty Candidate marks the end of
// a generation of candidates.
type Candidate struct {
	Candidate        string  `json:"candidate"`
	SDPMid           *string `json:"sdpMid"`
	SDPMLineIndex    *uint16 `json:"sdpMLineIndex"`
	UsernameFragment *string `json:"usernameFragment,omitempty"`
}

// parseSignal reads a message a peer sent and returns it encoded again, so
// the other party receives only the fields the hub knows.
func parseSignal(b []byte) ([]byte, error) {
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("a message must be a JSON object: %v", err)
	}
	switch m.Type {
	case TypeOffer, TypeAnswer:
		if !strings.HasPrefix(m.SDP, "v=0") {
			return nil, fmt.Errorf("an %s needs the sdp of a session description", m.Type)
		}
		m.Candidate = nil
	case TypeCandidate:
		if m.Candidate == nil {
			return nil, fmt.Errorf("a candidate message needs a candidate")
		}
		m.SDP = ""
	case TypeBye:
		m.SDP, m.Candidate = "", nil
	default:
		return nil, fmt.Errorf("unknown message type %q", m.Type)
	}
	m.Party, m.Peer = "", false
	return json.Marshal(m)
}

func encode(m Message) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // a Message always encodes
	}
	return b
}
