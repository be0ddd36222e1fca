package registry

import (
	"runtime"
	"sync"
	"time"
)

// memberCheck is one member row and what checking it found.
type memberCheck struct {
	m   Member
	err error
}

// memberChecks checks member rows on every processor while the file is
// still being read, so reading and the per-member work (rules, hashing and
// sealing the ID number) overlap. Rows go to the workers in batches; each
// row's outcome stays where add put it, to be read after wait.
type memberChecks struct {
	batch []memberCheck
	work  chan []memberCheck
	wg    sync.WaitGroup
}

// memberBatch is how many rows go to a worker at a time.
const memberBatch = 512

func newMemberChecks(check func(*Member) error) *memberChecks {
	c := &memberChecks{work: make(chan []memberCheck, 16)}
	for range runtime.GOMAXPROCS(0) {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			for b := range c.work {
				for i := range b {
					b[i].err = check(&b[i].m)
				}
			}
		}()
	}
	return c
}

// add queues m to be checked and returns where its outcome will be.
func (c *memberChecks) add(m Member) *memberCheck {
	if len(c.batch) == cap(c.batch) {
		c.send()
		c.batch = make([]memberCheck, 0, memberBatch)
	}
	c.batch = append(c.batch, memberCheck{m: m})
	return &c.batch[len(c.batch)-1]
}

func (c *memberChecks) send() {
	if len(c.batch) > 0 {
		c.work <- c.batch
	}
	c.batch = nil
}

// wait returns once every row added is checked; it may be called again.
func (c *memberChecks) wait() {
	if c.work == nil {
		return
	}
	c.send()
	close(c.work)
	c.wg.Wait()
	c.work = nil
}

// checkMember applies the rules of one member and, when they hold, seals
// and hashes its ID number and normalises its phone.
func (s *Service) checkMember(now time.Time) func(m *Member) error {
	return func(m *Member) error {
		if err := m.validate("", now); err != nil {
			return err
		}
		if m.IDNumber != "" {
			m.IDHash = s.sealer.Hash(m.IDNumber)
			m.IDSealed = s.sealer.SealBytes(m.IDNumber)
		}
		m.PhoneNorm = NormalizePhone(m.Phone)
		return nil
	}
}
